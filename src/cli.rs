//! The command-line interface as clap derive types: no I/O here. Delegated
//! and user-defined commands are appended to the derived app at runtime.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::keys::{ColorName, InfoItem, Situation};
use crate::manifest::Format;

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
    Freeze(FreezeArgs),
    Clone(CloneArgs),
    Discover(DiscoverArgs),
    /// Run any git command or alias in repos
    ///
    /// The leading words that are repo or group names choose the repos (none: the
    /// context group, else every repo); the rest is the git command, run with
    /// each repo's flags right after `git`. `--` may separate the names from the
    /// command.
    ///
    /// Every line of output is prefixed with the repo's name, for one repo as for
    /// many. A git command that an interactive command runs (`log`, `show`,
    /// `difftool`, `mergetool`, or one in cmds.yml marked interactive) runs
    /// attached to the terminal instead, one repo at a time: the repo's path
    /// first, then the output unprefixed. So does a repo whose command needed
    /// the terminal (a password, passphrase, host key or editor), re-run when
    /// stdin is a terminal.
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
    ///
    /// Every line of output is prefixed with the repo's name, for one repo as for
    /// many. A repo whose command needed the terminal (a password, passphrase,
    /// host key or editor) is re-run attached to it when stdin is a terminal:
    /// the repo's path first, then the output unprefixed.
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
        #[arg(value_enum)]
        situation: Situation,
        /// Color
        #[arg(value_enum)]
        color: ColorName,
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
        #[arg(value_enum)]
        item: InfoItem,
    },
    /// Stop showing an item in `gita ll`
    Rm {
        #[arg(value_enum)]
        item: InfoItem,
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

/// Print a manifest of the repos and groups, to recreate them with `gita clone -f`
#[derive(Debug, Args)]
pub struct FreezeArgs {
    /// Only the repos of this group (default: the context group, else all)
    #[arg(short, long, value_name = "GROUP")]
    pub group: Option<String>,
    /// Manifest format: gita's YAML, or Python gita's CSV
    #[arg(long, value_enum, default_value_t = Format::Yaml)]
    pub format: Format,
}

/// Clone and register a repo, a manifest's repos (-f) or a forge's (--from)
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  gita clone https://example.com/me/api.git -g backend
  gita freeze > workspace.yml; gita clone -f workspace.yml -C ~/src
  gita clone --from github:rust-lang -C ~/src/rust-lang -g rust-lang
  gita clone --from gitlab:gnome/world --include 'gnome/world/*' -C ~/src

--from takes the sources and filters of `gita discover` (see `gita help discover`): it clones what
is missing, registers it, and reports (without deleting or unregistering anything) registered
repos that were archived, renamed or removed upstream.")]
pub struct CloneArgs {
    /// A repository URL, or with -f a manifest file from `gita freeze`
    #[arg(
        value_name = "URL|MANIFEST",
        value_hint = clap::ValueHint::AnyPath,
        required_unless_present = "from"
    )]
    pub clonee: Option<String>,
    /// Clone what a forge holds: github:OWNER, gitlab:GROUP, gitea:HOST/OWNER,
    /// forgejo:HOST/OWNER (see `gita help discover`)
    #[arg(long = "from", value_name = "SOURCE", conflicts_with = "from_file")]
    pub from: Option<String>,
    /// Clone into this folder instead of the current one
    #[arg(short = 'C', long = "directory", value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub directory: Option<PathBuf>,
    /// Add the cloned repo(s) to this group, creating it when missing
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
    /// With -f or --from: how many clones run at once
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
    #[command(flatten)]
    pub forge: ForgeArgs,
}

const DISCOVER_HELP: &str = "\
Sources:
  github:OWNER        a GitHub organisation or user (API https://api.github.com)
  gitlab:GROUP        a GitLab group with its subgroups, or a user (API https://gitlab.com/api/v4);
                      GROUP may be a subgroup path such as gitlab:gnome/world
  gitea:HOST/OWNER    an organisation or user on a Gitea server (API https://HOST/api/v1)
  forgejo:HOST/OWNER  the same on a Forgejo server (e.g. forgejo:codeberg.org/OWNER)
  Self-hosted GitHub Enterprise or GitLab: --api-url with the API base, e.g.
  `github:OWNER --api-url https://ghe.example.com/api/v3`,
  `gitlab:GROUP --api-url https://git.example.com/api/v4`; with --api-url a Gitea or Forgejo
  source is just gitea:OWNER. The API must be https; plain http only for loopback hosts.

Names: GitHub, Gitea and Forgejo repos are named as on the forge (api); GitLab repos by their
full path (group/sub/repo), so the clones keep the group tree. A name that gita cannot take as a
repo name, or a clone URL it refuses (see the manifest rules in the README), is reported and
skipped.

Filters: archived repos and forks are left out unless --archived / --forks; --visibility keeps one
visibility (default all); --topic keeps repos that have every topic given (GitHub, GitLab, Gitea
and Forgejo list topics); --include keeps only names that match one of its patterns, then
--exclude drops names that match one of its. Patterns: * any text (also across /), ? one
character; matched against the whole name.

Protocol: the ssh URL when you have an SSH key set up (a ~/.ssh/id_* file exists or
SSH_AUTH_SOCK is set), else the https URL; --protocol picks one.

Tokens (only needed for private repos and higher rate limits): GitHub GH_TOKEN, then GITHUB_TOKEN
(GitHub Enterprise, i.e. with --api-url: GH_ENTERPRISE_TOKEN, then GITHUB_ENTERPRISE_TOKEN);
GitLab GITLAB_TOKEN; Gitea GITEA_TOKEN; Forgejo FORGEJO_TOKEN, then GITEA_TOKEN. Without one, a
command from settings.yml, keyed by the API host or the forge (github, gitlab, gitea, forgejo;
the github key is not used for GitHub Enterprise):
  forge_token_commands: {github: gh auth token, git.example.com: pass show gitlab-token}
A token is sent only to the API host (never across a redirect to another host), never printed,
never written to a file and never put in a clone URL.

Listing: every page is read (100 repos a page, 50 on Gitea and Forgejo; the pages are fetched
concurrently when the forge gives their number); a server error or timeout is retried 3 times;
a rate limit says when it resets and is waited for only with --wait-rate-limit. An owner without
repos prints an empty manifest and a note, with exit status 0.";

/// Print a manifest of the repos a forge holds, without cloning anything
#[derive(Debug, Args)]
#[command(after_help = DISCOVER_HELP, after_long_help = format!("{DISCOVER_HELP}\n\nExamples:
  gita discover github:rust-lang --exclude '*-archive' > rust-lang.yml
  gita discover gitlab:gnome/world --topic gtk
  gita discover forgejo:codeberg.org/forgejo --protocol https
  gita clone --from github:rust-lang -C ~/src/rust-lang -g rust-lang   (clone and register)"))]
pub struct DiscoverArgs {
    /// github:OWNER, gitlab:GROUP, gitea:HOST/OWNER or forgejo:HOST/OWNER
    #[arg(value_name = "SOURCE")]
    pub from: String,
    #[command(flatten)]
    pub forge: ForgeArgs,
}

/// Filters and connection options of `gita discover` and `gita clone --from`
/// (each requires the argument `from`, which both commands have).
#[derive(Debug, Clone, Default, Args)]
pub struct ForgeArgs {
    /// Keep only repos whose name matches PATTERN (repeatable; * and ?)
    #[arg(
        long,
        value_name = "PATTERN",
        help_heading = "Forge filters",
        requires = "from"
    )]
    pub include: Vec<String>,
    /// Leave out repos whose name matches PATTERN (repeatable; * and ?)
    #[arg(
        long,
        value_name = "PATTERN",
        help_heading = "Forge filters",
        requires = "from"
    )]
    pub exclude: Vec<String>,
    /// Include archived repos (left out by default)
    #[arg(long, help_heading = "Forge filters", requires = "from")]
    pub archived: bool,
    /// Include forks (left out by default)
    #[arg(long, help_heading = "Forge filters", requires = "from")]
    pub forks: bool,
    /// Keep only repos of this visibility [default: all]
    #[arg(
        long,
        value_enum,
        value_name = "VISIBILITY",
        help_heading = "Forge filters",
        requires = "from"
    )]
    pub visibility: Option<Visibility>,
    /// Keep only repos with this topic (repeatable: every topic given)
    #[arg(
        long,
        value_name = "TOPIC",
        help_heading = "Forge filters",
        requires = "from"
    )]
    pub topic: Vec<String>,
    /// Clone URLs to use [default: ssh when ~/.ssh/id_* exists or SSH_AUTH_SOCK is set, else https]
    #[arg(
        long,
        value_enum,
        value_name = "PROTOCOL",
        help_heading = "Forge",
        requires = "from"
    )]
    pub protocol: Option<Protocol>,
    /// API base URL of a self-hosted forge, e.g. https://ghe.example.com/api/v3
    #[arg(
        long = "api-url",
        value_name = "URL",
        help_heading = "Forge",
        requires = "from"
    )]
    pub api_url: Option<String>,
    /// When the rate limit is used up, wait until it resets (at most an hour) instead of failing
    #[arg(long = "wait-rate-limit", help_heading = "Forge", requires = "from")]
    pub wait_rate_limit: bool,
    /// How long to wait for each API answer, in seconds [default: 30]
    #[arg(long = "api-timeout", value_name = "SECS", value_parser = parse_api_timeout, help_heading = "Forge", requires = "from")]
    pub api_timeout: Option<std::time::Duration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Visibility {
    Public,
    Private,
    Internal,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Protocol {
    Ssh,
    Https,
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
    use crate::run::MAX_JOBS;
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

/// Exits with clap's usage error (status 2) for a combination of arguments
/// that the parser cannot express.
pub fn usage_error(subcommand: &str, msg: &str) -> ! {
    let mut app = <Cli as clap::CommandFactory>::command();
    let sub = app.find_subcommand_mut(subcommand).cloned();
    let mut cmd = sub.unwrap_or(app).bin_name(format!("gita {subcommand}"));
    cmd.error(clap::error::ErrorKind::ArgumentConflict, msg)
        .exit()
}

fn parse_api_timeout(s: &str) -> Result<std::time::Duration, String> {
    s.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite() && *f > 0.0 && *f <= 3600.0)
        .and_then(|f| std::time::Duration::try_from_secs_f64(f).ok())
        .ok_or_else(|| "expected a positive number of seconds, at most 3600".to_string())
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
