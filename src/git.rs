//! Small synchronous `git` invocations (bookkeeping, the status fallback):
//! per-repo flags go right after `git`, stdin is closed, discovery is
//! confined to the repo; the repository-local variables of the caller's
//! environment that gita drops at start; plus the on-disk checks for what a
//! folder holds.

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Stdio};

/// Environment variables that tie git to one particular repository, as `git
/// rev-parse --local-env-vars` lists them (git 2.47), plus
/// `GIT_INTERNAL_SUPER_PREFIX` (listed by older versions) and `GIT_NAMESPACE`
/// (selects refs inside one repository). git drops them itself before it
/// works in another repository (a submodule); a git hook or a git alias that
/// runs gita passes them on, and every repo would act on that one.
/// `GIT_CONFIG_COUNT` brings its numbered `GIT_CONFIG_KEY_<n>` and
/// `GIT_CONFIG_VALUE_<n>` along. The user's own settings (`GIT_CONFIG_GLOBAL`,
/// `GIT_CONFIG_NOSYSTEM`, `GIT_CEILING_DIRECTORIES`, `GIT_SSH_COMMAND`, …)
/// are not among them and are kept.
pub const REPO_LOCAL_ENV: &[&str] = &[
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_OBJECT_DIRECTORY",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_GRAFT_FILE",
    "GIT_INDEX_FILE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_REPLACE_REF_BASE",
    "GIT_PREFIX",
    "GIT_SHALLOW_FILE",
    "GIT_COMMON_DIR",
    "GIT_INTERNAL_SUPER_PREFIX",
    "GIT_NAMESPACE",
];

/// Whether `name` is one of [`REPO_LOCAL_ENV`] or a numbered companion of
/// `GIT_CONFIG_COUNT`.
pub fn is_repo_local_env(name: &std::ffi::OsStr) -> bool {
    let Some(name) = name.to_str() else {
        return false;
    };
    REPO_LOCAL_ENV.contains(&name)
        || ["GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"]
            .iter()
            .any(|prefix| name.strip_prefix(prefix).is_some_and(|n| !n.is_empty()))
}

/// Removes the repository-local variables ([`is_repo_local_env`]) from
/// gita's own environment, so that neither the in-process status engine nor
/// any child (git, a shell command, a status worker) sees them: each works in
/// its own repo only.
///
/// # Safety
///
/// Changes the process environment: call it before any other thread exists.
pub unsafe fn drop_repo_local_env() {
    let names: Vec<OsString> = std::env::vars_os()
        .map(|(name, _)| name)
        .filter(|name| is_repo_local_env(name))
        .collect();
    for name in names {
        // SAFETY: the caller guarantees that no other thread is running.
        unsafe { std::env::remove_var(name) };
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_local_variables() {
        let local = |n: &str| is_repo_local_env(std::ffi::OsStr::new(n));
        assert!(local("GIT_DIR") && local("GIT_INDEX_FILE") && local("GIT_NAMESPACE"));
        assert!(local("GIT_CONFIG_KEY_0") && local("GIT_CONFIG_VALUE_12"));
        assert!(!local("GIT_CONFIG_KEY_") && !local("GIT_CONFIG_GLOBAL"));
        assert!(!local("GIT_CEILING_DIRECTORIES") && !local("GIT_SSH_COMMAND"));
        assert!(!local("HOME") && !local("GIT_EXEC_PATH"));
    }

    #[test]
    fn covers_what_the_installed_git_lists() {
        let out = Command::new("git")
            .args(["rev-parse", "--local-env-vars"])
            .output()
            .expect("run git");
        assert!(out.status.success());
        let listed = String::from_utf8_lossy(&out.stdout);
        for name in listed.lines().filter(|l| !l.is_empty()) {
            assert!(REPO_LOCAL_ENV.contains(&name), "{name} is missing");
        }
    }
}
