//! Checked-out submodules as the in-process reader sees them: which
//! gitlinks hold a repo, each one's reasons (and its own submodules'), and
//! unstaged changes that do not count those inside submodules.

use std::path::{Path, PathBuf};

use anyhow::Result;
use gix::ObjectId;
use gix::bstr::ByteSlice;

use super::gix_repo::{Refs, open};
use super::model::{
    MAX_SUBMODULE_DEPTH, Reason, at_risk, operation_in, push_submodule, uncommitted,
};
use super::walk::{self, Held};
use crate::status::{self, EngineChoice, Request};

fn checked_out_submodules<'a>(
    index: &'a gix::index::State,
    workdir: &'a Path,
) -> impl Iterator<Item = (String, PathBuf)> + 'a {
    index.entries().iter().filter_map(move |entry| {
        if entry.mode != gix::index::entry::Mode::COMMIT || entry.stage_raw() != 0 {
            return None;
        }
        let rela = entry.path(index);
        let rel_path = gix::path::from_byte_slice(rela).ok()?;
        // Absolute: git children are confined to the folder's parent.
        let dir = workdir.join(rel_path);
        let dir = std::path::absolute(&dir).unwrap_or(dir);
        dir.join(".git")
            .exists()
            .then(|| (rela.to_str_lossy().into_owned(), dir))
    })
}

pub(super) fn has_checked_out_submodule(index: &gix::index::State, workdir: &Path) -> bool {
    checked_out_submodules(index, workdir).next().is_some()
}

/// Whether tracked files differ from the index, not counting changes inside
/// submodules (a submodule whose checked-out commit moved still counts), as
/// `git status --ignore-submodules=dirty` sees it.
pub(super) fn unstaged_outside_submodules(repo: &gix::Repository) -> Result<bool> {
    use gix::status::index_worktree::Item;
    let iter = repo
        .status(gix::progress::Discard)?
        .untracked_files(gix::status::UntrackedFiles::None)
        .index_worktree_rewrites(None)
        .index_worktree_submodules(gix::status::Submodule::Given {
            ignore: gix::submodule::config::Ignore::Dirty,
            check_dirty: true,
        })
        .into_index_worktree_iter(Vec::new())?;
    for item in iter {
        match item? {
            Item::Modification { status, .. } => {
                if !matches!(
                    status,
                    gix::status::plumbing::index_as_worktree::EntryStatus::NeedsUpdate(_)
                ) {
                    return Ok(true);
                }
            }
            Item::Rewrite { .. } => return Ok(true),
            Item::DirectoryContents { .. } => {}
        }
    }
    Ok(false)
}

/// Checked-out submodules (gitlinks in the index whose folder holds a repo),
/// each with its reasons, nested ones after their parent; `prefix` is the
/// parent's path relative to the registered repo.
pub(super) fn submodules(
    index: &gix::index::State,
    workdir: &Path,
    prefix: &str,
    depth: usize,
    fallback: bool,
    out: &mut Vec<Reason>,
) {
    for (rela, dir) in checked_out_submodules(index, workdir) {
        let shown = if prefix.is_empty() {
            rela
        } else {
            format!("{prefix}/{rela}")
        };
        let result = match submodule(&dir, &shown, depth, fallback) {
            Err(_) if fallback => super::git_reader::submodule(&dir, &shown, depth),
            other => other,
        };
        push_submodule(out, shown, result);
    }
}

/// The reasons of one submodule, and those of its own submodules.
fn submodule(
    dir: &Path,
    shown: &str,
    depth: usize,
    fallback: bool,
) -> Result<(Vec<Reason>, Vec<Reason>)> {
    let req = Request {
        path: dir.to_path_buf(),
        flags: Vec::new(),
        remote: None,
    };
    let state = status::pool::read_one(&req, EngineChoice::Gix, false)?;
    let repo = open(&req, false)?;
    let index = repo.index_or_empty()?;
    let conflicts =
        state.dirty && state.staged && index.entries().iter().any(|e| e.stage_raw() != 0);
    let mut state = state;
    if state.dirty
        && !conflicts
        && let Some(workdir) = repo.workdir()
        && has_checked_out_submodule(&index, workdir)
    {
        state.dirty = unstaged_outside_submodules(&repo)?;
    }
    let mut reasons = uncommitted(&state, conflicts, true);
    if let Some(operation) = operation_in(repo.git_dir()) {
        reasons.push(Reason::Operation { operation });
    }
    if let Some(head) = state.head_oid.as_deref() {
        let head = ObjectId::from_hex(head.as_bytes())?;
        let tally = walk::with_walker(&repo, |walker| {
            let refs = Refs::read(&repo)?;
            walker.hold(Held::Remotes, refs.remotes.iter().copied());
            walker.count(Held::Remotes, head)
        })?;
        if let Some((count, at_least)) = at_risk(tally) {
            reasons.push(Reason::HeadOnNoRemote {
                head: head.to_string(),
                count,
                at_least,
            });
        }
    }
    let mut nested = Vec::new();
    if depth < MAX_SUBMODULE_DEPTH
        && let Some(workdir) = repo.workdir()
    {
        submodules(&index, workdir, shown, depth + 1, fallback, &mut nested);
    }
    Ok((reasons, nested))
}
