//! What to spawn in a repo: the [`Program`], the [`Job`] that pairs it with
//! a repo, and what every child sees of gita's environment: only its own
//! repo (see [`crate::git::confine`]) and, when detached, nothing that could
//! prompt ([`DetachedEnv`]).

use std::ffi::OsString;
use std::io;
use std::path::PathBuf;

use super::classify;

/// What to run in a repo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Program {
    /// `git <flags> <args>`: the repo's registered flags go right after `git`.
    Git {
        flags: Vec<String>,
        args: Vec<String>,
    },
    /// A command line run by `sh -c`.
    Shell(String),
    /// Any other program and its arguments.
    Exec(Vec<String>),
}

impl Program {
    /// The full argument vector, program first.
    pub fn argv(&self) -> Vec<String> {
        match self {
            Program::Git { flags, args } => std::iter::once("git".to_string())
                .chain(flags.iter().cloned())
                .chain(args.iter().cloned())
                .collect(),
            Program::Shell(line) => vec!["sh".into(), "-c".into(), line.clone()],
            Program::Exec(argv) => argv.clone(),
        }
    }

    /// Read-only network commands that are safe to run again when the server
    /// dropped the connection before anything happened.
    pub fn is_fetch_like(&self) -> bool {
        match self {
            Program::Git { args, .. } => classify::is_fetch_like(args),
            Program::Exec(argv) if argv.first().is_some_and(|p| p == "git") => {
                classify::is_fetch_like(&argv[1..])
            }
            _ => false,
        }
    }
}

impl Program {
    /// Git commands that talk to remotes: fetch-like ones and push.
    pub fn is_network(&self) -> bool {
        let args = match self {
            Program::Git { args, .. } => args.as_slice(),
            Program::Exec(argv) if argv.first().is_some_and(|p| p == "git") => &argv[1..],
            _ => return false,
        };
        classify::is_network(args)
    }
}

/// One repo's work.
#[derive(Debug, Clone)]
pub struct Job {
    pub name: String,
    pub path: PathBuf,
    pub program: Program,
}

impl Job {
    /// The program, started in the repo's folder and confined to that repo.
    /// Streams, session and environment changes are up to the caller.
    pub(super) fn command(&self) -> std::process::Command {
        let argv = self.program.argv();
        let mut cmd = std::process::Command::new(argv.first().map_or("", String::as_str));
        cmd.args(argv.iter().skip(1)).current_dir(&self.path);
        crate::git::confine(&mut cmd, &self.path);
        cmd
    }

    /// Why the job's program could not be started (see [`crate::git::spawn_error`]).
    pub(super) fn spawn_error(&self, err: &io::Error) -> String {
        let argv = self.program.argv();
        let program = argv.first().map(String::as_str).unwrap_or_default();
        crate::git::spawn_error(program, &self.path, err)
    }
}

/// Environment changes for detached children: nothing may prompt.
#[derive(Debug, Clone)]
pub(super) struct DetachedEnv {
    pub(super) set: Vec<(&'static str, OsString)>,
    pub(super) remove: Vec<&'static str>,
}

impl DetachedEnv {
    pub(super) fn from_current() -> DetachedEnv {
        Self::for_env(crate::env::raw)
    }

    /// Why each variable, see "Password prompts" in docs/running.md:
    /// - `GIT_TERMINAL_PROMPT=0`: git fails instead of prompting for
    ///   credentials (it could not anyway: no controlling terminal).
    /// - `GIT_ASKPASS=false` unless the user set `GIT_ASKPASS`: git would
    ///   otherwise fall back to `core.askPass` or `SSH_ASKPASS`, typically GUI
    ///   dialogs, one per repo. A user-set `GIT_ASKPASS` is kept: it is an
    ///   explicit choice and usually a non-interactive token helper (CI).
    /// - `SSH_ASKPASS` removed and `SSH_ASKPASS_REQUIRE=never`: ssh must not
    ///   open passphrase/host-key dialogs; without a terminal it then fails.
    /// - `GCM_INTERACTIVE=never`: Git Credential Manager must not open windows.
    /// - `GIT_EDITOR=false`: a command that wants an editor fails (and is
    ///   re-run attached) instead of opening one editor per repo.
    ///
    /// `GIT_SSH_COMMAND` is left alone: setting it would override a user's
    /// `core.sshCommand`, and BatchMode adds nothing once ssh has no terminal.
    pub(super) fn for_env(get: impl Fn(&str) -> Option<OsString>) -> DetachedEnv {
        let mut set = vec![
            ("GIT_TERMINAL_PROMPT", "0".into()),
            ("SSH_ASKPASS_REQUIRE", "never".into()),
            ("GCM_INTERACTIVE", "never".into()),
            ("GIT_EDITOR", "false".into()),
        ];
        if get("GIT_ASKPASS").is_none_or(|v| v.is_empty()) {
            set.push(("GIT_ASKPASS", "false".into()));
        }
        DetachedEnv {
            set,
            remove: vec!["SSH_ASKPASS"],
        }
    }

    pub(super) fn apply(&self, cmd: &mut std::process::Command) {
        for (k, v) in &self.set {
            cmd.env(k, v);
        }
        for k in &self.remove {
            cmd.env_remove(k);
        }
    }
}
