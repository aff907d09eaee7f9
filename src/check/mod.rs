//! `gita check`: every way work in a repository exists only in its folder —
//! uncommitted changes, stashes, commits that no remote-tracking ref reaches
//! (on every local branch and a detached HEAD), an operation in progress,
//! linked worktrees and submodules with any of these, and optionally tags.
//! Read-only and offline. Two readers give the same answer: in-process `gix`
//! ([`gix_reader`]) and `git` subprocesses ([`git_reader`]) for repos gix
//! cannot read; uncommitted state comes from the status engines of `ll`.

pub mod git_reader;
pub mod gix_reader;
mod gix_repo;
mod gix_submodules;
mod model;
pub mod pool;
pub mod walk;

pub use model::*;

use crate::status::{EngineChoice, Request};
use crate::workers::guarded;

/// Checks one repository with the chosen engine; in `Auto` mode anything gix
/// cannot read (or a gix panic) hands the whole repo to the git reader.
/// `in_repo`: the current directory is the repo's folder.
pub fn read_one(
    req: &Request,
    choice: EngineChoice,
    options: Options,
    in_repo: bool,
) -> anyhow::Result<RepoCheck> {
    if let Some(problem) = crate::git::folder_problem(&req.path) {
        anyhow::bail!(problem);
    }
    let gix = |fallback| {
        guarded("the repository with gix", || {
            gix_reader::read(req, options, in_repo, fallback)
        })
    };
    let git = || guarded("the repository with git", || git_reader::read(req, options));
    match choice {
        EngineChoice::Gix => gix(false),
        EngineChoice::Git => git(),
        EngineChoice::Auto => gix(true).or_else(|_| git()),
    }
}
