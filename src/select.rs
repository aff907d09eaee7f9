//! Picking repos by their state: what each filter of [`StateFilter`] means
//! for a [`RepoStatus`], and the selection every command that acts on repos
//! makes before anything runs. The state is read in-process by the status
//! reader of `ll`, and only when a filter is given.
//!
//! A repo whose state cannot be read is never acted on: it is named on
//! stderr with the reason, and the command's exit status is 1.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{RunArgs, StateFilter};
use crate::ctx::Ctx;
use crate::exit::Exit;
use crate::print::sanitize;
use crate::registry::Repo;
use crate::status::{self, EngineChoice, RepoStatus, Situation};

/// Whether `s` passes every filter given in `f` (all must hold).
pub fn passes(f: &StateFilter, s: &RepoStatus) -> bool {
    let (ahead, behind) = s.ahead_behind.unwrap_or((0, 0));
    let situation = s.situation();
    (!f.dirty || s.dirty)
        && (!f.staged || s.staged)
        && (!f.untracked || s.untracked)
        && (!f.clean || !(s.dirty || s.staged || s.untracked))
        && (!f.stashed || s.stash_count > 0)
        && (!f.no_stash || s.stash_count == 0)
        && (!f.ahead || ahead > 0)
        && (!f.behind || behind > 0)
        && (!f.diverged || situation == Situation::Diverged)
        && (!f.in_sync || situation == Situation::InSync)
        && (!f.no_upstream || situation == Situation::NoRemote)
        && (!f.upstream || situation != Situation::NoRemote)
}

/// The repos a filter picked out of those the names chose.
#[derive(Debug, Default)]
pub struct Selection {
    /// Repos that pass the filter, in the order given.
    pub picked: Vec<(String, Repo)>,
    /// Repos whose state could not be read, with the reason.
    pub unreadable: Vec<(String, String)>,
    /// How many repos were looked at.
    pub checked: usize,
}

/// The repos of `repos` that pass `filter`. Without a filter every repo
/// passes and nothing is read.
pub fn select_by_state(
    ctx: &Ctx,
    repos: Vec<(String, Repo)>,
    filter: &StateFilter,
) -> Result<Selection> {
    let checked = repos.len();
    if !filter.is_active() {
        return Ok(Selection {
            picked: repos,
            unreadable: Vec::new(),
            checked,
        });
    }
    let choice = EngineChoice::parse(ctx.status_engine().as_deref())?;
    let requests: Vec<status::Request> = repos
        .iter()
        .map(|(_, repo)| status::Request {
            path: repo.path.clone(),
            flags: repo.flags.clone(),
            remote: None,
        })
        .collect();
    let results = status::read_all(&requests, choice, readers());
    let mut selection = Selection {
        checked,
        ..Selection::default()
    };
    for ((name, repo), result) in repos.into_iter().zip(results) {
        match result {
            Ok(s) if passes(filter, &s) => selection.picked.push((name, repo)),
            Ok(_) => {}
            Err(e) => selection.unreadable.push((name, format!("{e:#}"))),
        }
    }
    Ok(selection)
}

/// Status readers to use: one per core; beyond 16 the file system, not the
/// CPU, limits.
pub fn readers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().min(16))
}

impl Selection {
    /// Names every unreadable repo on stderr; `left` says what happens to
    /// it ("not run", "not listed").
    pub fn report_unreadable(&self, left: &str) {
        for (name, why) in &self.unreadable {
            crate::warning!("{name}: cannot read its state, {left}: {why}");
        }
    }

    /// Says on stderr that no repo matched, when none did.
    pub fn report_empty(&self, filter: &StateFilter) {
        if !self.picked.is_empty() {
            return;
        }
        let repos = if self.checked == 1 { "repo" } else { "repos" };
        let unreadable = match self.unreadable.len() {
            0 => String::new(),
            n => format!(", {n} unreadable"),
        };
        crate::say!(
            "no repo matches {} ({} {repos} checked{unreadable})",
            filter.flags().join(" "),
            self.checked
        );
    }

    /// `exit`, made a failure when a repo could not be read.
    pub fn exit(&self, exit: Exit) -> ExitCode {
        match exit {
            Exit::Success if !self.unreadable.is_empty() => Exit::Failure.into(),
            other => other.into(),
        }
    }
}

/// What a command that runs across repos does after the selection.
pub enum Pick {
    /// Run in these repos.
    Run(Selection),
    /// Nothing to run (an empty selection, or `--dry-run`): end with this.
    Done(ExitCode),
}

/// The selection step of every command that acts on repos: filters `repos`
/// by state, names unreadable repos (`left` says what happens to them) and
/// ends with a note when no repo matches. `quiet`: say nothing.
pub fn pick(
    ctx: &Ctx,
    repos: Vec<(String, Repo)>,
    filter: &StateFilter,
    left: &str,
    quiet: bool,
) -> Result<Pick> {
    let selection = select_by_state(ctx, repos, filter)?;
    if !quiet {
        selection.report_unreadable(left);
    }
    if filter.is_active() && selection.picked.is_empty() {
        if !quiet {
            selection.report_empty(filter);
        }
        return Ok(Pick::Done(selection.exit(Exit::Success)));
    }
    Ok(Pick::Run(selection))
}

/// The selection step of delegated commands, `super` and `shell`: filters
/// `repos` by state, reports unreadable repos, and handles `--dry-run` (the
/// picked repos, one name per line) and an empty selection (a note, exit 0).
pub fn pick_for_run(ctx: &Ctx, repos: Vec<(String, Repo)>, args: &RunArgs) -> Result<Pick> {
    let selection = match pick(ctx, repos, &args.filter, "not run", false)? {
        Pick::Run(selection) => selection,
        done @ Pick::Done(_) => return Ok(done),
    };
    if args.dry_run {
        let mut text = String::new();
        for (name, _) in &selection.picked {
            text.push_str(&sanitize(name));
            text.push('\n');
        }
        crate::out!("{text}")?;
        return Ok(Pick::Done(selection.exit(Exit::Success)));
    }
    Ok(Pick::Run(selection))
}
