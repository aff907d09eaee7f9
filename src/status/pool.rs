//! `ll`'s reader for the worker pool of [`crate::workers`]: one repo read
//! with the chosen engine, and in `Auto` mode a gix error or panic hands the
//! repo to the git engine.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use super::model::{EngineChoice, RepoStatus, Request};
use super::{cache, git_engine, gix_engine};
use crate::workers::{self, Reader};

/// The status reader of `ll` (and of `check`'s uncommitted state).
pub struct StatusReader;

impl Reader for StatusReader {
    type Request = Request;
    type Settings = EngineChoice;
    type Output = RepoStatus;
    const WORKER_COMMAND: &'static str = "__status-worker";
    const WHAT: &'static str = "status";

    fn path(req: &Request) -> &Path {
        &req.path
    }

    fn read(req: &Request, choice: EngineChoice, in_repo: bool) -> Result<RepoStatus> {
        read_one(req, choice, in_repo)
    }
}

/// The first argument that makes `gita` a status worker.
pub const WORKER_COMMAND: &str = StatusReader::WORKER_COMMAND;

/// Reads `reqs` with up to `jobs` processes; results come back in input order.
pub fn read_all(reqs: &[Request], choice: EngineChoice, jobs: usize) -> Vec<Result<RepoStatus>> {
    workers::read_all::<StatusReader>(reqs, choice, jobs)
}

/// The status worker process.
pub fn worker_main() -> Result<ExitCode> {
    workers::worker_main::<StatusReader>()
}

/// Reads one repo; in `Auto` mode a gix error or panic hands the repo to git.
/// `in_repo`: the current directory is the repo's folder. The gix engine
/// serves an unchanged repo from the cache (see [`cache`]).
pub fn read_one(req: &Request, choice: EngineChoice, in_repo: bool) -> Result<RepoStatus> {
    if let Some(problem) = crate::git::folder_problem(&req.path) {
        anyhow::bail!(problem);
    }
    let gix = || {
        workers::guarded(&format!("{} with gix", req.path.display()), || {
            if !cache::enabled() {
                return gix_engine::read(req, in_repo, None);
            }
            if let Some(status) = cache::lookup(req, in_repo) {
                return Ok(status);
            }
            cache::record(req, in_repo, |rec| {
                gix_engine::read(req, in_repo, Some(rec))
            })
        })
    };
    match choice {
        EngineChoice::Git => git_engine::read(req),
        EngineChoice::Gix => gix(),
        EngineChoice::Auto => gix().or_else(|_| git_engine::read(req)),
    }
}
