//! gita's exit status, decided in one place: what a run across repos
//! reported, and what an error means.
//!
//! | status | when |
//! | --- | --- |
//! | 0 | success, and a closed stdout (`gita … \| head -1`) |
//! | 1 | a repo failed, or an error |
//! | 2 | a usage error (clap's own parse errors use the same status) |
//! | 128 + N | stopped by signal N (130 for Ctrl-C), as shells report it |

use std::process::ExitCode;

use crate::run::RunEnd;

/// How gita ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success,
    Failure,
    Usage,
    /// Stopped by this signal.
    Signal(i32),
}

impl Exit {
    /// An error that ended a command: a quiet success when it came from
    /// writing into a closed pipe (the reader has what it wanted), else a
    /// failure.
    pub fn of_error(err: &anyhow::Error) -> Exit {
        if crate::print::is_broken_pipe(err) {
            Exit::Success
        } else if err.downcast_ref::<clap::Error>().is_some() {
            Exit::Usage
        } else {
            Exit::Failure
        }
    }

    fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Usage => 2,
            Exit::Signal(sig) => 128u8.saturating_add(u8::try_from(sig).unwrap_or(0)),
        }
    }
}

impl From<RunEnd> for Exit {
    fn from(end: RunEnd) -> Exit {
        match end {
            RunEnd::Ok => Exit::Success,
            RunEnd::Failed => Exit::Failure,
            RunEnd::Interrupted(sig) => Exit::Signal(sig),
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(Exit::Success.code(), 0);
        assert_eq!(Exit::Failure.code(), 1);
        assert_eq!(Exit::Usage.code(), 2);
        assert_eq!(Exit::Signal(libc::SIGINT).code(), 130);
        assert_eq!(Exit::Signal(libc::SIGTERM).code(), 143);
        assert_eq!(
            Exit::from(RunEnd::Interrupted(libc::SIGHUP)),
            Exit::Signal(libc::SIGHUP)
        );
        assert_eq!(Exit::from(RunEnd::Failed), Exit::Failure);
        let pipe = anyhow::Error::from(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert_eq!(Exit::of_error(&pipe.context("writing")), Exit::Success);
        assert_eq!(Exit::of_error(&anyhow::anyhow!("no")), Exit::Failure);
    }
}
