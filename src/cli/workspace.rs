//! Arguments of the workspace commands: freeze, import, clone, discover.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::manifest::Format;

/// Print a manifest of the repos and groups, to recreate them with `gita clone -f`
#[derive(Debug, Args)]
#[command(after_help = super::filters::FILTERS_HELP)]
pub struct FreezeArgs {
    /// Only the repos of this group (default: the context group, else all)
    #[arg(short, long, value_name = "GROUP")]
    pub group: Option<String>,
    /// Manifest format: gita's YAML, or Python gita's CSV
    #[arg(long, value_enum, default_value_t = Format::Yaml)]
    pub format: Format,
    #[command(flatten)]
    pub filter: super::filters::StateFilter,
    /// Record how lean each clone is (shallow depth, partial-clone filter,
    /// single branch, no tags), for `gita clone -f` to clone it the same way
    #[arg(long)]
    pub lean: bool,
}

/// Merge Python gita's files (repos.csv, groups.csv) into gita's registry
///
/// gita imports Python gita's files once, on first use. When they change
/// later (a repo added with Python gita), gita says so once; this merges
/// them: repos and groups that are new are added, repos at the same path
/// take Python gita's flags and type, groups gain members. Nothing that was
/// registered with gita is removed or renamed, and the CSV files are never
/// changed. Colors and other settings are not merged again.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Show what would change without changing anything
    #[arg(short = 'n', long)]
    pub dry_run: bool,
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
    /// With -f or --from: connect each clone on its own, without sharing one
    /// ssh connection per host [default: `ssh_reuse` in settings.yml, else shared]
    #[arg(long = "no-ssh-reuse")]
    pub no_ssh_reuse: bool,
    #[command(flatten)]
    pub lean: LeanArgs,
    #[command(flatten)]
    pub forge: ForgeArgs,
}

/// How lean a clone to make; on the command line they apply to every repo
/// and win over a manifest's per-repo `clone:` options.
#[derive(Debug, Clone, Default, Args)]
pub struct LeanArgs {
    /// Clone only the last N commits of history (needs a file:// URL for a
    /// local repo)
    #[arg(long, value_name = "N", help_heading = "Lean clones",
          value_parser = clap::value_parser!(u32).range(1..=i64::from(crate::lean::MAX_DEPTH)))]
    pub depth: Option<u32>,
    /// Partial clone: leave out file contents (blob:none) or trees too
    /// (tree:0), fetched when needed
    #[arg(long, value_enum, value_name = "FILTER", help_heading = "Lean clones")]
    pub filter: Option<crate::lean::Filter>,
    /// Clone one branch only: the manifest's recorded branch, else the
    /// remote's default
    #[arg(long = "single-branch", help_heading = "Lean clones")]
    pub single_branch: bool,
    /// Fetch no tags, now or later
    #[arg(long = "no-tags", help_heading = "Lean clones")]
    pub no_tags: bool,
}

impl LeanArgs {
    pub fn lean(&self) -> crate::lean::Lean {
        crate::lean::Lean {
            depth: self.depth,
            filter: self.filter,
            single_branch: self.single_branch,
            no_tags: self.no_tags,
        }
    }
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
repo name, or a clone URL it refuses (see the manifest rules in docs/workspaces.md), is reported and
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

fn parse_api_timeout(s: &str) -> Result<std::time::Duration, String> {
    s.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite() && *f > 0.0 && *f <= 3600.0)
        .and_then(|f| std::time::Duration::try_from_secs_f64(f).ok())
        .ok_or_else(|| "expected a positive number of seconds, at most 3600".to_string())
}
