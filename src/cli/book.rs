//! Arguments of the bookkeeping commands: add, rm, rename, ls, clear, group,
//! context, flags, color and info.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::keys::{ColorName, InfoItem, Situation};

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
