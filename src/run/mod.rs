//! Running one command across many repos, the layer every command that does
//! so calls: commands build [`Job`]s and call [`execute`], which decides how
//! they run and returns a [`Report`]; `crate::exit` turns it into the exit
//! status.
//!
//! - `program.rs`: what to spawn ([`Program`], [`Job`], the environment each
//!   child sees).
//! - `detached.rs`: many jobs at once, captured, without a terminal.
//! - `attached.rs`: one job attached to the terminal.
//! - `group.rs`: process groups, the signals and timeouts that stop them.
//! - `outcome.rs`: what a job produced and how it ended.
//! - `retry.rs`, `classify.rs`: dropped connections, fetch-like commands,
//!   failures that needed a terminal.
//! - `report.rs`: what the user sees: prefixed blocks, progress, summary,
//!   JSON lines.
//! - `concurrency.rs`: how many children at once.
//! - `ssh/`: one ssh connection per destination for network runs.

mod attached;
mod classify;
mod concurrency;
mod detached;
mod group;
mod outcome;
mod program;
mod report;
mod retry;
mod ssh;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};

use crate::ctx::Ctx;
use crate::print::sanitize;

use outcome::{End, JobResult, Outcome};
pub use program::{Job, Program};
use report::{Mode, Writer};

/// How a run goes.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `-j`: at most this many repos at once (see `concurrency.rs`).
    pub jobs: Option<usize>,
    /// Per repo, across retries.
    pub timeout: Option<Duration>,
    /// One JSON object per repo and line; nothing runs attached.
    pub json: bool,
    /// Run one repo at a time attached to the terminal (Python gita's
    /// `disable_async`), unless `json`.
    pub interactive: bool,
    /// The command talks to remotes (beyond fetch, pull and push, which are
    /// recognised): worth sharing ssh connections.
    pub network: bool,
    /// `--no-ssh-reuse`: every repo connects on its own.
    pub no_ssh_reuse: bool,
    /// Job name → the URL it clones from (for jobs that have no repo yet).
    pub urls: BTreeMap<String, String>,
}

impl Options {
    pub fn interactive(self, interactive: bool) -> Options {
        Options {
            interactive,
            ..self
        }
    }
}

/// How one repo's command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepoStatus {
    Ok,
    Failed,
    /// Stopped by this signal: sent to gita, or typed on the terminal (Ctrl-C,
    /// Ctrl-\) while the command held it.
    Interrupted(i32),
}

/// How a whole run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEnd {
    Ok,
    /// At least one repo failed.
    Failed,
    /// Stopped by this signal; nothing more ran.
    Interrupted(i32),
}

/// What a run did, repo by repo.
#[derive(Debug, Default)]
pub struct Report {
    /// Each repo that ran, in the order it finished; an attached re-run
    /// replaces the first result.
    pub repos: Vec<(String, RepoStatus)>,
    /// The signal that stopped the run, if one did.
    pub signal: Option<i32>,
}

impl Report {
    pub fn end(&self) -> RunEnd {
        match self.signal {
            Some(sig) => RunEnd::Interrupted(sig),
            None if self.repos.iter().any(|(_, s)| *s != RepoStatus::Ok) => RunEnd::Failed,
            None => RunEnd::Ok,
        }
    }

    fn record(&mut self, name: &str, status: RepoStatus) {
        self.repos.retain(|(n, _)| n != name);
        self.repos.push((name.to_string(), status));
        if let RepoStatus::Interrupted(sig) = status {
            self.signal = Some(sig);
        }
    }

    /// `gita: 7 ok, 1 failed (b) in 1.2s`.
    fn summary(&self, elapsed: Duration) -> String {
        let names = |ok: bool| -> Vec<String> {
            self.repos
                .iter()
                .filter(|(_, s)| (*s == RepoStatus::Ok) == ok)
                .map(|(n, _)| n.clone())
                .collect()
        };
        report::summary_line(&names(true), &names(false), elapsed)
    }
}

/// Runs `jobs` and reports. Interactive runs go one repo at a time attached
/// to the terminal (unless `--json`); all others run detached and captured,
/// a single repo as well as many (whole prefixed blocks, progress, summary),
/// then the repos whose command needed a terminal are re-run attached.
pub fn execute(ctx: &Ctx, jobs: Vec<Job>, options: &Options) -> Result<Report> {
    if jobs.is_empty() {
        crate::say!("no repos to run in (see `gita add` and `gita context`)");
        return Ok(Report::default());
    }
    if options.interactive && !options.json {
        return one_at_a_time(&jobs, options.timeout);
    }
    let network = options.network || jobs.iter().all(|j| j.program.is_network());
    let bound = concurrency::limit(ctx, options.jobs, network)?;
    let reuse_on = !options.no_ssh_reuse && ctx.settings()?.ssh_reuse != Some(false);
    // Where each repo connects, read once for both uses.
    let reaches = if network && (reuse_on || bound.per_server.is_some()) {
        ssh::reaches(&jobs, &options.urls)
    } else {
        Vec::new()
    };
    let limits = detached::Limits {
        jobs: bound.total,
        timeout: options.timeout,
        servers: bound.per_server.map(|limit| detached::ServerBound {
            limit,
            of_job: jobs
                .iter()
                .zip(&reaches)
                .filter_map(|(job, reach)| Some((job.name.clone(), reach.as_ref()?.servers())))
                .collect(),
        }),
    };
    let mode = if options.json { Mode::Json } else { Mode::Text };
    let start = Instant::now();
    let mut writer = Writer::new(mode, jobs.len(), ctx.stderr_tty);
    let by_name: BTreeMap<String, Job> = jobs.iter().map(|j| (j.name.clone(), j.clone())).collect();
    // With reuse, one destination's masters carry at most as many repos at
    // once as one server gets without it.
    let reuse = (network && reuse_on)
        .then(|| ssh::plan(&jobs, &reaches, bound.per_server.unwrap_or(bound.total)))
        .flatten();
    let run = detached::run_detached(jobs, &limits, reuse, &mut writer);
    writer.clear_progress();
    let run = run?;
    let signal = match run.end {
        End::Signal(sig) => Some(sig),
        End::Completed => None,
    };
    let mut report = Report::default();
    for result in &run.results {
        let status = match (&result.outcome, signal) {
            (outcome, _) if outcome.success() => RepoStatus::Ok,
            (Outcome::Interrupted, Some(sig)) => RepoStatus::Interrupted(sig),
            _ => RepoStatus::Failed,
        };
        // Each job ends once: nothing to replace (`record` is for re-runs).
        report.repos.push((result.name.clone(), status));
    }
    if let Some(sig) = signal {
        crate::say!("interrupted; every running command was stopped");
        report.signal = Some(sig);
        return Ok(report);
    }
    rerun_attached(ctx, &run.results, &by_name, options, &mut report)?;
    if report.signal.is_none() {
        crate::messages::line(&report.summary(start.elapsed()));
    }
    Ok(report)
}

/// Re-runs attached, in name order, the repos whose command failed because
/// it needed a terminal, when there is one to give; else says how to get
/// past the prompts.
fn rerun_attached(
    ctx: &Ctx,
    results: &[JobResult],
    jobs: &BTreeMap<String, Job>,
    options: &Options,
    report: &mut Report,
) -> Result<()> {
    let mut needy: Vec<&JobResult> = results.iter().filter(|r| r.needs_terminal()).collect();
    if needy.is_empty() {
        return Ok(());
    }
    needy.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<String> = needy.iter().map(|r| sanitize(&r.name)).collect();
    if !ctx.stdin_tty || options.json {
        crate::say!(
            "{} failed because they need a terminal (password, passphrase, host key or editor): {}\n\
             gita: run gita from a terminal to answer the prompts one repo at a time, or set up a credential helper / ssh-agent",
            plural(names.len()),
            names.join(", ")
        );
        return Ok(());
    }
    crate::say!(
        "{} need a terminal (password, passphrase, host key or editor); running them one at a time: {}",
        plural(names.len()),
        names.join(", ")
    );
    for r in needy {
        let Some(job) = jobs.get(&r.name) else {
            continue;
        };
        let status = attached_one(job, options.timeout)?;
        report.record(&job.name, status);
        if report.signal.is_some() {
            break;
        }
    }
    Ok(())
}

fn plural(n: usize) -> String {
    if n == 1 {
        "1 repo".into()
    } else {
        format!("{n} repos")
    }
}

/// One repo at a time, attached to the terminal; a summary after several.
fn one_at_a_time(jobs: &[Job], timeout: Option<Duration>) -> Result<Report> {
    let start = Instant::now();
    let mut report = Report::default();
    for job in jobs {
        let status = attached_one(job, timeout)?;
        report.record(&job.name, status);
        if report.signal.is_some() {
            return Ok(report);
        }
    }
    if jobs.len() > 1 {
        crate::messages::line(&report.summary(start.elapsed()));
    }
    Ok(report)
}

/// One repo attached to the terminal: the path first (as Python gita does),
/// then the command with the user's environment.
fn attached_one(job: &Job, timeout: Option<Duration>) -> Result<RepoStatus> {
    report::path_line(&job.path)?;
    let (result, end) = attached::run_attached(job, timeout)?;
    if let End::Signal(sig) = end {
        crate::say!("interrupted; the running command was stopped");
        return Ok(RepoStatus::Interrupted(sig));
    }
    let failed_writing = match result.outcome {
        Outcome::Exited(code) => code != 0,
        Outcome::Signaled(sig) => sig == libc::SIGPIPE,
        _ => false,
    };
    if failed_writing && report::stdout_closed() {
        // The reader went away (`gita super api log | head -1`) and the
        // command failed writing to it: like a concurrent run whose stdout
        // closes, the run ends here quietly (see `crate::exit`).
        return Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
            .context("the output was closed");
    }
    Ok(match &result.outcome {
        // Ctrl-C or Ctrl-\ typed on the terminal: the whole run stops.
        Outcome::Signaled(sig @ (libc::SIGINT | libc::SIGQUIT)) => RepoStatus::Interrupted(*sig),
        Outcome::Signaled(_) => RepoStatus::Failed,
        outcome if outcome.success() => RepoStatus::Ok,
        outcome => {
            if let Some(note) = report::failure_note(outcome) {
                crate::say!("{}: {note}", sanitize(&job.name));
            }
            RepoStatus::Failed
        }
    })
}
