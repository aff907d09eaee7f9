//! `gita discover <source>`: print a manifest of what a forge holds (the
//! format of `gita freeze`), without cloning or registering anything.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::DiscoverArgs;
use crate::ctx::Ctx;
use crate::{forge, out};

pub fn run(ctx: &Ctx, args: &DiscoverArgs) -> Result<ExitCode> {
    let (session, listing) = forge::list(ctx, &args.forge, &args.from)?;
    let protocol = args.forge.protocol.unwrap_or_else(forge::default_protocol);
    let choice = forge::select(&listing, &args.forge, protocol);
    forge::report_selection(&session.source.text, &listing, &choice);
    let manifest = forge::manifest(&listing, &choice, protocol);
    out!("{}", manifest.to_yaml()?)?;
    Ok(ExitCode::SUCCESS)
}
