//! One file per subcommand, each with `run(&Ctx, &Args) -> Result<ExitCode>`.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::Command;
use crate::ctx::Ctx;

mod add;
mod check;
mod clear;
mod clone;
mod color;
mod completions;
mod context;
pub mod delegated;
mod discover;
mod flags;
mod freeze;
mod group;
mod import;
mod info;
mod ll;
mod ls;
mod man;
mod rename;
mod rm;
mod shell;
mod super_;

pub fn run(ctx: &Ctx, command: &Command) -> Result<ExitCode> {
    match command {
        Command::Add(args) => add::run(ctx, args),
        Command::Rm(args) => rm::run(ctx, args),
        Command::Rename(args) => rename::run(ctx, args),
        Command::Ls(args) => ls::run(ctx, args),
        Command::Clear(args) => clear::run(ctx, args),
        Command::Group(args) => group::run(ctx, args),
        Command::Context(args) => context::run(ctx, args),
        Command::Flags(args) => flags::run(ctx, args),
        Command::Color(args) => color::run(ctx, args),
        Command::Info(args) => info::run(ctx, args),
        Command::Ll(args) => ll::run(ctx, args),
        Command::Check(args) => check::run(ctx, args),
        Command::Freeze(args) => freeze::run(ctx, args),
        Command::Clone(args) => clone::run(ctx, args),
        Command::Discover(args) => discover::run(ctx, args),
        Command::Import(args) => import::run(ctx, args),
        Command::Super(args) => super_::run(ctx, args),
        Command::Shell(args) => shell::run(ctx, args),
        Command::Completions(args) => completions::run(ctx, args),
        Command::Man(args) => man::run(ctx, args),
    }
}
