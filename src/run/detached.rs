//! Runs many jobs concurrently, detached from the terminal: bounded
//! concurrency, each child in its own session with stdin closed and both
//! output streams captured, per-job timeouts, retries after dropped
//! connections (see `retry.rs`), and terminating signals that stop every
//! child's whole process group. Network runs first open their shared ssh
//! connections (see `ssh/`), which end with the run. Never writes to
//! stdout: finished jobs go to a [`Sink`] (see `report.rs`).

use std::collections::{BTreeMap, VecDeque};
use std::ffi::OsString;
use std::io;
use std::os::unix::process::CommandExt as _;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use tokio::io::{AsyncRead, AsyncReadExt as _};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::group::{self, Deadline, StopSignals};
use super::outcome::{Chunk, End, JobResult, Outcome, Stream};
use super::program::{DetachedEnv, Job};
use super::{retry, ssh};

/// How long to keep reading a finished child's pipes. A background process it
/// left behind (e.g. an ssh ControlPersist master) may hold them open forever.
const PIPE_GRACE: Duration = Duration::from_millis(500);
/// How often a sink that wants ticks gets one.
const TICK: Duration = Duration::from_millis(200);

/// Limits of a concurrent run.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Maximum number of children at once (at least 1).
    pub jobs: usize,
    /// Per repo, across retries.
    pub timeout: Option<Duration>,
    /// A bound per server, apart from `jobs`.
    pub servers: Option<ServerBound>,
}

/// At most `limit` children at once whose remotes are on one server.
#[derive(Debug, Clone, Default)]
pub struct ServerBound {
    pub limit: usize,
    /// Job name → the servers its remotes are on (`host:port`).
    pub of_job: BTreeMap<String, Vec<String>>,
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

/// The results of a run, in completion order.
#[derive(Debug)]
pub struct Run {
    pub results: Vec<JobResult>,
    pub end: End,
}

/// Runs every job detached from the terminal, at most `limits.jobs` at a
/// time, handing each finished job to `sink` as soon as it ends. On SIGINT/
/// SIGTERM/SIGHUP/SIGQUIT every running child's process group is killed and
/// the run ends with [`End::Signal`]; a sink error (closed stdout) kills them
/// too and is returned.
pub fn run_detached(
    jobs: Vec<Job>,
    limits: &Limits,
    reuse: Option<ssh::Plan>,
    sink: &mut dyn Sink,
) -> Result<Run> {
    let rt = group::runtime()?;
    rt.block_on(run_detached_async(jobs, limits, reuse, sink))
}

/// Starts pending jobs while there is room: at most `limit` at once, at most
/// the server bound per server, and a job whose ssh destination has no free
/// session waits (see `ssh`). A job that must wait is parked under what it
/// waits for and comes back when that frees a slot, so each start looks at
/// few jobs however many wait.
struct Starter {
    pending: VecDeque<Job>,
    limit: usize,
    timeout: Option<Duration>,
    env: Arc<DetachedEnv>,
    cancel: watch::Receiver<bool>,
    masters: Option<ssh::Masters>,
    servers: Option<ServerBound>,
    /// Running children per server.
    busy: BTreeMap<String, usize>,
    /// Jobs waiting for a slot, by what they wait for.
    parked: BTreeMap<Slot, VecDeque<Job>>,
}

/// What a parked job waits for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Slot {
    Server(String),
    /// A session of this ssh destination's masters.
    Master(usize),
}

impl Starter {
    fn start_more(&mut self, set: &mut JoinSet<JobResult>, sink: &mut dyn Sink) {
        self.fill(set, sink, false);
        // Nothing runs, so nothing parked waits on a running job: start them
        // past the bounds rather than leave a job behind.
        if set.is_empty() && !self.parked.is_empty() {
            for (_, jobs) in std::mem::take(&mut self.parked) {
                self.pending.extend(jobs);
            }
            self.fill(set, sink, true);
        }
    }

    /// Starts pending jobs up to `limit`; `anyway` ignores the per-server
    /// bound and the masters' sessions (a job then connects directly).
    fn fill(&mut self, set: &mut JoinSet<JobResult>, sink: &mut dyn Sink, anyway: bool) {
        while set.len() < self.limit {
            let Some(job) = self.pending.pop_front() else {
                break;
            };
            if !anyway && let Some(server) = self.full_server(&job.name) {
                self.parked
                    .entry(Slot::Server(server))
                    .or_default()
                    .push_back(job);
                continue;
            }
            let take = match &mut self.masters {
                Some(m) => m.take(&job.name),
                None => ssh::Take::Direct,
            };
            let ssh = match take {
                ssh::Take::Wait if !anyway => {
                    let group = self.masters.as_ref().and_then(|m| m.group_of(&job.name));
                    let slot = Slot::Master(group.unwrap_or(usize::MAX));
                    self.parked.entry(slot).or_default().push_back(job);
                    continue;
                }
                ssh::Take::Wait | ssh::Take::Direct => None,
                ssh::Take::Through(command) => Some(command),
            };
            sink.started(&job.name);
            for server in self.servers_of(&job.name) {
                *self.busy.entry(server).or_default() += 1;
            }
            let (env, cancel) = (self.env.clone(), self.cancel.clone());
            set.spawn(run_job(job, self.timeout, env, ssh, cancel));
        }
    }

    fn finished(&mut self, name: &str) {
        let released = self.masters.as_mut().and_then(|m| m.release(name));
        if let Some(g) = released {
            self.unpark(&Slot::Master(g));
        }
        for server in self.servers_of(name) {
            if let Some(n) = self.busy.get_mut(&server) {
                *n = n.saturating_sub(1);
            }
            self.unpark(&Slot::Server(server));
        }
    }

    /// One job waiting for `slot` goes back to the front of the queue.
    fn unpark(&mut self, slot: &Slot) {
        if let Some(jobs) = self.parked.get_mut(slot) {
            if let Some(job) = jobs.pop_front() {
                self.pending.push_front(job);
            }
            if jobs.is_empty() {
                self.parked.remove(slot);
            }
        }
    }

    /// The first server of `job` that has no free slot.
    fn full_server(&self, job: &str) -> Option<String> {
        let bound = self.servers.as_ref()?;
        bound
            .of_job
            .get(job)?
            .iter()
            .find(|s| self.busy.get(*s).copied().unwrap_or(0) >= bound.limit)
            .cloned()
    }

    fn servers_of(&self, job: &str) -> Vec<String> {
        self.servers
            .as_ref()
            .and_then(|b| b.of_job.get(job))
            .cloned()
            .unwrap_or_default()
    }
}

async fn run_detached_async(
    jobs: Vec<Job>,
    limits: &Limits,
    reuse: Option<ssh::Plan>,
    sink: &mut dyn Sink,
) -> Result<Run> {
    let mut signals = StopSignals::new()?;
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let env = Arc::new(DetachedEnv::from_current());
    // Dropped last: the masters end after every child is reaped.
    let mut starter = Starter {
        pending: jobs.into(),
        limit: limits.jobs.max(1),
        timeout: limits.timeout,
        masters: reuse.and_then(|plan| ssh::Masters::start(plan, &env)),
        servers: limits.servers.clone(),
        busy: BTreeMap::new(),
        parked: BTreeMap::new(),
        env,
        cancel: cancel_rx,
    };
    if let Some(masters) = &mut starter.masters {
        tokio::select! {
            _ = masters.wait_ready() => {}
            sig = signals.recv() => return Ok(Run { results: Vec::new(), end: End::Signal(sig) }),
        }
    }
    let mut set = JoinSet::new();
    let mut results = Vec::new();
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + TICK, TICK);
    let ticks = sink.wants_ticks();
    starter.start_more(&mut set, sink);

    let mut end = End::Completed;
    let mut sink_error = None;
    while !set.is_empty() {
        tokio::select! {
            joined = set.join_next() => {
                let Some(joined) = joined else { break };
                let result = joined.context("a job task failed")?;
                starter.finished(&result.name);
                let written = sink.finished(&result);
                results.push(result);
                if let Err(e) = written {
                    sink_error = Some(e);
                    break;
                }
                starter.start_more(&mut set, sink);
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

/// One job, retried with jittered backoff after a dropped connection when the
/// command is fetch-like. The timeout covers all attempts.
async fn run_job(
    job: Job,
    timeout: Option<Duration>,
    env: Arc<DetachedEnv>,
    ssh: Option<OsString>,
    mut cancel: watch::Receiver<bool>,
) -> JobResult {
    let start = Instant::now();
    let deadline = group::deadline(timeout);
    let mut attempts = 0;
    let mut notes = Vec::new();
    loop {
        attempts += 1;
        let (outcome, mut chunks) = run_once(&job, &env, ssh.as_ref(), deadline, &mut cancel).await;
        let Some(delay) = retry::delay_after(&job.program, &outcome, &chunks, attempts) else {
            notes.append(&mut chunks);
            return JobResult::new(&job, outcome, notes, start, attempts);
        };
        notes.push(retry::note(delay, attempts));
        let wake = tokio::time::Instant::now() + delay;
        let cancelled = tokio::select! {
            _ = tokio::time::sleep_until(wake) => false,
            _ = group::until_deadline(deadline) => false,
            _ = cancelled(&mut cancel) => true,
        };
        let timed_out = deadline.filter(|(d, _)| tokio::time::Instant::now() >= *d);
        let outcome = match (cancelled, timed_out) {
            (true, _) => Outcome::Interrupted,
            (false, Some((_, t))) => Outcome::TimedOut(t),
            (false, None) => continue,
        };
        notes.append(&mut chunks);
        return JobResult::new(&job, outcome, notes, start, attempts);
    }
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

/// Spawns the child in its own session (no controlling terminal, so opening
/// `/dev/tty` fails instead of hanging, and Ctrl-C reaches only gita), with
/// stdin closed and both output streams captured.
async fn run_once(
    job: &Job,
    env: &DetachedEnv,
    ssh: Option<&OsString>,
    deadline: Deadline,
    cancel: &mut watch::Receiver<bool>,
) -> (Outcome, Vec<Chunk>) {
    let already = *cancel.borrow();
    if already {
        return (Outcome::Interrupted, Vec::new());
    }
    if let Some(problem) = crate::git::folder_problem(&job.path) {
        return (Outcome::SpawnFailed(problem), Vec::new());
    }
    let mut std_cmd = job.command();
    std_cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    env.apply(&mut std_cmd);
    if let Some(ssh) = ssh {
        std_cmd.env("GIT_SSH_COMMAND", ssh);
    }
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
        _ = group::until_deadline(deadline) => {
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

/// Stops the child's whole process group (see [`group::stop_group`]) and
/// reaps the child.
async fn kill_group(child: &mut tokio::process::Child, pid: Option<i32>) {
    match pid {
        Some(pid) => {
            group::stop_group(pid, async {
                let _ = child.wait().await;
            })
            .await
        }
        None => {
            let _ = child.kill().await;
        }
    }
}
