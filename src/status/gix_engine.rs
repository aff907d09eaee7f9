//! In-process status engine on `gix`: no git process per repo. Reads HEAD,
//! upstream and ahead/behind (one walk, see `ahead_behind`), the stash, and
//! the work tree's state (staged, unstaged, untracked: see `gix_worktree`).
//! Read-only: the index is never refreshed or written.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use gix::bstr::ByteSlice;

use super::ahead_behind;
use super::cache::Recorder;
use super::gix_worktree::worktree_state;
use super::model::{
    CommitInfo, Comparison, Engine, Head, RepoStatus, Request, decode_subject, dir_flags,
    resolve_against, shorten_ref, subject_of,
};
use super::repo_commits::RepoCommits;

/// Reads one repository in-process. `in_repo`: the current directory is the
/// repo's folder, so gix can use short relative paths. `rec` collects what
/// the reading depended on, for `ll`'s cache.
pub fn read(
    req: &Request,
    in_repo: bool,
    rec: Option<&mut Recorder>,
) -> anyhow::Result<RepoStatus> {
    read_opened(&open(req, in_repo)?, req, rec)
}

/// As [`read`], for a repo [`open`]ed already (`gita check` reads more
/// from it afterwards).
pub fn read_opened(
    repo: &gix::Repository,
    req: &Request,
    mut rec: Option<&mut Recorder>,
) -> anyhow::Result<RepoStatus> {
    if let Some(rec) = rec.as_deref_mut() {
        record_layout(repo, rec);
    }
    let head = repo.head()?;
    let head_id = head.id().map(|id| id.detach());
    let branch_full = head.referent_name().map(|n| n.to_owned());
    drop(head);

    let commit = match head_id {
        Some(id) => Some(read_commit(repo, id)?),
        None => None,
    };

    if let Some(rec) = rec.as_deref_mut() {
        match &branch_full {
            Some(full) => rec.file(git_file(full.as_bstr())),
            // Which tag a detached HEAD shows depends on every tag: loose
            // ones are watched through their folders (a tag written,
            // moved or deleted changes its folder's mtime).
            None => record_tag_folders(rec),
        }
    }

    let head = match &branch_full {
        Some(full) => Head::Branch(full.shorten().to_str_lossy().into_owned()),
        None => Head::Detached {
            tag: match head_id {
                Some(id) => describe_exact_tag(repo, id)?,
                None => None,
            },
        },
    };

    let comparison = match &branch_full {
        Some(full) => compare_upstream(
            repo,
            full.as_ref(),
            head_id,
            req.remote.as_deref(),
            rec.as_deref_mut(),
        )?,
        None => Comparison::default(),
    };
    if comparison.bounded
        && let Some(rec) = rec.as_deref_mut()
    {
        rec.spoil();
    }

    let stash_count = stash_count(repo)?;

    let (dirty, staged, untracked) = if repo.workdir().is_some() {
        worktree_state(repo, head_id, rec)?
    } else {
        (false, false, false)
    };

    Ok(RepoStatus {
        head,
        head_oid: head_id.map(|id| id.to_string()),
        upstream: comparison.upstream,
        upstream_gone: comparison.gone,
        ahead_behind: comparison.ahead_behind,
        counts_bounded: comparison.bounded,
        dirty,
        staged,
        untracked,
        stash_count,
        commit,
        engine: Engine::Gix,
    })
}

/// Opens the repo as both in-process readers (`ll`, `check`) do: per-repo
/// `--git-dir`/`--work-tree` flags honoured, untrusted repos refused.
pub fn open(req: &Request, in_repo: bool) -> anyhow::Result<gix::Repository> {
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

fn compare_upstream(
    repo: &gix::Repository,
    branch: &gix::refs::FullNameRef,
    head: Option<gix::ObjectId>,
    remote: Option<&str>,
    rec: Option<&mut Recorder>,
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
                        None => return Ok(Comparison::default()),
                        Some(name) => name?.as_bstr().to_str_lossy().into_owned(),
                    }
                }
                _ => return Ok(Comparison::default()),
            }
        }
    };
    let display = shorten_ref(&tracking).to_string();
    if let Some(rec) = rec {
        if tracking.starts_with("refs/") {
            rec.file(git_file(tracking.as_bytes().as_bstr()));
        } else {
            rec.spoil();
        }
    }
    let Some(mut upstream_ref) = repo.try_find_reference(tracking.as_str())? else {
        return Ok(Comparison::without_counts(display, true));
    };
    let upstream = upstream_ref.peel_to_id()?.detach();
    let Some(head) = head else {
        return Ok(Comparison::without_counts(display, true));
    };
    // In sync is the common case: no need to open the commit-graph for it.
    if upstream == head {
        return Ok(Comparison::counted(display, (0, 0), false));
    }
    let commits = RepoCommits::new(repo)?;
    let (left, right) = (commits.id(head), commits.id(upstream));
    let counts = ahead_behind::count(commits, left, right, ahead_behind::WALK_LIMIT)?;
    Ok(Comparison::counted(
        display,
        (counts.ahead, counts.behind),
        counts.bounded,
    ))
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

/// A file inside the git dir, relative to the work tree (cached repos have
/// their git dir at `<work tree>/.git`).
fn git_file(rela: &gix::bstr::BStr) -> PathBuf {
    let mut path = PathBuf::from(".git");
    match gix::path::from_bstr(rela) {
        Ok(rela) => path.push(rela),
        // Not a path on this system: a name no stat accepts, which spoils the recording.
        Err(_) => path.push("\0"),
    }
    path
}

/// Records the files outside the work tree's content that a reading depends
/// on (see `cache`), or spoils the recording for a layout the cache does not
/// handle.
fn record_layout(repo: &gix::Repository, rec: &mut Recorder) {
    let base = rec.base().to_path_buf();
    let plain_layout = repo.workdir() == Some(base.as_path())
        && repo.git_dir() == base.join(".git")
        && repo.common_dir() == repo.git_dir()
        && repo.index_path().ends_with(super::cache::INDEX)
        && crate::env::raw("GIT_INDEX_FILE").is_none();
    if !plain_layout {
        rec.spoil();
        return;
    }
    if repo.object_hash() != gix::hash::Kind::Sha1 {
        rec.spoil();
        return;
    }
    for name in [
        "",
        "HEAD",
        "config",
        "config.worktree",
        "index",
        "packed-refs",
        "shallow",
        "commondir",
        "info/exclude",
        "info/attributes",
        "info/grafts",
        "refs/replace",
        "refs/stash",
        "logs/refs/stash",
    ] {
        rec.file(git_file(name.into()));
    }
    let config = repo.config_snapshot();
    let file = config.plumbing();
    for section in file.sections() {
        if let Some(path) = section.meta().path.as_deref() {
            rec.file(path.to_path_buf());
        }
    }
    // Included files, whether or not their condition held: creating one
    // that did not exist changes the configuration.
    for name in ["include", "includeIf"] {
        for section in file.sections_by_name(name).into_iter().flatten() {
            for value in section.values("path") {
                // `~/`, `~user/` and `%(prefix)/` as git expands them (the
                // last is not known here); a relative path is relative to
                // the including file.
                let home = crate::env::home();
                let context = gix::config::path::interpolate::Context {
                    git_install_dir: None,
                    home_dir: home.as_deref(),
                    home_for_user: Some(gix::config::path::interpolate::home_for_user),
                };
                let Ok(expanded) = gix::config::Path::from(value).interpolate(context) else {
                    rec.spoil();
                    return;
                };
                let path = if expanded.is_absolute() {
                    expanded
                } else {
                    match section
                        .meta()
                        .path
                        .as_deref()
                        .and_then(std::path::Path::parent)
                    {
                        Some(dir) => dir.join(expanded),
                        None => {
                            rec.spoil();
                            return;
                        }
                    }
                };
                rec.file(path);
            }
        }
    }
    for key in ["core.excludesFile", "core.attributesFile"] {
        match config.trusted_path(key) {
            Ok(Some(path)) => rec.file(path),
            Err(_) => rec.spoil(),
            Ok(None) => {}
        }
    }
}

/// Records `.git/refs/tags` and every folder below it.
fn record_tag_folders(rec: &mut Recorder) {
    let mut pending = vec![PathBuf::from(".git/refs/tags")];
    while let Some(dir) = pending.pop() {
        if rec.is_spoiled() {
            return;
        }
        rec.file(dir.clone());
        let Ok(read) = std::fs::read_dir(rec.base().join(&dir)) else {
            // Absent: recorded as absent above; anything else cannot be watched.
            if rec.base().join(&dir).exists() {
                rec.spoil();
            }
            continue;
        };
        for child in read {
            match child {
                Ok(child) if child.file_type().is_ok_and(|t| t.is_dir()) => {
                    pending.push(dir.join(child.file_name()));
                }
                Ok(_) => {}
                Err(_) => rec.spoil(),
            }
        }
    }
}
