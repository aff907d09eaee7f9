//! `gita flags`: per-repo git flags, inserted right after `git` on every
//! git invocation for that repo.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{FlagsArgs, FlagsCommand};
use crate::ctx::Ctx;
use crate::outln;
use crate::print::sanitize;

pub fn run(ctx: &Ctx, args: &FlagsArgs) -> Result<ExitCode> {
    match args.command.as_ref().unwrap_or(&FlagsCommand::Ll) {
        FlagsCommand::Ll => {
            let reg = ctx.registry()?;
            for (name, repo) in reg.repos.iter().filter(|(_, r)| !r.flags.is_empty()) {
                outln!("{}: {}", sanitize(name), sanitize(&repo.flags.join(" ")))?;
            }
        }
        FlagsCommand::Set { repo, flags } => {
            ctx.update_registry(|reg| {
                reg.check_repos(std::slice::from_ref(repo))?;
                if let Some(r) = reg.repos.get_mut(repo) {
                    r.flags = flags.clone();
                }
                Ok(())
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
