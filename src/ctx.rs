//! Turns flags, environment and gita's files into one plain `Ctx` that
//! commands receive: the only place that reads env vars, `NO_COLOR` and tty
//! state, and the one place that loads and saves the registry and settings
//! (with the one-time import of Python gita's files).

use std::env;
use std::path::PathBuf;

use anyhow::{Context as _, Result};

use crate::keys::ColorWhen;
use crate::registry::Registry;
use crate::settings::SettingsFile;
use crate::{drift, import, paths, store};

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
        let no_color = crate::env::no_color();
        let ttys = crate::env::terminals();
        let (stdout_tty, stderr_tty) = (ttys.stdout, ttys.stderr);
        let decide = |tty: bool| match color {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => tty && !no_color,
        };
        Ok(Ctx {
            color_stdout: decide(stdout_tty),
            stdin_tty: ttys.stdin,
            stdout_tty,
            stderr_tty,
            cwd,
            config_dir,
        })
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.config_dir.join(name)
    }

    /// Loads the registry; on first use imports Python gita's files, and
    /// says once when they changed after that.
    pub fn registry(&self) -> Result<Registry> {
        let path = self.file(paths::REGISTRY);
        match store::read_text(&path)? {
            Some(text) => {
                drift::notice(&self.config_dir);
                store::parse(&text, &path)
            }
            None if import::has_python_files(&self.config_dir) => {
                self.update_registry(|reg| Ok(reg.clone()))
            }
            None => Ok(Registry::default()),
        }
    }

    /// Read-modify-write of the registry under the config-dir lock; writes
    /// only when something changed.
    pub fn update_registry<R>(&self, f: impl FnOnce(&mut Registry) -> Result<R>) -> Result<R> {
        let lock = store::DirLock::acquire(&self.config_dir)?;
        let path = self.file(paths::REGISTRY);
        let (mut reg, before) = self.load_locked(&lock)?;
        let out = f(&mut reg)?;
        store::save_if_changed(&path, before.as_deref(), &reg)?;
        Ok(out)
    }

    /// The one place the registry is loaded for a change, and the one place
    /// Python gita's files are imported: when registry.yml does not exist
    /// yet. Returns the registry and its text as loaded (`None` after an
    /// import, so that it is saved). The lock makes concurrent first runs
    /// import once.
    fn load_locked(&self, _lock: &store::DirLock) -> Result<(Registry, Option<String>)> {
        let path = self.file(paths::REGISTRY);
        if let Some(text) = store::read_text(&path)? {
            let reg: Registry = store::parse(&text, &path)?;
            let before = store::to_text(&reg)?;
            return Ok((reg, Some(before)));
        }
        if !import::has_python_files(&self.config_dir) {
            let reg = Registry::default();
            let before = store::to_text(&reg)?;
            return Ok((reg, Some(before)));
        }
        let (reg, settings) = import::import(&self.config_dir)?;
        let spath = self.file(paths::SETTINGS);
        if store::read_text(&spath)?.is_none() {
            store::write_atomic(&spath, &store::to_text(&settings)?)?;
        }
        drift::record_import(&self.config_dir)?;
        crate::say!(
            "imported {} repo(s) and {} group(s) from Python gita's files in {} (the CSV files are left untouched)",
            reg.repos.len(),
            reg.groups.len(),
            self.config_dir.display()
        );
        Ok((reg, None))
    }

    /// `gita import`: merges Python gita's files into the registry now
    /// (`dry_run`: only says what would change). Returns the changes.
    pub fn import_again(&self, dry_run: bool) -> Result<Vec<String>> {
        let lock = store::DirLock::acquire(&self.config_dir)?;
        if !import::has_python_files(&self.config_dir) {
            anyhow::bail!(
                "no Python gita files (repos.csv, groups.csv, …) in {}",
                self.config_dir.display()
            );
        }
        let (mut reg, before) = self.load_locked(&lock)?;
        let Some(before) = before else {
            // The first import just happened: nothing more to merge.
            store::save_if_changed(&self.file(paths::REGISTRY), None, &reg)?;
            return Ok(vec!["imported everything (first use)".to_string()]);
        };
        let theirs = import::import(&self.config_dir)?.0;
        let said = drift::merge(&mut reg, &theirs);
        if !dry_run {
            store::save_if_changed(&self.file(paths::REGISTRY), Some(&before), &reg)?;
            drift::record_import(&self.config_dir)?;
        }
        Ok(said)
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

impl Ctx {
    /// Columns of the terminal on stdout; `None` when stdout is not a terminal.
    pub fn stdout_width(&self) -> Option<usize> {
        if !self.stdout_tty {
            return None;
        }
        crate::env::stdout_width()
    }

    /// `GITA_STATUS_ENGINE` (`git`, `gix` or `auto`): forces one status engine.
    pub fn status_engine(&self) -> Option<String> {
        crate::env::status_engine()
    }
}
