//! `gita rename`: rename a repo; groups follow.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::RenameArgs;
use crate::ctx::Ctx;

pub fn run(ctx: &Ctx, args: &RenameArgs) -> Result<ExitCode> {
    ctx.update_registry(|reg| reg.rename_repo(&args.repo, &args.new_name))?;
    Ok(ExitCode::SUCCESS)
}
