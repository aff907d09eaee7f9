//! What a job produced: its output in arrival order, how it ended, and how
//! a whole run ended.

use std::os::unix::process::ExitStatusExt as _;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use super::classify;
use super::program::Job;

/// Which of the child's streams a chunk came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Out,
    Err,
}

/// Output in the order it arrived, each piece tagged with its stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub stream: Stream,
    pub data: Vec<u8>,
}

/// The bytes of one stream, in order.
pub fn stream_bytes(chunks: &[Chunk], which: Stream) -> Vec<u8> {
    chunks
        .iter()
        .filter(|c| c.stream == which)
        .flat_map(|c| c.data.iter().copied())
        .collect()
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Exited(i32),
    Signaled(i32),
    TimedOut(Duration),
    /// Stopped because gita received a terminating signal.
    Interrupted,
    SpawnFailed(String),
}

impl Outcome {
    pub fn success(&self) -> bool {
        *self == Outcome::Exited(0)
    }

    /// The exit code, when the child exited by itself.
    pub fn code(&self) -> Option<i32> {
        match self {
            Outcome::Exited(c) => Some(*c),
            _ => None,
        }
    }

    /// Exited by itself with a failure status.
    pub fn exited_failing(&self) -> bool {
        matches!(self, Outcome::Exited(c) if *c != 0)
    }

    pub(super) fn from_status(status: ExitStatus) -> Outcome {
        match (status.code(), status.signal()) {
            (Some(c), _) => Outcome::Exited(c),
            (None, Some(s)) => Outcome::Signaled(s),
            (None, None) => Outcome::Exited(1),
        }
    }
}

/// A finished job.
#[derive(Debug, Clone)]
pub struct JobResult {
    pub name: String,
    pub path: PathBuf,
    pub outcome: Outcome,
    pub chunks: Vec<Chunk>,
    pub duration: Duration,
    /// 1 unless the job was retried after a dropped connection.
    pub attempts: u32,
}

impl JobResult {
    pub(super) fn new(
        job: &Job,
        outcome: Outcome,
        chunks: Vec<Chunk>,
        start: Instant,
        attempts: u32,
    ) -> JobResult {
        JobResult {
            name: job.name.clone(),
            path: job.path.clone(),
            outcome,
            chunks,
            duration: start.elapsed(),
            attempts,
        }
    }

    pub fn stdout(&self) -> Vec<u8> {
        stream_bytes(&self.chunks, Stream::Out)
    }

    pub fn stderr(&self) -> Vec<u8> {
        stream_bytes(&self.chunks, Stream::Err)
    }

    /// Failed because it wanted a password, passphrase, host-key answer or
    /// editor, which the detached phase cannot give; worth re-running attached
    /// to the terminal.
    pub fn needs_terminal(&self) -> bool {
        self.outcome.exited_failing()
            && classify::needs_terminal(&String::from_utf8_lossy(&self.stderr()))
    }
}

/// Why a run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Completed,
    /// A signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT) arrived; every child was
    /// killed.
    Signal(i32),
}
