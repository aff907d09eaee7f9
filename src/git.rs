//! Small synchronous `git` invocations (bookkeeping, the status fallback):
//! per-repo flags go right after `git`, stdin is closed, discovery is
//! confined to the repo; the repository-local variables of the caller's
//! environment that gita drops at start; what to say when a child cannot be
//! started in a repo; plus the on-disk checks for what a folder holds.

use std::ffi::OsString;
use std::io;
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
    let names: Vec<OsString> = crate::env::names()
        .into_iter()
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
    if let Some(existing) = crate::env::ceiling_directories() {
        value.push(":");
        value.push(existing);
    }
    cmd.env("GIT_CEILING_DIRECTORIES", value);
}

/// What keeps `dir` from being a child's working directory, if anything: it
/// does not exist, is not a directory, or cannot be entered.
pub fn folder_problem(dir: &Path) -> Option<String> {
    let shown = dir.display();
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Some(format!(
            "the repo folder {shown} does not exist (moved? fix it with `gita rm` and `gita add`)"
        )),
        Err(e) => Some(format!(
            "cannot reach the repo folder {shown}: {}",
            reason(&e)
        )),
        Ok(meta) if !meta.is_dir() => Some(format!("the repo folder {shown} is not a directory")),
        Ok(_) => can_enter(dir)
            .err()
            .map(|e| format!("cannot enter the repo folder {shown}: {}", reason(&e))),
    }
}

/// Whether this process may make `dir` its working directory (search
/// permission, checked with the effective user and capabilities).
fn can_enter(dir: &Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt as _;
    let Ok(path) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return Ok(()); // no such path can exist; let the spawn report it
    };
    // SAFETY: `path` is a valid NUL-terminated string that outlives the call.
    let rc =
        unsafe { libc::faccessat(libc::AT_FDCWD, path.as_ptr(), libc::X_OK, libc::AT_EACCESS) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Why `program` could not be started in `dir` (the spawn failed with
/// `err`): the folder's problem when it has one, else the program's.
pub fn spawn_error(program: &str, dir: &Path, err: &io::Error) -> String {
    if let Some(problem) = folder_problem(dir) {
        return problem;
    }
    match err.kind() {
        io::ErrorKind::NotFound if program.contains('/') => format!("{program} does not exist"),
        io::ErrorKind::NotFound => format!("{program} was not found on PATH (is it installed?)"),
        io::ErrorKind::PermissionDenied => {
            format!("{program} cannot be executed: permission denied")
        }
        _ => format!(
            "cannot run {program} in {shown}: {err}",
            shown = dir.display()
        ),
    }
}

/// An I/O error as a short phrase: `permission denied` rather than
/// `Permission denied (os error 13)`.
fn reason(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::NotADirectory => "a part of the path is not a directory".into(),
        _ => err.to_string(),
    }
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
    fn spawn_errors_name_the_folder_or_the_program() {
        let tmp = std::env::temp_dir();
        let gone = io::Error::from(io::ErrorKind::NotFound);
        assert_eq!(
            spawn_error("git", &tmp, &gone),
            "git was not found on PATH (is it installed?)"
        );
        assert_eq!(spawn_error("./tool", &tmp, &gone), "./tool does not exist");
        let denied = io::Error::from(io::ErrorKind::PermissionDenied);
        assert_eq!(
            spawn_error("sh", &tmp, &denied),
            "sh cannot be executed: permission denied"
        );
        let missing = tmp.join("gita-no-such-folder/x");
        assert!(spawn_error("git", &missing, &gone).contains("does not exist (moved?"));
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
