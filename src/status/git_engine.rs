//! Fallback status engine: `git` subprocesses per repository. Used when gix
//! cannot read a repo (reftable, SHA-256, ownership refusal, custom flags...)
//! or when `GITA_STATUS_ENGINE=git`. Never writes into the repo
//! (`--no-optional-locks` stops `git status` from refreshing the index).

use std::process::Command;

use anyhow::{Context as _, bail};

use super::model::{CommitInfo, Comparison, Engine, Head, RepoStatus, Request};

/// What `git status --porcelain=v2 --branch --show-stash -z` tells us.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Porcelain {
    /// `None` for `(initial)` (unborn branch).
    pub oid: Option<String>,
    /// `None` when detached.
    pub branch: Option<String>,
    pub upstream: Option<String>,
    pub ahead_behind: Option<(usize, usize)>,
    pub stash_count: usize,
    pub dirty: bool,
    pub staged: bool,
    pub untracked: bool,
}

/// Parses NUL-separated porcelain v2 output (`-z`).
pub fn parse_porcelain_v2(out: &[u8]) -> anyhow::Result<Porcelain> {
    let mut p = Porcelain::default();
    let mut records = out.split(|&b| b == 0).peekable();
    while let Some(rec) = records.next() {
        if rec.is_empty() {
            continue;
        }
        let text = String::from_utf8_lossy(rec);
        if let Some(header) = text.strip_prefix("# ") {
            let (key, value) = header.split_once(' ').unwrap_or((header, ""));
            match key {
                "branch.oid" => p.oid = (value != "(initial)").then(|| value.to_string()),
                "branch.head" => p.branch = (value != "(detached)").then(|| value.to_string()),
                "branch.upstream" => p.upstream = Some(value.to_string()),
                "branch.ab" => p.ahead_behind = Some(parse_ab(value)?),
                "stash" => {
                    p.stash_count = value
                        .parse()
                        .with_context(|| format!("bad stash count {value:?}"))?
                }
                _ => {}
            }
            continue;
        }
        match rec[0] {
            b'1' | b'2' | b'u' => {
                let xy = rec.get(2..4).context("truncated porcelain v2 entry")?;
                if rec[0] == b'u' {
                    // Unmerged: a conflict counts as both staged and dirty.
                    p.staged = true;
                    p.dirty = true;
                } else {
                    p.staged |= xy[0] != b'.';
                    p.dirty |= xy[1] != b'.';
                }
                if rec[0] == b'2' {
                    // A rename/copy entry is followed by its original path.
                    records.next();
                }
            }
            b'?' => p.untracked = true,
            b'!' => {}
            other => bail!(
                "unexpected porcelain v2 record type {:?}",
                char::from(other)
            ),
        }
    }
    Ok(p)
}

fn parse_ab(value: &str) -> anyhow::Result<(usize, usize)> {
    let mut parts = value.split_whitespace();
    let ahead = parts.next().and_then(|a| a.strip_prefix('+'));
    let behind = parts.next().and_then(|b| b.strip_prefix('-'));
    match (ahead.map(str::parse), behind.map(str::parse)) {
        (Some(Ok(a)), Some(Ok(b))) => Ok((a, b)),
        _ => bail!("bad branch.ab header {value:?}"),
    }
}

fn git(req: &Request) -> Command {
    let mut cmd = crate::git::command(&req.path, &req.flags);
    cmd.arg("--no-optional-locks")
        .env("GIT_OPTIONAL_LOCKS", "0");
    cmd
}

/// Runs git, returning stdout on success and `None` on a non-zero exit.
fn run(mut cmd: Command) -> anyhow::Result<Result<Vec<u8>, String>> {
    let out = cmd.output().map_err(|e| {
        let dir = cmd.get_current_dir().unwrap_or(std::path::Path::new("."));
        anyhow::anyhow!(crate::git::spawn_error("git", dir, &e))
    })?;
    if out.status.success() {
        Ok(Ok(out.stdout))
    } else {
        Ok(Err(String::from_utf8_lossy(&out.stderr).trim().to_string()))
    }
}

/// Reads one repository with git subprocesses.
pub fn read(req: &Request) -> anyhow::Result<RepoStatus> {
    let mut cmd = git(req);
    cmd.args(["status", "--porcelain=v2", "--branch", "--show-stash", "-z"]);
    let status = match run(cmd)? {
        Ok(out) => parse_porcelain_v2(&out)?,
        // A bare repository has no work tree to compare: read the rest.
        Err(msg) if msg.contains("must be run in a work tree") => bare_status(req)?,
        Err(msg) => bail!("{}", first_line(&msg, "git status failed")),
    };

    let commit = match &status.oid {
        None => None,
        Some(_) => {
            let mut cmd = git(req);
            cmd.args([
                "log",
                "-1",
                "--no-show-signature",
                "--format=%ct%x00%s",
                "HEAD",
            ]);
            let out =
                run(cmd)?.map_err(|e| anyhow::anyhow!("{}", first_line(&e, "git log failed")))?;
            Some(parse_log(&out)?)
        }
    };

    let head = match &status.branch {
        Some(branch) => Head::Branch(branch.clone()),
        None => {
            let mut cmd = git(req);
            cmd.args(["describe", "--tags", "--exact-match", "HEAD"]);
            let tag = run(cmd)?
                .ok()
                .map(|out| String::from_utf8_lossy(&out).trim().to_string())
                .filter(|t| !t.is_empty());
            Head::Detached { tag }
        }
    };

    let comparison = match (&req.remote, &status.branch) {
        (Some(remote), Some(branch)) => {
            compare_with_remote(req, remote, branch, status.oid.is_some())?
        }
        (Some(_), None) => Comparison::default(),
        (None, _) => Comparison {
            upstream: status.upstream.clone(),
            ahead_behind: status.ahead_behind,
            bounded: false,
            gone: status.upstream.is_some() && status.ahead_behind.is_none(),
        },
    };

    Ok(RepoStatus {
        head,
        head_oid: status.oid,
        upstream: comparison.upstream,
        upstream_gone: comparison.gone,
        ahead_behind: comparison.ahead_behind,
        counts_bounded: comparison.bounded,
        dirty: status.dirty,
        staged: status.staged,
        untracked: status.untracked,
        stash_count: status.stash_count,
        commit,
        engine: Engine::Git,
    })
}

/// What `git status` would say about HEAD, upstream and stash in a bare repo.
fn bare_status(req: &Request) -> anyhow::Result<Porcelain> {
    let text = |args: &[&str]| -> anyhow::Result<Option<String>> {
        let mut cmd = git(req);
        cmd.args(args);
        Ok(run(cmd)?
            .ok()
            .map(|out| String::from_utf8_lossy(&out).trim_end().to_string()))
    };
    let mut p = Porcelain {
        oid: text(&["rev-parse", "--verify", "--quiet", "HEAD^{commit}"])?
            .filter(|s| !s.is_empty()),
        ..Porcelain::default()
    };
    let full = text(&["symbolic-ref", "--quiet", "HEAD"])?.filter(|s| !s.is_empty());
    if let Some(full) = &full {
        p.branch = Some(full.strip_prefix("refs/heads/").unwrap_or(full).to_string());
        let fmt = "--format=%(upstream)%00%(upstream:short)";
        let up = text(&["for-each-ref", fmt, full])?.unwrap_or_default();
        if let Some((up_full, up_short)) = up.split_once('\0')
            && !up_full.is_empty()
        {
            p.upstream = Some(up_short.to_string());
            let exists = text(&[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{up_full}^{{commit}}"),
            ])?;
            if exists.is_some() && p.oid.is_some() {
                let counts = text(&[
                    "rev-list",
                    "--left-right",
                    "--count",
                    &format!("HEAD...{up_full}"),
                ])?
                .unwrap_or_default();
                let mut nums = counts.split_whitespace().map(str::parse::<usize>);
                if let (Some(Ok(a)), Some(Ok(b))) = (nums.next(), nums.next()) {
                    p.ahead_behind = Some((a, b));
                }
            }
        }
    }
    p.stash_count = text(&["log", "--walk-reflogs", "--format=%H", "refs/stash", "--"])?
        .map_or(0, |out| out.lines().filter(|l| !l.is_empty()).count());
    Ok(p)
}

/// Ahead/behind against `refs/remotes/<remote>/<branch>` (the `-r` option).
fn compare_with_remote(
    req: &Request,
    remote: &str,
    branch: &str,
    born: bool,
) -> anyhow::Result<Comparison> {
    let short = format!("{remote}/{branch}");
    let full = format!("refs/remotes/{short}");
    let mut cmd = git(req);
    cmd.args([
        "rev-parse",
        "--verify",
        "--quiet",
        &format!("{full}^{{commit}}"),
    ]);
    if run(cmd)?.is_err() {
        return Ok(Comparison::without_counts(short, true));
    }
    if !born {
        return Ok(Comparison::without_counts(short, false));
    }
    let mut cmd = git(req);
    cmd.args([
        "rev-list",
        "--left-right",
        "--count",
        &format!("HEAD...{full}"),
    ]);
    let out =
        run(cmd)?.map_err(|e| anyhow::anyhow!("{}", first_line(&e, "git rev-list failed")))?;
    let text = String::from_utf8_lossy(&out);
    let mut nums = text.split_whitespace().map(str::parse::<usize>);
    match (nums.next(), nums.next()) {
        (Some(Ok(a)), Some(Ok(b))) => Ok(Comparison::counted(short, (a, b), false)),
        _ => bail!("unexpected `git rev-list --count` output {text:?}"),
    }
}

fn parse_log(out: &[u8]) -> anyhow::Result<CommitInfo> {
    let text = String::from_utf8_lossy(out);
    let text = text.strip_suffix('\n').unwrap_or(&text);
    let (time, subject) = text
        .split_once('\0')
        .context("unexpected `git log` output")?;
    let time = time
        .trim()
        .parse()
        .with_context(|| format!("bad commit time {time:?}"))?;
    Ok(CommitInfo {
        subject: subject.to_string(),
        time,
    })
}

fn first_line(msg: &str, fallback: &str) -> String {
    msg.lines()
        .map(|l| l.trim_start_matches("fatal: ").trim())
        .find(|l| !l.is_empty())
        .unwrap_or(fallback)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Captured from `git status --porcelain=v2 --branch --show-stash -z` in a
    /// bench fixture repo that diverged, with a stash, staged, unstaged and
    /// untracked changes.
    const MIXED: &[u8] = b"# branch.oid 7854500faaeda0f4bbf66265a10bfc0b99c92794\0\
# branch.head main\0# branch.upstream origin/main\0# branch.ab +1 -1\0# stash 1\0\
1 .M N... 100644 100644 100644 ba9664c5f0ee7abd16ad8afce129824a63fd895b ba9664c5f0ee7abd16ad8afce129824a63fd895b README.md\0\
1 A. N... 000000 100644 100644 0000000000000000000000000000000000000000 3e757656cf36eca53338e520d134963a44f793f8 STAGED_NEW.txt\0\
1 .M N... 100644 100644 100644 f01e3956f15112395d0bcce85ae889837e3a30eb f01e3956f15112395d0bcce85ae889837e3a30eb src/m0/file0.txt\0\
1 M. N... 100644 100644 100644 9e080bb7592f20a3e714e963a0073dfc3e6d05e2 0de811a896d4fcae0fbe1bb7641d63df670de6f0 src/m4/file4.txt\0\
? notes.txt\0? scratch/\0";

    #[test]
    fn parses_mixed_state() {
        let p = parse_porcelain_v2(MIXED).expect("parses");
        assert_eq!(
            p.oid.as_deref(),
            Some("7854500faaeda0f4bbf66265a10bfc0b99c92794")
        );
        assert_eq!(p.branch.as_deref(), Some("main"));
        assert_eq!(p.upstream.as_deref(), Some("origin/main"));
        assert_eq!(p.ahead_behind, Some((1, 1)));
        assert_eq!(p.stash_count, 1);
        assert!(p.dirty && p.staged && p.untracked);
    }

    #[test]
    fn parses_unborn_detached_and_gone() {
        let p =
            parse_porcelain_v2(b"# branch.oid (initial)\0# branch.head main\0").expect("parses");
        assert_eq!((p.oid, p.branch.as_deref()), (None, Some("main")));
        let p =
            parse_porcelain_v2(b"# branch.oid abc\0# branch.head (detached)\0").expect("parses");
        assert_eq!(p.branch, None);
        let p = parse_porcelain_v2(
            b"# branch.oid abc\0# branch.head main\0# branch.upstream origin/gone\0",
        )
        .expect("parses");
        assert_eq!(p.upstream.as_deref(), Some("origin/gone"));
        assert_eq!(p.ahead_behind, None);
        assert!(!p.dirty && !p.staged && !p.untracked);
    }

    #[test]
    fn rename_consumes_original_path_and_conflict_is_both() {
        let out = b"# branch.oid abc\0# branch.head main\0\
2 R. N... 100644 100644 100644 aaaa aaaa R100 new name.txt\0? looks-untracked\0\
u UU N... 100644 100644 100644 100644 aaaa bbbb cccc conflict.txt\0";
        let p = parse_porcelain_v2(out).expect("parses");
        assert!(p.staged && p.dirty);
        // The original path of the rename is not mistaken for an untracked record.
        assert!(!p.untracked);
        let p = parse_porcelain_v2(b"# branch.oid abc\0# branch.head main\0! build/\0")
            .expect("parses");
        assert!(!p.untracked && !p.dirty);
    }

    #[test]
    fn submodule_worktree_change_is_dirty() {
        let out = b"# branch.oid abc\0# branch.head main\0\
1 .M S.M. 160000 160000 160000 aaaa aaaa sub\0";
        let p = parse_porcelain_v2(out).expect("parses");
        assert!(p.dirty && !p.staged);
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse_porcelain_v2(b"# branch.ab +x -1\0").is_err());
        assert!(parse_porcelain_v2(b"Z what\0").is_err());
        assert!(parse_porcelain_v2(b"1 M\0").is_err());
    }

    #[test]
    fn log_output_splits_time_and_subject() {
        let c = parse_log(b"1704067200\0fix: a\tb\n").expect("parses");
        assert_eq!(
            c,
            CommitInfo {
                subject: "fix: a\tb".into(),
                time: 1704067200
            }
        );
    }
}
