//! When a job is run again: a fetch-like command whose connection the server
//! dropped before talking, a few times, with jittered exponential backoff.

use std::time::Duration;

use super::classify;
use super::outcome::{Chunk, Outcome, Stream, stream_bytes};
use super::program::Program;

/// Retries after a server-side connection drop (so up to 4 attempts).
pub(super) const MAX_RETRIES: u32 = 3;
/// First backoff delay; doubled per retry, with ±50% jitter.
pub(super) const BACKOFF_BASE: Duration = Duration::from_millis(500);

/// How long to wait before attempt `attempts + 1` of `program`, when the
/// attempt that just ended with `outcome` and `chunks` is worth repeating.
pub(super) fn delay_after(
    program: &Program,
    outcome: &Outcome,
    chunks: &[Chunk],
    attempts: u32,
) -> Option<Duration> {
    let dropped = attempts <= MAX_RETRIES
        && outcome.exited_failing()
        && program.is_fetch_like()
        && classify::is_connection_drop(&String::from_utf8_lossy(&stream_bytes(
            chunks,
            Stream::Err,
        )));
    dropped.then(|| backoff(attempts))
}

/// The line that tells the user about a retry, part of the job's stderr.
pub(super) fn note(delay: Duration, attempts: u32) -> Chunk {
    Chunk {
        stream: Stream::Err,
        data: format!(
            "gita: the server dropped the connection; retrying in {:.1}s (attempt {} of {})\n",
            delay.as_secs_f64(),
            attempts + 1,
            MAX_RETRIES + 1
        )
        .into_bytes(),
    }
}

/// Exponential backoff with ±50% jitter, so retries against an overloaded
/// sshd do not arrive in lockstep.
pub(super) fn backoff(attempt: u32) -> Duration {
    crate::backoff::delay(BACKOFF_BASE, attempt)
}
