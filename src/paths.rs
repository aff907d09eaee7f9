//! Where gita keeps its files: `$GITA_PROJECT_HOME/gita`, else
//! `$XDG_CONFIG_HOME/gita`, else the platform config dir + `gita`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Names of the files gita owns inside the config dir.
pub const REGISTRY: &str = "registry.yml";
pub const SETTINGS: &str = "settings.yml";
pub const CMDS: &str = "cmds.yml";
pub const LOCK: &str = ".gita.lock";
/// What was imported from Python gita's files, and when a change was noted.
pub const PYTHON_STAMP: &str = ".python-import.yml";

/// Resolves the config directory. It is not created here: read-only commands
/// never create files. A relative `GITA_PROJECT_HOME` is an error (the
/// registry would depend on the current folder); a relative
/// `XDG_CONFIG_HOME` is ignored, as the XDG base directory rules say.
pub fn config_dir() -> Result<PathBuf> {
    if let Some(root) = crate::env::project_home() {
        if !root.is_absolute() {
            bail!(
                "GITA_PROJECT_HOME must be an absolute path, not '{}' (a relative one would make gita's files depend on the current folder)",
                root.display()
            );
        }
        return Ok(root.join("gita"));
    }
    if let Some(root) = crate::env::xdg_config_home()
        && root.is_absolute()
    {
        return Ok(root.join("gita"));
    }
    let base = directories::BaseDirs::new()
        .context("cannot find the home directory; set GITA_PROJECT_HOME or XDG_CONFIG_HOME")?;
    Ok(base.config_dir().join("gita"))
}

/// Makes `p` absolute against `cwd` and canonical when it exists.
pub fn absolute(cwd: &Path, p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    };
    std::fs::canonicalize(&joined).unwrap_or_else(|_| normalize(&joined))
}

/// Removes `.` and `..` components lexically (for paths that do not exist).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
