//! `gita completions <shell>`: prints the completion script shipped in
//! `completions/`, byte for byte.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::CompletionsArgs;
use crate::ctx::Ctx;
use crate::out;

pub fn run(_ctx: &Ctx, args: &CompletionsArgs) -> Result<ExitCode> {
    out!("{}", args.shell.script())?;
    Ok(ExitCode::SUCCESS)
}
