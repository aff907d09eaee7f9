//! `ll`'s memo of repos that have not changed since the last run, in the
//! spirit of git's own index and untracked cache: a repo's row is kept with
//! the file-system facts it was read from, and served again only while every
//! one of them still holds.
//!
//! What one entry records (see [`Recorder`]):
//! - the stat data (device, inode, mode, owner, size, mtime and ctime to the
//!   nanosecond) of every file outside the work tree the row depends on:
//!   HEAD, the branch's and upstream's refs, `packed-refs`, the stash and its
//!   reflog, the index, `shallow`, the exclude and attribute files, every
//!   configuration file gix loaded or could include (absent ones as absent),
//!   and for a detached HEAD the tag folders (`refs/tags` and below);
//! - the tracked files whose stat data differs from what the index holds (all
//!   others must still match the index);
//! - every folder that was listed: the tracked ones and the untracked ones
//!   the untracked search walked into (a folder's mtime changes whenever an
//!   entry is added, removed or renamed in it), and the `.gitignore` and
//!   `.gitattributes` files in them;
//! - a fingerprint of what lies outside the repo: the environment variables
//!   git reads, the user's and system's configuration, ignore and attribute
//!   files, the user id and gita's version.
//!
//! A hit stats each of these again (one `lstat` per tracked file and per
//! folder, no folder is read, no object or configuration is parsed) and
//! compares them exactly. Anything that differs, or any file that cannot be
//! read as recorded, is a miss: the repo is read in full and its entry
//! rewritten.
//!
//! Racy timestamps: a file changed in the same clock tick in which it was
//! statted could change again without its stat data changing. So an entry is
//! only written when everything it records was last changed at least
//! [`RACY_MARGIN`] before the reading started; a repo touched in the last
//! moments is read in full until it has settled.
//!
//! Not cached at all: repos with per-repo git flags, a `.git` file (linked
//! worktrees, submodule checkouts), `core.worktree`, checked-out submodules
//! (one that is not checked out is watched through its folder), sparse or
//! skip-worktree entries, merge conflicts, intent-to-add entries, SHA-256
//! repos, or ahead/behind counts that hit the walk's bound. The git engine
//! never uses the cache, and `GITA_STATUS_CACHE=off` turns it off.
//!
//! Entries live in the user's cache folder, one small JSON file per repo,
//! written atomically; a missing, unreadable, oversized or foreign entry is
//! just a miss.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Read as _;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::model::{Engine, RepoStatus, Request};

/// Changes made less than this long before a reading starts make the repo's
/// entry unsafe to keep (file systems with whole-second or two-second
/// timestamps included).
const RACY_MARGIN: Duration = Duration::from_secs(2);

/// Bumped whenever what an entry means changes: older entries are misses.
const FORMAT: u32 = 1;

/// The index of a repo whose git dir is `<work tree>/.git` (the only kind
/// cached), relative to the work tree.
pub const INDEX: &str = ".git/index";

/// Larger entry files are not read.
const MAX_ENTRY_BYTES: u64 = 16 << 20;

/// Whether `ll` may use and write the cache: not with
/// `GITA_STATUS_CACHE=off`, nor when the cache folder is someone else's or
/// writable by others (entries there could have been written by anyone).
pub fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| {
        !matches!(
            crate::env::status_cache().as_deref().map(str::trim),
            Some("off" | "0" | "no" | "false")
        ) && dir().is_some_and(|d| private(d, true))
    })
}

/// `path` is a folder of this user that nobody else may write to (`absent_ok`:
/// or it does not exist yet).
fn private(path: &Path, absent_ok: bool) -> bool {
    match std::fs::symlink_metadata(path) {
        // SAFETY: geteuid has no preconditions and cannot fail.
        Ok(md) => md.is_dir() && md.uid() == unsafe { libc::geteuid() } && md.mode() & 0o022 == 0,
        Err(e) => absent_ok && e.kind() == std::io::ErrorKind::NotFound,
    }
}

/// The folder of the entries: `$XDG_CACHE_HOME/gita/status`, else the
/// platform cache folder (`~/.cache/gita/status`).
fn dir() -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = match crate::env::xdg_cache_home() {
            Some(root) if root.is_absolute() => root,
            _ => directories::BaseDirs::new()?.cache_dir().to_path_buf(),
        };
        Some(base.join("gita").join("status"))
    })
    .as_deref()
}

/// Stat data compared exactly: device, inode, mode, uid, gid, size, mtime
/// and ctime in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snap([i64; 8]);

impl Snap {
    fn of(st: &libc::stat) -> Self {
        let ns = |s: i64, n: i64| s.saturating_mul(1_000_000_000).saturating_add(n);
        #[allow(
            clippy::unnecessary_cast,
            reason = "the field types differ between platforms"
        )]
        Snap([
            st.st_dev as i64,
            st.st_ino as i64,
            i64::from(st.st_mode),
            i64::from(st.st_uid),
            i64::from(st.st_gid),
            st.st_size as i64,
            ns(st.st_mtime as i64, st.st_mtime_nsec as i64),
            ns(st.st_ctime as i64, st.st_ctime_nsec as i64),
        ])
    }

    /// Changed at or after `limit` (nanoseconds since the epoch).
    fn changed_since(&self, limit: i64) -> bool {
        self.0[6] >= limit || self.0[7] >= limit
    }
}

/// The index's view of a file's stat data (what `gix` compares), with `None`
/// for a file that did not exist.
type IndexStat = Option<[u32; 9]>;

fn index_stat(stat: &gix::index::entry::Stat) -> [u32; 9] {
    [
        stat.mtime.secs,
        stat.mtime.nsecs,
        stat.ctime.secs,
        stat.ctime.nsecs,
        stat.dev,
        stat.ino,
        stat.uid,
        stat.gid,
        stat.size,
    ]
}

/// A file's stat data in the index's terms (times before 1970 count as 0,
/// as gix counts them).
fn index_key(mtime: (i64, i64), ctime: (i64, i64), ids: [u64; 4], size: u64) -> [u32; 9] {
    let time = |(s, n): (i64, i64)| {
        if s < 0 || n < 0 {
            (0, 0)
        } else {
            (s as u32, n as u32)
        }
    };
    let (m, c) = (time(mtime), time(ctime));
    let [dev, ino, uid, gid] = ids;
    [
        m.0,
        m.1,
        c.0,
        c.1,
        dev as u32,
        ino as u32,
        uid as u32,
        gid as u32,
        size as u32,
    ]
}

#[allow(
    clippy::unnecessary_cast,
    reason = "the field types differ between platforms"
)]
fn index_key_libc(st: &libc::stat) -> [u32; 9] {
    index_key(
        (st.st_mtime as i64, st.st_mtime_nsec as i64),
        (st.st_ctime as i64, st.st_ctime_nsec as i64),
        [
            st.st_dev as u64,
            st.st_ino as u64,
            u64::from(st.st_uid),
            u64::from(st.st_gid),
        ],
        st.st_size as u64,
    )
}

/// As [`index_key_libc`], for what the status check statted.
pub fn index_key_gix(md: &gix::index::fs::Metadata) -> Option<[u32; 9]> {
    let since = |t: Option<SystemTime>| -> Option<(i64, i64)> {
        let d = t?.duration_since(SystemTime::UNIX_EPOCH).ok()?;
        Some((
            i64::try_from(d.as_secs()).ok()?,
            i64::from(d.subsec_nanos()),
        ))
    };
    Some(index_key(
        since(md.modified())?,
        since(md.created())?,
        [md.dev(), md.ino(), u64::from(md.uid()), u64::from(md.gid())],
        md.len(),
    ))
}

/// One repo's entry.
#[derive(Serialize, Deserialize)]
struct Entry {
    format: u32,
    global: u64,
    path: PathBuf,
    remote: Option<String>,
    /// Files that must still be as they were, following symlinks: relative
    /// to the work tree, or absolute.
    files: Vec<(PathBuf, Option<Snap>)>,
    /// Tracked files whose stat data differed from the index's, in index order.
    changed: Vec<(String, IndexStat)>,
    /// Listed folders, relative to the work tree ("" is the work tree).
    dirs: Vec<(String, Snap)>,
    status: RepoStatus,
}

/// Collects what a full reading of one repo depended on.
pub struct Recorder {
    /// The work tree: relative paths are relative to it.
    base: PathBuf,
    /// Nanoseconds since the epoch before which every recorded change must lie.
    limit: i64,
    spoiled: bool,
    files: Vec<(PathBuf, Option<Snap>)>,
    changed: Vec<(String, IndexStat)>,
    dirs: Vec<(String, Snap)>,
    /// Folders recorded so far (no folder twice).
    seen_dirs: std::collections::HashSet<String>,
}

impl Recorder {
    fn new(base: &Path) -> Self {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        let limit = now.saturating_sub(RACY_MARGIN);
        Recorder {
            base: base.to_path_buf(),
            limit: i64::try_from(limit.as_nanos()).unwrap_or(i64::MAX),
            spoiled: false,
            files: Vec::new(),
            changed: Vec::new(),
            dirs: Vec::new(),
            seen_dirs: Default::default(),
        }
    }

    /// This reading cannot be cached.
    pub fn spoil(&mut self) {
        self.spoiled = true;
    }

    /// A file outside the work tree's content (or a configuration file)
    /// that the reading depended on, by path as given (relative paths are
    /// relative to the work tree).
    pub fn file(&mut self, path: PathBuf) {
        if self.spoiled || self.files.iter().any(|(p, _)| *p == path) {
            return;
        }
        match stat_follow(&resolve(&self.base, &path)) {
            Ok(snap) => {
                if snap.is_some_and(|s| s.changed_since(self.limit)) {
                    self.spoil();
                }
                self.files.push((path, snap));
            }
            // Not a directory on the way, no permission: nothing safe to keep.
            Err(()) => self.spoil(),
        }
    }

    /// A tracked file's stat data as the status check saw it.
    pub fn tracked(&mut self, rela: &[u8], seen: IndexStat, in_index: &gix::index::entry::Stat) {
        if self.spoiled {
            return;
        }
        let Ok(rela) = std::str::from_utf8(rela) else {
            self.spoil();
            return;
        };
        match seen {
            Some(s) => {
                let ns = |secs: u32, nsecs: u32| i64::from(secs) * 1_000_000_000 + i64::from(nsecs);
                if ns(s[0], s[1]) >= self.limit || ns(s[2], s[3]) >= self.limit {
                    self.spoil();
                    return;
                }
                if s != index_stat(in_index) {
                    self.changed.push((rela.to_owned(), seen));
                }
            }
            None => self.changed.push((rela.to_owned(), None)),
        }
    }

    /// A folder of the work tree that was (or is about to be) listed;
    /// `rela` is "" for the work tree itself (statted through a symlink, as
    /// a hit opens it; folders inside it are not). Its `.gitignore` and
    /// `.gitattributes` are recorded too.
    pub fn dir(&mut self, rela: &[u8]) {
        if self.spoiled {
            return;
        }
        let Ok(rela) = std::str::from_utf8(rela) else {
            self.spoil();
            return;
        };
        if !self.seen_dirs.insert(rela.to_owned()) {
            return;
        }
        let path = if rela.is_empty() {
            self.base.clone()
        } else {
            self.base.join(rela)
        };
        let snap = match at::stat_path(&path, rela.is_empty()) {
            Ok(Some(st)) if st.st_mode & libc::S_IFMT == libc::S_IFDIR => Snap::of(&st),
            _ => {
                self.spoil();
                return;
            }
        };
        if snap.changed_since(self.limit) {
            self.spoil();
            return;
        }
        self.dirs.push((rela.to_owned(), snap));
        for name in [".gitignore", ".gitattributes"] {
            let path = Path::new(rela).join(name);
            // An absent one is covered by the folder's own mtime.
            if std::fs::symlink_metadata(self.base.join(&path)).is_ok() {
                self.file(path);
            }
        }
    }

    /// Whether this reading can no longer be cached.
    pub fn is_spoiled(&self) -> bool {
        self.spoiled
    }

    /// The work tree the reading must find (as gix names it).
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// A submodule: cached only while it is not checked out (an empty
    /// folder, or none of git's in it), which its folder's mtime shows.
    pub fn submodule(&mut self, rela: &[u8]) {
        if self.spoiled {
            return;
        }
        let Ok(p) = gix::path::from_byte_slice(rela) else {
            self.spoil();
            return;
        };
        let path = self.base.join(p);
        match std::fs::symlink_metadata(path.join(".git")) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => self.dir(rela),
            _ => self.spoil(),
        }
    }
}

/// Where relative recorded paths are resolved: the work tree.
fn base_of(req: &Request, in_repo: bool) -> &Path {
    if in_repo { Path::new(".") } else { &req.path }
}

fn resolve(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

thread_local! {
    /// Stat data of absolute paths outside any repo (the user's
    /// configuration), read once per process.
    static OUTSIDE: RefCell<HashMap<PathBuf, Result<Option<Snap>, ()>>> = RefCell::new(HashMap::new());
}

fn stat_follow(path: &Path) -> Result<Option<Snap>, ()> {
    at::stat_path(path, true).map(|st| st.as_ref().map(Snap::of))
}

/// [`stat_follow`] of an absolute path, once per process.
fn stat_outside(p: &Path) -> Result<Option<Snap>, ()> {
    OUTSIDE.with(|m| {
        *m.borrow_mut()
            .entry(p.to_path_buf())
            .or_insert_with(|| stat_follow(p))
    })
}

/// The fingerprint of everything outside the repo a reading may depend on.
fn global() -> u64 {
    static GLOBAL: OnceLock<u64> = OnceLock::new();
    *GLOBAL.get_or_init(|| {
        let mut h = Fnv::new();
        h.add(env!("CARGO_PKG_VERSION").as_bytes());
        // SAFETY: geteuid has no preconditions and cannot fail.
        let euid = unsafe { libc::geteuid() };
        h.add(&euid.to_le_bytes());
        // What decides which configuration git reads (not the session's
        // other variables, which change at each login).
        let mut names: Vec<std::ffi::OsString> = crate::env::names()
            .into_iter()
            .filter(|k| {
                let k = k.as_encoded_bytes();
                k.starts_with(b"GIT_") || matches!(k, b"HOME" | b"XDG_CONFIG_HOME")
            })
            .collect();
        names.sort();
        for name in &names {
            h.add(name.as_encoded_bytes());
            let value = name.to_str().and_then(crate::env::raw).unwrap_or_default();
            h.add(value.as_encoded_bytes());
        }
        // Files git reads outside the repo when they exist: their creation,
        // change or removal changes the fingerprint.
        let config_home = crate::env::xdg_config_home()
            .filter(|p| p.is_absolute())
            .or_else(|| crate::env::home().map(|h| h.join(".config")));
        let mut outside: Vec<PathBuf> = vec![
            PathBuf::from("/etc/gitconfig"),
            PathBuf::from("/etc/gitattributes"),
        ];
        if let Some(home) = crate::env::home() {
            outside.push(home.join(".gitconfig"));
        }
        if let Some(config) = config_home {
            for name in ["config", "ignore", "attributes"] {
                outside.push(config.join("git").join(name));
            }
        }
        for var in ["GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM"] {
            if let Some(p) = crate::env::var(var) {
                outside.push(PathBuf::from(p));
            }
        }
        for p in &outside {
            h.add(p.as_os_str().as_encoded_bytes());
            match stat_follow(p) {
                Ok(Some(snap)) => {
                    for n in snap.0 {
                        h.add(&n.to_le_bytes());
                    }
                }
                Ok(None) => h.add(b"absent"),
                Err(()) => h.add(b"unreadable"),
            }
        }
        h.0
    })
}

/// 64-bit FNV-1a: stable across builds and platforms (unlike std's hasher),
/// so entry names and fingerprints stay put.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn add(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // A separator, so ("ab", "c") and ("a", "bc") differ.
        self.0 ^= 0xff;
        self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
    }
}

/// The entry file of a request.
fn entry_path(req: &Request) -> Option<PathBuf> {
    let mut h = Fnv::new();
    h.add(req.path.as_os_str().as_encoded_bytes());
    h.add(req.remote.as_deref().unwrap_or("\0").as_bytes());
    Some(dir()?.join(format!("{:016x}.json", h.0)))
}

fn load(req: &Request) -> Option<Entry> {
    let path = entry_path(req)?;
    let file = std::fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    file.take(MAX_ENTRY_BYTES + 1)
        .read_to_end(&mut bytes)
        .ok()?;
    if bytes.len() as u64 > MAX_ENTRY_BYTES {
        return None;
    }
    let entry: Entry = serde_json::from_slice(&bytes).ok()?;
    (entry.format == FORMAT
        && entry.global == global()
        && entry.path == req.path
        && entry.remote == req.remote)
        .then_some(entry)
}

/// The row of an unchanged repo, if its entry still holds.
pub fn lookup(req: &Request, in_repo: bool) -> Option<RepoStatus> {
    if !req.flags.is_empty() {
        return None;
    }
    let entry = load(req)?;
    let base = base_of(req, in_repo);
    // Everything inside the work tree is statted relative to it: short
    // lookups, one folder lookup per run of files in the same folder.
    let root = at::Dir::open(base)?;
    for (p, snap) in &entry.files {
        let seen = if p.is_absolute() {
            stat_outside(p)
        } else {
            root.stat(p.as_os_str().as_encoded_bytes(), true)
                .map(|s| s.as_ref().map(Snap::of))
        };
        if seen.ok()? != *snap {
            return None;
        }
    }
    for (rela, snap) in &entry.dirs {
        let seen = root.stat(rela.as_bytes(), false).ok()??;
        if Snap::of(&seen) != *snap {
            return None;
        }
    }
    let kind = gix::hash::Kind::Sha1;
    let options = gix::index::decode::Options {
        thread_limit: Some(1),
        ..Default::default()
    };
    let index = gix::index::File::at(base.join(INDEX), kind, true, options).ok()?;
    let mut changed = entry.changed.iter().peekable();
    let mut folder: Option<(&[u8], at::Dir)> = None;
    let entries = index.entries();
    for (i, e) in entries.iter().enumerate() {
        if !plain(e) {
            return None;
        }
        // A submodule that is not checked out: its recorded folder says
        // whether it still is not.
        if e.mode.is_submodule() {
            continue;
        }
        let rela: &[u8] = e.path(&index);
        let expected = match changed.peek() {
            Some((p, stat)) if p.as_bytes() == rela => {
                changed.next();
                *stat
            }
            _ => Some(index_stat(&e.stat)),
        };
        let (parent, name) = match rela.iter().rposition(|&b| b == b'/') {
            Some(slash) => (&rela[..slash], &rela[slash + 1..]),
            None => (&rela[..0], rela),
        };
        // A folder of several files is opened once; a lone file is statted
        // by its path.
        if parent.is_empty() {
            folder = None;
        } else if folder.as_ref().is_none_or(|(p, _)| *p != parent) {
            let run = entries[i..]
                .iter()
                .take(FOLDER_RUN)
                .take_while(|n| {
                    let p: &[u8] = n.path(&index);
                    p.len() > parent.len() + 1
                        && p.starts_with(parent)
                        && p[parent.len()] == b'/'
                        && !p[parent.len() + 1..].contains(&b'/')
                })
                .count();
            folder = if run >= FOLDER_RUN {
                match root.open_dir(parent) {
                    Ok(Some(dir)) => Some((parent, dir)),
                    // A folder gone or replaced: the path says so below.
                    Ok(None) => None,
                    Err(()) => return None,
                }
            } else {
                None
            };
        }
        let seen = match &folder {
            Some((p, dir)) if *p == parent => dir.stat(name, false),
            _ => root.stat(rela, false),
        };
        if seen.ok()?.as_ref().map(index_key_libc) != expected {
            return None;
        }
    }
    if changed.next().is_some() {
        return None;
    }
    let mut status = entry.status;
    status.engine = Engine::Gix;
    Some(status)
}

/// Files in one folder from which it pays to open the folder once.
const FOLDER_RUN: usize = 4;

/// An index entry the cache can vouch for by its stat data alone.
pub fn plain(e: &gix::index::Entry) -> bool {
    use gix::index::entry::Flags;
    let special = Flags::SKIP_WORKTREE
        | Flags::ASSUME_VALID
        | Flags::FSMONITOR_VALID
        | Flags::INTENT_TO_ADD
        | Flags::UPTODATE;
    e.stage_raw() == 0 && !e.flags.intersects(special) && !e.mode.is_sparse()
}

/// Reads `req` in full with `read`, and keeps its row if the reading can be
/// cached.
pub fn record(
    req: &Request,
    in_repo: bool,
    read: impl FnOnce(&mut Recorder) -> anyhow::Result<RepoStatus>,
) -> anyhow::Result<RepoStatus> {
    let mut rec = Recorder::new(base_of(req, in_repo));
    if !req.flags.is_empty() {
        rec.spoil();
    }
    let status = read(&mut rec)?;
    if !rec.spoiled {
        store(req, rec, &status);
    }
    Ok(status)
}

fn store(req: &Request, rec: Recorder, status: &RepoStatus) {
    let Some(path) = entry_path(req) else { return };
    let entry = Entry {
        format: FORMAT,
        global: global(),
        path: req.path.clone(),
        remote: req.remote.clone(),
        files: rec.files,
        changed: rec.changed,
        dirs: rec.dirs,
        status: status.clone(),
    };
    let Ok(bytes) = serde_json::to_vec(&entry) else {
        return;
    };
    // An entry too large to be read back is not worth writing.
    if bytes.len() as u64 > MAX_ENTRY_BYTES {
        return;
    }
    let _ = write_atomically(&path, &bytes);
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
    let Some(folder) = path.parent() else {
        return Ok(());
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(folder)?;
    if !private(folder, false) {
        return Ok(());
    }
    let tmp = folder.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(bytes)?;
        drop(file);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `fstatat` and `openat` relative to an open folder.
mod at {
    use std::ffi::{CStr, CString};
    use std::os::fd::{AsRawFd as _, FromRawFd as _, OwnedFd};
    use std::path::Path;

    /// An open folder.
    pub struct Dir(OwnedFd);

    #[cfg(target_os = "linux")]
    const DIR_FLAGS: libc::c_int = libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC;
    #[cfg(not(target_os = "linux"))]
    const DIR_FLAGS: libc::c_int = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC;

    fn not_found() -> bool {
        std::io::Error::last_os_error().raw_os_error() == Some(libc::ENOENT)
    }

    /// `rela` as a C path relative to a folder ("" is the folder itself).
    fn c_path(rela: &[u8]) -> Option<CString> {
        CString::new(if rela.is_empty() { &b"."[..] } else { rela }).ok()
    }

    /// Stat data of `path` (`follow`: through a final symlink); `None` if
    /// it does not exist.
    pub fn stat_path(path: &Path, follow: bool) -> Result<Option<libc::stat>, ()> {
        let path = CString::new(path.as_os_str().as_encoded_bytes()).map_err(|_| ())?;
        stat_at(libc::AT_FDCWD, &path, follow)
    }

    fn stat_at(at: libc::c_int, path: &CStr, follow: bool) -> Result<Option<libc::stat>, ()> {
        let flags = if follow { 0 } else { libc::AT_SYMLINK_NOFOLLOW };
        let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: a valid descriptor (or AT_FDCWD), C string and buffer for one stat.
        let r = unsafe { libc::fstatat(at, path.as_ptr(), st.as_mut_ptr(), flags) };
        if r == 0 {
            // SAFETY: fstatat filled the buffer.
            Ok(Some(unsafe { st.assume_init() }))
        } else if not_found() {
            Ok(None)
        } else {
            Err(())
        }
    }

    impl Dir {
        pub fn open(path: &Path) -> Option<Dir> {
            let path = CString::new(path.as_os_str().as_encoded_bytes()).ok()?;
            // SAFETY: a valid C string; the descriptor is owned below.
            let fd = unsafe { libc::open(path.as_ptr(), DIR_FLAGS) };
            // SAFETY: a descriptor just opened and owned by nobody else.
            (fd >= 0).then(|| Dir(unsafe { OwnedFd::from_raw_fd(fd) }))
        }

        /// The folder `rela` below this one; `None` if it does not exist.
        pub fn open_dir(&self, rela: &[u8]) -> Result<Option<Dir>, ()> {
            let path = c_path(rela).ok_or(())?;
            // SAFETY: a valid descriptor and C string; the result is owned below.
            let fd = unsafe { libc::openat(self.0.as_raw_fd(), path.as_ptr(), DIR_FLAGS) };
            if fd >= 0 {
                // SAFETY: a descriptor just opened and owned by nobody else.
                Ok(Some(Dir(unsafe { OwnedFd::from_raw_fd(fd) })))
            } else if not_found() {
                Ok(None)
            } else {
                Err(())
            }
        }

        /// Stat data of `rela` below this folder (`follow`: through a final
        /// symlink); `None` if it does not exist.
        pub fn stat(&self, rela: &[u8], follow: bool) -> Result<Option<libc::stat>, ()> {
            let path = c_path(rela).ok_or(())?;
            stat_at(self.0.as_raw_fd(), &path, follow)
        }
    }
}
