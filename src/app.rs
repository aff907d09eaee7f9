//! The clap app `main` parses with: the derived commands of `cli` plus the
//! delegated and user-defined commands of `delegate`, appended at runtime.
//! Completion and the man page are built from the same app, so they never
//! drift from `--help`.

use std::collections::BTreeMap;

use crate::cli::{Cli, RunArgs};
use crate::delegate::{self, Delegated};

/// The whole app for the delegated commands of `table`.
pub fn app(table: &BTreeMap<String, Delegated>) -> clap::Command {
    delegate::augment::<RunArgs>(<Cli as clap::CommandFactory>::command(), table)
}

/// A usage error (exit status 2, clap's format) for a combination of
/// arguments the parser cannot express. It travels up to `main` as a value.
pub fn usage_error(subcommand: &str, msg: &str) -> anyhow::Error {
    let mut app = <Cli as clap::CommandFactory>::command();
    let sub = app.find_subcommand_mut(subcommand).cloned();
    let mut cmd = sub.unwrap_or(app).bin_name(format!("gita {subcommand}"));
    cmd.error(clap::error::ErrorKind::ArgumentConflict, msg)
        .into()
}
