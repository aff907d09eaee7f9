//! Runs one command in many repos: bounded concurrency, output captured per
//! job, children detached from the terminal (own session, stdin closed, no
//! prompts), per-repo timeouts, retries on transient server-side connection
//! drops, and Ctrl-C that kills every child's whole process group. Never
//! writes to stdout: finished jobs go to a [`Sink`] (see `output.rs`).

use std::ffi::OsString;
use std::io;
use std::os::unix::process::{CommandExt as _, ExitStatusExt as _};
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use tokio::io::{AsyncRead, AsyncReadExt as _};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How long a killed process group gets to clean up (git removes its lock
/// files on SIGTERM) before it is sent SIGKILL.
const KILL_GRACE: Duration = Duration::from_millis(1000);
/// How long to keep reading a finished child's pipes. A background process it
/// left behind (e.g. an ssh ControlPersist master) may hold them open forever.
const PIPE_GRACE: Duration = Duration::from_millis(500);
/// Retries after a server-side connection drop (so up to 4 attempts).
const MAX_RETRIES: u32 = 3;
/// First backoff delay; doubled per retry, with ±50% jitter.
const BACKOFF_BASE: Duration = Duration::from_millis(500);

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
            Program::Git { args, .. } => is_fetch_like(args),
            Program::Exec(argv) if argv.first().is_some_and(|p| p == "git") => {
                is_fetch_like(&argv[1..])
            }
            _ => false,
        }
    }

    fn command(&self) -> std::process::Command {
        let argv = self.argv();
        let mut cmd = std::process::Command::new(&argv[0]);
        cmd.args(&argv[1..]);
        cmd
    }
}

/// Whether git arguments (after `git` and any flags) name a fetch-like command.
pub fn is_fetch_like(args: &[String]) -> bool {
    // Global options that take their value as the next word.
    const WITH_VALUE: &[&str] = &[
        "-C",
        "-c",
        "--git-dir",
        "--work-tree",
        "--namespace",
        "--config-env",
        "--exec-path",
    ];
    let mut words = args.iter();
    while let Some(w) = words.next() {
        if WITH_VALUE.contains(&w.as_str()) {
            words.next();
        } else if w.starts_with('-') {
            continue;
        } else {
            return match w.as_str() {
                "fetch" | "pull" | "ls-remote" => true,
                "remote" => words
                    .find(|w| !w.starts_with('-'))
                    .is_some_and(|w| w == "update"),
                _ => false,
            };
        }
    }
    false
}

/// One repo's work.
#[derive(Debug, Clone)]
pub struct Job {
    pub name: String,
    pub path: PathBuf,
    pub program: Program,
}

impl Job {
    /// Why the job's program could not be started (see [`crate::git::spawn_error`]).
    fn spawn_error(&self, err: &io::Error) -> String {
        let argv = self.program.argv();
        let program = argv.first().map(String::as_str).unwrap_or_default();
        crate::git::spawn_error(program, &self.path, err)
    }
}

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

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Exited(i32),
    Signaled(i32),
    TimedOut(Duration),
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

    fn from_status(status: ExitStatus) -> Outcome {
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
    pub fn stdout(&self) -> Vec<u8> {
        self.stream(Stream::Out)
    }

    pub fn stderr(&self) -> Vec<u8> {
        self.stream(Stream::Err)
    }

    fn stream(&self, which: Stream) -> Vec<u8> {
        self.chunks
            .iter()
            .filter(|c| c.stream == which)
            .flat_map(|c| c.data.iter().copied())
            .collect()
    }

    /// Failed because it wanted a password, passphrase, host-key answer or
    /// editor, which the detached phase cannot give; worth re-running attached
    /// to the terminal.
    pub fn needs_terminal(&self) -> bool {
        !self.outcome.success()
            && matches!(self.outcome, Outcome::Exited(_))
            && needs_terminal(&String::from_utf8_lossy(&self.stderr()))
    }
}

/// Messages of a child that needed a terminal (credentials, ssh passphrase or
/// host key, editor, gpg pinentry) and could not get one.
pub fn needs_terminal(stderr: &str) -> bool {
    const MARKERS: &[&str] = &[
        "terminal prompts disabled",
        "could not read Username",
        "could not read Password",
        "Authentication failed for",
        "Permission denied (publickey",
        "Host key verification failed",
        "read_passphrase: can't open /dev/tty",
        "/dev/tty: No such device or address",
        "problem with the editor",
        "gpg failed to sign",
    ];
    MARKERS.iter().any(|m| stderr.contains(m))
}

/// A connection the server dropped before talking (sshd `MaxStartups`,
/// overloaded git daemons): transient, worth a retry with backoff.
pub fn is_connection_drop(stderr: &str) -> bool {
    const MARKERS: &[&str] = &[
        "kex_exchange_identification",
        "ssh_exchange_identification",
        "Connection closed by remote host",
        "Connection reset by peer",
    ];
    !needs_terminal(stderr) && MARKERS.iter().any(|m| stderr.contains(m))
}

/// Settings for a concurrent run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Maximum number of children at once (at least 1).
    pub jobs: usize,
    /// Per repo, across retries.
    pub timeout: Option<Duration>,
}

/// Receives progress from [`run_detached`]; the single writer implements it.
pub trait Sink {
    fn started(&mut self, name: &str);
    /// Errors (a closed stdout) stop the run.
    fn finished(&mut self, result: &JobResult) -> io::Result<()>;
    /// Called a few times a second while jobs run.
    fn tick(&mut self) {}
    /// Whether `tick` is wanted.
    fn wants_ticks(&self) -> bool {
        false
    }
}

/// Why a run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Completed,
    /// A signal (SIGINT, SIGTERM, SIGHUP) arrived; every child was killed.
    Signal(i32),
}

/// The results of a run, in completion order.
#[derive(Debug)]
pub struct Run {
    pub results: Vec<JobResult>,
    pub end: End,
}

/// Runs every job detached from the terminal, at most `opts.jobs` at a time,
/// handing each finished job to `sink` as soon as it ends. On SIGINT/SIGTERM/
/// SIGHUP every running child's process group is killed and the run ends with
/// [`End::Signal`]; a sink error (closed stdout) kills them too and is returned.
pub fn run_detached(jobs: Vec<Job>, opts: &Options, sink: &mut dyn Sink) -> Result<Run> {
    let rt = runtime()?;
    rt.block_on(run_detached_async(jobs, opts, sink))
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

async fn run_detached_async(jobs: Vec<Job>, opts: &Options, sink: &mut dyn Sink) -> Result<Run> {
    let mut sigint = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    let mut sigterm = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let mut sighup = signal(SignalKind::hangup()).context("cannot handle SIGHUP")?;
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let env = Arc::new(DetachedEnv::from_current());
    let limit = opts.jobs.max(1);
    let mut pending = jobs.into_iter();
    let mut set = JoinSet::new();
    let mut results = Vec::new();
    let tick_every = Duration::from_millis(200);
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + tick_every, tick_every);
    let ticks = sink.wants_ticks();

    let mut start_more = |set: &mut JoinSet<JobResult>, sink: &mut dyn Sink| {
        while set.len() < limit {
            let Some(job) = pending.next() else { break };
            sink.started(&job.name);
            set.spawn(run_job(job, opts.timeout, env.clone(), cancel_rx.clone()));
        }
    };
    start_more(&mut set, sink);

    let mut end = End::Completed;
    let mut sink_error = None;
    while !set.is_empty() {
        tokio::select! {
            joined = set.join_next() => {
                let Some(joined) = joined else { break };
                let result = joined.context("a job task failed")?;
                if let Err(e) = sink.finished(&result) {
                    sink_error = Some(e);
                    results.push(result);
                    break;
                }
                results.push(result);
                start_more(&mut set, sink);
            }
            _ = sigint.recv() => { end = End::Signal(libc::SIGINT); break; }
            _ = sigterm.recv() => { end = End::Signal(libc::SIGTERM); break; }
            _ = sighup.recv() => { end = End::Signal(libc::SIGHUP); break; }
            _ = ticker.tick(), if ticks => sink.tick(),
        }
    }
    if !set.is_empty() {
        // Interrupted or stdout closed: kill every running process group and
        // reap the children before returning, so nothing is left behind.
        let _ = cancel_tx.send(true);
        while let Some(joined) = set.join_next().await {
            if let Ok(result) = joined {
                results.push(result);
            }
        }
    }
    if let Some(e) = sink_error {
        return Err(e).context("cannot write output");
    }
    Ok(Run { results, end })
}

/// Environment changes for detached children: nothing may prompt.
#[derive(Debug, Clone)]
struct DetachedEnv {
    set: Vec<(&'static str, OsString)>,
    remove: Vec<&'static str>,
}

impl DetachedEnv {
    fn from_current() -> DetachedEnv {
        Self::for_env(|k| std::env::var_os(k))
    }

    /// Why each variable, see the README section "Password prompts":
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
    fn for_env(get: impl Fn(&str) -> Option<OsString>) -> DetachedEnv {
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

    fn apply(&self, cmd: &mut std::process::Command) {
        for (k, v) in &self.set {
            cmd.env(k, v);
        }
        for k in &self.remove {
            cmd.env_remove(k);
        }
    }
}

/// One job, retried with jittered backoff after a dropped connection when the
/// command is fetch-like. The timeout covers all attempts.
async fn run_job(
    job: Job,
    timeout: Option<Duration>,
    env: Arc<DetachedEnv>,
    mut cancel: watch::Receiver<bool>,
) -> JobResult {
    let start = Instant::now();
    let deadline = timeout.map(|t| (tokio::time::Instant::now() + t, t));
    let retryable = job.program.is_fetch_like();
    let mut attempts = 0;
    let mut notes = Vec::new();
    loop {
        attempts += 1;
        let (outcome, mut chunks) = run_once(&job, &env, deadline, &mut cancel).await;
        let dropped = retryable
            && !outcome.success()
            && matches!(outcome, Outcome::Exited(_))
            && attempts <= MAX_RETRIES
            && is_connection_drop(&String::from_utf8_lossy(&stream_bytes(
                &chunks,
                Stream::Err,
            )));
        if dropped {
            let delay = backoff(attempts);
            notes.push(Chunk {
                stream: Stream::Err,
                data: format!(
                    "gita: the server dropped the connection; retrying in {:.1}s (attempt {} of {})\n",
                    delay.as_secs_f64(),
                    attempts + 1,
                    MAX_RETRIES + 1
                )
                .into_bytes(),
            });
            let wake = tokio::time::Instant::now() + delay;
            let cancelled = tokio::select! {
                _ = tokio::time::sleep_until(wake) => false,
                _ = until_deadline(deadline) => false,
                _ = cancelled(&mut cancel) => true,
            };
            if cancelled {
                notes.append(&mut chunks);
                return finish(job, Outcome::Interrupted, notes, start, attempts);
            }
            if deadline.is_some_and(|(d, _)| tokio::time::Instant::now() >= d) {
                notes.append(&mut chunks);
                let t = deadline.map(|(_, t)| t).unwrap_or_default();
                return finish(job, Outcome::TimedOut(t), notes, start, attempts);
            }
            continue;
        }
        notes.append(&mut chunks);
        return finish(job, outcome, notes, start, attempts);
    }
}

fn finish(
    job: Job,
    outcome: Outcome,
    chunks: Vec<Chunk>,
    start: Instant,
    attempts: u32,
) -> JobResult {
    JobResult {
        name: job.name,
        path: job.path,
        outcome,
        chunks,
        duration: start.elapsed(),
        attempts,
    }
}

fn stream_bytes(chunks: &[Chunk], which: Stream) -> Vec<u8> {
    chunks
        .iter()
        .filter(|c| c.stream == which)
        .flat_map(|c| c.data.iter().copied())
        .collect()
}

/// Exponential backoff with ±50% jitter, so retries against an overloaded
/// sshd do not arrive in lockstep.
fn backoff(attempt: u32) -> Duration {
    let base = BACKOFF_BASE * 2u32.saturating_pow(attempt.saturating_sub(1));
    let jitter = 0.5 + (random_u64() % 1000) as f64 / 1000.0;
    base.mul_f64(jitter)
}

fn random_u64() -> u64 {
    use std::hash::{BuildHasher as _, Hasher as _};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.finish()
}

/// Resolves once the run is cancelled (never, if the sender is gone).
async fn cancelled(rx: &mut watch::Receiver<bool>) {
    loop {
        let now = *rx.borrow_and_update();
        if now {
            return;
        }
        if rx.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

async fn until_deadline(deadline: Option<(tokio::time::Instant, Duration)>) {
    match deadline {
        Some((d, _)) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// Spawns the child in its own session (no controlling terminal, so opening
/// `/dev/tty` fails instead of hanging, and Ctrl-C reaches only gita), with
/// stdin closed and both output streams captured.
async fn run_once(
    job: &Job,
    env: &DetachedEnv,
    deadline: Option<(tokio::time::Instant, Duration)>,
    cancel: &mut watch::Receiver<bool>,
) -> (Outcome, Vec<Chunk>) {
    let already = *cancel.borrow();
    if already {
        return (Outcome::Interrupted, Vec::new());
    }
    if let Some(problem) = crate::git::folder_problem(&job.path) {
        return (Outcome::SpawnFailed(problem), Vec::new());
    }
    let mut std_cmd = job.program.command();
    std_cmd
        .current_dir(&job.path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    env.apply(&mut std_cmd);
    crate::git::confine(&mut std_cmd, &job.path);
    // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
    unsafe {
        std_cmd.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut cmd = tokio::process::Command::from(std_cmd);
    cmd.kill_on_drop(true);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return (Outcome::SpawnFailed(job.spawn_error(&e)), Vec::new()),
    };
    let pid = child.id().and_then(|p| i32::try_from(p).ok());
    let chunks = Arc::new(Mutex::new(Vec::new()));
    let mut readers = JoinSet::new();
    if let Some(out) = child.stdout.take() {
        readers.spawn(read_into(out, Stream::Out, chunks.clone()));
    }
    if let Some(err) = child.stderr.take() {
        readers.spawn(read_into(err, Stream::Err, chunks.clone()));
    }

    let outcome = tokio::select! {
        status = child.wait() => match status {
            Ok(s) => Outcome::from_status(s),
            Err(e) => Outcome::SpawnFailed(format!("cannot wait for the child: {e}")),
        },
        _ = until_deadline(deadline) => {
            kill_group(&mut child, pid).await;
            Outcome::TimedOut(deadline.map(|(_, t)| t).unwrap_or_default())
        }
        _ = cancelled(cancel) => {
            kill_group(&mut child, pid).await;
            Outcome::Interrupted
        }
    };
    // Normally the pipes are at EOF already; don't wait on a leftover
    // background process that inherited them.
    let _ = tokio::time::timeout(PIPE_GRACE, async {
        while readers.join_next().await.is_some() {}
    })
    .await;
    readers.abort_all();
    let chunks = std::mem::take(&mut *chunks.lock().unwrap_or_else(|p| p.into_inner()));
    (outcome, chunks)
}

async fn read_into(
    mut pipe: impl AsyncRead + Unpin,
    stream: Stream,
    chunks: Arc<Mutex<Vec<Chunk>>>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match pipe.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => chunks
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(Chunk {
                    stream,
                    data: buf[..n].to_vec(),
                }),
        }
    }
}

/// SIGTERM to the child's whole process group, SIGKILL after a grace period,
/// then reap the child and SIGKILL whatever of the group is left.
async fn kill_group(child: &mut tokio::process::Child, pid: Option<i32>) {
    let Some(pid) = pid else {
        let _ = child.kill().await;
        return;
    };
    signal_group(pid, libc::SIGTERM);
    if tokio::time::timeout(KILL_GRACE, child.wait())
        .await
        .is_err()
    {
        signal_group(pid, libc::SIGKILL);
        let _ = child.wait().await;
    }
    // Members that survived SIGTERM (a trap, or a grandchild that ignores it).
    signal_group(pid, libc::SIGKILL);
}

fn signal_group(pgid: i32, sig: i32) {
    if pgid > 1 {
        // SAFETY: plain syscall; a negative pid addresses the process group
        // the child leads (it called setsid, so pgid == its pid).
        unsafe {
            libc::kill(-pgid, sig);
        }
    }
}

/// Runs one job attached to the terminal (inherited stdin/stdout/stderr, in
/// gita's own process group so it can prompt), with the user's environment
/// untouched. Ctrl-C reaches the child directly; gita waits for it and
/// reports [`Outcome::Interrupted`].
pub fn run_attached(job: &Job, timeout: Option<Duration>) -> Result<JobResult> {
    let rt = runtime()?;
    rt.block_on(async {
        let mut sigint = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
        let start = Instant::now();
        if let Some(problem) = crate::git::folder_problem(&job.path) {
            let outcome = Outcome::SpawnFailed(problem);
            return Ok(finish(job.clone(), outcome, Vec::new(), start, 1));
        }
        let mut std_cmd = job.program.command();
        std_cmd.current_dir(&job.path);
        crate::git::confine(&mut std_cmd, &job.path);
        let mut cmd = tokio::process::Command::from(std_cmd);
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                let outcome = Outcome::SpawnFailed(job.spawn_error(&e));
                return Ok(finish(job.clone(), outcome, Vec::new(), start, 1));
            }
        };
        let pid = child.id().and_then(|p| i32::try_from(p).ok());
        let deadline = timeout.map(|t| (tokio::time::Instant::now() + t, t));
        let mut interrupted = false;
        let outcome = loop {
            tokio::select! {
                status = child.wait() => {
                    break match status {
                        Ok(s) => Outcome::from_status(s),
                        Err(e) => Outcome::SpawnFailed(format!("cannot wait for the child: {e}")),
                    }
                }
                _ = sigint.recv() => interrupted = true,
                _ = until_deadline(deadline), if !interrupted => {
                    if let Some(pid) = pid {
                        // SAFETY: plain syscall on our own, not yet reaped, child.
                        unsafe { libc::kill(pid, libc::SIGTERM); }
                    }
                    if tokio::time::timeout(KILL_GRACE, child.wait()).await.is_err() {
                        let _ = child.kill().await;
                    }
                    break Outcome::TimedOut(deadline.map(|(_, t)| t).unwrap_or_default());
                }
            }
        };
        let outcome = if interrupted {
            Outcome::Interrupted
        } else {
            outcome
        };
        Ok(finish(job.clone(), outcome, Vec::new(), start, 1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn flags_go_right_after_git() {
        let p = Program::Git {
            flags: s(&["--git-dir=/x", "--work-tree=/y"]),
            args: s(&["fetch", "--prune"]),
        };
        assert_eq!(
            p.argv(),
            s(&["git", "--git-dir=/x", "--work-tree=/y", "fetch", "--prune"])
        );
    }

    #[test]
    fn fetch_like_commands() {
        assert!(is_fetch_like(&s(&["fetch"])));
        assert!(is_fetch_like(&s(&["-c", "a.b=c", "pull", "--rebase"])));
        assert!(is_fetch_like(&s(&["--no-pager", "ls-remote"])));
        assert!(is_fetch_like(&s(&["remote", "-v", "update"])));
        assert!(!is_fetch_like(&s(&["remote", "-v"])));
        assert!(!is_fetch_like(&s(&["push"])));
        assert!(!is_fetch_like(&s(&["-C", "fetch", "status"])));
        assert!(!is_fetch_like(&[]));
        assert!(Program::Exec(s(&["git", "fetch"])).is_fetch_like());
        assert!(!Program::Shell("git fetch".into()).is_fetch_like());
    }

    #[test]
    fn classifies_failures() {
        assert!(needs_terminal(
            "fatal: could not read Username for 'https://example.com': terminal prompts disabled\n"
        ));
        assert!(needs_terminal(
            "git@example.com: Permission denied (publickey).\n"
        ));
        assert!(needs_terminal("cat: /dev/tty: No such device or address\n"));
        assert!(!needs_terminal("fatal: not a git repository\n"));
        assert!(is_connection_drop(
            "kex_exchange_identification: read: Connection reset by peer\nfatal: Could not read from remote repository.\n"
        ));
        assert!(is_connection_drop("Connection closed by remote host\n"));
        assert!(!is_connection_drop(
            "fatal: couldn't find remote ref main\n"
        ));
        assert!(!is_connection_drop(
            "Connection closed by remote host\nHost key verification failed.\n"
        ));
    }

    #[test]
    fn detached_env_keeps_a_user_askpass() {
        let env = DetachedEnv::for_env(|_| None);
        assert!(env.set.contains(&("GIT_ASKPASS", "false".into())));
        assert!(env.set.contains(&("GIT_TERMINAL_PROMPT", "0".into())));
        assert_eq!(env.remove, vec!["SSH_ASKPASS"]);
        let env = DetachedEnv::for_env(|k| (k == "GIT_ASKPASS").then(|| "/bin/helper".into()));
        assert!(!env.set.iter().any(|(k, _)| *k == "GIT_ASKPASS"));
    }

    #[test]
    fn backoff_grows_with_jitter() {
        for attempt in 1..=3 {
            let d = backoff(attempt);
            let base = BACKOFF_BASE * 2u32.pow(attempt - 1);
            assert!(
                d >= base / 2 && d <= base * 3 / 2,
                "{d:?} for attempt {attempt}"
            );
        }
    }

    struct Collect(Vec<String>);
    impl Sink for Collect {
        fn started(&mut self, _: &str) {}
        fn finished(&mut self, r: &JobResult) -> io::Result<()> {
            self.0.push(r.name.clone());
            Ok(())
        }
    }

    fn shell_job(name: &str, line: &str) -> Job {
        Job {
            name: name.into(),
            path: std::env::temp_dir(),
            program: Program::Shell(line.into()),
        }
    }

    #[test]
    fn captures_both_streams_in_order_and_exit_codes() {
        let jobs = vec![
            shell_job("a", "echo out1; echo err1 >&2; sleep 0.05; echo out2"),
            shell_job("b", "exit 3"),
            shell_job("c", "read x; test -z \"$x\""),
        ];
        let mut sink = Collect(Vec::new());
        let run = run_detached(
            jobs,
            &Options {
                jobs: 2,
                timeout: None,
            },
            &mut sink,
        )
        .expect("run");
        assert_eq!(run.end, End::Completed);
        assert_eq!(sink.0.len(), 3);
        let get = |n: &str| run.results.iter().find(|r| r.name == n).expect(n);
        let a = get("a");
        assert!(a.outcome.success());
        assert_eq!(a.stdout(), b"out1\nout2\n");
        assert_eq!(a.stderr(), b"err1\n");
        assert_eq!(get("b").outcome, Outcome::Exited(3));
        assert!(
            get("c").outcome.success(),
            "stdin is closed, so read gets EOF"
        );
    }

    #[test]
    fn timeout_kills_the_group() {
        let jobs = vec![shell_job("slow", "sleep 5 & sleep 5; echo never")];
        let t0 = Instant::now();
        let run = run_detached(
            jobs,
            &Options {
                jobs: 1,
                timeout: Some(Duration::from_millis(200)),
            },
            &mut Collect(Vec::new()),
        )
        .expect("run");
        assert!(matches!(run.results[0].outcome, Outcome::TimedOut(_)));
        assert!(t0.elapsed() < Duration::from_secs(4));
        assert!(run.results[0].stdout().is_empty());
    }

    #[test]
    fn a_group_that_ignores_sigterm_gets_sigkill() {
        // Ignored signals survive exec, so `sleep` ignores SIGTERM as well.
        let jobs = vec![shell_job("stubborn", "trap '' TERM; sleep 20; echo never")];
        let t0 = Instant::now();
        let run = run_detached(
            jobs,
            &Options {
                jobs: 1,
                timeout: Some(Duration::from_millis(100)),
            },
            &mut Collect(Vec::new()),
        )
        .expect("run");
        assert!(matches!(run.results[0].outcome, Outcome::TimedOut(_)));
        assert!(
            t0.elapsed() < KILL_GRACE + Duration::from_secs(2),
            "{:?}",
            t0.elapsed()
        );
    }

    #[test]
    fn spawn_failure_is_a_result() {
        let job = Job {
            name: "x".into(),
            path: PathBuf::from("/nonexistent/dir/for/gita"),
            program: Program::Exec(s(&["true"])),
        };
        let run = run_detached(
            vec![job],
            &Options {
                jobs: 1,
                timeout: None,
            },
            &mut Collect(Vec::new()),
        )
        .expect("run");
        let Outcome::SpawnFailed(msg) = &run.results[0].outcome else {
            panic!("{:?}", run.results[0].outcome);
        };
        assert!(
            msg.contains("/nonexistent/dir/for/gita does not exist"),
            "{msg}"
        );
    }
}
