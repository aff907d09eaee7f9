//! The state filters (`--dirty`, `--clean`, `--behind`, …): one definition
//! for `ll` and every command that acts on repos. What each one means is
//! decided in `select.rs`.

use clap::Args;

/// How the filters combine, for the help of the commands that take them.
pub const FILTERS_HELP: &str = "\
Filters: every filter given must hold (AND), and they apply to the repos the names and groups
pick. --ahead and --behind include diverged repos, so `--ahead --behind` is the same as
--diverged. --clean ignores stash entries (add --no-stash for that); a merge conflict counts as
dirty and staged. A repo whose state cannot be read is named on stderr and not acted on, and the
exit status is then 1. No repo matching: a note on stderr, nothing runs, exit status 0.";

/// Only repos in a given state. Every flag given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub struct StateFilter {
    /// Only repos with unstaged changes (or a merge conflict)
    #[arg(long, help_heading = "Filters")]
    pub dirty: bool,
    /// Only repos with staged changes (or a merge conflict)
    #[arg(long, help_heading = "Filters")]
    pub staged: bool,
    /// Only repos with untracked files
    #[arg(long, help_heading = "Filters")]
    pub untracked: bool,
    /// Only repos without unstaged, staged or untracked changes (stash
    /// entries do not count)
    #[arg(long, help_heading = "Filters", conflicts_with_all = ["dirty", "staged", "untracked"])]
    pub clean: bool,
    /// Only repos with stash entries
    #[arg(long, help_heading = "Filters")]
    pub stashed: bool,
    /// Only repos without stash entries
    #[arg(
        long = "no-stash",
        help_heading = "Filters",
        conflicts_with = "stashed"
    )]
    pub no_stash: bool,
    /// Only repos with local commits not on the upstream (includes diverged)
    #[arg(long, help_heading = "Filters")]
    pub ahead: bool,
    /// Only repos behind their upstream (includes diverged)
    #[arg(long, help_heading = "Filters")]
    pub behind: bool,
    /// Only repos that diverged from their upstream
    #[arg(long, help_heading = "Filters")]
    pub diverged: bool,
    /// Only repos with an upstream and neither ahead nor behind
    #[arg(
        long = "in-sync",
        help_heading = "Filters",
        conflicts_with_all = ["ahead", "behind", "diverged", "no_upstream"]
    )]
    pub in_sync: bool,
    /// Only repos without a usable upstream (none configured, its branch is
    /// gone, or a detached HEAD)
    #[arg(long = "no-upstream", help_heading = "Filters")]
    pub no_upstream: bool,
    /// Only repos with a usable upstream
    #[arg(
        long = "upstream",
        visible_alias = "has-upstream",
        help_heading = "Filters",
        conflicts_with = "no_upstream"
    )]
    pub upstream: bool,
}

impl StateFilter {
    /// The flags given, as typed (`--dirty --behind`), in a fixed order.
    pub fn flags(&self) -> Vec<&'static str> {
        [
            (self.dirty, "--dirty"),
            (self.staged, "--staged"),
            (self.untracked, "--untracked"),
            (self.clean, "--clean"),
            (self.stashed, "--stashed"),
            (self.no_stash, "--no-stash"),
            (self.ahead, "--ahead"),
            (self.behind, "--behind"),
            (self.diverged, "--diverged"),
            (self.in_sync, "--in-sync"),
            (self.no_upstream, "--no-upstream"),
            (self.upstream, "--upstream"),
        ]
        .into_iter()
        .filter_map(|(on, flag)| on.then_some(flag))
        .collect()
    }

    /// Whether any filter is given (without one, no state is read).
    pub fn is_active(&self) -> bool {
        *self != StateFilter::default()
    }
}
