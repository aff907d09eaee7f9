//! The status of one repository as `gita ll` shows it, and the two engines that
//! read it: in-process `gix` (fast path) and `git` subprocesses (fallback for
//! anything gix cannot read). Both produce the same [`RepoStatus`].

pub mod ahead_behind;
mod cache;
pub mod git_engine;
pub mod gix_engine;
mod gix_worktree;
mod model;
pub mod pool;
pub mod reldate;
mod repo_commits;

pub use model::*;

pub use pool::read_all;
