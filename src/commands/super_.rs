//! `gita super [names] <git args…>`: any git command or alias across repos,
//! with the repo's flags right after `git`. Also the word parsing shared with
//! `gita shell`: leading repo/group names, quote mode and the typo guard.

use std::process::{ExitCode, Stdio};

use anyhow::{Result, bail};

use crate::cli::CommandLineArgs;
use crate::commands::delegated;
use crate::ctx::Ctx;
use crate::delegate;
use crate::registry::Registry;
use crate::runner::{Job, Program};

pub fn run(ctx: &Ctx, args: &CommandLineArgs) -> Result<ExitCode> {
    let reg = ctx.registry()?;
    let (names, rest) = split_names(&reg, &args.words, args.quote_mode, "super");
    let git_args = if args.quote_mode {
        delegate::split_words(&rest[0])?
    } else {
        rest
    };
    let Some(first) = git_args.first() else {
        usage_error(
            "super",
            "missing the git command after the repo/group names",
        );
    };
    let selected = reg.select(&names, &ctx.cwd)?;
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
        .into_iter()
        .map(|(name, repo)| Job {
            program: Program::Git {
                flags: repo.flags,
                args: git_args.clone(),
            },
            name,
            path: repo.path,
        })
        .collect();
    delegated::execute(ctx, jobs, interactive, &args.run)
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

/// Leading words that name repos or groups, and the rest (the command). In
/// quote mode the command must be exactly one word. Problems are usage
/// errors of subcommand `sub` (exit 2).
pub(super) fn split_names(
    reg: &Registry,
    words: &[String],
    quote_mode: bool,
    sub: &str,
) -> (Vec<String>, Vec<String>) {
    let n = words.iter().take_while(|w| reg.is_name(w)).count();
    let (names, mut rest) = words.split_at(n);
    if rest.first().is_some_and(|w| w == "--") {
        rest = &rest[1..];
    }
    if rest.is_empty() {
        usage_error(sub, "missing the command after the repo/group names");
    }
    if quote_mode && rest.len() != 1 {
        usage_error(
            sub,
            &format!(
                "'{}' is not a repo or group; in quote mode (-q) give the command as one quoted argument after the names",
                rest[0]
            ),
        );
    }
    (names.to_vec(), rest.to_vec())
}

/// Prints a usage error for `gita <sub>` the way clap does and exits 2.
fn usage_error(sub: &str, msg: &str) -> ! {
    let mut app = <crate::cli::Cli as clap::CommandFactory>::command();
    app.build();
    let err = match app.find_subcommand_mut(sub) {
        Some(cmd) => cmd.error(clap::error::ErrorKind::InvalidValue, msg),
        None => app.error(clap::error::ErrorKind::InvalidValue, msg),
    };
    err.exit()
}

/// The repo/group name `word` is probably a typo of, if any (a
/// mistyped name must not turn into a command run in every repo).
pub(super) fn near_name(reg: &Registry, word: &str) -> Option<String> {
    if word.starts_with('-') || word.contains('/') || word.contains('=') {
        return None;
    }
    let candidates: Vec<&str> = reg.all_names().collect();
    crate::names::is_near_miss(word, &candidates)
}

pub(super) fn typo_message(word: &str, near: &str, what: &str) -> String {
    format!(
        "'{word}' is not a repo or group (did you mean '{near}'?) and not a {what}; nothing was run"
    )
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
