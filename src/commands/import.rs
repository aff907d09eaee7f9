//! `gita import`: merge Python gita's files into the registry again.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::ImportArgs;
use crate::ctx::Ctx;
use crate::outln;
use crate::print::sanitize;

pub fn run(ctx: &Ctx, args: &ImportArgs) -> Result<ExitCode> {
    let said = ctx.import_again(args.dry_run)?;
    if said.is_empty() {
        outln!("Nothing to merge: gita has everything Python gita's files hold.")?;
    }
    let lead = if args.dry_run { "would have " } else { "" };
    for line in said {
        outln!("{lead}{}", sanitize(&line))?;
    }
    Ok(ExitCode::SUCCESS)
}
