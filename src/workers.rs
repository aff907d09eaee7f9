//! Reading many repositories in parallel, for `ll` and `check`: the repos
//! are dealt round-robin to one share per core; `gita` itself reads the first
//! share and a worker process (`gita <WORKER_COMMAND>`, fed JSON on stdin)
//! reads each other one, with its current directory set to each repo in
//! turn. If a worker cannot be started or fails, its share is read in this
//! process instead. The main process never changes its current directory.
//!
//! Why processes rather than a thread pool: a worker can `chdir` into the
//! repo it reads, so the hundreds of `lstat`s per repo take short relative
//! paths (about 10% less kernel time), and workers in separate address spaces
//! do not pay for each other's `munmap` TLB shootdowns and mmap-lock
//! contention (gix maps every loose object it reads). Measured on 200 repos,
//! 2 cores: two processes need ~15% less CPU than two threads.
//!
//! A panic while reading one repo (inside gix) becomes that repo's error, and
//! the panic hook stays quiet about it: see [`guarded`].

use std::cell::Cell;
use std::io::{Read as _, Write as _};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};

use anyhow::{Context as _, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Below this many repos one process does all the work (a worker start costs
/// about as much as reading a few repos).
const MIN_REPOS_PER_WORKER: usize = 6;

/// Up to this many repos per share, this process reads the first share
/// itself; beyond, workers read every share (see `read_all`).
const READ_HERE_UP_TO: usize = 150;

/// A kind of per-repo reading that workers can do.
pub trait Reader {
    /// What to read (a repo and how).
    type Request: Serialize + DeserializeOwned + Clone;
    /// Settings shared by every request of a run.
    type Settings: Serialize + DeserializeOwned + Copy;
    /// What reading one repo gives.
    type Output: Serialize + DeserializeOwned;
    /// The first argument that makes `gita` this kind of worker (checked in
    /// `main` before the command line is parsed, so workers start fast).
    const WORKER_COMMAND: &'static str;
    /// "status" or "check", for messages.
    const WHAT: &'static str;

    fn path(req: &Self::Request) -> &Path;

    /// Reads one repo. `in_repo`: the current directory is the repo's folder.
    fn read(req: &Self::Request, settings: Self::Settings, in_repo: bool) -> Result<Self::Output>;
}

#[derive(Serialize, Deserialize)]
struct Job<Q, S> {
    settings: S,
    requests: Vec<Q>,
}

#[derive(Serialize, Deserialize)]
enum Outcome<T> {
    Ok(T),
    Err(String),
}

/// Reads `reqs` with up to `jobs` processes; results come back in input order.
pub fn read_all<R: Reader>(
    reqs: &[R::Request],
    settings: R::Settings,
    jobs: usize,
) -> Vec<Result<R::Output>> {
    let shares = jobs.min(reqs.len() / MIN_REPOS_PER_WORKER).max(1);
    let here = |share: &[R::Request]| -> Vec<Result<R::Output>> {
        share.iter().map(|r| R::read(r, settings, false)).collect()
    };
    if shares == 1 {
        return here(reqs);
    }
    let share_of =
        |k: usize| -> Vec<R::Request> { reqs.iter().skip(k).step_by(shares).cloned().collect() };
    // This process keeps its current directory, so it reads with longer
    // paths than a worker inside each repo; past a few dozen repos per share
    // that costs more than one more worker start, and every share goes to a
    // worker.
    let first = usize::from(reqs.len() / shares < READ_HERE_UP_TO);
    let workers: Vec<Option<Child>> = (first..shares)
        .map(|k| spawn::<R>(&share_of(k), settings).ok())
        .collect();
    let mut results: Vec<Option<Result<R::Output>>> = (0..reqs.len()).map(|_| None).collect();
    if first == 1 {
        for (j, r) in here(&share_of(0)).into_iter().enumerate() {
            results[j * shares] = Some(r);
        }
    }
    for (w, child) in workers.into_iter().enumerate() {
        let k = w + first;
        let share = share_of(k);
        let outcomes = child
            .and_then(|c| collect::<R>(c, share.len()).ok())
            .unwrap_or_else(|| here(&share));
        for (j, r) in outcomes.into_iter().enumerate() {
            results[k + j * shares] = Some(r);
        }
    }
    results
        .into_iter()
        .zip(reqs)
        .map(|(slot, req)| slot.unwrap_or_else(|| R::read(req, settings, false)))
        .collect()
}

fn spawn<R: Reader>(reqs: &[R::Request], settings: R::Settings) -> Result<Child> {
    let exe = std::env::current_exe().context("cannot locate the gita executable")?;
    let mut child = Command::new(exe)
        .arg(R::WORKER_COMMAND)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot start a {} worker", R::WHAT))?;
    let job = Job {
        settings,
        requests: reqs.to_vec(),
    };
    let input = serde_json::to_vec(&job)?;
    // The worker reads all of stdin before it starts, so this cannot block for long.
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(&input)
            .with_context(|| format!("cannot feed the {} worker", R::WHAT))?;
    }
    Ok(child)
}

fn collect<R: Reader>(child: Child, expected: usize) -> Result<Vec<Result<R::Output>>> {
    let what = R::WHAT;
    let out = child
        .wait_with_output()
        .with_context(|| format!("{what} worker failed"))?;
    anyhow::ensure!(
        out.status.success(),
        "{what} worker exited with {}",
        out.status
    );
    let outcomes: Vec<Outcome<R::Output>> =
        serde_json::from_slice(&out.stdout).with_context(|| format!("bad {what} worker output"))?;
    anyhow::ensure!(
        outcomes.len() == expected,
        "{what} worker answered {} of {expected} repos",
        outcomes.len()
    );
    Ok(outcomes
        .into_iter()
        .map(|o| match o {
            Outcome::Ok(s) => Ok(s),
            Outcome::Err(e) => Err(anyhow::anyhow!(e)),
        })
        .collect())
}

/// The worker process: a job on stdin, one outcome per request on stdout.
/// The worker reads each repo from inside its folder.
pub fn worker_main<R: Reader>() -> Result<ExitCode> {
    let mut input = Vec::new();
    std::io::stdin()
        .read_to_end(&mut input)
        .context("cannot read the job")?;
    let job: Job<R::Request, R::Settings> = serde_json::from_slice(&input).context("bad job")?;
    let outcomes: Vec<Outcome<R::Output>> = job
        .requests
        .iter()
        .map(|req| {
            let in_repo = std::env::set_current_dir(R::path(req)).is_ok();
            match R::read(req, job.settings, in_repo) {
                Ok(s) => Outcome::Ok(s),
                Err(e) => Outcome::Err(format!("{e:#}")),
            }
        })
        .collect();
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &outcomes)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

thread_local! {
    /// Set while a repo is read under [`guarded`]: a panic there is handled,
    /// so the panic hook stays quiet.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, turning a panic into an error that names `what`.
pub fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(Cell::get) {
                default(info);
            }
        }));
    });
    let was = GUARDED.with(|g| g.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(was));
    match result {
        Ok(result) => result,
        Err(_) => anyhow::bail!("reading {what} failed unexpectedly"),
    }
}
