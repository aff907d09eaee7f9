//! `gita rm`: unregister repos (their folders are not touched).

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::RmArgs;
use crate::ctx::Ctx;

pub fn run(ctx: &Ctx, args: &RmArgs) -> Result<ExitCode> {
    ctx.update_registry(|reg| {
        reg.check_repos(&args.repos)?;
        reg.remove_repos(&args.repos);
        Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
