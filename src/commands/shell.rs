//! `gita shell [names] <command…>`: any shell command line across repos,
//! concurrently (Python gita runs it serially), run by `sh -c`.

use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::cli::CommandLineArgs;
use crate::ctx::Ctx;
use crate::exit::Exit;
use crate::run::{self, Job, Options, Program};
use crate::select::{self, Pick};
use crate::words::{near_name, split_names, typo_message};

/// Words `sh` understands without looking at PATH.
const SHELL_WORDS: &[&str] = &[
    ".", ":", "[", "alias", "bg", "break", "case", "cd", "command", "continue", "echo", "eval",
    "exec", "exit", "export", "false", "fg", "for", "getopts", "hash", "if", "jobs", "kill",
    "printf", "pwd", "read", "readonly", "return", "set", "shift", "test", "times", "trap", "true",
    "type", "ulimit", "umask", "unalias", "unset", "until", "wait", "while", "{", "(", "!",
];

pub fn run(ctx: &Ctx, args: &CommandLineArgs) -> Result<ExitCode> {
    let reg = ctx.registry()?;
    let (names, rest) = split_names(&reg, &args.words, args.quote_mode, "shell")?;
    let line = rest.join(" ");
    let first = line
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    if let Some(near) = near_name(&reg, &first)
        && !SHELL_WORDS.contains(&first.as_str())
        && !crate::env::on_path(&first)
    {
        bail!(typo_message(&first, &near, "command on PATH"));
    }
    let selection = match select::pick_for_run(ctx, reg.select(&names, &ctx.cwd)?, &args.run)? {
        Pick::Run(selection) => selection,
        Pick::Done(code) => return Ok(code),
    };
    let jobs = selection
        .picked
        .iter()
        .map(|(name, repo)| Job {
            program: Program::Shell(line.clone()),
            name: name.clone(),
            path: repo.path.clone(),
        })
        .collect();
    let report = run::execute(ctx, jobs, &Options::from(&args.run))?;
    Ok(selection.exit(Exit::from(report.end())))
}
