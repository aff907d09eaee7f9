//! Every read of the environment and of the terminal, in one place: the
//! variables gita itself honours, the user's session (HOME, PATH, an ssh
//! agent), and whether each standard stream is a terminal and how wide.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;

/// A variable's value as it is (set but empty counts as set).
pub fn raw(name: &str) -> Option<OsString> {
    std::env::var_os(name)
}

/// The names of every variable in the environment.
pub fn names() -> Vec<OsString> {
    std::env::vars_os().map(|(name, _)| name).collect()
}

/// A variable's value, unless it is unset or empty.
pub fn var(name: &str) -> Option<OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}

/// `GITA_PROJECT_HOME`: the folder that holds gita's config folder.
pub fn project_home() -> Option<PathBuf> {
    var("GITA_PROJECT_HOME").map(PathBuf::from)
}

/// `XDG_CONFIG_HOME`.
pub fn xdg_config_home() -> Option<PathBuf> {
    var("XDG_CONFIG_HOME").map(PathBuf::from)
}

/// `XDG_CACHE_HOME`.
pub fn xdg_cache_home() -> Option<PathBuf> {
    var("XDG_CACHE_HOME").map(PathBuf::from)
}

/// `GITA_STATUS_CACHE` (`off` turns `ll`'s cache of unchanged repos off).
pub fn status_cache() -> Option<String> {
    std::env::var("GITA_STATUS_CACHE").ok()
}

/// `HOME`.
pub fn home() -> Option<PathBuf> {
    var("HOME").map(PathBuf::from)
}

/// `NO_COLOR` set to anything: no colors unless asked for.
pub fn no_color() -> bool {
    var("NO_COLOR").is_some()
}

/// `GITA_STATUS_ENGINE` (`git`, `gix` or `auto`): forces one status engine.
pub fn status_engine() -> Option<String> {
    std::env::var("GITA_STATUS_ENGINE").ok()
}

/// The variable that makes a run a completion request; its value names the
/// shell.
pub const COMPLETE_VAR: &str = "GITA_COMPLETE";

/// `GITA_COMPLETE`: the shell of a completion request.
pub fn complete_shell() -> Option<OsString> {
    std::env::var_os(COMPLETE_VAR)
}

/// The user's `GIT_CEILING_DIRECTORIES`.
pub fn ceiling_directories() -> Option<OsString> {
    var("GIT_CEILING_DIRECTORIES")
}

/// `XDG_RUNTIME_DIR`: the user's private runtime folder.
pub fn runtime_dir() -> Option<PathBuf> {
    var("XDG_RUNTIME_DIR").map(PathBuf::from)
}

/// Whether an ssh agent is reachable (`SSH_AUTH_SOCK`).
pub fn ssh_agent() -> bool {
    var("SSH_AUTH_SOCK").is_some()
}

/// Whether `program` is an executable file in a folder of `PATH`.
pub fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    let Some(path) = var("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| {
        std::fs::metadata(dir.join(program))
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

/// Which standard streams are terminals.
#[derive(Debug, Clone, Copy)]
pub struct Terminals {
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
}

pub fn terminals() -> Terminals {
    Terminals {
        stdin: std::io::stdin().is_terminal(),
        stdout: std::io::stdout().is_terminal(),
        stderr: std::io::stderr().is_terminal(),
    }
}

/// Columns of the terminal on stdout, if it is one.
pub fn stdout_width() -> Option<usize> {
    terminal_size::terminal_size_of(std::io::stdout())
        .map(|(w, _)| usize::from(w.0))
        .filter(|w| *w > 0)
}
