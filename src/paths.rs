//! Where gita keeps its files: `$GITA_PROJECT_HOME/gita`, else
//! `$XDG_CONFIG_HOME/gita`, else the platform config dir + `gita` (SPEC §1).

use std::env;
use std::path::PathBuf;

use anyhow::{Context, Result};

/// Names of the files gita owns inside the config dir.
pub const REGISTRY: &str = "registry.yml";
pub const SETTINGS: &str = "settings.yml";
pub const CMDS: &str = "cmds.yml";
pub const LOCK: &str = ".gita.lock";

/// Resolves the config directory. It is not created here: read-only commands
/// never create files.
pub fn config_dir() -> Result<PathBuf> {
    for var in ["GITA_PROJECT_HOME", "XDG_CONFIG_HOME"] {
        if let Some(root) = env::var_os(var).filter(|v| !v.is_empty()) {
            return Ok(PathBuf::from(root).join("gita"));
        }
    }
    let base = directories::BaseDirs::new()
        .context("cannot find the home directory; set GITA_PROJECT_HOME or XDG_CONFIG_HOME")?;
    Ok(base.config_dir().join("gita"))
}
