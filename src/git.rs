//! Small synchronous `git` invocations (bookkeeping, the status fallback):
//! per-repo flags go right after `git`, stdin is closed, discovery is
//! confined to the repo; plus the on-disk checks for what a folder holds.

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Stdio};

/// `git <flags>` run in `dir`, stdin closed, never prompting.
pub fn command(dir: &Path, flags: &[String]) -> Command {
    let mut cmd = Command::new("git");
    cmd.args(flags)
        .current_dir(dir)
        .stdin(Stdio::null())
        .env("GIT_TERMINAL_PROMPT", "0");
    confine(&mut cmd, dir);
    cmd
}

/// Stops git's repository discovery at `repo`: if the repo's `.git` is gone,
/// git must fail rather than walk up and act on an enclosing repository.
/// Adds the repo's parent to `GIT_CEILING_DIRECTORIES` (keeping the user's).
pub fn confine(cmd: &mut Command, repo: &Path) {
    let Some(parent) = repo.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return;
    };
    let mut value = OsString::from(parent);
    if let Some(existing) = std::env::var_os("GIT_CEILING_DIRECTORIES").filter(|v| !v.is_empty()) {
        value.push(":");
        value.push(existing);
    }
    cmd.env("GIT_CEILING_DIRECTORIES", value);
}

/// Trimmed stdout of a successful git command, `None` on any failure.
pub fn read(dir: &Path, flags: &[String], args: &[&str]) -> Option<String> {
    let out = command(dir, flags)
        .args(args)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// A work tree has a `.git` folder (ordinary repo) or file (worktree, submodule).
pub fn is_work_tree(dir: &Path) -> bool {
    dir.join(".git").exists()
}

/// A submodule's `.git` is a file pointing into the parent's `.git/modules`.
pub fn is_submodule(dir: &Path) -> bool {
    let git = dir.join(".git");
    git.is_file() && std::fs::read_to_string(&git).is_ok_and(|text| text.contains(".git/modules"))
}

/// A bare repo has HEAD, objects/ and refs/ at its top.
pub fn is_bare(dir: &Path) -> bool {
    dir.join("HEAD").is_file() && dir.join("objects").is_dir() && dir.join("refs").is_dir()
}

/// Runs `f` over `items` on up to `threads` worker threads, keeping order.
pub fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, items.len().max(1)) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    if let Ok(mut guard) = results.lock() {
                        guard[i] = Some(r);
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect()
}
