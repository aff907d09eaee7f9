//! The only module that reads and writes gita's YAML files. A missing file is
//! the default value; a file that does not parse is an error naming the file
//! and line and is never overwritten. Reads are bounded: regular files only
//! (a symlink is followed), at most `MAX_FILE_BYTES`, flow collections nested
//! at most `MAX_NESTING` deep, no duplicate keys. Writes are serialized with
//! an advisory lock and land atomically (temp file + fsync + rename) on the
//! file a symlink points to, in that file's own folder.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read as _, Write};
use std::os::unix::fs::{FileTypeExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::paths;

/// Largest file gita reads as config or manifest (16 MiB: a registry of
/// 100,000 repos is about 10 MiB).
pub const MAX_FILE_BYTES: u64 = 16 << 20;
/// Deepest nesting of `[`/`{` collections accepted in a YAML file; gita's own
/// files nest three levels.
pub const MAX_NESTING: usize = 64;
/// Most symlinks followed to reach a file (as the kernel's own limit).
const MAX_LINKS: usize = 40;

/// Reads `path` as YAML. Missing or empty = `T::default()`.
pub fn load<T: DeserializeOwned + Default>(path: &Path) -> Result<T> {
    match read_text(path)? {
        Some(text) => parse(&text, path),
        None => Ok(T::default()),
    }
}

/// The file's text, or `None` if it does not exist. Only a regular file (or
/// a symlink to one) of at most `MAX_FILE_BYTES` of UTF-8 is read; anything
/// else (a folder, a FIFO, a device, a dangling symlink) is an error that
/// says what it is, and nothing blocks or grows without bound.
pub fn read_text(path: &Path) -> Result<Option<String>> {
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            if fs::symlink_metadata(path).is_ok() {
                let target = fs::read_link(path).unwrap_or_default();
                bail!(
                    "{} is a symlink to {}, which does not exist",
                    path.display(),
                    target.display()
                );
            }
            return Ok(None);
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let meta = file
        .metadata()
        .with_context(|| format!("cannot read {}", path.display()))?;
    if !meta.is_file() {
        bail!(
            "{} is {}, not a regular file; gita reads its files only from regular files",
            path.display(),
            kind_of(&meta.file_type())
        );
    }
    if meta.len() > MAX_FILE_BYTES {
        bail!("{}: {}", path.display(), too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        bail!("{}: {}", path.display(), too_large());
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|e| anyhow!("{}: not UTF-8 text ({e})", path.display()))
}

fn too_large() -> String {
    format!(
        "larger than {} MiB; gita does not read files that large",
        MAX_FILE_BYTES >> 20
    )
}

/// "a folder", "a FIFO", … for error messages.
fn kind_of(t: &fs::FileType) -> &'static str {
    if t.is_dir() {
        "a folder"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Parses YAML text that came from `path` (used in error messages). Refuses
/// text nested deeper than `MAX_NESTING` and mappings with a key twice (a
/// duplicate would otherwise silently drop the first entry on the next write).
pub fn parse<T: DeserializeOwned + Default>(text: &str, path: &Path) -> Result<T> {
    if text.trim().is_empty() {
        return Ok(T::default());
    }
    if let Some(line) = too_deep(text) {
        bail!(
            "{}:{line}: cannot parse: collections nested more than {MAX_NESTING} deep (fix or move the file by hand; gita leaves it untouched)",
            path.display()
        );
    }
    let located = |e: serde_norway::Error| {
        let at = e
            .location()
            .map(|l| format!(":{}:{}", l.line(), l.column()))
            .unwrap_or_default();
        anyhow!(
            "{}{at}: cannot parse: {e} (fix or move the file by hand; gita leaves it untouched)",
            path.display()
        )
    };
    // A generic parse first: it rejects duplicate keys anywhere. The value
    // then becomes `T` without parsing the text again; only when that fails
    // is the text parsed once more, for an error that names the line.
    let value = match serde_norway::from_str::<serde_norway::Value>(text) {
        Ok(value) => value,
        Err(e) => {
            if let Some(msg) = duplicate_key(text, &e) {
                bail!(
                    "{}:{msg} (fix the file by hand; gita leaves it untouched)",
                    path.display()
                );
            }
            return Err(located(e));
        }
    };
    match serde_norway::from_value(value) {
        Ok(parsed) => Ok(parsed),
        Err(e) => Err(serde_norway::from_str::<T>(text)
            .err()
            .map_or_else(|| anyhow!("{}: cannot parse: {e}", path.display()), located)),
    }
}

/// For a duplicate-key error (which the parser places at the start of the
/// mapping), `line: cannot parse: key "k" appears twice (first at line N)`
/// with the line of the second occurrence, found among the mapping's block
/// entries; `None` for other errors or a mapping written in flow style.
fn duplicate_key(text: &str, err: &serde_norway::Error) -> Option<String> {
    let msg = err.to_string();
    let rest = msg.split("duplicate entry with key ").nth(1)?;
    let key = rest.split(" at line ").next()?;
    let key: String = serde_json::from_str(key).ok()?;
    let loc = err.location()?;
    let indent = loc.column().checked_sub(1)?;
    let mut seen = Vec::new();
    for (i, line) in text.lines().enumerate().skip(loc.line().checked_sub(1)?) {
        let body = line.trim_start_matches(' ');
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let this_indent = line.len() - body.len();
        if this_indent < indent {
            break;
        }
        if this_indent > indent {
            continue;
        }
        let written = body.split(':').next().unwrap_or("").trim_end();
        let unquoted = serde_norway::from_str::<String>(written).ok();
        if written == key || unquoted.as_deref() == Some(key.as_str()) {
            seen.push(i + 1);
            if let [first, again] = seen[..] {
                return Some(format!(
                    "{again}: cannot parse: key {key:?} appears twice (first at line {first})"
                ));
            }
        }
    }
    None
}

/// The line on which `[`/`{` first nest deeper than `MAX_NESTING`, if they
/// do. Brackets inside quoted text count too: no file of gita's has 64
/// unmatched brackets in a string, and a scan that never guesses at quoting
/// cannot be fooled into skipping real nesting. Block nesting needs a line of
/// indentation per level and is bounded by the size.
fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut line = 1;
    for b in text.bytes() {
        match b {
            b'\n' => line += 1,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(line);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
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

/// The file a write of `path` must replace: `path` itself, or the end of its
/// chain of symlinks (relative links resolve against their own folder). A
/// dangling link or a loop is an error: writing would otherwise replace the
/// link with a regular file, and the change would never reach its target.
pub fn write_target(path: &Path) -> Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&current)
                    .with_context(|| format!("cannot read symlink {}", current.display()))?;
                current = match current.parent() {
                    Some(dir) => dir.join(&link),
                    None => link,
                };
            }
            Ok(meta) if meta.is_file() => return Ok(current),
            Ok(meta) => bail!(
                "{} is {}, not a regular file; gita leaves it untouched",
                current.display(),
                kind_of(&meta.file_type())
            ),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                if current == path {
                    return Ok(current);
                }
                bail!(
                    "{} is a symlink to {}, which does not exist; create the target or remove the link",
                    path.display(),
                    current.display()
                );
            }
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", current.display())),
        }
    }
    bail!("{}: too many levels of symlinks", path.display())
}

/// Writes `text` to `path` atomically: a temp file in the target's folder is
/// written and fsynced, then renamed over the target (a symlink's target, not
/// the link; the file's permissions are kept). Call with the lock held: temp
/// files that a killed gita left behind are removed first.
pub fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let target = write_target(path)?;
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    remove_stale_temp_files(dir, &name);
    let tmp: PathBuf = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mode = fs::metadata(&target).map(|m| m.permissions()).ok();
    let result = (|| -> std::io::Result<()> {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o666)
            .open(&tmp)?;
        if let Some(mode) = mode {
            file.set_permissions(mode)?;
        }
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        fs::rename(&tmp, &target)?;
        // Make the rename itself durable.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.with_context(|| format!("cannot write {}", target.display()))
}

/// Removes `.<name>.<pid>.tmp` files in `dir`. Writes happen only under the
/// config-dir lock, so while we hold it any such file is a leftover of a
/// gita that was killed mid-write.
fn remove_stale_temp_files(dir: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let prefix = format!(".{name}.");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        let is_ours = file_name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".tmp"))
            .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()));
        if is_ours && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(entry.path());
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_bounded_and_counted_by_line() {
        assert_eq!(too_deep("a: [[1]]\n"), None);
        let deep = format!("a: 1\nb: {}", "[".repeat(MAX_NESTING + 1));
        assert_eq!(too_deep(&deep), Some(2));
        let err = parse::<serde_norway::Value>(&deep, Path::new("f.yml")).expect_err("deep");
        assert!(
            err.to_string().starts_with("f.yml:2: cannot parse"),
            "{err}"
        );
    }

    #[test]
    fn duplicate_keys_are_an_error_with_the_line() {
        let text = "repos:\n  a:\n    path: /a\n  a:\n    path: /b\n";
        let err = parse::<serde_norway::Value>(text, Path::new("r.yml")).expect_err("dup");
        let msg = err.to_string();
        assert!(
            msg.starts_with("r.yml:4: cannot parse: key \"a\" appears twice (first at line 2)"),
            "{msg}"
        );
        // Flow style: the parser's own location (the mapping) is kept.
        let err =
            parse::<serde_norway::Value>("{a: 1, a: 2}", Path::new("r.yml")).expect_err("dup");
        assert!(err.to_string().contains("duplicate entry"), "{err}");
    }
}
