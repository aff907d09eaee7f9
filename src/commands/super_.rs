//! `gita super [names] <git args…>`: any git command or alias across repos,
//! with the repo's flags right after `git`.

use std::process::{ExitCode, Stdio};

use anyhow::{Result, bail};

use crate::app::usage_error;
use crate::cli::CommandLineArgs;
use crate::ctx::Ctx;
use crate::delegate;
use crate::exit::Exit;
use crate::run::{self, Job, Options, Program};
use crate::select::{self, Pick};
use crate::words::{near_name, split_names, typo_message};

pub fn run(ctx: &Ctx, args: &CommandLineArgs) -> Result<ExitCode> {
    let reg = ctx.registry()?;
    let (names, rest) = split_names(&reg, &args.words, args.quote_mode, "super")?;
    let git_args = if args.quote_mode {
        crate::shellwords::split_words(&rest[0])?
    } else {
        rest
    };
    let Some(first) = git_args.first() else {
        return Err(usage_error(
            "super",
            "missing the git command after the repo/group names",
        ));
    };
    let selection = match select::pick_for_run(ctx, reg.select(&names, &ctx.cwd)?, &args.run)? {
        Pick::Run(selection) => selection,
        Pick::Done(code) => return Ok(code),
    };
    let selected = &selection.picked;
    if let Some(near) = near_name(&reg, first) {
        let dir = selected
            .first()
            .map(|(_, r)| r.path.clone())
            .unwrap_or_else(|| ctx.cwd.clone());
        if !is_git_command(first, &dir) {
            bail!(typo_message(first, &near, "git command or alias"));
        }
    }
    let interactive = is_interactive_git(ctx, &git_args);
    let jobs = selected
        .iter()
        .map(|(name, repo)| Job {
            program: Program::Git {
                flags: repo.flags.clone(),
                args: git_args.clone(),
            },
            name: name.clone(),
            path: repo.path.clone(),
        })
        .collect();
    let options = Options::from(&args.run).interactive(interactive);
    let report = run::execute(ctx, jobs, &options)?;
    Ok(selection.exit(Exit::from(report.end())))
}

/// Python gita runs `super` one repo at a time when the git command is one
/// of the interactive delegated commands (`log`, `show`, `difftool`, …).
fn is_interactive_git(ctx: &Ctx, git_args: &[String]) -> bool {
    let Some(sub) = git_args.iter().find(|a| !a.starts_with('-')) else {
        return false;
    };
    let (table, _) =
        delegate::load(&ctx.config_dir, &[]).unwrap_or_else(|_| (delegate::builtin(), Vec::new()));
    table
        .values()
        .any(|d| d.interactive && d.git_subcommand().as_deref() == Some(sub.as_str()))
}

/// Whether git knows `word` as a command or alias (aliases as seen from `dir`).
fn is_git_command(word: &str, dir: &std::path::Path) -> bool {
    let Ok(out) = crate::git::command(dir, &[])
        .args(["--list-cmds=builtins,main,others,alias"])
        .stderr(Stdio::null())
        .output()
    else {
        return true; // cannot tell: don't block
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l.trim() == word)
}
