//! What `gita check` reports: the reasons work could be lost, per repo, and
//! the small helpers both readers share.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::walk;
use crate::status::{Engine, RepoStatus};

/// Nested submodules are followed this deep.
pub const MAX_SUBMODULE_DEPTH: usize = 8;

/// One way work could be lost. Serialized with a `kind` tag (`--json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// Unmerged paths in the index.
    Conflicts,
    /// The index differs from HEAD.
    Staged,
    /// Tracked files differ from the index.
    Unstaged,
    /// Untracked files that are not ignored.
    Untracked,
    /// Stash entries.
    Stash { count: usize },
    /// Commits on a local branch that no remote-tracking ref reaches
    /// (`count`: `None` when the walk bound was reached before it could tell).
    UnpushedCommits {
        branch: String,
        count: Option<usize>,
        at_least: bool,
    },
    /// A local branch with no upstream configured.
    NoUpstream { branch: String },
    /// A local branch whose upstream ref does not exist.
    UpstreamGone { branch: String, upstream: String },
    /// A detached HEAD whose commits no local branch or remote-tracking ref reaches.
    DetachedHead {
        head: String,
        count: Option<usize>,
        at_least: bool,
    },
    /// A checked-out commit (of a submodule) that no remote-tracking ref reaches.
    HeadOnNoRemote {
        head: String,
        count: Option<usize>,
        at_least: bool,
    },
    /// A merge, rebase, cherry-pick, revert, bisect or `git am` not finished.
    Operation { operation: Operation },
    /// A local tag whose commit no remote-tracking ref reaches (`--tags`).
    TagOnNoRemote { tag: String },
    /// Another worktree of the repository with reasons of its own.
    Worktree {
        path: String,
        error: Option<String>,
        reasons: Vec<Reason>,
    },
    /// A checked-out submodule (path relative to the repo) with reasons of its own.
    Submodule {
        path: String,
        error: Option<String>,
        reasons: Vec<Reason>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Operation {
    Merge,
    Rebase,
    CherryPick,
    Revert,
    Bisect,
    Am,
}

impl Operation {
    pub fn word(self) -> &'static str {
        match self {
            Operation::Merge => "merge",
            Operation::Rebase => "rebase",
            Operation::CherryPick => "cherry-pick",
            Operation::Revert => "revert",
            Operation::Bisect => "bisect",
            Operation::Am => "am",
        }
    }
}

/// What was found in one repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoCheck {
    pub engine: Engine,
    pub reasons: Vec<Reason>,
}

/// What to check beyond the defaults.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Options {
    /// Also report local tags whose commit no remote-tracking ref reaches.
    pub tags: bool,
}

/// The operation in progress in the (per-worktree) git dir, as `git status`
/// tells it.
pub fn operation_in(git_dir: &Path) -> Option<Operation> {
    let has = |p: &str| git_dir.join(p).exists();
    if has("rebase-apply") {
        if has("rebase-apply/applying") {
            Some(Operation::Am)
        } else {
            Some(Operation::Rebase)
        }
    } else if has("rebase-merge") {
        Some(Operation::Rebase)
    } else if has("MERGE_HEAD") {
        Some(Operation::Merge)
    } else if has("CHERRY_PICK_HEAD") {
        Some(Operation::CherryPick)
    } else if has("REVERT_HEAD") {
        Some(Operation::Revert)
    } else if has("BISECT_LOG") || has("BISECT_START") {
        Some(Operation::Bisect)
    } else if has("sequencer/todo") {
        // A cherry-pick or revert of several commits stopped between two.
        match std::fs::read_to_string(git_dir.join("sequencer/todo")) {
            Ok(todo) if todo.trim_start().starts_with("revert") => Some(Operation::Revert),
            _ => Some(Operation::CherryPick),
        }
    } else {
        None
    }
}

/// The uncommitted-state reasons of a status (`conflicts`: unmerged paths).
pub fn uncommitted(status: &RepoStatus, conflicts: bool, with_stash: bool) -> Vec<Reason> {
    let mut out = Vec::new();
    if conflicts {
        out.push(Reason::Conflicts);
    }
    if status.staged {
        out.push(Reason::Staged);
    }
    if status.dirty {
        out.push(Reason::Unstaged);
    }
    if status.untracked {
        out.push(Reason::Untracked);
    }
    if with_stash && status.stash_count > 0 {
        out.push(Reason::Stash {
            count: status.stash_count,
        });
    }
    out
}

/// A walk result as `(count, at_least)`, `None` when no commit is at risk;
/// a count of `None` means the walk bound was reached before it could tell.
pub fn at_risk(tally: walk::Tally) -> Option<(Option<usize>, bool)> {
    match tally {
        walk::Tally::Counted { count: 0, .. } => None,
        walk::Tally::Counted { count, at_least } => Some((Some(count), at_least)),
        walk::Tally::NotChecked => Some((None, true)),
    }
}

/// Adds what was found in a submodule shown as `shown`: its reasons (when
/// it has any) and its nested submodules' entries, or its error.
pub fn push_submodule(
    out: &mut Vec<Reason>,
    shown: String,
    result: anyhow::Result<(Vec<Reason>, Vec<Reason>)>,
) {
    match result {
        Ok((reasons, nested)) => {
            if !reasons.is_empty() {
                out.push(Reason::Submodule {
                    path: shown,
                    error: None,
                    reasons,
                });
            }
            out.extend(nested);
        }
        Err(e) => out.push(Reason::Submodule {
            path: shown,
            error: Some(format!("{e:#}")),
            reasons: Vec::new(),
        }),
    }
}
