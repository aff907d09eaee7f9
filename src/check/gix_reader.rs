//! The in-process reader: refs, upstreams, the bounded walks, worktrees,
//! submodules and tags read with gix; uncommitted state and the stash come
//! from `ll`'s status engine. Never writes into the repository.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};
use gix::ObjectId;
use gix::bstr::ByteSlice;

use super::model::{
    MAX_SUBMODULE_DEPTH, Options, Reason, RepoCheck, at_risk, operation_in, uncommitted,
};
use super::walk::{self, Held};
use crate::status::{self, Engine, EngineChoice, Head, Request, dir_flags, resolve_against};

/// Checks one repository. `in_repo`: the current directory is the repo's
/// folder. With `fallback`, a worktree or submodule gix cannot read is read
/// with git instead.
pub fn read(req: &Request, options: Options, in_repo: bool, fallback: bool) -> Result<RepoCheck> {
    let choice = if fallback {
        EngineChoice::Auto
    } else {
        EngineChoice::Gix
    };
    let state = status::pool::read_one(req, EngineChoice::Gix, in_repo)?;
    let repo = open(req, in_repo)?;
    let mut reasons = Vec::new();

    let index = match repo.workdir() {
        Some(_) => Some(repo.index_or_empty()?),
        None => None,
    };
    let conflicts = state.dirty
        && state.staged
        && index
            .as_ref()
            .is_some_and(|i| i.entries().iter().any(|e| e.stage_raw() != 0));
    let mut state = state;
    if state.dirty
        && !conflicts
        && let (Some(index), Some(workdir)) = (&index, repo.workdir())
        && has_checked_out_submodule(index, workdir)
    {
        // Changes inside a submodule are reported with the submodule.
        state.dirty = match unstaged_outside_submodules(&repo) {
            Ok(dirty) => dirty,
            Err(_) if fallback => super::git_reader::unstaged_outside_submodules(&req.path)?,
            Err(e) => return Err(e),
        };
    }
    reasons.extend(uncommitted(&state, conflicts, true));
    if let Some(operation) = operation_in(repo.git_dir()) {
        reasons.push(Reason::Operation { operation });
    }

    walk::with_walker(&repo, |walker| {
        let refs = Refs::read(&repo)?;
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
            match upstream(&repo, &branch.full)? {
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
            reasons.extend(worktree(&repo, walker, &wt, choice));
        }
        if options.tags {
            for (tag, id) in tags(&repo)? {
                if walker.is_held(Held::Remotes, id)? != Some(true) {
                    reasons.push(Reason::TagOnNoRemote { tag });
                }
            }
        }
        Ok(())
    })?;

    if let (Some(index), Some(workdir)) = (&index, repo.workdir()) {
        submodules(index, workdir, "", 1, fallback, &mut reasons);
    }
    Ok(RepoCheck {
        engine: Engine::Gix,
        reasons,
    })
}

/// Opens the repository as `ll`'s gix engine does (same flags, same trust).
fn open(req: &Request, in_repo: bool) -> Result<gix::Repository> {
    let (git_dir, work_tree) =
        dir_flags(&req.flags).context("these per-repo flags need the git engine")?;
    let mut opts = gix::open::Options::default().bail_if_untrusted(true);
    let path = match &git_dir {
        Some(dir) => {
            opts = opts.open_path_as_is(true);
            resolve_against(&req.path, dir)
        }
        None if in_repo => PathBuf::from("."),
        None => req.path.clone(),
    };
    let mut repo = opts.open(path)?.to_thread_local();
    if let Some(tree) = work_tree {
        let tree = resolve_against(&req.path, &tree);
        if !gix::sec::identity::is_path_owned_by_current_user(&tree).unwrap_or(false) {
            bail!(
                "work tree {} is not owned by the current user",
                tree.display()
            );
        }
        repo.set_workdir(tree)?;
    }
    if repo.workdir().is_none() && !repo.is_bare() {
        bail!("repository has no work tree");
    }
    repo.object_cache_size_if_unset(256 * 1024);
    Ok(repo)
}

struct Branch {
    full: gix::refs::FullName,
    short: String,
    tip: ObjectId,
}

struct Refs {
    branches: Vec<Branch>,
    remotes: Vec<ObjectId>,
}

impl Refs {
    fn read(repo: &gix::Repository) -> Result<Refs> {
        let platform = repo.references()?;
        let mut remotes = Vec::new();
        for r in platform.remote_branches()? {
            let mut r = r.map_err(|e| anyhow!("cannot read a remote-tracking ref: {e}"))?;
            // A dangling symbolic ref (`origin/HEAD` to a deleted branch) holds nothing.
            if let Ok(id) = tip_of(repo, &mut r) {
                remotes.push(id);
            }
        }
        remotes.sort_unstable();
        remotes.dedup();
        let mut branches = Vec::new();
        for r in platform.local_branches()? {
            let mut r = r.map_err(|e| anyhow!("cannot read a branch: {e}"))?;
            let full = r.name().to_owned();
            let short = full.shorten().to_str_lossy().into_owned();
            let tip =
                tip_of(repo, &mut r).with_context(|| format!("cannot read branch {short}"))?;
            branches.push(Branch { full, short, tip });
        }
        Ok(Refs { branches, remotes })
    }
}

/// The commit a ref points at: its target when that is a commit (read once
/// by the walk anyway), else peeled (symbolic refs, tags of commits).
fn tip_of(repo: &gix::Repository, r: &mut gix::Reference<'_>) -> Result<ObjectId> {
    if let Some(id) = r.target().try_id().map(ToOwned::to_owned)
        && repo
            .find_header(id)
            .is_ok_and(|h| h.kind() == gix::object::Kind::Commit)
    {
        return Ok(id);
    }
    Ok(r.peel_to_id()?.detach())
}

enum Upstream {
    None,
    Exists,
    /// The upstream's ref, as git shortens it.
    Gone(String),
}

/// Whether `branch` has an upstream and whether its ref exists; the same
/// rules as `ll` (`branch.<name>.remote` and `.merge`, `.` for a local one).
fn upstream(repo: &gix::Repository, branch: &gix::refs::FullName) -> Result<Upstream> {
    let short = branch.shorten().to_str_lossy().into_owned();
    let config = repo.config_snapshot();
    let remote = config.string(format!("branch.{short}.remote").as_str());
    let merge = config.string(format!("branch.{short}.merge").as_str());
    let tracking = match (remote, merge) {
        (Some(r), Some(m)) if r.as_bytes() == b"." => m.to_str_lossy().into_owned(),
        (Some(_), Some(_)) => {
            match repo
                .branch_remote_tracking_ref_name(branch.as_ref(), gix::remote::Direction::Fetch)
            {
                None => return Ok(Upstream::None),
                Some(name) => name?.as_bstr().to_str_lossy().into_owned(),
            }
        }
        _ => return Ok(Upstream::None),
    };
    Ok(match repo.try_find_reference(tracking.as_str())? {
        Some(_) => Upstream::Exists,
        None => Upstream::Gone(status::shorten_ref(&tracking).to_string()),
    })
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

fn has_checked_out_submodule(index: &gix::index::State, workdir: &Path) -> bool {
    checked_out_submodules(index, workdir).next().is_some()
}

/// Whether tracked files differ from the index, not counting changes inside
/// submodules (a submodule whose checked-out commit moved still counts), as
/// `git status --ignore-submodules=dirty` sees it.
fn unstaged_outside_submodules(repo: &gix::Repository) -> Result<bool> {
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

/// Local tags with the commit they point at (tags of trees or blobs are skipped).
fn tags(repo: &gix::Repository) -> Result<Vec<(String, ObjectId)>> {
    let platform = repo.references()?;
    let mut out = Vec::new();
    for r in platform.tags()? {
        let mut r = r.map_err(|e| anyhow!("cannot read a tag: {e}"))?;
        let name = r.name().shorten().to_str_lossy().into_owned();
        let Ok(id) = r.peel_to_id() else { continue };
        let is_commit = repo
            .find_header(id.detach())
            .is_ok_and(|h| h.kind() == gix::object::Kind::Commit);
        if is_commit {
            out.push((name, id.detach()));
        }
    }
    Ok(out)
}

/// Checked-out submodules (gitlinks in the index whose folder holds a repo),
/// each with its reasons, nested ones after their parent; `prefix` is the
/// parent's path relative to the registered repo.
pub fn submodules(
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
