//! The only module that reads and writes gita's YAML files. A missing file is
//! the default value; a file that does not parse is an error naming the file
//! and line and is never overwritten; writes are serialized with an advisory
//! lock and land atomically (temp file + fsync + rename).

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::paths;

/// Reads `path` as YAML. Missing or empty = `T::default()`.
pub fn load<T: DeserializeOwned + Default>(path: &Path) -> Result<T> {
    match read_text(path)? {
        Some(text) => parse(&text, path),
        None => Ok(T::default()),
    }
}

/// The file's text, or `None` if it does not exist.
pub fn read_text(path: &Path) -> Result<Option<String>> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Parses YAML text that came from `path` (used in error messages).
pub fn parse<T: DeserializeOwned + Default>(text: &str, path: &Path) -> Result<T> {
    if text.trim().is_empty() {
        return Ok(T::default());
    }
    serde_norway::from_str(text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!(":{}:{}", l.line(), l.column()))
            .unwrap_or_default();
        anyhow!(
            "{}{at}: cannot parse: {e} (fix or move the file by hand; gita leaves it untouched)",
            path.display()
        )
    })
}

/// Serializes `value` as YAML text.
pub fn to_text<T: Serialize>(value: &T) -> Result<String> {
    serde_norway::to_string(value)
        .context("cannot write gita's YAML (a path or name that is not valid UTF-8?)")
}

/// An exclusive advisory lock on the config dir, held until dropped. Every
/// read-modify-write of gita's files happens under it, so concurrent gita
/// processes never lose each other's updates.
pub struct DirLock {
    _file: File,
}

impl DirLock {
    /// Creates the config dir if needed and blocks until the lock is ours.
    pub fn acquire(dir: &Path) -> Result<DirLock> {
        fs::create_dir_all(dir)
            .with_context(|| format!("cannot create config directory {}", dir.display()))?;
        let path = dir.join(paths::LOCK);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open lock file {}", path.display()))?;
        file.lock()
            .with_context(|| format!("cannot lock {}", path.display()))?;
        Ok(DirLock { _file: file })
    }
}

/// Writes `text` to `path` atomically: a temp file in the same folder is
/// written and fsynced, then renamed over the target. Call with the lock held.
pub fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp: PathBuf = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut file = File::create(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        // Make the rename itself durable.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.with_context(|| format!("cannot write {}", path.display()))
}

/// Saves `value` to `path` unless its YAML equals `before` (the same value
/// serialized before it was modified; `None` = always write). Returns whether
/// a write happened.
pub fn save_if_changed<T: Serialize>(path: &Path, before: Option<&str>, value: &T) -> Result<bool> {
    let text = to_text(value)?;
    if before == Some(text.as_str()) {
        return Ok(false);
    }
    write_atomic(path, &text)?;
    Ok(true)
}
