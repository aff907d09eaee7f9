//! The fallback reader: the same answers as [`super::gix_reader`] from `git`
//! subprocesses, for repos gix cannot read (reftable refs, SHA-256, flags
//! only git applies) or when `GITA_STATUS_ENGINE=git`. Every command runs
//! with `--no-optional-locks`, so nothing is written into the repository.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

use super::model::{
    MAX_SUBMODULE_DEPTH, Options, Reason, RepoCheck, operation_in, push_submodule, uncommitted,
};
use super::walk::COUNT_CAP;
use crate::status::{self, Engine, EngineChoice, Head, Request};

/// Runs git in `dir` with `flags`; stdout on success, else the first line
/// of stderr as the error.
fn git(dir: &Path, flags: &[String], args: &[&str]) -> Result<String> {
    let mut cmd = crate::git::command(dir, flags);
    cmd.arg("--no-optional-locks")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .args(args);
    let out = cmd
        .output()
        .context("could not run git (is it installed?)")?;
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .map(|l| l.trim_start_matches("fatal: ").trim())
        .find(|l| !l.is_empty())
        .unwrap_or("git failed");
    bail!("git {}: {line}", args.first().copied().unwrap_or_default())
}

/// `git rev-list --count` of `tip` without the commits of `not` (`--remotes`,
/// `--branches`), bounded like the gix walk.
fn count_not(dir: &Path, flags: &[String], tip: &str, not: &[&str]) -> Result<(usize, bool)> {
    let max = format!("--max-count={}", COUNT_CAP + 1);
    let mut args = vec!["rev-list", "--count", max.as_str(), tip, "--not"];
    args.extend_from_slice(not);
    let text = git(dir, flags, &args)?;
    let n: usize = text
        .trim()
        .parse()
        .with_context(|| format!("unexpected `git rev-list --count` output {text:?}"))?;
    Ok(if n > COUNT_CAP {
        (COUNT_CAP, true)
    } else {
        (n, false)
    })
}

pub fn has_conflicts(dir: &Path, flags: &[String]) -> Result<bool> {
    Ok(!git(dir, flags, &["ls-files", "--unmerged", "-z"])?.is_empty())
}

/// Checks one repository with git subprocesses.
pub fn read(req: &Request, options: Options) -> Result<RepoCheck> {
    let (dir, flags) = (req.path.as_path(), req.flags.as_slice());
    let state = status::pool::read_one(req, EngineChoice::Git, false)?;
    let where_ = git(
        dir,
        flags,
        &["rev-parse", "--absolute-git-dir", "--is-inside-work-tree"],
    )?;
    let mut lines = where_.lines();
    let git_dir = PathBuf::from(lines.next().unwrap_or_default());
    let has_work_tree = lines.next() == Some("true");
    let conflicts = state.dirty && state.staged && has_conflicts(dir, flags)?;
    let top = if has_work_tree {
        Some(PathBuf::from(
            git(dir, flags, &["rev-parse", "--show-toplevel"])?.trim_end(),
        ))
    } else {
        None
    };
    let subs = match &top {
        Some(top) => checked_out_submodules(top, flags)?,
        None => Vec::new(),
    };
    let mut state = state;
    if state.dirty && !conflicts && !subs.is_empty() {
        // Changes inside a submodule are reported with the submodule.
        state.dirty = unstaged_outside_submodules_with(dir, flags)?;
    }
    let mut reasons = uncommitted(&state, conflicts, true);
    if let Some(operation) = operation_in(&git_dir) {
        reasons.push(Reason::Operation { operation });
    }

    let (branches, remotes) = read_refs(dir, flags)?;
    reasons.extend(branch_reasons(dir, flags, &branches)?);

    if let (Head::Detached { .. }, Some(head)) = (&state.head, state.head_oid.as_deref()) {
        reasons.extend(detached(dir, flags, head)?);
    }
    reasons.extend(worktrees(dir, flags)?);
    if options.tags {
        reasons.extend(tags(dir, flags, &remotes)?);
    }
    reasons.extend(submodule_reasons(subs, "", 1));
    Ok(RepoCheck {
        engine: Engine::Git,
        reasons,
    })
}

/// A local branch: short name, tip, upstream, whether the upstream is gone.
type Branch = (String, String, String, bool);

/// The local branches and the tips of the remote-tracking branches.
fn read_refs(dir: &Path, flags: &[String]) -> Result<(Vec<Branch>, Vec<String>)> {
    let refs = git(
        dir,
        flags,
        &[
            "for-each-ref",
            "--format=%(refname)%00%(objectname)%00%(upstream)%00%(upstream:track)",
            "refs/heads",
            "refs/remotes",
        ],
    )?;
    let mut branches = Vec::new();
    let mut remotes = Vec::new();
    for line in refs.lines() {
        let mut f = line.split('\0');
        let (Some(name), Some(oid), Some(up), Some(track)) =
            (f.next(), f.next(), f.next(), f.next())
        else {
            bail!("unexpected `git for-each-ref` output {line:?}");
        };
        if let Some(short) = name.strip_prefix("refs/heads/") {
            branches.push((
                short.to_string(),
                oid.to_string(),
                up.to_string(),
                track == "[gone]",
            ));
        } else {
            remotes.push(oid.to_string());
        }
    }
    Ok((branches, remotes))
}

/// Per branch: its commits on no remote, and a missing or gone upstream.
fn branch_reasons(dir: &Path, flags: &[String], branches: &[Branch]) -> Result<Vec<Reason>> {
    let mut reasons = Vec::new();
    let unpushed = unpushed_counts(dir, flags, branches)?;
    for ((branch, _, up, gone), (count, at_least)) in branches.iter().zip(unpushed) {
        if count > 0 {
            reasons.push(Reason::UnpushedCommits {
                branch: branch.clone(),
                count: Some(count),
                at_least,
            });
        }
        if up.is_empty() {
            reasons.push(Reason::NoUpstream {
                branch: branch.clone(),
            });
        } else if *gone {
            reasons.push(Reason::UpstreamGone {
                branch: branch.clone(),
                upstream: status::shorten_ref(up).to_string(),
            });
        }
    }
    Ok(reasons)
}

/// Per branch: commits on no remote. One `rev-list` lists every such commit
/// with its parents; each branch's count is then a walk within that set.
/// Past the bound, each branch is counted by its own bounded `rev-list`.
fn unpushed_counts(
    dir: &Path,
    flags: &[String],
    branches: &[Branch],
) -> Result<Vec<(usize, bool)>> {
    if branches.is_empty() {
        return Ok(Vec::new());
    }
    let max = format!("--max-count={}", COUNT_CAP + 1);
    let text = git(
        dir,
        flags,
        &[
            "rev-list",
            "--parents",
            max.as_str(),
            "--branches",
            "--not",
            "--remotes",
        ],
    )?;
    let parents: HashMap<&str, Vec<&str>> = text
        .lines()
        .filter_map(|l| {
            let mut ids = l.split(' ');
            Some((ids.next()?, ids.collect()))
        })
        .collect();
    if parents.len() > COUNT_CAP {
        return branches
            .iter()
            .map(|(_, oid, _, _)| count_not(dir, flags, oid, &["--remotes"]))
            .collect();
    }
    Ok(branches
        .iter()
        .map(|(_, oid, _, _)| {
            let mut seen: HashSet<&str> = HashSet::new();
            let mut stack = vec![oid.as_str()];
            while let Some(id) = stack.pop() {
                if let Some(ps) = parents.get(id)
                    && seen.insert(id)
                {
                    stack.extend(ps.iter().copied());
                }
            }
            (seen.len(), false)
        })
        .collect())
}

fn detached(dir: &Path, flags: &[String], head: &str) -> Result<Option<Reason>> {
    let (count, at_least) = count_not(dir, flags, head, &["--branches", "--remotes"])?;
    Ok((count > 0).then(|| Reason::DetachedHead {
        head: head.to_string(),
        count: Some(count),
        at_least,
    }))
}

/// Linked worktrees (every one but the main worktree and `dir` itself).
fn worktrees(dir: &Path, flags: &[String]) -> Result<Vec<Reason>> {
    let text = git(dir, flags, &["worktree", "list", "--porcelain", "-z"])?;
    let own = std::fs::canonicalize(dir).ok();
    let mut out = Vec::new();
    let mut records: Vec<Vec<&str>> = vec![Vec::new()];
    for field in text.split('\0') {
        match records.last_mut() {
            Some(r) if !field.is_empty() => r.push(field),
            _ => records.push(Vec::new()),
        }
    }
    for record in records.iter().filter(|r| !r.is_empty()).skip(1) {
        let Some(path) = record.iter().find_map(|f| f.strip_prefix("worktree ")) else {
            continue;
        };
        let path = PathBuf::from(path);
        if std::fs::canonicalize(&path).ok() == own && own.is_some() {
            continue;
        }
        let head = record.iter().find_map(|f| f.strip_prefix("HEAD "));
        let is_detached = record.contains(&"detached");
        let read = || -> Result<Vec<Reason>> {
            let mut reasons = Vec::new();
            if path.is_dir() {
                let req = Request {
                    path: path.clone(),
                    flags: Vec::new(),
                    remote: None,
                };
                let state = status::pool::read_one(&req, EngineChoice::Git, false)?;
                let conflicts = state.dirty && state.staged && has_conflicts(&path, &[])?;
                reasons.extend(uncommitted(&state, conflicts, false));
                let git_dir = git(&path, &[], &["rev-parse", "--absolute-git-dir"])?;
                if let Some(operation) = operation_in(Path::new(git_dir.trim_end())) {
                    reasons.push(Reason::Operation { operation });
                }
            }
            if is_detached && let Some(head) = head {
                reasons.extend(detached(dir, flags, head)?);
            }
            Ok(reasons)
        };
        let shown = path.display().to_string();
        match read() {
            Ok(reasons) if reasons.is_empty() => {}
            Ok(reasons) => out.push(Reason::Worktree {
                path: shown,
                error: None,
                reasons,
            }),
            Err(e) => out.push(Reason::Worktree {
                path: shown,
                error: Some(format!("{e:#}")),
                reasons: Vec::new(),
            }),
        }
    }
    Ok(out)
}

/// Tags whose commit no remote-tracking ref reaches.
fn tags(dir: &Path, flags: &[String], remotes: &[String]) -> Result<Vec<Reason>> {
    let mut args = vec![
        "for-each-ref".to_string(),
        "--format=%(refname:short)%00%(objecttype)%00%(*objecttype)".to_string(),
        "refs/tags".to_string(),
    ];
    let unique: HashSet<&String> = remotes.iter().collect();
    args.extend(unique.into_iter().map(|r| format!("--no-merged={r}")));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let text = git(dir, flags, &args)?;
    Ok(text
        .lines()
        .filter_map(|line| {
            let mut f = line.split('\0');
            let (name, kind, peeled) = (f.next()?, f.next()?, f.next().unwrap_or_default());
            (kind == "commit" || peeled == "commit").then(|| Reason::TagOnNoRemote {
                tag: name.to_string(),
            })
        })
        .collect())
}

/// Whether tracked files of the work tree at `dir` differ from the index,
/// not counting changes inside submodules (a moved submodule still counts).
pub fn unstaged_outside_submodules(dir: &Path) -> Result<bool> {
    unstaged_outside_submodules_with(dir, &[])
}

fn unstaged_outside_submodules_with(dir: &Path, flags: &[String]) -> Result<bool> {
    let text = git(
        dir,
        flags,
        &[
            "status",
            "--porcelain=v2",
            "-z",
            "--ignore-submodules=dirty",
            "--untracked-files=no",
        ],
    )?;
    let mut records = text.split('\0');
    while let Some(rec) = records.next() {
        let b = rec.as_bytes();
        match b.first() {
            Some(b'1' | b'2') if b.get(3).is_some_and(|&y| y != b'.') => return Ok(true),
            Some(b'u') => return Ok(true),
            _ => {}
        }
        if b.first() == Some(&b'2') {
            // A rename entry is followed by its original path.
            records.next();
        }
    }
    Ok(false)
}

/// Checked-out submodules (gitlinks in the index whose folder holds a repo)
/// of the work tree `top`: (path relative to `top`, absolute folder).
fn checked_out_submodules(top: &Path, flags: &[String]) -> Result<Vec<(String, PathBuf)>> {
    let text = git(top, flags, &["ls-files", "--stage", "-z"])?;
    let mut out = Vec::new();
    for entry in text.split('\0') {
        let Some((meta, rela)) = entry.split_once('\t') else {
            continue;
        };
        let mut meta = meta.split(' ');
        if meta.next() != Some("160000") || meta.nth(1) != Some("0") {
            continue;
        }
        let dir = top.join(rela);
        if dir.join(".git").exists() {
            out.push((rela.to_string(), dir));
        }
    }
    Ok(out)
}

/// Each submodule with its reasons, nested ones after their parent.
fn submodule_reasons(subs: Vec<(String, PathBuf)>, prefix: &str, depth: usize) -> Vec<Reason> {
    let mut out = Vec::new();
    for (rela, dir) in subs {
        let shown = if prefix.is_empty() {
            rela
        } else {
            format!("{prefix}/{rela}")
        };
        let result = submodule(&dir, &shown, depth);
        push_submodule(&mut out, shown, result);
    }
    out
}

/// The reasons of one submodule, and those of its own submodules.
pub fn submodule(dir: &Path, shown: &str, depth: usize) -> Result<(Vec<Reason>, Vec<Reason>)> {
    let req = Request {
        path: dir.to_path_buf(),
        flags: Vec::new(),
        remote: None,
    };
    let state = status::pool::read_one(&req, EngineChoice::Git, false)?;
    let conflicts = state.dirty && state.staged && has_conflicts(dir, &[])?;
    let subs = checked_out_submodules(dir, &[])?;
    let mut state = state;
    if state.dirty && !conflicts && !subs.is_empty() {
        state.dirty = unstaged_outside_submodules(dir)?;
    }
    let mut reasons = uncommitted(&state, conflicts, true);
    let git_dir = git(dir, &[], &["rev-parse", "--absolute-git-dir"])?;
    if let Some(operation) = operation_in(Path::new(git_dir.trim_end())) {
        reasons.push(Reason::Operation { operation });
    }
    if let Some(head) = state.head_oid.as_deref() {
        let (count, at_least) = count_not(dir, &[], head, &["--remotes"])?;
        if count > 0 {
            reasons.push(Reason::HeadOnNoRemote {
                head: head.to_string(),
                count: Some(count),
                at_least,
            });
        }
    }
    let nested = if depth < MAX_SUBMODULE_DEPTH {
        submodule_reasons(subs, shown, depth + 1)
    } else {
        Vec::new()
    };
    Ok((reasons, nested))
}
