//! The in-process reader: refs, upstreams and tags (`gix_repo`), the bounded
//! walks, worktrees and submodules (`gix_submodules`) read with gix;
//! uncommitted state and the stash come from `ll`'s status engine. Never
//! writes into the repository.

use std::path::Path;

use anyhow::{Context as _, Result};
use gix::ObjectId;

use super::gix_repo::{Refs, Upstream, open, tags, upstream};
use super::gix_submodules::{has_checked_out_submodule, submodules, unstaged_outside_submodules};
use super::model::{Options, Reason, RepoCheck, at_risk, operation_in, uncommitted};
use super::walk::{self, Held};
use crate::status::{self, Engine, EngineChoice, Head, RepoStatus, Request};

/// Checks one repository. `in_repo`: the current directory is the repo's
/// folder. With `fallback`, a worktree or submodule gix cannot read is read
/// with git instead.
pub fn read(req: &Request, options: Options, in_repo: bool, fallback: bool) -> Result<RepoCheck> {
    let choice = if fallback {
        EngineChoice::Auto
    } else {
        EngineChoice::Gix
    };
    if let Some(problem) = crate::git::folder_problem(&req.path) {
        anyhow::bail!(problem);
    }
    // One open for the uncommitted state and everything after it.
    let (repo, state) =
        crate::workers::guarded(&format!("{} with gix", req.path.display()), || {
            let repo = open(req, in_repo)?;
            let state = status::gix_engine::read_opened(&repo, req, None)?;
            Ok((repo, state))
        })?;
    let mut reasons = Vec::new();

    let index = match repo.workdir() {
        Some(_) => Some(repo.index_or_empty()?),
        None => None,
    };
    let index_state = index.as_ref().map(|i| -> &gix::index::State { i });
    let state = local_state(req, &repo, index_state, state, fallback, &mut reasons)?;
    walk::with_walker(&repo, |walker| {
        unshared(&repo, walker, &state, options, choice, &mut reasons)
    })?;

    if let (Some(index), Some(workdir)) = (&index, repo.workdir()) {
        submodules(index, workdir, "", 1, fallback, &mut reasons);
    }
    Ok(RepoCheck {
        engine: Engine::Gix,
        reasons,
    })
}

/// The uncommitted state and an operation in progress, as reasons; returns
/// the state with changes inside submodules left to the submodules.
fn local_state(
    req: &Request,
    repo: &gix::Repository,
    index: Option<&gix::index::State>,
    mut state: RepoStatus,
    fallback: bool,
    reasons: &mut Vec<Reason>,
) -> Result<RepoStatus> {
    let conflicts = state.dirty
        && state.staged
        && index.is_some_and(|i| i.entries().iter().any(|e| e.stage_raw() != 0));
    if state.dirty
        && !conflicts
        && let (Some(index), Some(workdir)) = (index, repo.workdir())
        && has_checked_out_submodule(index, workdir)
    {
        // Changes inside a submodule are reported with the submodule.
        state.dirty = match unstaged_outside_submodules(repo) {
            Ok(dirty) => dirty,
            Err(_) if fallback => super::git_reader::unstaged_outside_submodules(&req.path)?,
            Err(e) => return Err(e),
        };
    }
    reasons.extend(uncommitted(&state, conflicts, true));
    if let Some(operation) = operation_in(repo.git_dir()) {
        reasons.push(Reason::Operation { operation });
    }
    Ok(state)
}

/// What only this clone holds: branches no remote has or without their
/// upstream, a detached HEAD, worktrees, and (with `options.tags`) tags.
fn unshared(
    repo: &gix::Repository,
    walker: &mut walk::Walker<'_, '_>,
    state: &RepoStatus,
    options: Options,
    choice: EngineChoice,
    reasons: &mut Vec<Reason>,
) -> Result<()> {
    let refs = Refs::read(repo)?;
    walker.hold(Held::Remotes, refs.remotes.iter().copied());
    walker.hold(
        Held::BranchesOrRemotes,
        refs.remotes
            .iter()
            .chain(refs.branches.iter().map(|b| &b.tip))
            .copied(),
    );
    for branch in &refs.branches {
        if let Some((count, at_least)) = at_risk(walker.count(Held::Remotes, branch.tip)?) {
            reasons.push(Reason::UnpushedCommits {
                branch: branch.short.clone(),
                count,
                at_least,
            });
        }
        match upstream(repo, &branch.full)? {
            Upstream::Exists => {}
            Upstream::None => reasons.push(Reason::NoUpstream {
                branch: branch.short.clone(),
            }),
            Upstream::Gone(upstream) => reasons.push(Reason::UpstreamGone {
                branch: branch.short.clone(),
                upstream,
            }),
        }
    }
    if let Head::Detached { .. } = state.head
        && let Some(head) = state.head_oid.as_deref()
    {
        let head = ObjectId::from_hex(head.as_bytes())?;
        reasons.extend(detached(walker, head)?);
    }
    for wt in repo.worktrees()? {
        reasons.extend(worktree(repo, walker, &wt, choice));
    }
    if options.tags {
        for (tag, id) in tags(repo)? {
            if walker.is_held(Held::Remotes, id)? != Some(true) {
                reasons.push(Reason::TagOnNoRemote { tag });
            }
        }
    }
    Ok(())
}

fn detached(walker: &mut walk::Walker<'_, '_>, head: ObjectId) -> Result<Option<Reason>> {
    Ok(
        at_risk(walker.count(Held::BranchesOrRemotes, head)?).map(|(count, at_least)| {
            Reason::DetachedHead {
                head: head.to_string(),
                count,
                at_least,
            }
        }),
    )
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// The reasons of a linked worktree other than the repo's own folder.
fn worktree(
    repo: &gix::Repository,
    walker: &mut walk::Walker<'_, '_>,
    wt: &gix::worktree::Proxy<'_>,
    choice: EngineChoice,
) -> Option<Reason> {
    let base = match wt.base() {
        Ok(base) => base,
        Err(e) => {
            return Some(Reason::Worktree {
                path: wt.git_dir().display().to_string(),
                error: Some(format!("cannot read its location: {e}")),
                reasons: Vec::new(),
            });
        }
    };
    if repo.workdir().is_some_and(|own| same_dir(own, &base)) {
        return None;
    }
    let path = base.display().to_string();
    let mut read = || -> Result<Vec<Reason>> {
        let mut reasons = Vec::new();
        if base.is_dir() {
            let req = Request {
                path: base.clone(),
                flags: Vec::new(),
                remote: None,
            };
            let state = status::pool::read_one(&req, choice, false)?;
            let conflicts = state.dirty && state.staged && has_conflicts(&base)?;
            // The stash is shared with the repository: reported there.
            reasons.extend(uncommitted(&state, conflicts, false));
        }
        if let Some(operation) = operation_in(wt.git_dir()) {
            reasons.push(Reason::Operation { operation });
        }
        if let Some(head) = detached_head_of(wt.git_dir())? {
            reasons.extend(detached(walker, head)?);
        }
        Ok(reasons)
    };
    match read() {
        Ok(reasons) if reasons.is_empty() => None,
        Ok(reasons) => Some(Reason::Worktree {
            path,
            error: None,
            reasons,
        }),
        Err(e) => Some(Reason::Worktree {
            path,
            error: Some(format!("{e:#}")),
            reasons: Vec::new(),
        }),
    }
}

/// The commit of a detached HEAD in a (worktree's) git dir; `None` on a branch.
fn detached_head_of(git_dir: &Path) -> Result<Option<ObjectId>> {
    let text = std::fs::read_to_string(git_dir.join("HEAD"))
        .with_context(|| format!("cannot read {}", git_dir.join("HEAD").display()))?;
    let text = text.trim();
    if text.starts_with("ref:") {
        return Ok(None);
    }
    Ok(Some(
        ObjectId::from_hex(text.as_bytes()).context("HEAD holds neither a ref nor a commit id")?,
    ))
}

/// Whether the index of the work tree at `dir` has unmerged entries.
fn has_conflicts(dir: &Path) -> Result<bool> {
    let req = Request {
        path: dir.to_path_buf(),
        flags: Vec::new(),
        remote: None,
    };
    match open(&req, false).and_then(|repo| Ok(repo.index_or_empty()?)) {
        Ok(index) => Ok(index.entries().iter().any(|e| e.stage_raw() != 0)),
        Err(_) => super::git_reader::has_conflicts(dir, &[]),
    }
}
