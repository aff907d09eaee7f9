//! Turns flags, environment and gita's files into one plain `Ctx` that
//! commands receive: the only place that reads env vars, `NO_COLOR` and tty
//! state. Also the `settings.yml` model (info items, colors, symbols, widths,
//! jobs) with Python gita's defaults.

use std::collections::BTreeMap;
use std::env;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use crate::cli::ColorWhen;
use crate::registry::Registry;
use crate::{import, paths, store};

/// Info items `gita ll` can show, in their default order of appearance.
pub const ALL_INFO_ITEMS: [&str; 5] =
    ["branch", "branch_name", "commit_msg", "commit_time", "path"];
/// Situations of a branch against its upstream, for colors and symbols.
pub const SITUATIONS: [&str; 5] = [
    "no_remote",
    "in_sync",
    "diverged",
    "local_ahead",
    "remote_ahead",
];

/// Widest column `info set-length` and `settings.yml` accept.
pub const MAX_WIDTH: usize = 1000;
/// Most concurrent jobs `-j` and `settings.yml` accept.
pub const MAX_JOBS: usize = 4096;

/// `settings.yml`. Every key is optional on disk; missing keys take Python
/// gita's defaults, so the resolved maps are always complete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SettingsFile {
    pub info_items: Vec<String>,
    /// situation → color name (see `color::NAMES`).
    pub colors: BTreeMap<String, String>,
    /// symbol key → text.
    pub symbols: BTreeMap<String, String>,
    /// info item (or `symbols`) → column width; 0 = no limit.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub widths: BTreeMap<String, usize>,
    /// Default number of concurrent jobs for commands run across repos.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jobs: Option<usize>,
    /// API host or forge kind (`github`, `gitlab`, `gitea`, `forgejo`) → a
    /// shell command that prints a token for `discover` and `clone --from`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub forge_token_commands: BTreeMap<String, String>,
    /// Keys this version does not know, kept on every rewrite.
    #[serde(flatten)]
    pub extra: crate::registry::Extra,
}

impl Default for SettingsFile {
    fn default() -> Self {
        SettingsFile {
            info_items: default_info_items(),
            colors: default_colors(),
            symbols: default_symbols(),
            widths: BTreeMap::new(),
            jobs: None,
            forge_token_commands: BTreeMap::new(),
            extra: Default::default(),
        }
    }
}

pub fn default_info_items() -> Vec<String> {
    ["branch", "commit_msg", "commit_time"]
        .map(String::from)
        .to_vec()
}

pub fn default_colors() -> BTreeMap<String, String> {
    [
        ("no_remote", "white"),
        ("in_sync", "green"),
        ("diverged", "red"),
        ("local_ahead", "purple"),
        ("remote_ahead", "yellow"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

pub fn default_symbols() -> BTreeMap<String, String> {
    [
        ("dirty", "*"),
        ("staged", "+"),
        ("untracked", "?"),
        ("stashed", "$"),
        ("local_ahead", "↑"),
        ("remote_ahead", "↓"),
        ("diverged", "⇕"),
        ("in_sync", ""),
        ("no_remote", "∅"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Python gita's `info set-length` defaults.
pub fn default_widths() -> BTreeMap<String, usize> {
    [
        ("branch", 19),
        ("symbols", 5),
        ("branch_name", 27),
        ("commit_msg", 0),
        ("commit_time", 0),
        ("path", 30),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

impl SettingsFile {
    /// Fills keys a partial file left out with the defaults.
    fn complete(mut self) -> Self {
        for (k, v) in default_colors() {
            self.colors.entry(k).or_insert(v);
        }
        for (k, v) in default_symbols() {
            self.symbols.entry(k).or_insert(v);
        }
        self
    }

    /// Errors on a number out of bounds (a width over `MAX_WIDTH`, `jobs` 0
    /// or over `MAX_JOBS`), naming the file and key.
    fn check(&self, path: &Path) -> Result<()> {
        for (item, width) in &self.widths {
            if *width > MAX_WIDTH {
                anyhow::bail!(
                    "{}: widths.{item} is {width}; a width is at most {MAX_WIDTH} (0 = no limit). Fix the file or run `gita info set-length {item} N`",
                    path.display()
                );
            }
        }
        if let Some(jobs) = self.jobs
            && !(1..=MAX_JOBS).contains(&jobs)
        {
            anyhow::bail!(
                "{}: jobs is {jobs}; it must be from 1 to {MAX_JOBS}",
                path.display()
            );
        }
        Ok(())
    }

    pub fn color(&self, situation: &str) -> &str {
        self.colors.get(situation).map_or("white", String::as_str)
    }
}

/// Resolved runtime context handed to every command.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub config_dir: PathBuf,
    pub cwd: PathBuf,
    pub color_stdout: bool,
    pub stdin_tty: bool,
    pub stdout_tty: bool,
    pub stderr_tty: bool,
}

impl Ctx {
    pub fn new(color: ColorWhen) -> Result<Ctx> {
        let config_dir = paths::config_dir()?;
        let cwd = env::current_dir().context("cannot read the current directory")?;
        let no_color = env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let stdout_tty = std::io::stdout().is_terminal();
        let stderr_tty = std::io::stderr().is_terminal();
        let decide = |tty: bool| match color {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => tty && !no_color,
        };
        Ok(Ctx {
            color_stdout: decide(stdout_tty),
            stdin_tty: std::io::stdin().is_terminal(),
            stdout_tty,
            stderr_tty,
            cwd,
            config_dir,
        })
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.config_dir.join(name)
    }

    /// Loads the registry; on first use imports Python gita's files.
    pub fn registry(&self) -> Result<Registry> {
        let path = self.file(paths::REGISTRY);
        match store::read_text(&path)? {
            Some(text) => store::parse(&text, &path),
            None if import::has_python_files(&self.config_dir) => {
                // Import under the lock so concurrent first runs import once.
                self.update_registry(|_| Ok(()))?;
                store::load(&path)
            }
            None => Ok(Registry::default()),
        }
    }

    /// Read-modify-write of the registry under the config-dir lock; writes
    /// only when something changed.
    pub fn update_registry<R>(&self, f: impl FnOnce(&mut Registry) -> Result<R>) -> Result<R> {
        let _lock = store::DirLock::acquire(&self.config_dir)?;
        let path = self.file(paths::REGISTRY);
        let (mut reg, before) = match store::read_text(&path)? {
            Some(text) => {
                let reg: Registry = store::parse(&text, &path)?;
                let before = store::to_text(&reg)?;
                (reg, Some(before))
            }
            None if import::has_python_files(&self.config_dir) => {
                let (reg, settings) = import::import(&self.config_dir)?;
                let spath = self.file(paths::SETTINGS);
                if store::read_text(&spath)?.is_none() {
                    store::write_atomic(&spath, &store::to_text(&settings)?)?;
                }
                eprintln!(
                    "gita: imported {} repo(s) and {} group(s) from Python gita's files in {} (the CSV files are left untouched)",
                    reg.repos.len(),
                    reg.groups.len(),
                    self.config_dir.display()
                );
                (reg, None)
            }
            None => (
                Registry::default(),
                Some(store::to_text(&Registry::default())?),
            ),
        };
        let out = f(&mut reg)?;
        store::save_if_changed(&path, before.as_deref(), &reg)?;
        Ok(out)
    }

    /// Loads settings.yml (defaults when missing).
    pub fn settings(&self) -> Result<SettingsFile> {
        // The registry load triggers a pending import, which also brings
        // the Python gita settings over.
        if !self.file(paths::REGISTRY).exists() && import::has_python_files(&self.config_dir) {
            self.registry()?;
        }
        let path = self.file(paths::SETTINGS);
        let s: SettingsFile = store::load(&path)?;
        s.check(&path)?;
        Ok(s.complete())
    }

    /// Read-modify-write of settings.yml under the config-dir lock.
    pub fn update_settings<R>(&self, f: impl FnOnce(&mut SettingsFile) -> Result<R>) -> Result<R> {
        if !self.file(paths::REGISTRY).exists() && import::has_python_files(&self.config_dir) {
            self.registry()?;
        }
        let _lock = store::DirLock::acquire(&self.config_dir)?;
        let path = self.file(paths::SETTINGS);
        let s: SettingsFile = store::load(&path)?;
        // A width out of bounds may be the very thing being fixed.
        let mut s = s.complete();
        let before = store::to_text(&s)?;
        let out = f(&mut s)?;
        s.check(&path)?;
        store::save_if_changed(&path, Some(before.as_str()), &s)?;
        Ok(out)
    }
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

impl Ctx {
    /// Columns of the terminal on stdout; `None` when stdout is not a terminal.
    pub fn stdout_width(&self) -> Option<usize> {
        if !self.stdout_tty {
            return None;
        }
        terminal_size::terminal_size_of(std::io::stdout())
            .map(|(w, _)| usize::from(w.0))
            .filter(|w| *w > 0)
    }

    /// `GITA_STATUS_ENGINE` (`git`, `gix` or `auto`): forces one status engine.
    pub fn status_engine(&self) -> Option<String> {
        env::var("GITA_STATUS_ENGINE").ok()
    }
}
