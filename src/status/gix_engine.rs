//! In-process status engine on `gix`: no git process per repo. Reads HEAD,
//! upstream and ahead/behind (one walk, see `ahead_behind`), the stash, staged changes
//! (tree vs index, with the cache-tree shortcut), unstaged changes (index vs
//! work tree) and untracked files (a directory walk that stops at the first
//! hit). Read-only: the index is never refreshed or written.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use anyhow::{Context as _, bail};
use gix::bstr::{BStr, ByteSlice};
use gix::status::plumbing::index_as_worktree::{self, EntryStatus};
use gix::status::plumbing::index_as_worktree_with_renames as iwr;

use super::ahead_behind;
use super::model::{
    CommitInfo, Engine, Head, RepoStatus, Request, decode_subject, dir_flags, resolve_against,
    shorten_ref, subject_of,
};

/// Reads one repository in-process. `in_repo`: the current directory is the
/// repo's folder, so gix can use short relative paths.
pub fn read(req: &Request, in_repo: bool) -> anyhow::Result<RepoStatus> {
    let repo = open(req, in_repo)?;

    let head = repo.head()?;
    let head_id = head.id().map(|id| id.detach());
    let branch_full = head.referent_name().map(|n| n.to_owned());
    drop(head);

    let commit = match head_id {
        Some(id) => Some(read_commit(&repo, id)?),
        None => None,
    };

    let head = match &branch_full {
        Some(full) => Head::Branch(full.shorten().to_str_lossy().into_owned()),
        None => Head::Detached {
            tag: match head_id {
                Some(id) => describe_exact_tag(&repo, id)?,
                None => None,
            },
        },
    };

    let (upstream, counts, upstream_gone) = match &branch_full {
        Some(full) => compare_upstream(&repo, full.as_ref(), head_id, req.remote.as_deref())?,
        None => (None, None, false),
    };
    let ahead_behind = counts.map(|c| (c.ahead, c.behind));
    let counts_bounded = counts.is_some_and(|c| c.bounded);

    let stash_count = stash_count(&repo)?;

    let (dirty, staged, untracked) = if repo.workdir().is_some() {
        worktree_state(&repo, head_id)?
    } else {
        (false, false, false)
    };

    Ok(RepoStatus {
        head,
        head_oid: head_id.map(|id| id.to_string()),
        upstream,
        upstream_gone,
        ahead_behind,
        counts_bounded,
        dirty,
        staged,
        untracked,
        stash_count,
        commit,
        engine: Engine::Gix,
    })
}

fn open(req: &Request, in_repo: bool) -> anyhow::Result<gix::Repository> {
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
        // Like `git --work-tree=…`: the flag wins over the repo's own idea of
        // its work tree (a bare git dir has none). Ownership is checked here
        // because the open-time trust check did not see this directory.
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
    // HEAD's commit is read by several steps (subject, tree, both walks):
    // a small cache saves re-reading (and re-mapping) loose objects.
    repo.object_cache_size_if_unset(256 * 1024);
    Ok(repo)
}

fn read_commit(repo: &gix::Repository, id: gix::ObjectId) -> anyhow::Result<CommitInfo> {
    let commit = repo.find_commit(id)?;
    let time = commit.time()?.seconds;
    let decoded = commit.decode()?;
    let subject = subject_of(decoded.message.as_bytes());
    let encoding = decoded.encoding.map(|e| e.to_str_lossy().into_owned());
    let subject = decode_subject(&subject, encoding.as_deref())
        .with_context(|| format!("commit message encoding {encoding:?} needs git to convert"))?;
    Ok(CommitInfo { subject, time })
}

/// The tag `git describe --tags --exact-match` prints for `head`: annotated
/// tags win over lightweight ones, the newest annotated tag wins among several,
/// and otherwise the first by name.
fn describe_exact_tag(
    repo: &gix::Repository,
    head: gix::ObjectId,
) -> anyhow::Result<Option<String>> {
    // (priority, tagger time, name): priority 2 = annotated, 1 = lightweight.
    let mut best: Option<(u8, i64, String)> = None;
    let refs = repo.references()?;
    for reference in refs.tags()? {
        let Ok(reference) = reference else { continue };
        let Some(target) = reference.target().try_id().map(ToOwned::to_owned) else {
            continue;
        };
        let name = reference.name().shorten().to_str_lossy().into_owned();
        let Ok(object) = repo.find_object(target) else {
            continue;
        };
        let (prio, date, peeled) = if object.kind == gix::object::Kind::Tag {
            let date = object
                .to_tag_ref_iter()
                .tagger()
                .ok()
                .flatten()
                .and_then(|sig| sig.time().ok())
                .map_or(0, |t| t.seconds);
            let Ok(peeled) = object.peel_to_kind(gix::object::Kind::Commit) else {
                continue;
            };
            (2u8, date, peeled.id)
        } else {
            (1u8, 0, target)
        };
        if peeled != head {
            continue;
        }
        let replace = match &best {
            None => true,
            Some((bprio, bdate, _)) => *bprio < prio || (prio == 2 && *bprio == 2 && *bdate < date),
        };
        if replace {
            best = Some((prio, date, name));
        }
    }
    Ok(best.map(|(_, _, name)| name))
}

type Comparison = (Option<String>, Option<ahead_behind::Counts>, bool);

fn compare_upstream(
    repo: &gix::Repository,
    branch: &gix::refs::FullNameRef,
    head: Option<gix::ObjectId>,
    remote: Option<&str>,
) -> anyhow::Result<Comparison> {
    let short = branch.shorten().to_str_lossy().into_owned();
    let tracking: String = match remote {
        Some(remote) => format!("refs/remotes/{remote}/{short}"),
        None => {
            let config = repo.config_snapshot();
            let remote_name = config.string(format!("branch.{short}.remote").as_str());
            let merge = config.string(format!("branch.{short}.merge").as_str());
            match (remote_name, merge) {
                (Some(r), Some(m)) if r.as_bytes() == b"." => m.to_str_lossy().into_owned(),
                (Some(_), Some(_)) => {
                    match repo
                        .branch_remote_tracking_ref_name(branch, gix::remote::Direction::Fetch)
                    {
                        None => return Ok((None, None, false)),
                        Some(name) => name?.as_bstr().to_str_lossy().into_owned(),
                    }
                }
                _ => return Ok((None, None, false)),
            }
        }
    };
    let display = shorten_ref(&tracking).to_string();
    let Some(mut upstream_ref) = repo.try_find_reference(tracking.as_str())? else {
        return Ok((Some(display), None, true));
    };
    let upstream = upstream_ref.peel_to_id()?.detach();
    let Some(head) = head else {
        return Ok((Some(display), None, true));
    };
    // In sync is the common case: no need to open the commit-graph for it.
    if upstream == head {
        return Ok((Some(display), Some(ahead_behind::Counts::default()), false));
    }
    let commits = ahead_behind::RepoCommits::new(repo)?;
    let (left, right) = (commits.id(head), commits.id(upstream));
    let counts = ahead_behind::count(commits, left, right, ahead_behind::WALK_LIMIT)?;
    Ok((Some(display), Some(counts), false))
}

fn stash_count(repo: &gix::Repository) -> anyhow::Result<usize> {
    // Full name: linked worktrees share the stash of the main repository.
    let Some(stash) = repo.try_find_reference("refs/stash")? else {
        return Ok(0);
    };
    let mut platform = stash.log_iter();
    let Some(entries) = platform.all()? else {
        return Ok(0);
    };
    let mut n = 0;
    for entry in entries {
        entry.context("unreadable stash reflog")?;
        n += 1;
    }
    Ok(n)
}

/// (dirty, staged, untracked) for a repository with a work tree.
fn worktree_state(
    repo: &gix::Repository,
    head: Option<gix::ObjectId>,
) -> anyhow::Result<(bool, bool, bool)> {
    let index = repo.index_or_empty()?;
    let state: &gix::index::State = &index;

    // A merge conflict counts as dirty and staged, as `git status` reports it.
    if state.entries().iter().any(|e| e.stage_raw() != 0) {
        let untracked = has_untracked(repo, state)?;
        return Ok((true, true, untracked));
    }

    let staged = has_staged(repo, state, head)?;
    let dirty = match quick_unstaged(repo, state)? {
        Some(dirty) => dirty,
        None => has_unstaged(repo, state)?,
    };
    let untracked = has_untracked(repo, state)?;
    Ok((dirty, staged, untracked))
}

fn has_staged(
    repo: &gix::Repository,
    index: &gix::index::State,
    head: Option<gix::ObjectId>,
) -> anyhow::Result<bool> {
    let head_tree = match head {
        Some(id) => repo.find_commit(id)?.tree_id()?.detach(),
        None => return Ok(!index.entries().is_empty()),
    };
    // Cache-tree shortcut: a valid root entry equal to HEAD's tree means nothing is staged.
    if let Some(tree) = index.tree()
        && tree.num_entries.is_some()
        && tree.id == head_tree
    {
        return Ok(false);
    }
    let mut staged = false;
    repo.tree_index_status(
        &head_tree,
        index,
        None,
        gix::status::tree_index::TrackRenames::Disabled,
        |_, _, _| {
            staged = true;
            Ok(std::ops::ControlFlow::Break(()))
        },
    )?;
    Ok(staged)
}

/// The index-vs-work-tree check for the common case, with one `lstat` per
/// entry (plus one per directory) and gix's own stat rules, but without
/// setting up attribute stacks and filters for every repo. Answers `Some`
/// only when every entry is clean by its stat data or one has clearly
/// changed (gone, type or executable bit changed, size changed); anything
/// that needs a content comparison (same size but new stat data, racily
/// clean), submodules and sparse entries get `None`: the full check decides.
fn quick_unstaged(
    repo: &gix::Repository,
    index: &gix::index::State,
) -> anyhow::Result<Option<bool>> {
    use gix::index::entry::{Flags, mode::Change};
    let Some(workdir) = repo.workdir() else {
        return Ok(None);
    };
    let fs = repo.filesystem_options()?;
    let stat_options = repo.stat_options()?;
    let timestamp = index.timestamp();
    let skip =
        Flags::UPTODATE | Flags::SKIP_WORKTREE | Flags::ASSUME_VALID | Flags::FSMONITOR_VALID;
    // Leading directories must be real directories, not symlinks (a file
    // behind a symlinked directory counts as removed, as in git).
    let mut verified_dirs: std::collections::HashSet<&[u8]> = std::collections::HashSet::new();
    for entry in index.entries() {
        if entry.flags.intersects(skip) {
            continue;
        }
        if entry.mode.is_submodule() || entry.mode.is_sparse() {
            return Ok(None);
        }
        if entry.flags.contains(Flags::INTENT_TO_ADD) {
            return Ok(Some(true));
        }
        let rela: &[u8] = entry.path(index);
        let mut end = 0;
        while let Some(pos) = rela[end..].iter().position(|&b| b == b'/') {
            end += pos;
            let dir = &rela[..end];
            if verified_dirs.insert(dir) {
                let path = workdir.join(gix::path::from_byte_slice(dir)?);
                match std::fs::symlink_metadata(&path) {
                    Ok(md) if md.is_dir() => {}
                    Ok(_) => return Ok(Some(true)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Some(true)),
                    Err(_) => return Ok(None),
                }
            }
            end += 1;
        }
        let path = workdir.join(gix::path::from_byte_slice(rela)?);
        let md = match gix::index::fs::Metadata::from_path_no_follow(&path) {
            Ok(md) => md,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Some(true)),
            Err(_) => return Ok(None),
        };
        if md.is_dir() {
            return Ok(Some(true));
        }
        match entry
            .mode
            .change_to_match_fs(&md, fs.symlink, fs.executable_bit)
        {
            Some(Change::Type { .. } | Change::ExecutableBit) => return Ok(Some(true)),
            None => {}
        }
        let Ok(stat) = gix::index::entry::Stat::from_fs(&md) else {
            return Ok(None);
        };
        let empty_blob = entry.id.is_empty_blob();
        if stat.matches(&entry.stat, stat_options) && (!empty_blob || entry.stat.size == 0) {
            if stat.is_racy(timestamp, stat_options) {
                return Ok(None);
            }
            continue;
        }
        if u64::from(entry.stat.size) != md.len() && (empty_blob || entry.stat.size != 0) {
            return Ok(Some(true));
        }
        return Ok(None);
    }
    Ok(Some(false))
}

/// Sees index-vs-work-tree entries; anything but "needs a stat update" is a change.
struct ChangeSeen<'a, U> {
    changed: bool,
    interrupt: &'a AtomicBool,
    submodule: std::marker::PhantomData<U>,
}

impl<'index, U> iwr::VisitEntry<'index> for ChangeSeen<'_, U> {
    type ContentChange = ();
    type SubmoduleStatus = U;

    fn visit_entry(&mut self, entry: iwr::Entry<'index, (), U>) {
        if let iwr::Entry::Modification { status, .. } = entry
            && !matches!(status, EntryStatus::NeedsUpdate(_))
        {
            self.changed = true;
            self.interrupt
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

/// Submodule check used when the index has no submodules (avoids setting up
/// the builtin one, which re-reads configuration).
#[derive(Clone)]
struct NoSubmodules;

impl index_as_worktree::traits::SubmoduleStatus for NoSubmodules {
    type Output = ();
    fn status(&mut self, _entry: &gix::index::Entry, _rela_path: &BStr) -> gix::Result<Option<()>> {
        Ok(None)
    }
}

fn has_unstaged(repo: &gix::Repository, index: &gix::index::State) -> anyhow::Result<bool> {
    let interrupt = AtomicBool::new(false);
    let options = gix::status::index_worktree::Options {
        sorting: None,
        dirwalk_options: None,
        rewrites: None,
        thread_limit: Some(1),
    };
    let has_submodules = index
        .entries()
        .iter()
        .any(|e| e.mode == gix::index::entry::Mode::COMMIT);
    let mut progress = gix::progress::Discard;
    if has_submodules {
        let mut seen = ChangeSeen {
            changed: false,
            interrupt: &interrupt,
            submodule: std::marker::PhantomData,
        };
        let submodule = gix::status::index_worktree::BuiltinSubmoduleStatus::new(
            repo.clone().into_sync(),
            gix::status::Submodule::AsConfigured { check_dirty: true },
        )?;
        repo.index_worktree_status(
            index,
            None::<&str>,
            &mut seen,
            index_as_worktree::traits::FastEq,
            submodule,
            &mut progress,
            &interrupt,
            options,
        )?;
        Ok(seen.changed)
    } else {
        let mut seen = ChangeSeen {
            changed: false,
            interrupt: &interrupt,
            submodule: std::marker::PhantomData,
        };
        repo.index_worktree_status(
            index,
            None::<&str>,
            &mut seen,
            index_as_worktree::traits::FastEq,
            NoSubmodules,
            &mut progress,
            &interrupt,
            options,
        )?;
        Ok(seen.changed)
    }
}

/// Stops the directory walk at the first untracked entry.
struct FirstUntracked {
    found: bool,
}

impl gix::dir::walk::Delegate for FirstUntracked {
    fn emit(
        &mut self,
        entry: gix::dir::EntryRef<'_>,
        _collapsed_directory_status: Option<gix::dir::entry::Status>,
    ) -> gix::dir::walk::Action {
        if entry.status == gix::dir::entry::Status::Untracked {
            self.found = true;
            return std::ops::ControlFlow::Break(());
        }
        std::ops::ControlFlow::Continue(())
    }
}

fn has_untracked(repo: &gix::Repository, index: &gix::index::State) -> anyhow::Result<bool> {
    let show = repo
        .config_snapshot()
        .string("status.showUntrackedFiles")
        .map(|v| v.to_str_lossy().to_ascii_lowercase());
    if matches!(show.as_deref(), Some("no" | "false" | "off" | "0")) {
        return Ok(false);
    }
    let options = repo
        .dirwalk_options()?
        .emit_untracked(gix::dir::walk::EmissionMode::CollapseDirectory)
        .emit_ignored(None)
        .emit_pruned(false)
        .emit_tracked(false)
        .emit_empty_directories(false)
        .recurse_repositories(false);
    let interrupt = AtomicBool::new(false);
    let mut delegate = FirstUntracked { found: false };
    match repo.dirwalk(index, None::<&str>, &interrupt, options, &mut delegate) {
        Ok(_) => {}
        Err(_) if delegate.found => {}
        Err(err) => return Err(err.into()),
    }
    Ok(delegate.found)
}
