//! `gita clear`: unregister every repo and group (no folder is touched).

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::ClearArgs;
use crate::ctx::Ctx;
use crate::registry::Registry;

pub fn run(ctx: &Ctx, _args: &ClearArgs) -> Result<ExitCode> {
    if !ctx.file(crate::paths::REGISTRY).exists() && ctx.registry()?.repos.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    ctx.update_registry(|reg| {
        *reg = Registry::default();
        Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
