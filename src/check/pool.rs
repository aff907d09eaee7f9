//! Checks many repositories in parallel the way `ll` reads them: the repos
//! are dealt round-robin to one share per core; `gita` itself checks the
//! first share and a worker process (`gita __check-worker`, fed JSON on
//! stdin) checks each other one, with the current directory set to each repo
//! in turn. If a worker cannot be started or fails, its share is checked
//! in-process instead.

use std::io::{Read as _, Write as _};
use std::process::{Child, Command, ExitCode, Stdio};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use super::{Options, RepoCheck};
use crate::status::{EngineChoice, Request};

/// The first argument that makes `gita` a check worker (handled in `main`
/// before the command line is parsed).
pub const WORKER_COMMAND: &str = "__check-worker";

/// Below this many repos one process does all the work.
const MIN_REPOS_PER_WORKER: usize = 6;

#[derive(Serialize, Deserialize)]
struct Job {
    choice: EngineChoice,
    options: Options,
    requests: Vec<Request>,
}

#[derive(Serialize, Deserialize)]
enum Outcome {
    Ok(RepoCheck),
    Err(String),
}

/// Checks `reqs` with up to `jobs` processes; results come back in input order.
pub fn check_all(
    reqs: &[Request],
    choice: EngineChoice,
    options: Options,
    jobs: usize,
) -> Vec<Result<RepoCheck>> {
    let shares = jobs.min(reqs.len() / MIN_REPOS_PER_WORKER).max(1);
    if shares == 1 {
        return check_here(reqs, choice, options);
    }
    let share_of =
        |k: usize| -> Vec<Request> { reqs.iter().skip(k).step_by(shares).cloned().collect() };
    let workers: Vec<Option<Child>> = (1..shares)
        .map(|k| spawn_worker(&share_of(k), choice, options).ok())
        .collect();
    let mut results: Vec<Option<Result<RepoCheck>>> = (0..reqs.len()).map(|_| None).collect();
    for (j, r) in check_here(&share_of(0), choice, options)
        .into_iter()
        .enumerate()
    {
        results[j * shares] = Some(r);
    }
    for (w, child) in workers.into_iter().enumerate() {
        let k = w + 1;
        let share = share_of(k);
        let outcomes = child
            .and_then(|c| collect_worker(c, share.len()).ok())
            .unwrap_or_else(|| check_here(&share, choice, options));
        for (j, r) in outcomes.into_iter().enumerate() {
            results[k + j * shares] = Some(r);
        }
    }
    results
        .into_iter()
        .zip(reqs)
        .map(|(slot, req)| slot.unwrap_or_else(|| super::read_one(req, choice, options, false)))
        .collect()
}

fn spawn_worker(reqs: &[Request], choice: EngineChoice, options: Options) -> Result<Child> {
    let exe = std::env::current_exe().context("cannot locate the gita executable")?;
    let mut child = Command::new(exe)
        .arg(WORKER_COMMAND)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("cannot start a check worker")?;
    let job = Job {
        choice,
        options,
        requests: reqs.to_vec(),
    };
    let input = serde_json::to_vec(&job)?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(&input)
            .context("cannot feed the check worker")?;
    }
    Ok(child)
}

fn collect_worker(child: Child, expected: usize) -> Result<Vec<Result<RepoCheck>>> {
    let out = child.wait_with_output().context("check worker failed")?;
    anyhow::ensure!(
        out.status.success(),
        "check worker exited with {}",
        out.status
    );
    let outcomes: Vec<Outcome> =
        serde_json::from_slice(&out.stdout).context("bad check worker output")?;
    anyhow::ensure!(
        outcomes.len() == expected,
        "check worker answered {} of {expected} repos",
        outcomes.len()
    );
    Ok(outcomes
        .into_iter()
        .map(|o| match o {
            Outcome::Ok(c) => Ok(c),
            Outcome::Err(e) => Err(anyhow::anyhow!(e)),
        })
        .collect())
}

/// The worker process: a [`Job`] on stdin, one [`Outcome`] per request on stdout.
pub fn worker_main() -> Result<ExitCode> {
    let mut input = Vec::new();
    std::io::stdin()
        .read_to_end(&mut input)
        .context("cannot read the job")?;
    let job: Job = serde_json::from_slice(&input).context("bad job")?;
    let outcomes: Vec<Outcome> = check_here(&job.requests, job.choice, job.options)
        .into_iter()
        .map(|r| match r {
            Ok(c) => Outcome::Ok(c),
            Err(e) => Outcome::Err(format!("{e:#}")),
        })
        .collect();
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &outcomes)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Checks `reqs` one after the other in this process, with the current
/// directory set to each repo in turn (restored afterwards).
fn check_here(reqs: &[Request], choice: EngineChoice, options: Options) -> Vec<Result<RepoCheck>> {
    let home = std::env::current_dir().ok();
    let out = reqs
        .iter()
        .map(|req| {
            let in_repo = std::env::set_current_dir(&req.path).is_ok();
            super::read_one(req, choice, options, in_repo)
        })
        .collect();
    if let Some(home) = home {
        // Best effort: nothing after the check phase depends on the cwd.
        let _ = std::env::set_current_dir(home);
    }
    out
}
