//! Process groups and what stops them: the terminating signals gita
//! receives, and timeouts. Every child leads a process group of its own (a
//! session, when detached), so either stops all of it, the background
//! processes of a shell command included.

use std::future::Future;
use std::time::Duration;

use anyhow::{Context as _, Result};
use tokio::signal::unix::{SignalKind, signal};

/// How long a stopped process group gets to clean up (git removes its lock
/// files on SIGTERM) before it is sent SIGKILL.
pub(super) const KILL_GRACE: Duration = Duration::from_millis(1000);

/// The single-threaded async runtime a run is driven by.
pub(super) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Sends `sig` to the process group `pgid` (a child that leads its group).
pub(super) fn signal_group(pgid: i32, sig: i32) {
    if pgid > 1 {
        // SAFETY: plain syscall; a negative pid addresses the process group
        // the child leads (it called setsid or setpgid, so pgid == its pid).
        unsafe {
            libc::kill(-pgid, sig);
        }
    }
}

/// Stops the whole process group `pgid`: SIGTERM (and SIGCONT, in case it
/// is stopped), SIGKILL when `reaped` has not resolved within
/// [`KILL_GRACE`], then SIGKILL to whatever of the group is left (members
/// that trapped SIGTERM, or a grandchild that ignores it). `reaped` resolves
/// once the group's leader is gone.
pub(super) async fn stop_group(pgid: i32, reaped: impl Future<Output = ()>) {
    let mut reaped = std::pin::pin!(reaped);
    signal_group(pgid, libc::SIGTERM);
    signal_group(pgid, libc::SIGCONT);
    if tokio::time::timeout(KILL_GRACE, reaped.as_mut())
        .await
        .is_err()
    {
        signal_group(pgid, libc::SIGKILL);
        reaped.await;
    }
    signal_group(pgid, libc::SIGKILL);
}

/// Resolves once the process group `pgid` has no members left.
pub(super) async fn group_gone(pgid: i32) {
    // SAFETY: signal 0 only checks whether the group has members.
    while unsafe { libc::kill(-pgid, 0) } == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The terminating signals a run stops for: Ctrl-C, `kill`, a hangup, Ctrl-\.
const STOP_SIGNALS: [(i32, fn() -> SignalKind); 4] = [
    (libc::SIGINT, SignalKind::interrupt),
    (libc::SIGTERM, SignalKind::terminate),
    (libc::SIGHUP, SignalKind::hangup),
    (libc::SIGQUIT, SignalKind::quit),
];

/// Listens for [`STOP_SIGNALS`], except those gita was started with ignored
/// (`nohup` ignores SIGHUP, a shell ignores SIGINT and SIGQUIT for a
/// background command): those stay ignored, for gita and its children.
pub(super) struct StopSignals {
    streams: Vec<(i32, tokio::signal::unix::Signal)>,
}

impl StopSignals {
    pub(super) fn new() -> Result<StopSignals> {
        let ignored = ignored_at_start();
        let mut streams = Vec::new();
        for (sig, kind) in STOP_SIGNALS {
            if !ignored.contains(&sig) {
                let stream =
                    signal(kind()).with_context(|| format!("cannot handle signal {sig}"))?;
                streams.push((sig, stream));
            }
        }
        Ok(StopSignals { streams })
    }

    /// The next signal that arrives.
    pub(super) async fn recv(&mut self) -> i32 {
        std::future::poll_fn(|cx| {
            for (sig, stream) in &mut self.streams {
                if let std::task::Poll::Ready(Some(())) = stream.poll_recv(cx) {
                    return std::task::Poll::Ready(*sig);
                }
            }
            std::task::Poll::Pending
        })
        .await
    }
}

/// Which of [`STOP_SIGNALS`] were ignored when gita started. Read once, before
/// the first handler is installed (a handler replaces the ignored state).
fn ignored_at_start() -> &'static [i32] {
    static IGNORED: std::sync::OnceLock<Vec<i32>> = std::sync::OnceLock::new();
    IGNORED.get_or_init(|| {
        STOP_SIGNALS
            .iter()
            .map(|(sig, _)| *sig)
            .filter(|&sig| {
                // SAFETY: reads the current action into a zeroed struct; no change.
                unsafe {
                    let mut old: libc::sigaction = std::mem::zeroed();
                    libc::sigaction(sig, std::ptr::null(), &mut old) == 0
                        && old.sa_sigaction == libc::SIG_IGN
                }
            })
            .collect()
    })
}

/// A per-job time limit: when it ends and how long it was.
pub(super) type Deadline = Option<(tokio::time::Instant, Duration)>;

/// Resolves at the deadline, if there is one; never otherwise.
pub(super) async fn until_deadline(deadline: Deadline) {
    match deadline {
        Some((d, _)) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// The deadline of a time limit that starts now.
pub(super) fn deadline(timeout: Option<Duration>) -> Deadline {
    timeout.map(|t| (tokio::time::Instant::now() + t, t))
}
