//! The command-line interface as clap derive types: no I/O here. The app
//! that `main` parses with (these plus the delegated commands) is built in
//! `app.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

mod book;
mod check;
mod filters;
mod ll;
mod run;
mod workspace;

pub use crate::keys::ColorWhen;
pub use book::*;
pub use check::*;
pub use filters::*;
pub use ll::*;
pub use run::*;
pub use workspace::*;

const ABOUT: &str = "Manage many git repositories at once: a status table of every repo, \
and any git or shell command run across repos and groups concurrently.";

const AFTER_HELP: &str = "Examples:
  gita add -r ~/src          register every repo under ~/src
  gita ll                    status of every repo
  gita fetch                 fetch all repos concurrently
  gita super myrepo commit -am 'fix'
  gita shell mygroup ls

Config files live in $GITA_PROJECT_HOME/gita, else $XDG_CONFIG_HOME/gita, else ~/.config/gita.";

#[derive(Debug, Parser)]
#[command(
    name = "gita",
    about = ABOUT,
    after_help = AFTER_HELP,
    version,
    disable_version_flag = true,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Print version
    #[arg(short = 'v', long = "version", visible_short_alias = 'V', action = clap::ArgAction::Version)]
    pub version: Option<bool>,

    /// When to use colors
    #[arg(long = "color", id = "color_when", global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Add(AddArgs),
    Rm(RmArgs),
    Rename(RenameArgs),
    Ls(LsArgs),
    Clear(ClearArgs),
    Group(GroupArgs),
    Context(ContextArgs),
    Flags(FlagsArgs),
    Color(ColorArgs),
    Info(InfoArgs),
    Ll(LlArgs),
    Check(CheckArgs),
    Freeze(FreezeArgs),
    Clone(CloneArgs),
    Discover(DiscoverArgs),
    Import(ImportArgs),
    /// Run any git command or alias in repos
    ///
    /// The leading words that are repo or group names choose the repos (none: the
    /// context group, else every repo); the rest is the git command, run with
    /// each repo's flags right after `git`. `--` may separate the names from the
    /// command.
    /// Options, filters included, come before the names: `gita super --dirty api pull`.
    ///
    /// Every line of output is prefixed with the repo's name, for one repo as for
    /// many. A git command that an interactive command runs (`log`, `show`,
    /// `difftool`, `mergetool`, or one in cmds.yml marked interactive) runs
    /// attached to the terminal instead, one repo at a time: the repo's path
    /// first, then the output unprefixed. So does a repo whose command needed
    /// the terminal (a password, passphrase, host key or editor), re-run when
    /// stdin is a terminal.
    #[command(after_help = format!("Examples:\n  gita super myrepo1 commit -am 'fix a bug'\n  \
gita super repo1 repo2 checkout new-feature\n  gita super -q mygroup \"log --format='%h %s' -3\"\n  \
gita super --clean -- switch main\n\n{FILTERS_HELP}"))]
    Super(CommandLineArgs),
    /// Run any shell command in repos
    ///
    /// The leading words that are repo or group names choose the repos (none: the
    /// context group, else every repo); the rest is joined into one command line
    /// run by `sh -c` in each repo, concurrently. `--` may separate the names
    /// from the command.
    /// Options, filters included, come before the names: `gita shell --dirty api ls`.
    ///
    /// Every line of output is prefixed with the repo's name, for one repo as for
    /// many. A repo whose command needed the terminal (a password, passphrase,
    /// host key or editor) is re-run attached to it when stdin is a terminal:
    /// the repo's path first, then the output unprefixed.
    #[command(after_help = format!("Examples:\n  gita shell pwd\n  gita shell repo1 repo2 touch xx\n  \
gita shell -q mygroup \"git status -s | wc -l\"\n  gita shell --dirty -n true\n\n{FILTERS_HELP}"))]
    Shell(CommandLineArgs),
    Completions(CompletionsArgs),
    Man(ManArgs),
}

/// Print the shell completion script (the same as in `completions/`)
#[derive(Debug, Args)]
#[command(
    long_about = "Print the completion script for a shell; it asks gita for candidates on every \
TAB, so repo and group names and custom commands are always current.",
    after_help = "Install:
  bash  gita completions bash > ~/.local/share/bash-completion/completions/gita
  zsh   gita completions zsh > ~/.zfunc/_gita   (with fpath+=(~/.zfunc) before compinit)
  fish  gita completions fish > ~/.config/fish/completions/gita.fish"
)]
pub struct CompletionsArgs {
    /// Shell to print the script for
    #[arg(value_enum)]
    pub shell: crate::keys::Shell,
}

/// Print the man page (roff), e.g. `gita man | man -l -`
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Print the page of this subcommand instead, e.g. `gita man fetch`,
    /// `gita man group add`
    #[arg(value_name = "SUBCOMMAND", conflicts_with = "out_dir")]
    pub subcommand: Vec<String>,
    /// Write every page (gita.1, gita-add.1, gita-group-add.1, …) into DIR,
    /// created when missing, e.g. `--out-dir ~/.local/share/man/man1`
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub out_dir: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
