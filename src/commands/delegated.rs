//! Delegated commands (`gita fetch`, `gita st`, custom `cmds.yml` entries) and
//! the shared driver behind them, `super` and `shell`: attached one at a time
//! for one repo or an interactive command, otherwise concurrent through the
//! runner with the output writer, then attached re-runs of repos that needed
//! a terminal, the summary and the exit status.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, Result};

use crate::cli::RunArgs;
use crate::ctx::Ctx;
use crate::delegate::Delegated;
use crate::output::{Mode, Writer};
use crate::print::sanitize;
use crate::runner::{self, End, Job, JobResult, Outcome};

/// Concurrent children when neither `-j` nor `jobs` in settings.yml says
/// otherwise. Commands across repos wait on the network, not the CPU, so
/// the bound is well above the core count; see the README and bench/fetch.sh.
pub const DEFAULT_JOBS: usize = 64;

/// `gita <delegated> [names]`.
pub fn run(ctx: &Ctx, cmd: &Delegated, names: &[String], args: &RunArgs) -> Result<ExitCode> {
    let reg = ctx.registry()?;
    let selected = reg.select(names, &ctx.cwd)?;
    let jobs = selected
        .into_iter()
        .map(|(name, repo)| {
            Ok(Job {
                program: cmd.program(&repo.flags)?,
                name,
                path: repo.path,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    execute(ctx, jobs, cmd.interactive, args)
}

/// Runs `jobs` and reports. `interactive` runs them one at a time attached to
/// the terminal (as does a single job), unless `--json` asks for capture.
pub fn execute(ctx: &Ctx, jobs: Vec<Job>, interactive: bool, args: &RunArgs) -> Result<ExitCode> {
    if jobs.is_empty() {
        eprintln!("gita: no repos to run in (see `gita add` and `gita context`)");
        return Ok(ExitCode::SUCCESS);
    }
    if !args.json && (jobs.len() == 1 || interactive) {
        return run_attached(&jobs, args.timeout);
    }
    execute_concurrent(ctx, jobs, args)
}

/// Runs `jobs` detached and captured, even a single one (whole blocks,
/// progress, summary), then re-runs attached those that needed a terminal.
pub fn execute_concurrent(ctx: &Ctx, jobs: Vec<Job>, args: &RunArgs) -> Result<ExitCode> {
    let timeout = args.timeout;
    let limit = match args.jobs {
        Some(n) => n,
        None => ctx.settings()?.jobs.unwrap_or(DEFAULT_JOBS),
    };
    let mode = if args.json { Mode::Json } else { Mode::Text };
    let mut writer = Writer::new(mode, jobs.len(), ctx.stderr_tty);
    let by_name: BTreeMap<String, Job> = jobs.iter().map(|j| (j.name.clone(), j.clone())).collect();
    let opts = runner::Options {
        jobs: limit.max(1),
        timeout,
    };
    let run = runner::run_detached(jobs, &opts, &mut writer);
    writer.clear_progress();
    let run = run?;
    if let End::Signal(sig) = run.end {
        eprintln!("gita: interrupted; every running command was stopped");
        return Ok(signal_exit(sig));
    }

    let mut needy: Vec<&JobResult> = run.results.iter().filter(|r| r.needs_terminal()).collect();
    needy.sort_by(|a, b| a.name.cmp(&b.name));
    if !needy.is_empty() {
        let names: Vec<String> = needy.iter().map(|r| sanitize(&r.name)).collect();
        if ctx.stdin_tty && !args.json {
            eprintln!(
                "gita: {} need a terminal (password, passphrase, host key or editor); running them one at a time: {}",
                plural(names.len()),
                names.join(", ")
            );
            for r in &needy {
                let Some(job) = by_name.get(&r.name) else {
                    continue;
                };
                let result = match attached_one(job, timeout)? {
                    Attached::Done(result) => result,
                    Attached::Stop(sig) => return Ok(signal_exit(sig)),
                };
                writer.record(&job.name, result.outcome.success());
            }
        } else {
            eprintln!(
                "gita: {} failed because they need a terminal (password, passphrase, host key or editor): {}\n\
                 gita: run gita from a terminal to answer the prompts one repo at a time, or set up a credential helper / ssh-agent",
                plural(names.len()),
                names.join(", ")
            );
        }
    }
    eprintln!("{}", writer.summary());
    Ok(if writer.failed().is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn plural(n: usize) -> String {
    if n == 1 {
        "1 repo".into()
    } else {
        format!("{n} repos")
    }
}

/// One repo at a time, attached to the terminal: the path first (as Python
/// gita does), then the command with the user's environment.
fn run_attached(jobs: &[Job], timeout: Option<Duration>) -> Result<ExitCode> {
    let start = std::time::Instant::now();
    let (mut ok, mut failed) = (Vec::new(), Vec::new());
    for job in jobs {
        match attached_one(job, timeout)? {
            Attached::Stop(sig) => return Ok(signal_exit(sig)),
            Attached::Done(r) if r.outcome.success() => ok.push(job.name.clone()),
            Attached::Done(_) => failed.push(job.name.clone()),
        }
    }
    if jobs.len() > 1 {
        eprintln!(
            "{}",
            crate::output::summary_line(&ok, &failed, start.elapsed())
        );
    }
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The exit status for a run stopped by signal `sig`: 128 + its number, as
/// shells report a command killed by it.
fn signal_exit(sig: i32) -> ExitCode {
    ExitCode::from(128u8.saturating_add(u8::try_from(sig).unwrap_or(0)))
}

/// How an attached run ended.
enum Attached {
    Done(JobResult),
    /// The whole run stops with this signal: gita received it (the command
    /// was stopped), or the command died of Ctrl-C or Ctrl-\ in its terminal.
    Stop(i32),
}

fn attached_one(job: &Job, timeout: Option<Duration>) -> Result<Attached> {
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", sanitize(&job.path.to_string_lossy()))?;
        out.flush()?;
    }
    let (result, end) = runner::run_attached(job, timeout)?;
    if let End::Signal(sig) = end {
        eprintln!("gita: interrupted; the running command was stopped");
        return Ok(Attached::Stop(sig));
    }
    let failed = match result.outcome {
        Outcome::Exited(code) => code != 0,
        Outcome::Signaled(sig) => sig == libc::SIGPIPE,
        _ => false,
    };
    if failed && crate::output::stdout_closed() {
        // The reader went away (`gita super api log | head -1`) and the
        // command failed writing to it: like a concurrent run whose stdout
        // closes, the run ends here quietly (see `main`).
        return Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
            .context("the output was closed");
    }
    match &result.outcome {
        Outcome::SpawnFailed(msg) => {
            eprintln!("gita: {}: {}", sanitize(&job.name), sanitize(msg));
        }
        Outcome::TimedOut(t) => eprintln!(
            "gita: {}: timed out after {:.1}s, killed",
            sanitize(&job.name),
            t.as_secs_f64()
        ),
        Outcome::Signaled(sig @ (libc::SIGINT | libc::SIGQUIT)) => {
            return Ok(Attached::Stop(*sig));
        }
        _ => {}
    }
    Ok(Attached::Done(result))
}
