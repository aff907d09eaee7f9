//! Options of the commands that run across repos (delegated commands,
//! `super`, `shell`).

use clap::Args;

/// Options of every command that runs across repos (delegated commands,
/// `super`, `shell`).
#[derive(Debug, Clone, Default, Args)]
pub struct RunArgs {
    /// Run at most N repos at once [default: `jobs` in settings.yml, else 64,
    /// and for network commands 64 per server and 256 in all]
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = parse_jobs)]
    pub jobs: Option<usize>,
    /// Stop a repo's command after SECS seconds (killed, reported failed)
    #[arg(long, value_name = "SECS", value_parser = parse_secs)]
    pub timeout: Option<std::time::Duration>,
    /// Print one JSON object per repo and line (name, path, status, exit_code,
    /// duration_secs, attempts, stdout, stderr) instead of prefixed output
    #[arg(long)]
    pub json: bool,
    /// List the repos the names and filters pick, one per line, and run
    /// nothing
    #[arg(short = 'n', long = "dry-run")]
    pub dry_run: bool,
    #[command(flatten)]
    pub filter: super::filters::StateFilter,
    /// Connect each repo on its own, without sharing one ssh connection per
    /// host [default: `ssh_reuse` in settings.yml, else shared]
    #[arg(long = "no-ssh-reuse")]
    pub no_ssh_reuse: bool,
}

fn parse_jobs(s: &str) -> Result<usize, String> {
    use crate::settings::MAX_JOBS;
    match s.parse::<usize>() {
        Ok(n) if (1..=MAX_JOBS).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number from 1 to {MAX_JOBS}")),
    }
}

/// Longest `--timeout`: a year.
const MAX_TIMEOUT_SECS: f64 = 365.0 * 24.0 * 3600.0;

fn parse_secs(s: &str) -> Result<std::time::Duration, String> {
    s.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite() && *f > 0.0 && *f <= MAX_TIMEOUT_SECS)
        .and_then(|f| std::time::Duration::try_from_secs_f64(f).ok())
        .ok_or_else(|| {
            format!("expected a positive number of seconds, at most {MAX_TIMEOUT_SECS} (a year)")
        })
}

/// Arguments shared by `super` and `shell`: names, then the command.
#[derive(Debug, Args)]
pub struct CommandLineArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Quote mode: the command is one quoted argument after the names
    #[arg(short = 'q', long = "quote-mode")]
    pub quote_mode: bool,
    /// [REPO|GROUP]... then the command and its arguments
    #[arg(
        value_name = "REPO|GROUP|CMD",
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub words: Vec<String>,
}

impl From<&RunArgs> for crate::run::Options {
    fn from(args: &RunArgs) -> crate::run::Options {
        crate::run::Options {
            jobs: args.jobs,
            timeout: args.timeout,
            json: args.json,
            no_ssh_reuse: args.no_ssh_reuse,
            ..Default::default()
        }
    }
}
