//! Arguments of `gita ll` and its legend.

use clap::Args;

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
is 1.

Filters: every filter given must hold (AND). --ahead and --behind include diverged repos, so
`--ahead --behind` is the same as --diverged. --clean ignores stash entries (add --no-stash for
that). A row that cannot be read is always shown.

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
    #[command(flatten)]
    pub filter: super::filters::StateFilter,
}
