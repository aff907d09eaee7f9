//! The work-tree part of the in-process status: staged changes (tree vs
//! index, with the cache-tree shortcut), unstaged changes (a quick stat
//! check, else index vs work tree) and untracked files (a directory walk
//! that stops at the first hit). Read-only: the index is never refreshed or
//! written.

use std::sync::atomic::AtomicBool;

use gix::bstr::{BStr, ByteSlice};
use gix::status::plumbing::index_as_worktree::{self, EntryStatus};
use gix::status::plumbing::index_as_worktree_with_renames as iwr;

use super::cache::{self, Recorder};

/// (dirty, staged, untracked) for a repository with a work tree. `rec`
/// collects the tracked files' and folders' stat data for `ll`'s cache.
pub(super) fn worktree_state(
    repo: &gix::Repository,
    head: Option<gix::ObjectId>,
    mut rec: Option<&mut Recorder>,
) -> anyhow::Result<(bool, bool, bool)> {
    let index = repo.index_or_empty()?;
    let state: &gix::index::State = &index;
    if let Some(rec) = rec.as_deref_mut() {
        rec.dir(b"");
    }

    // A merge conflict counts as dirty and staged, as `git status` reports it.
    if state.entries().iter().any(|e| e.stage_raw() != 0) {
        if let Some(rec) = rec.as_deref_mut() {
            rec.spoil();
        }
        let untracked = has_untracked(repo, state, None)?;
        return Ok((true, true, untracked));
    }

    let staged = has_staged(repo, state, head)?;
    let dirty = match quick_unstaged(repo, state, rec.as_deref_mut())? {
        Some(dirty) => dirty,
        None => has_unstaged(repo, state)?,
    };
    let untracked = has_untracked(repo, state, rec)?;
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
///
/// With `rec`, every entry is statted and recorded even after the answer is
/// known (the cache needs them all), unless the recording is spoiled.
fn quick_unstaged(
    repo: &gix::Repository,
    index: &gix::index::State,
    mut rec: Option<&mut Recorder>,
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
    // The answer once known; with a live recording, the loop goes on.
    let mut answer: Option<Option<bool>> = None;
    // Ends the check with `$v` (or the answer found before), spoiling the recording.
    macro_rules! give_up {
        ($v:expr) => {{
            if let Some(rec) = rec.as_deref_mut() {
                rec.spoil();
            }
            return Ok(answer.unwrap_or($v));
        }};
    }
    // The answer is `$v`: done, unless every entry must still be recorded.
    macro_rules! answer {
        ($v:expr) => {{
            if rec.as_deref().is_none_or(Recorder::is_spoiled) {
                return Ok(answer.unwrap_or($v));
            }
            answer.get_or_insert($v);
        }};
    }
    // Leading directories must be real directories, not symlinks (a file
    // behind a symlinked directory counts as removed, as in git).
    let mut verified_dirs: std::collections::HashSet<&[u8]> = std::collections::HashSet::new();
    for entry in index.entries() {
        if !cache::plain(entry)
            && let Some(rec) = rec.as_deref_mut()
        {
            rec.spoil();
        }
        if entry.flags.intersects(skip) {
            continue;
        }
        if entry.mode.is_submodule() {
            if let Some(rec) = rec.as_deref_mut() {
                rec.submodule(entry.path(index));
            }
            answer!(None);
            continue;
        }
        if entry.mode.is_sparse() {
            give_up!(None);
        }
        if entry.flags.contains(Flags::INTENT_TO_ADD) {
            give_up!(Some(true));
        }
        let rela: &[u8] = entry.path(index);
        let mut end = 0;
        while let Some(pos) = rela[end..].iter().position(|&b| b == b'/') {
            end += pos;
            let dir = &rela[..end];
            if verified_dirs.insert(dir) {
                let path = workdir.join(gix::path::from_byte_slice(dir)?);
                match std::fs::symlink_metadata(&path) {
                    Ok(md) if md.is_dir() => {
                        if let Some(rec) = rec.as_deref_mut() {
                            rec.dir(dir);
                        }
                    }
                    Ok(_) => give_up!(Some(true)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => give_up!(Some(true)),
                    Err(_) => give_up!(None),
                }
            }
            end += 1;
        }
        let path = workdir.join(gix::path::from_byte_slice(rela)?);
        let md = match gix::index::fs::Metadata::from_path_no_follow(&path) {
            Ok(md) => md,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(rec) = rec.as_deref_mut() {
                    rec.tracked(rela, None, &entry.stat);
                }
                answer!(Some(true));
                continue;
            }
            Err(_) => give_up!(None),
        };
        if md.is_dir() {
            give_up!(Some(true));
        }
        let Ok(stat) = gix::index::entry::Stat::from_fs(&md) else {
            give_up!(None);
        };
        if let Some(rec) = rec.as_deref_mut() {
            match cache::index_key_gix(&md) {
                Some(key) => rec.tracked(rela, Some(key), &entry.stat),
                None => rec.spoil(),
            }
        }
        if answer.is_some() {
            continue;
        }
        match entry
            .mode
            .change_to_match_fs(&md, fs.symlink, fs.executable_bit)
        {
            Some(Change::Type { .. } | Change::ExecutableBit) => {
                answer!(Some(true));
                continue;
            }
            None => {}
        }
        let empty_blob = entry.id.is_empty_blob();
        if stat.matches(&entry.stat, stat_options) && (!empty_blob || entry.stat.size == 0) {
            if stat.is_racy(timestamp, stat_options) {
                answer!(None);
            }
            continue;
        }
        if u64::from(entry.stat.size) != md.len() && (empty_blob || entry.stat.size != 0) {
            answer!(Some(true));
            continue;
        }
        answer!(None);
    }
    Ok(answer.unwrap_or(Some(false)))
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

/// Stops the directory walk at the first untracked entry; records each
/// folder the walk lists.
struct FirstUntracked<'a> {
    found: bool,
    rec: Option<&'a mut Recorder>,
    /// Set unless untracked files are listed one by one
    /// (`status.showUntrackedFiles=all`): then folders named like tracked
    /// files are not looked into.
    index: Option<&'a gix::index::State>,
}

impl gix::dir::walk::Delegate for FirstUntracked<'_> {
    fn can_recurse(
        &mut self,
        entry: gix::dir::EntryRef<'_>,
        for_deletion: Option<gix::dir::walk::ForDeletionMode>,
        worktree_root_is_repository: bool,
    ) -> bool {
        let recurse = entry.status.can_recurse(
            entry.disk_kind,
            entry.pathspec_match,
            for_deletion,
            worktree_root_is_repository,
        );
        if recurse && let Some(rec) = self.rec.as_deref_mut() {
            rec.dir(entry.rela_path.as_ref());
        }
        recurse
    }

    fn emit(
        &mut self,
        entry: gix::dir::EntryRef<'_>,
        _collapsed_directory_status: Option<gix::dir::entry::Status>,
    ) -> gix::dir::walk::Action {
        if entry.status == gix::dir::entry::Status::Untracked
            && !self
                .index
                .is_some_and(|index| under_a_tracked_file(index, entry.rela_path.as_ref()))
        {
            self.found = true;
            return std::ops::ControlFlow::Break(());
        }
        std::ops::ControlFlow::Continue(())
    }
}

/// `rela` is, or lies inside, a folder whose name the index holds as a file
/// (a tracked file replaced by a folder): `git status` does not look into
/// such a folder (it reports the file as deleted) unless it lists every
/// untracked file, so neither does `ll`.
fn under_a_tracked_file(index: &gix::index::State, rela: &BStr) -> bool {
    let bytes: &[u8] = rela.as_ref();
    bytes
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'/')
        .map(|(i, _)| &bytes[..i])
        .chain(std::iter::once(bytes))
        .any(|prefix| {
            index
                .entry_by_path(prefix.as_bstr())
                .is_some_and(|e| !e.mode.is_submodule())
        })
}

fn has_untracked(
    repo: &gix::Repository,
    index: &gix::index::State,
    rec: Option<&mut Recorder>,
) -> anyhow::Result<bool> {
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
    let mut delegate = FirstUntracked {
        found: false,
        rec,
        index: (show.as_deref() != Some("all")).then_some(index),
    };
    match repo.dirwalk(index, None::<&str>, &interrupt, options, &mut delegate) {
        Ok(_) => {}
        Err(_) if delegate.found => {}
        Err(err) => return Err(err.into()),
    }
    Ok(delegate.found)
}
