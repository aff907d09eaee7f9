//! gita: manage many git repositories at once. Parses the command line,
//! resolves the context, runs one command and prints errors in one place.

// Parts of the registry/settings API serve the status and runner commands.
#![allow(dead_code)]

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

mod cli;
mod color;
mod commands;
mod import;
mod paths;
mod print;
mod registry;
mod settings;
mod status;
mod store;
mod table;

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(err) if print::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("gita: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let matches = cli::Cli::command().get_matches();
    let cli = match cli::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let ctx = settings::Ctx::new(cli.color)?;
    match &cli.command {
        Some(command) => commands::run(&ctx, command),
        None => {
            let mut app = cli::Cli::command();
            outln!("{}", app.render_help())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
