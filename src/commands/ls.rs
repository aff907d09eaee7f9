//! `gita ls`: repo names on one line, or the path of one repo.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::LsArgs;
use crate::ctx::Ctx;
use crate::outln;
use crate::print::sanitize;

pub fn run(ctx: &Ctx, args: &LsArgs) -> Result<ExitCode> {
    let reg = ctx.registry()?;
    match &args.repo {
        Some(name) => {
            reg.check_repos(std::slice::from_ref(name))?;
            if let Some(repo) = reg.repos.get(name) {
                outln!("{}", sanitize(&repo.path.to_string_lossy()))?;
            }
        }
        None => {
            let names: Vec<String> = reg.repos.keys().map(|n| sanitize(n)).collect();
            outln!("{}", names.join(" "))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
