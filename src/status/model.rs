//! What `gita ll` knows about one repository: the request, the status both
//! engines produce, and the small text helpers they share.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Which engine produced a status (reported in `--json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Gix,
    Git,
}

/// Engine choice: `Auto` tries gix and falls back to git per repo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EngineChoice {
    Auto,
    Gix,
    Git,
}

impl EngineChoice {
    /// Parses the value of `GITA_STATUS_ENGINE` (empty or unset = auto).
    pub fn parse(value: Option<&str>) -> anyhow::Result<Self> {
        match value.map(str::trim) {
            None | Some("") | Some("auto") => Ok(Self::Auto),
            Some("gix") => Ok(Self::Gix),
            Some("git") => Ok(Self::Git),
            Some(other) => {
                anyhow::bail!("GITA_STATUS_ENGINE must be `git`, `gix` or `auto`, not `{other}`")
            }
        }
    }
}

/// Where HEAD points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Head {
    /// On a branch (possibly unborn: no commit yet).
    Branch(String),
    /// Detached at a commit; `tag` is the tag `git describe --tags --exact-match` picks.
    Detached { tag: Option<String> },
}

pub use crate::keys::Situation;

/// How a branch stands against the branch it is compared with, as both
/// engines find it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    /// The compared branch, short (`origin/main`); `None` without one.
    pub upstream: Option<String>,
    /// Commits only on the branch, commits only on the upstream.
    pub ahead_behind: Option<(usize, usize)>,
    /// The walk stopped at its bound: the counts are lower bounds.
    pub bounded: bool,
    /// An upstream is configured but its ref is missing.
    pub gone: bool,
}

impl Comparison {
    /// Compared with `upstream`, whose ref is missing (or nothing to count).
    pub fn without_counts(upstream: String, gone: bool) -> Comparison {
        Comparison {
            upstream: Some(upstream),
            gone,
            ..Comparison::default()
        }
    }

    /// Compared with `upstream`: `ahead` and `behind` commits.
    pub fn counted(upstream: String, (ahead, behind): (usize, usize), bounded: bool) -> Comparison {
        Comparison {
            upstream: Some(upstream),
            ahead_behind: Some((ahead, behind)),
            bounded,
            gone: false,
        }
    }
}

/// The commit at HEAD.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitInfo {
    /// Subject as `git log --format=%s` prints it, re-encoded to UTF-8.
    pub subject: String,
    /// Committer time, seconds since the epoch.
    pub time: i64,
}

/// Everything `gita ll` shows about one repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoStatus {
    pub head: Head,
    /// Full hex id of the HEAD commit; `None` on an unborn branch.
    pub head_oid: Option<String>,
    /// The branch compared with, shortened as git prints it (`origin/main`).
    pub upstream: Option<String>,
    /// An upstream is configured (or requested) but its ref does not exist.
    pub upstream_gone: bool,
    /// Commits on HEAD not on the upstream, and the reverse; `None` without a usable upstream.
    pub ahead_behind: Option<(usize, usize)>,
    /// The counts are lower bounds: the gix engine's walk stopped at its limit
    /// ([`ahead_behind::WALK_LIMIT`]) before it knew them exactly.
    #[serde(default)]
    pub counts_bounded: bool,
    /// Tracked files differ between index and work tree (or a merge conflict).
    pub dirty: bool,
    /// The index differs from HEAD (or a merge conflict).
    pub staged: bool,
    /// Untracked, not ignored files exist (honours `status.showUntrackedFiles=no`).
    pub untracked: bool,
    /// Number of stash entries.
    pub stash_count: usize,
    pub commit: Option<CommitInfo>,
    pub engine: Engine,
}

impl RepoStatus {
    pub fn situation(&self) -> Situation {
        match self.ahead_behind {
            None => Situation::NoRemote,
            Some((0, 0)) => Situation::InSync,
            Some((_, 0)) => Situation::LocalAhead,
            Some((0, _)) => Situation::RemoteAhead,
            Some(_) => Situation::Diverged,
        }
    }

    /// The branch column text: branch name, else the tag at HEAD, else the short hash.
    pub fn branch_display(&self) -> String {
        match &self.head {
            Head::Branch(name) => name.clone(),
            Head::Detached { tag: Some(tag) } => tag.clone(),
            Head::Detached { tag: None } => self
                .head_oid
                .as_deref()
                .map(|oid| oid.chars().take(7).collect())
                .unwrap_or_default(),
        }
    }

    /// The branch name when on a branch (`None` when detached).
    pub fn branch_name(&self) -> Option<&str> {
        match &self.head {
            Head::Branch(name) => Some(name),
            Head::Detached { .. } => None,
        }
    }
}

/// What to read for one repository.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    pub path: PathBuf,
    /// Per-repo git flags from the registry (e.g. `--git-dir=… --work-tree=…`).
    pub flags: Vec<String>,
    /// Compare with `<remote>/<branch>` instead of the configured upstream.
    pub remote: Option<String>,
}

/// The subject of a commit message as git's `%s` computes it: skip leading
/// blank lines, then join the lines of the first paragraph with one space,
/// each line stripped of trailing whitespace.
pub fn subject_of(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut started = false;
    for line in message.split(|&b| b == b'\n') {
        let trimmed = trim_end_ascii_ws(line);
        if trimmed.is_empty() {
            if started {
                break;
            }
            continue;
        }
        if started {
            out.push(b' ');
        }
        out.extend_from_slice(trimmed);
        started = true;
    }
    out
}

fn trim_end_ascii_ws(mut s: &[u8]) -> &[u8] {
    while let [rest @ .., last] = s {
        if last.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// Shortens a full ref name the way git prints upstreams: `refs/remotes/origin/main`
/// → `origin/main`, `refs/heads/main` → `main`.
pub fn shorten_ref(full: &str) -> &str {
    full.strip_prefix("refs/heads/")
        .or_else(|| full.strip_prefix("refs/remotes/"))
        .or_else(|| full.strip_prefix("refs/tags/"))
        .or_else(|| full.strip_prefix("refs/"))
        .unwrap_or(full)
}

/// Splits the registry flags into the git-dir / work-tree pair gix can honour.
/// Returns `None` when other flags are present (only git can apply those).
pub fn dir_flags(flags: &[String]) -> Option<(Option<PathBuf>, Option<PathBuf>)> {
    let (mut git_dir, mut work_tree) = (None, None);
    let mut it = flags.iter();
    while let Some(flag) = it.next() {
        if let Some(v) = flag.strip_prefix("--git-dir=") {
            git_dir = Some(PathBuf::from(v));
        } else if flag == "--git-dir" {
            git_dir = Some(PathBuf::from(it.next()?));
        } else if let Some(v) = flag.strip_prefix("--work-tree=") {
            work_tree = Some(PathBuf::from(v));
        } else if flag == "--work-tree" {
            work_tree = Some(PathBuf::from(it.next()?));
        } else {
            return None;
        }
    }
    Some((git_dir, work_tree))
}

/// Resolves a flag path relative to the repo folder (git runs with the repo as cwd).
pub fn resolve_against(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// Decodes a commit subject stored in `encoding` (the commit's `encoding`
/// header) to UTF-8. `None` means the encoding is not one we can convert.
pub fn decode_subject(bytes: &[u8], encoding: Option<&str>) -> Option<String> {
    let enc = encoding.map(|e| e.trim().to_ascii_lowercase());
    match enc.as_deref() {
        None | Some("utf-8") | Some("utf8") => Some(String::from_utf8_lossy(bytes).into_owned()),
        Some("iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" | "l1" | "iso_8859-1") => {
            Some(bytes.iter().map(|&b| char::from(b)).collect())
        }
        Some("us-ascii" | "ascii") if bytes.is_ascii() => {
            Some(String::from_utf8_lossy(bytes).into_owned())
        }
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_joins_first_paragraph() {
        assert_eq!(
            subject_of(b"\n\nfirst\nsecond  \n\nbody\n"),
            b"first second"
        );
        assert_eq!(subject_of(b"one line"), b"one line");
        assert_eq!(subject_of(b"  indented\n"), b"  indented");
        assert_eq!(subject_of(b""), b"");
    }

    #[test]
    fn shorten_ref_like_git() {
        assert_eq!(shorten_ref("refs/remotes/origin/main"), "origin/main");
        assert_eq!(shorten_ref("refs/heads/dev"), "dev");
        assert_eq!(shorten_ref("HEAD"), "HEAD");
    }

    #[test]
    fn dir_flags_accepts_only_dirs() {
        let f = |v: &[&str]| dir_flags(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            f(&["--git-dir=/a", "--work-tree", "/b"]),
            Some((Some("/a".into()), Some("/b".into())))
        );
        assert_eq!(f(&[]), Some((None, None)));
        assert_eq!(f(&["-c", "core.x=y"]), None);
        assert_eq!(f(&["--git-dir"]), None);
    }

    #[test]
    fn latin1_subjects_are_decoded() {
        assert_eq!(
            decode_subject(b"caf\xe9", Some("ISO-8859-1")).as_deref(),
            Some("café")
        );
        assert_eq!(
            decode_subject("café".as_bytes(), None).as_deref(),
            Some("café")
        );
        assert_eq!(decode_subject(b"x", Some("shift-jis")), None);
    }

    #[test]
    fn situation_from_counts() {
        let mut s = RepoStatus {
            head: Head::Branch("main".into()),
            head_oid: None,
            upstream: None,
            upstream_gone: false,
            ahead_behind: None,
            counts_bounded: false,
            dirty: false,
            staged: false,
            untracked: false,
            stash_count: 0,
            commit: None,
            engine: Engine::Gix,
        };
        assert_eq!(s.situation(), Situation::NoRemote);
        for (ab, want) in [
            ((0, 0), Situation::InSync),
            ((2, 0), Situation::LocalAhead),
            ((0, 1), Situation::RemoteAhead),
            ((1, 1), Situation::Diverged),
        ] {
            s.ahead_behind = Some(ab);
            assert_eq!(s.situation(), want);
        }
    }

    #[test]
    fn engine_choice_parses() {
        assert_eq!(EngineChoice::parse(None).ok(), Some(EngineChoice::Auto));
        assert_eq!(
            EngineChoice::parse(Some("git")).ok(),
            Some(EngineChoice::Git)
        );
        assert_eq!(
            EngineChoice::parse(Some("gix")).ok(),
            Some(EngineChoice::Gix)
        );
        assert!(EngineChoice::parse(Some("libgit2")).is_err());
    }
}
