//! The command-line interface as clap derive types: no I/O here. Delegated
//! and user-defined commands are appended to the derived app at runtime.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Color when the stream is a terminal and NO_COLOR is unset
    Auto,
    Always,
    Never,
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
    /// Run any git command or alias in repos
    ///
    /// The leading words that are repo or group names choose the repos (none: the
    /// context group, else every repo); the rest is the git command, run with
    /// each repo's flags right after `git`. `--` may separate the names from the
    /// command.
    #[command(
        after_help = "Examples:\n  gita super myrepo1 commit -am 'fix a bug'\n  \
gita super repo1 repo2 checkout new-feature\n  gita super -q mygroup \"log --format='%h %s' -3\""
    )]
    Super(CommandLineArgs),
    /// Run any shell command in repos
    ///
    /// The leading words that are repo or group names choose the repos (none: the
    /// context group, else every repo); the rest is joined into one command line
    /// run by `sh -c` in each repo, concurrently. `--` may separate the names
    /// from the command.
    #[command(
        after_help = "Examples:\n  gita shell pwd\n  gita shell repo1 repo2 touch xx\n  \
gita shell -q mygroup \"git status -s | wc -l\""
    )]
    Shell(CommandLineArgs),
    Completions(CompletionsArgs),
    Man(ManArgs),
}

/// The whole app: the derived commands plus the delegated ones of `table`
/// appended at runtime. `main` parses with it; completion and the man page
/// are built from it, so they never drift from `--help`.
pub fn app(
    table: &std::collections::BTreeMap<String, crate::delegate::Delegated>,
) -> clap::Command {
    crate::delegate::augment::<RunArgs>(<Cli as clap::CommandFactory>::command(), table)
}

/// Add repo(s)
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("mode").multiple(false))]
pub struct AddArgs {
    /// Repo folder(s) to add (with -r/-a: folders to search)
    #[arg(required = true, value_hint = clap::ValueHint::DirPath)]
    pub paths: Vec<PathBuf>,
    /// Show what would be added without changing anything
    #[arg(short = 'n', long)]
    pub dry_run: bool,
    /// Add the repo(s) to this group, creating it when missing
    #[arg(short, long, value_name = "GROUP")]
    pub group: Option<String>,
    /// Path of the group given with -g (for `context auto`)
    #[arg(long = "group-path", value_name = "PATH", requires = "group", value_hint = clap::ValueHint::DirPath)]
    pub group_path: Option<PathBuf>,
    /// Skip submodule repos
    #[arg(short, long)]
    pub skip_submodule: bool,
    /// Add every repo found under the given folder(s)
    #[arg(short, long, group = "mode")]
    pub recursive: bool,
    /// Like -r, and create hierarchical groups named after the folders
    #[arg(short, long, group = "mode")]
    pub auto_group: bool,
    /// Add bare repo(s)
    #[arg(short, long, group = "mode")]
    pub bare: bool,
}

/// Remove repo(s) from gita (their folders are not touched)
#[derive(Debug, Args)]
pub struct RmArgs {
    /// Repo(s) to remove
    #[arg(required = true, value_name = "REPO")]
    pub repos: Vec<String>,
}

/// Rename a repo (groups follow the new name)
#[derive(Debug, Args)]
pub struct RenameArgs {
    /// Repo to rename
    pub repo: String,
    /// New name
    pub new_name: String,
}

/// Show repo names, or the path of one repo
#[derive(Debug, Args)]
pub struct LsArgs {
    /// Show the path of this repo
    pub repo: Option<String>,
}

/// Remove all repos and groups from gita (no folder is touched)
#[derive(Debug, Args)]
pub struct ClearArgs {}

/// List, add or remove repo groups
#[derive(Debug, Args)]
pub struct GroupArgs {
    #[command(subcommand)]
    pub command: Option<GroupCommand>,
}

#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// List all groups with their repos, or the repos of one group
    Ll {
        /// Group to show
        group: Option<String>,
    },
    /// List group names
    Ls,
    /// Add repo(s) to a group, creating it when missing
    Add {
        /// Repo(s) to add
        #[arg(required = true, value_name = "REPO")]
        repos: Vec<String>,
        /// Group name
        #[arg(short = 'n', long = "name", value_name = "GROUP")]
        name: String,
        /// Group path (for `context auto`)
        #[arg(short = 'p', long = "path", value_name = "PATH", value_hint = clap::ValueHint::DirPath)]
        path: Option<PathBuf>,
    },
    /// Remove repo(s) from a group
    Rmrepo {
        /// Repo(s) to remove from the group
        #[arg(required = true, value_name = "REPO")]
        repos: Vec<String>,
        /// Group name
        #[arg(short = 'n', long = "name", value_name = "GROUP")]
        name: String,
    },
    /// Rename a group (the context follows)
    Rename {
        /// Existing group
        group: String,
        /// New name
        new_name: String,
    },
    /// Delete group(s); their repos stay registered
    Rm {
        /// Group(s) to delete
        #[arg(required = true, value_name = "GROUP")]
        groups: Vec<String>,
    },
}

/// Show or set the context: a group that every command then applies to
#[derive(Debug, Args)]
#[command(
    long_about = "Show or set the context. With a group as context, commands given no repo \
names act on that group only. `auto` picks the group whose path contains the current \
folder (nearest first); `none` removes the context."
)]
pub struct ContextArgs {
    /// A group name, `auto` or `none`; omit to show the current context
    #[arg(value_name = "GROUP|auto|none")]
    pub choice: Option<String>,
}

/// Show or set extra git flags per repo (inserted right after `git`)
#[derive(Debug, Args)]
pub struct FlagsArgs {
    #[command(subcommand)]
    pub command: Option<FlagsCommand>,
}

#[derive(Debug, Subcommand)]
pub enum FlagsCommand {
    /// Show repos that have flags
    Ll,
    /// Set a repo's flags (none given = clear them)
    Set {
        /// Repo name
        repo: String,
        /// Flags, e.g. --git-dir=/path/to/repo.git --work-tree=/path/to/tree
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        flags: Vec<String>,
    },
}

/// Show or change the branch colors of `gita ll`
#[derive(Debug, Args)]
pub struct ColorArgs {
    #[command(subcommand)]
    pub command: Option<ColorCommand>,
}

#[derive(Debug, Subcommand)]
pub enum ColorCommand {
    /// Show the available colors and the current branch coloring
    Ll,
    /// Set the color of a local/remote situation
    Set {
        /// Situation
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(crate::settings::SITUATIONS))]
        situation: String,
        /// Color
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(crate::color::NAMES))]
        color: String,
    },
    /// Go back to the default colors
    Reset,
}

/// Show or change the information items of `gita ll`
#[derive(Debug, Args)]
pub struct InfoArgs {
    #[command(subcommand)]
    pub command: Option<InfoCommand>,
}

#[derive(Debug, Subcommand)]
pub enum InfoCommand {
    /// Show the items in use and unused
    Ll,
    /// Show an item in `gita ll`
    Add {
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(crate::settings::ALL_INFO_ITEMS))]
        item: String,
    },
    /// Stop showing an item in `gita ll`
    Rm {
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(crate::settings::ALL_INFO_ITEMS))]
        item: String,
    },
    /// Set column widths: no arguments writes the default widths; or pairs
    /// ITEM WIDTH (0 = no limit), e.g. `set-length branch 30 path 0`
    SetLength {
        #[arg(value_name = "ITEM WIDTH")]
        pairs: Vec<String>,
    },
}

const LL_LEGEND: &str = "\
Row: NAME  BRANCH [SYMBOLS]  COMMIT SUBJECT  (COMMIT AGE)

Symbols (change them in settings.yml under `symbols`):
  *    unstaged changes to tracked files (or a merge conflict)
  +    staged changes (or a merge conflict)
  $    stash entries
  ?    untracked files
  ↑N   local ahead: N commits not on the upstream
  ↓N   remote ahead: N upstream commits not merged
  ⇕A/B diverged: A local and B upstream commits
  ∅    no upstream (none configured, its branch is gone, or detached HEAD)
  (none of ↑↓⇕∅: in sync with the upstream)

Branch colors by situation (change them with `gita color set`):
  in sync green, local ahead purple, remote ahead yellow, diverged red, no upstream white

A detached HEAD shows the tag at HEAD (as `git describe --tags --exact-match`), else the short
hash. A repo that cannot be read shows an error row; the others still print and the exit status
is 1. Filters combine with AND.

JSON (--json): an array with one object per repo and these keys, always present (null when
unknown): name, path, groups, error, branch, branch_name, detached, tag, head, unborn, upstream,
upstream_gone, ahead, behind, situation, dirty, staged, untracked, stashed, stash_count,
commit_subject, commit_time, commit_age, engine.";

/// Show the status of repos: branch, symbols, commit subject and age
#[derive(Debug, Args)]
#[command(after_help = LL_LEGEND)]
pub struct LlArgs {
    /// Repos and/or groups to show (default: the context group, else all repos)
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Show the repos group by group
    #[arg(short = 'g')]
    pub by_group: bool,
    /// Compare each branch with REMOTE/<branch> instead of its upstream
    #[arg(short = 'r', long = "remote", value_name = "REMOTE")]
    pub remote: Option<String>,
    /// Print JSON instead of the table
    #[arg(long, conflicts_with = "by_group")]
    pub json: bool,
    /// No colors (same as --color never)
    #[arg(short = 'C', long = "no-colors")]
    pub no_colors: bool,
    /// Only repos with unstaged changes
    #[arg(long, help_heading = "Filters")]
    pub dirty: bool,
    /// Only repos with staged changes
    #[arg(long, help_heading = "Filters")]
    pub staged: bool,
    /// Only repos with untracked files
    #[arg(long, help_heading = "Filters")]
    pub untracked: bool,
    /// Only repos with stash entries
    #[arg(long, help_heading = "Filters")]
    pub stashed: bool,
    /// Only repos with local commits not on the upstream (includes diverged)
    #[arg(long, help_heading = "Filters")]
    pub ahead: bool,
    /// Only repos behind their upstream (includes diverged)
    #[arg(long, help_heading = "Filters")]
    pub behind: bool,
    /// Only repos that diverged from their upstream
    #[arg(long, help_heading = "Filters")]
    pub diverged: bool,
    /// Only repos without a usable upstream
    #[arg(long = "no-upstream", help_heading = "Filters")]
    pub no_upstream: bool,
}

const CHECK_HELP: &str = "\
Is anything at risk? For each repo, every way work could be lost if its folder vanished:
  conflicts, staged changes, unstaged changes, untracked files (not ignored ones)
  N stash entries
  BRANCH: N commits on no remote    for every local branch, not only the current one
  BRANCH: no upstream               none configured
  BRANCH: upstream R is gone        configured, but its remote-tracking ref is missing
  detached HEAD X: N commits on no branch or remote
  merge, rebase, cherry-pick, revert, bisect or am in progress
  worktree PATH: ...                another worktree of the repo with any of the above
  submodule PATH: ...               a checked-out submodule (nested ones too) with
                                    uncommitted changes, stash entries, an operation in
                                    progress, or a checked-out commit on no remote
  tags on no remote: ...            with --tags only
One line per repo at risk, nothing for safe repos, then a count. A repo that cannot be read is
shown as an error and counts as at risk.

Offline: \"on no remote\" means not reachable from any remote-tracking ref (refs/remotes/*) as last
fetched; --fetch runs `gita fetch` on the same repos first. Nothing is written into a repo.

The walk: from each branch tip gita walks back and stops at commits a remote-tracking ref reaches,
so it reads the unpushed commits, not the history; the remote side is marked lazily, only as deep
as the oldest unpushed commit, once per repo. Generation numbers from the commit-graph file
(`git commit-graph write`) make it exact; without one, commits are ordered by date, allowing an
hour of clock skew (a commit dated more than that before its parent can cause a false alarm, never
a miss). Bounds: counting stops at 100000 commits (\"at least 100000\"); marking remote history
stops at 1000000 commits per repo, and a branch it cannot decide is reported \"not checked\".

--tags: tags are often local markers and remotes rarely hold every tag, so this is off by default.
Remote tags are not kept per remote-tracking ref, so offline a tag counts as \"on a remote\" when
its commit is reachable from a remote-tracking ref (whether the remote has the tag itself is not
known offline).

JSON (--json): an array with one object per selected repo (safe ones too) and these keys, always
present: name, path, groups, at_risk (bool), error (why the repo could not be read, else null),
engine (gix or git, null on error), reasons (a list; [] when safe). Each reason is an object
with a \"kind\" and its data:
  {\"kind\": \"conflicts\"}  {\"kind\": \"staged\"}  {\"kind\": \"unstaged\"}  {\"kind\": \"untracked\"}
  {\"kind\": \"stash\", \"count\": N}
  {\"kind\": \"unpushed_commits\", \"branch\": B, \"count\": N, \"at_least\": bool}
  {\"kind\": \"no_upstream\", \"branch\": B}
  {\"kind\": \"upstream_gone\", \"branch\": B, \"upstream\": \"origin/B\"}
  {\"kind\": \"detached_head\", \"head\": ID, \"count\": N, \"at_least\": bool}
  {\"kind\": \"head_on_no_remote\", \"head\": ID, \"count\": N, \"at_least\": bool}  (submodules)
  {\"kind\": \"operation\", \"operation\": \"merge|rebase|cherry-pick|revert|bisect|am\"}
  {\"kind\": \"tag_on_no_remote\", \"tag\": T}
  {\"kind\": \"worktree\", \"path\": P, \"error\": null|E, \"reasons\": [...]}
  {\"kind\": \"submodule\", \"path\": P, \"error\": null|E, \"reasons\": [...]}
A count of null means \"not checked\" (the walk bound); submodule paths are relative to the repo,
nested submodules follow their parent as their own entries. Staged and unstaged are also set by
a conflict, as in `ll`.

Exit status: 0 when nothing is at risk, 1 when something is (or a repo cannot be read), 2 for
usage errors (unknown names included).";

/// Show work that exists only here: changes, stashes, unpushed commits
#[derive(Debug, Args)]
#[command(after_help = CHECK_HELP)]
pub struct CheckArgs {
    /// Repos and/or groups to check (default: the context group, else all repos)
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Run `gita fetch` on the repos first
    #[arg(long)]
    pub fetch: bool,
    /// Also report local tags whose commit no remote-tracking ref reaches
    #[arg(long)]
    pub tags: bool,
    /// Print JSON instead of lines (shape below)
    #[arg(long)]
    pub json: bool,
    /// Print nothing; only the exit status tells
    #[arg(short, long, conflicts_with = "json")]
    pub quiet: bool,
    /// No colors (same as --color never)
    #[arg(short = 'C', long = "no-colors")]
    pub no_colors: bool,
}

/// Print a manifest of the repos and groups, to recreate them with `gita clone -f`
#[derive(Debug, Args)]
pub struct FreezeArgs {
    /// Only the repos of this group (default: the context group, else all)
    #[arg(short, long, value_name = "GROUP")]
    pub group: Option<String>,
    /// Manifest format: gita's YAML, or Python gita's CSV
    #[arg(long, value_enum, default_value_t = ManifestFormat::Yaml)]
    pub format: ManifestFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ManifestFormat {
    Yaml,
    Csv,
}

/// Clone a repo and register it, or every repo of a manifest (-f)
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  gita clone https://example.com/me/api.git -g backend
  gita freeze > workspace.yml; gita clone -f workspace.yml -C ~/src")]
pub struct CloneArgs {
    /// A repository URL, or with -f a manifest file from `gita freeze`
    #[arg(value_name = "URL|MANIFEST", value_hint = clap::ValueHint::AnyPath)]
    pub clonee: String,
    /// Clone into this folder instead of the current one
    #[arg(short = 'C', long = "directory", value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub directory: Option<PathBuf>,
    /// Add the cloned repo to this group, creating it when missing
    #[arg(short, long, value_name = "GROUP", conflicts_with = "from_file")]
    pub group: Option<String>,
    /// Clone every repo listed in a manifest (gita YAML or Python gita CSV)
    #[arg(short = 'f', long = "from-file")]
    pub from_file: bool,
    /// With -f: clone each repo to the path recorded in the manifest
    #[arg(short = 'p', long = "preserve-path", requires = "from_file")]
    pub preserve_path: bool,
    /// With -f: also register the git flags the manifest lists per repo
    /// (shown by -n; refused if one could run a program or read other config)
    #[arg(long = "with-flags", requires = "from_file")]
    pub with_flags: bool,
    /// Show what would happen without changing anything
    #[arg(short = 'n', long)]
    pub dry_run: bool,
    /// With -f: how many clones run at once
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
}

/// Options of every command that runs across repos (delegated commands,
/// `super`, `shell`).
#[derive(Debug, Clone, Default, Args)]
pub struct RunArgs {
    /// Run at most N repos at once [default: `jobs` in settings.yml, else 64]
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = parse_jobs)]
    pub jobs: Option<usize>,
    /// Stop a repo's command after SECS seconds (killed, reported failed)
    #[arg(long, value_name = "SECS", value_parser = parse_secs)]
    pub timeout: Option<std::time::Duration>,
    /// Print one JSON object per repo and line (name, path, status, exit_code,
    /// duration_secs, attempts, stdout, stderr) instead of prefixed output
    #[arg(long)]
    pub json: bool,
}

fn parse_jobs(s: &str) -> Result<usize, String> {
    use crate::settings::MAX_JOBS;
    match s.parse::<usize>() {
        Ok(n) if (1..=MAX_JOBS).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number from 1 to {MAX_JOBS}")),
    }
}

/// Longest `--timeout`: a year.
const MAX_TIMEOUT_SECS: f64 = 365.0 * 24.0 * 3600.0;

fn parse_secs(s: &str) -> Result<std::time::Duration, String> {
    s.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite() && *f > 0.0 && *f <= MAX_TIMEOUT_SECS)
        .and_then(|f| std::time::Duration::try_from_secs_f64(f).ok())
        .ok_or_else(|| {
            format!("expected a positive number of seconds, at most {MAX_TIMEOUT_SECS} (a year)")
        })
}

/// Arguments shared by `super` and `shell`: names, then the command.
#[derive(Debug, Args)]
pub struct CommandLineArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Quote mode: the command is one quoted argument after the names
    #[arg(short = 'q', long = "quote-mode")]
    pub quote_mode: bool,
    /// [REPO|GROUP]... then the command and its arguments
    #[arg(
        value_name = "REPO|GROUP|CMD",
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub words: Vec<String>,
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
    pub shell: crate::complete::Shell,
}

/// Print the man page (roff), e.g. `gita man | man -l -`
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Print the page of this subcommand instead, e.g. `gita man fetch`,
    /// `gita man group add`
    #[arg(value_name = "SUBCOMMAND")]
    pub subcommand: Vec<String>,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
