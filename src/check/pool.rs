//! `check`'s reader for the worker pool of [`crate::workers`].

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use super::model::{Options, RepoCheck};
use crate::status::{EngineChoice, Request};
use crate::workers::{self, Reader};

/// The reader of `gita check`.
pub struct CheckReader;

impl Reader for CheckReader {
    type Request = Request;
    type Settings = (EngineChoice, Options);
    type Output = RepoCheck;
    const WORKER_COMMAND: &'static str = "__check-worker";
    const WHAT: &'static str = "check";

    fn path(req: &Request) -> &Path {
        &req.path
    }

    fn read(req: &Request, (choice, options): Self::Settings, in_repo: bool) -> Result<RepoCheck> {
        super::read_one(req, choice, options, in_repo)
    }
}

/// The first argument that makes `gita` a check worker.
pub const WORKER_COMMAND: &str = CheckReader::WORKER_COMMAND;

/// Checks `reqs` with up to `jobs` processes; results come back in input order.
pub fn check_all(
    reqs: &[Request],
    choice: EngineChoice,
    options: Options,
    jobs: usize,
) -> Vec<Result<RepoCheck>> {
    workers::read_all::<CheckReader>(reqs, (choice, options), jobs)
}

/// The check worker process.
pub fn worker_main() -> Result<ExitCode> {
    workers::worker_main::<CheckReader>()
}
