//! Delegated commands (`gita fetch`, `gita st`, custom `cmds.yml` entries):
//! the command's program in each selected repo, run by the run layer.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::RunArgs;
use crate::ctx::Ctx;
use crate::delegate::Delegated;
use crate::exit::Exit;
use crate::run::{self, Job, Options};
use crate::select::{self, Pick};

/// `gita <delegated> [names] [-- extra…]`.
pub fn run(
    ctx: &Ctx,
    cmd: &Delegated,
    names: &[String],
    extra: &[String],
    args: &RunArgs,
) -> Result<ExitCode> {
    let reg = ctx.registry()?;
    let selection = match select::pick_for_run(ctx, reg.select(names, &ctx.cwd)?, args)? {
        Pick::Run(selection) => selection,
        Pick::Done(code) => return Ok(code),
    };
    let jobs = selection
        .picked
        .iter()
        .cloned()
        .map(|(name, repo)| {
            Ok(Job {
                program: cmd.program(&repo.flags, extra)?,
                name,
                path: repo.path,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let options = Options {
        network: cmd.network,
        ..Options::from(args).interactive(cmd.interactive)
    };
    let report = run::execute(ctx, jobs, &options)?;
    Ok(selection.exit(Exit::from(report.end())))
}
