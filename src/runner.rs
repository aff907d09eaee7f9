//! Runs one command in many repos: bounded concurrency, output captured per
//! job, children detached from the terminal (own session, stdin closed, no
//! prompts), per-repo timeouts, retries on transient server-side connection
//! drops, and terminating signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT) that
//! stop every child's whole process group. Never writes to stdout: finished
//! jobs go to a [`Sink`] (see `output.rs`). Also runs one job attached to
//! the terminal, in a process group of its own that is stopped whole the
//! same way.

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
    /// A signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT) arrived; every child was
    /// killed.
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
/// SIGHUP/SIGQUIT every running child's process group is killed and the run ends with
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
    let mut signals = StopSignals::new()?;
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
            sig = signals.recv() => { end = End::Signal(sig); break; }
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

/// Runs one job attached to the terminal: stdin, stdout and stderr are
/// gita's, and the user's environment is kept (see [`DetachedEnv`] for what
/// the concurrent phase changes). The child leads a process group of its own,
/// so that a timeout or a terminating signal sent to gita stops all of it (a
/// shell command's own children included). When gita runs in the foreground
/// of its terminal and not in a pipeline, that group becomes the terminal's
/// foreground group for the run, as a shell does with a job: prompts, pagers
/// and editors work, and Ctrl-C, Ctrl-\ and Ctrl-Z reach the command. In a
/// pipeline or in the background the command cannot take the terminal:
/// reading from it fails instead of stopping the command.
///
/// The run ends with [`End::Signal`] when gita received SIGINT, SIGTERM,
/// SIGHUP or SIGQUIT (the child's whole group was stopped first).
pub fn run_attached(job: &Job, timeout: Option<Duration>) -> Result<(JobResult, End)> {
    let rt = runtime()?;
    rt.block_on(async {
        let mut signals = StopSignals::new()?;
        let start = Instant::now();
        let failed = |outcome| {
            Ok((
                finish(job.clone(), outcome, Vec::new(), start, 1),
                End::Completed,
            ))
        };
        if let Some(problem) = crate::git::folder_problem(&job.path) {
            return failed(Outcome::SpawnFailed(problem));
        }
        let terminal = Terminal::to_hand_over();
        let (waiter, mut events) = ChildWaiter::start()?;
        let mut std_cmd = job.program.command();
        std_cmd.current_dir(&job.path);
        crate::git::confine(&mut std_cmd, &job.path);
        let tty = terminal.as_ref().map(Terminal::raw_fd);
        // SAFETY: the closure makes only async-signal-safe system calls.
        unsafe {
            std_cmd.pre_exec(move || lead_own_group(tty));
        }
        let pid = match std_cmd.spawn() {
            Ok(child) => i32::try_from(child.id()).ok(),
            Err(e) => return failed(Outcome::SpawnFailed(job.spawn_error(&e))),
        };
        // `spawn` returns once the child has exec'd: it leads its group now.
        let Some(pid) = pid.filter(|p| *p > 1) else {
            return failed(Outcome::SpawnFailed(
                "the child has no usable process id".into(),
            ));
        };
        waiter.watch(pid);
        let deadline = timeout.map(|t| (tokio::time::Instant::now() + t, t));
        let mut end = End::Completed;
        let outcome = loop {
            tokio::select! {
                event = events.recv() => match event {
                    Some(ChildEvent::Exited(status)) => {
                        if matches!(status.signal(), Some(libc::SIGINT | libc::SIGQUIT)) {
                            // Ctrl-C or Ctrl-\ on the terminal: what the command
                            // left of its group (a shell's background jobs
                            // ignore both) is stopped too.
                            stop_leftovers(pid).await;
                        }
                        break Outcome::from_status(status);
                    }
                    Some(ChildEvent::Stopped(sig)) => {
                        // Without the terminal, whoever stopped the child
                        // continues it; a timeout or a signal still ends it.
                        if let Some(terminal) = &terminal {
                            suspend_with_child(pid, sig, terminal);
                        }
                    }
                    Some(ChildEvent::Failed(e)) => {
                        signal_group(pid, libc::SIGKILL);
                        break Outcome::SpawnFailed(format!("cannot wait for the child: {e}"));
                    }
                    None => {
                        signal_group(pid, libc::SIGKILL);
                        break Outcome::SpawnFailed("lost track of the child".into());
                    }
                },
                sig = signals.recv() => {
                    stop_attached_group(pid, &mut events).await;
                    end = End::Signal(sig);
                    break Outcome::Interrupted;
                }
                _ = until_deadline(deadline) => {
                    stop_attached_group(pid, &mut events).await;
                    break Outcome::TimedOut(deadline.map(|(_, t)| t).unwrap_or_default());
                }
            }
        };
        if let Some(terminal) = &terminal {
            terminal.take_back_from(pid);
        }
        Ok((finish(job.clone(), outcome, Vec::new(), start, 1), end))
    })
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
struct StopSignals {
    streams: Vec<(i32, tokio::signal::unix::Signal)>,
}

impl StopSignals {
    fn new() -> Result<StopSignals> {
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
    async fn recv(&mut self) -> i32 {
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

/// In the attached child before exec: lead a new process group and, given
/// the terminal, become its foreground group; without it, reading from or
/// setting up the terminal must fail rather than stop the command.
fn lead_own_group(tty: Option<i32>) -> io::Result<()> {
    // SAFETY: async-signal-safe system calls on this process only.
    unsafe {
        if libc::setpgid(0, 0) == -1 {
            return Err(io::Error::last_os_error());
        }
        match tty {
            Some(fd) => {
                // A background group asking for the terminal gets SIGTTOU
                // unless the signal is blocked.
                let mut block: libc::sigset_t = std::mem::zeroed();
                let mut old: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut block);
                libc::sigaddset(&mut block, libc::SIGTTOU);
                libc::sigprocmask(libc::SIG_BLOCK, &block, &mut old);
                let rc = libc::tcsetpgrp(fd, libc::getpid());
                libc::sigprocmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
                if rc == -1 {
                    return Err(io::Error::last_os_error());
                }
            }
            None => {
                libc::signal(libc::SIGTTIN, libc::SIG_IGN);
                libc::signal(libc::SIGTTOU, libc::SIG_IGN);
            }
        }
    }
    Ok(())
}

/// gita's controlling terminal, while gita's process group is its foreground
/// group.
struct Terminal {
    tty: std::fs::File,
    /// gita's process group.
    pgrp: libc::pid_t,
}

impl Terminal {
    /// The terminal to hand to an attached child: gita's process group is in
    /// its foreground, and none of stdin, stdout and stderr is a pipe or a
    /// socket. In a pipeline (`gita super api log | less`) the other commands
    /// share gita's process group and would lose the terminal.
    fn to_hand_over() -> Option<Terminal> {
        use std::os::unix::fs::OpenOptionsExt as _;
        let piped = [libc::STDIN_FILENO, libc::STDOUT_FILENO, libc::STDERR_FILENO]
            .into_iter()
            .any(is_pipe_or_socket);
        if piped {
            return None;
        }
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY | libc::O_CLOEXEC)
            .open("/dev/tty")
            .ok()?;
        // SAFETY: plain queries.
        let pgrp = unsafe { libc::getpgrp() };
        let terminal = Terminal { tty, pgrp };
        terminal.in_foreground().then_some(terminal)
    }

    fn raw_fd(&self) -> i32 {
        use std::os::fd::AsRawFd as _;
        self.tty.as_raw_fd()
    }

    fn foreground(&self) -> libc::pid_t {
        // SAFETY: plain query on an open descriptor.
        unsafe { libc::tcgetpgrp(self.raw_fd()) }
    }

    fn in_foreground(&self) -> bool {
        self.foreground() == self.pgrp
    }

    /// Makes `pgrp` the foreground group (SIGTTOU blocked meanwhile: gita
    /// may be in the background when it asks).
    fn give_to(&self, pgrp: libc::pid_t) {
        // SAFETY: signal mask changes of this thread around one ioctl.
        unsafe {
            let mut block: libc::sigset_t = std::mem::zeroed();
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut block);
            libc::sigaddset(&mut block, libc::SIGTTOU);
            libc::pthread_sigmask(libc::SIG_BLOCK, &block, &mut old);
            libc::tcsetpgrp(self.raw_fd(), pgrp);
            libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        }
    }

    /// Gives the terminal back to gita's group if the child's group `pgid`
    /// still holds it.
    fn take_back_from(&self, pgid: libc::pid_t) {
        if self.foreground() == pgid {
            self.give_to(self.pgrp);
        }
    }
}

fn is_pipe_or_socket(fd: i32) -> bool {
    // SAFETY: fstat fills a plain struct; failure leaves it unused.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        libc::fstat(fd, &mut st) == 0
            && matches!(st.st_mode & libc::S_IFMT, libc::S_IFIFO | libc::S_IFSOCK)
    }
}

/// The child, holding the terminal, stopped with `sig` (Ctrl-Z, a stop
/// signal): gita's own process group, the shell's job, stops the same way,
/// with the terminal back in it. When the job is continued, the terminal
/// goes back to the child (if gita is in the foreground again) and the
/// child's group continues.
fn suspend_with_child(pid: libc::pid_t, sig: i32, terminal: &Terminal) {
    terminal.take_back_from(pid);
    // SAFETY: plain syscall; 0 addresses gita's own process group.
    unsafe {
        libc::kill(0, sig);
    }
    if terminal.in_foreground() {
        terminal.give_to(pid);
    } else {
        // Continued in the background (`bg`): the child may stop again for
        // the terminal; don't spin if gita's stop cannot take effect.
        std::thread::sleep(Duration::from_millis(50));
    }
    signal_group(pid, libc::SIGCONT);
}

/// SIGTERM (and SIGCONT, in case it is stopped) to the attached child's
/// group, SIGKILL after the grace period, then SIGKILL to whatever of the
/// group is left once the child has been reaped.
async fn stop_attached_group(
    pid: libc::pid_t,
    events: &mut tokio::sync::mpsc::UnboundedReceiver<ChildEvent>,
) {
    async fn reaped(events: &mut tokio::sync::mpsc::UnboundedReceiver<ChildEvent>) {
        while let Some(event) = events.recv().await {
            if !matches!(event, ChildEvent::Stopped(_)) {
                return;
            }
        }
    }
    signal_group(pid, libc::SIGTERM);
    signal_group(pid, libc::SIGCONT);
    if tokio::time::timeout(KILL_GRACE, reaped(events))
        .await
        .is_err()
    {
        signal_group(pid, libc::SIGKILL);
        reaped(events).await;
    }
    signal_group(pid, libc::SIGKILL);
}

/// SIGTERM (and SIGCONT) to what is left of the process group `pgid` after
/// its leader was reaped, SIGKILL to what is still there after the grace
/// period.
async fn stop_leftovers(pgid: libc::pid_t) {
    signal_group(pgid, libc::SIGTERM);
    signal_group(pgid, libc::SIGCONT);
    let start = Instant::now();
    // SAFETY: signal 0 only checks whether the group has members.
    while unsafe { libc::kill(-pgid, 0) } == 0 && start.elapsed() < KILL_GRACE {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    signal_group(pgid, libc::SIGKILL);
}

/// What the waiter thread saw happen to the attached child.
#[derive(Debug)]
enum ChildEvent {
    Stopped(i32),
    Exited(ExitStatus),
    /// waitpid failed.
    Failed(io::Error),
}

/// A thread that waits for the attached child, stops included (which the
/// async runtime's child handling does not report).
struct ChildWaiter {
    pid: std::sync::mpsc::Sender<libc::pid_t>,
}

impl ChildWaiter {
    /// Starts the thread before the child exists, so that a failure to start
    /// it leaves no child behind.
    fn start() -> Result<(
        ChildWaiter,
        tokio::sync::mpsc::UnboundedReceiver<ChildEvent>,
    )> {
        let (pid_tx, pid_rx) = std::sync::mpsc::channel::<libc::pid_t>();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("gita-wait".into())
            .spawn(move || {
                let Ok(pid) = pid_rx.recv() else { return };
                loop {
                    let mut status = 0;
                    // SAFETY: waits for our own child; `status` is a valid out-pointer.
                    let rc = unsafe { libc::waitpid(pid, &mut status, libc::WUNTRACED) };
                    let event = if rc == -1 {
                        let e = io::Error::last_os_error();
                        if e.kind() == io::ErrorKind::Interrupted {
                            continue;
                        }
                        ChildEvent::Failed(e)
                    } else if libc::WIFSTOPPED(status) {
                        ChildEvent::Stopped(libc::WSTOPSIG(status))
                    } else if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
                        ChildEvent::Exited(ExitStatus::from_raw(status))
                    } else {
                        continue;
                    };
                    let last = !matches!(event, ChildEvent::Stopped(_));
                    if tx.send(event).is_err() || last {
                        return;
                    }
                }
            })
            .context("cannot start a thread to wait for the command")?;
        Ok((ChildWaiter { pid: pid_tx }, rx))
    }

    fn watch(self, pid: libc::pid_t) {
        let _ = self.pid.send(pid);
    }
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
    fn attached_timeout_stops_the_whole_group() {
        // The background sleep keeps stdout open: the shell's group must go.
        let job = shell_job("slow", "sleep 30 & sleep 30; echo never");
        let t0 = Instant::now();
        let (result, end) = run_attached(&job, Some(Duration::from_millis(200))).expect("run");
        assert!(matches!(result.outcome, Outcome::TimedOut(_)), "{result:?}");
        assert_eq!(end, End::Completed);
        assert!(t0.elapsed() < Duration::from_secs(20), "{:?}", t0.elapsed());
    }

    #[test]
    fn attached_exit_codes_and_spawn_failures() {
        let (result, end) = run_attached(&shell_job("x", "exit 3"), None).expect("run");
        assert_eq!((result.outcome, end), (Outcome::Exited(3), End::Completed));
        let (result, _) = run_attached(&shell_job("x", "kill -TERM $$"), None).expect("run");
        assert_eq!(result.outcome, Outcome::Signaled(libc::SIGTERM));
        let job = Job {
            name: "x".into(),
            path: std::env::temp_dir(),
            program: Program::Exec(s(&["gita-test-no-such-program"])),
        };
        let (result, _) = run_attached(&job, None).expect("run");
        assert_eq!(
            result.outcome,
            Outcome::SpawnFailed(
                "gita-test-no-such-program was not found on PATH (is it installed?)".into()
            )
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
