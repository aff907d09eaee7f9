//! Arguments of `gita check` and its help.

use clap::Args;

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
#[command(after_help = format!("{CHECK_HELP}\n\n{}", super::filters::FILTERS_HELP))]
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
    #[command(flatten)]
    pub filter: super::filters::StateFilter,
}
