//! gita: manage many git repositories at once. Parses the command line,
//! resolves the context, runs one command and prints errors in one place.

use std::process::ExitCode;

use clap::FromArgMatches;

mod cli;
mod color;
mod commands;
mod complete;
mod csv;
mod ctx;
mod delegate;
mod exit;
mod forge;
mod git;
mod import;
mod keys;
mod manifest;
mod paths;
mod print;
mod registry;
mod run;
mod settings;
mod status;
mod store;
mod table;
mod trust;
mod words;

fn main() -> ExitCode {
    // SAFETY: the first thing gita does; no other thread exists yet.
    unsafe { git::drop_repo_local_env() };
    match run() {
        Ok(code) => code,
        Err(err) => {
            let exit = exit::Exit::of_error(&err);
            if exit != exit::Exit::Success {
                // Errors quote names and values from files: keep them to one safe line.
                eprintln!("gita: error: {}", print::sanitize(&format!("{err:#}")));
            }
            exit.into()
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    // A status worker of `gita ll` starts on the fast path: no custom commands,
    // config or clap app to set up.
    if std::env::args_os().nth(1).as_deref() == Some(status::pool::WORKER_COMMAND.as_ref()) {
        return status::pool::worker_main();
    }
    if let Some(code) = complete::serve_request(|| cli::app(&delegate::table_quiet())) {
        return Ok(code);
    }
    let table = delegate::table_for_cli();
    let matches = cli::app(&table).get_matches();
    if let Some((name, sub)) = matches.subcommand()
        && let Some(cmd) = table.get(name)
    {
        let args = cli::RunArgs::from_arg_matches(sub).unwrap_or_else(|e| e.exit());
        let color = matches.get_one::<cli::ColorWhen>("color_when").copied();
        let ctx = ctx::Ctx::new(color.unwrap_or(cli::ColorWhen::Auto))?;
        return commands::delegated::run(&ctx, cmd, &delegate::names(sub), &args);
    }
    let cli = match cli::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let ctx = ctx::Ctx::new(cli.color)?;
    match &cli.command {
        Some(command) => commands::run(&ctx, command),
        None => {
            let mut app = cli::app(&table);
            outln!("{}", app.render_help())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
