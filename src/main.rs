//! gita: manage many git repositories at once. Parses the command line,
//! resolves the context, runs one command and prints errors in one place.

use std::process::ExitCode;

use clap::FromArgMatches;

mod app;
mod backoff;
mod check;
mod cli;
mod color;
mod commands;
mod complete;
mod csv;
mod ctx;
mod delegate;
mod drift;
mod env;
mod exit;
mod forge;
mod git;
mod import;
mod keys;
mod lean;
mod manifest;
mod messages;
mod names;
mod parallel;
mod paths;
mod print;
mod registry;
mod run;
mod select;
mod settings;
mod shellwords;
mod status;
mod store;
mod table;
mod tip;
mod trust;
mod words;
mod workers;
mod workspace;

fn main() -> ExitCode {
    // SAFETY: the first thing gita does; no other thread exists yet.
    unsafe { git::drop_repo_local_env() };
    match run() {
        Ok(code) => code,
        Err(err) => {
            let exit = exit::Exit::of_error(&err);
            match err.downcast_ref::<clap::Error>() {
                // A usage error found after parsing: clap's format.
                Some(usage) => {
                    let _ = usage.print();
                }
                // Errors quote names and values from files: one sanitized line.
                None if exit != exit::Exit::Success => error_line!("{err:#}"),
                None => {}
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
    if std::env::args_os().nth(1).as_deref() == Some(check::pool::WORKER_COMMAND.as_ref()) {
        return check::pool::worker_main();
    }
    if let Some(code) = complete::serve_request(|| app::app(&delegate::table_quiet())) {
        return Ok(code);
    }
    let table = delegate::table_for_cli();
    let matches = app::app(&table)
        .try_get_matches()
        .unwrap_or_else(|err| usage_error(err, &table));
    if let Some((name, sub)) = matches.subcommand()
        && let Some(cmd) = table.get(name)
    {
        let args = cli::RunArgs::from_arg_matches(sub).unwrap_or_else(|e| e.exit());
        let color = matches.get_one::<cli::ColorWhen>("color_when").copied();
        let ctx = ctx::Ctx::new(color.unwrap_or(cli::ColorWhen::Auto))?;
        let (names, extra) = (delegate::names(sub), delegate::extra(sub));
        return commands::delegated::run(&ctx, cmd, &names, &extra, &args);
    }
    let cli = match cli::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let ctx = ctx::Ctx::new(cli.color)?;
    match &cli.command {
        Some(command) => commands::run(&ctx, command),
        None => {
            let mut app = app::app(&table);
            outln!("{}", app.render_help())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Exits with clap's error for the command line (or its help or version),
/// whose tip for a delegated command's unknown option names a line that
/// works (see `tip.rs`).
fn usage_error(
    err: clap::Error,
    table: &std::collections::BTreeMap<String, delegate::Delegated>,
) -> ! {
    let argv: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let registry = std::cell::OnceCell::new();
    let is_name = |word: &str| {
        registry
            .get_or_init(|| {
                ctx::Ctx::new(cli::ColorWhen::Auto)
                    .and_then(|ctx| ctx.registry())
                    .unwrap_or_default()
            })
            .is_name(word)
    };
    tip::fix(err, app::app(table), &argv, table, is_name).exit()
}
