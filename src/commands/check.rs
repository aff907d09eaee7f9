//! `gita check`: which repos hold work that exists only in their folder.
//! Optionally fetches first (the `gita fetch` driver), checks the selected
//! repos concurrently, then prints one line per repo at risk and a count,
//! or JSON, or nothing (`-q`). Exit 0: nothing at risk; 1: something is, or
//! a repo could not be read; 2: usage errors.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use serde::Serialize;

use crate::check::{self, Options, Reason, RepoCheck};
use crate::cli::{CheckArgs, RunArgs};
use crate::color::Palette;
use crate::ctx::Ctx;
use crate::exit::Exit;
use crate::keys::{ColorName, Situation};
use crate::print::sanitize;
use crate::registry::{Registry, Repo};
use crate::run::{self, Job};
use crate::select::{self, Pick};
use crate::status::{self, EngineChoice};

const USAGE: u8 = 2;

pub fn run(ctx: &Ctx, args: &CheckArgs) -> Result<ExitCode> {
    let registry = ctx.registry()?;
    let settings = ctx.settings()?;
    let choice = match EngineChoice::parse(ctx.status_engine().as_deref()) {
        Ok(choice) => choice,
        Err(e) => return usage(&e),
    };
    let selected = match registry.select(&args.names, &ctx.cwd) {
        Ok(selected) => selected,
        Err(e) => return usage(&e),
    };
    if registry.repos.is_empty() && !args.json && !args.quiet {
        crate::say!(
            "no repos are registered yet; start with `gita add <folder>` (or `gita add -r ~/src` for every repo under a folder)"
        );
    }

    let selection = match select::pick(ctx, selected, &args.filter, "not checked", args.quiet)? {
        Pick::Run(selection) => selection,
        Pick::Done(code) => return Ok(code),
    };
    let selected = &selection.picked;
    if args.fetch
        && !selected.is_empty()
        && let Some(code) = fetch_first(ctx, selected, args.quiet)?
    {
        return Ok(code);
    }

    let requests: Vec<status::Request> = selected
        .iter()
        .map(|(_, repo)| status::Request {
            path: repo.path.clone(),
            flags: repo.flags.clone(),
            remote: None,
        })
        .collect();
    let jobs = std::thread::available_parallelism().map_or(2, |n| n.get().min(16));
    let options = Options { tags: args.tags };
    let results = check::pool::check_all(&requests, choice, options, jobs);
    let entries: Vec<Entry<'_>> = selected
        .iter()
        .zip(results)
        .map(|((name, repo), result)| Entry {
            name,
            path: repo.path.display().to_string(),
            result: result.map_err(|e| format!("{e:#}")),
        })
        .collect();
    let unreadable = entries.iter().filter(|e| e.result.is_err()).count();
    let at_risk = entries
        .iter()
        .filter(|e| e.result.as_ref().is_ok_and(|c| !c.reasons.is_empty()))
        .count();

    if !args.quiet {
        let text = if args.json {
            json(&entries, &registry)?
        } else {
            let colors = Colors {
                palette: Palette::new(ctx.color_stdout && !args.no_colors),
                unpushed: settings.color(Situation::LocalAhead),
                upstream: settings.color(Situation::NoRemote),
                severe: settings.color(Situation::Diverged),
            };
            let mut text = lines(&entries, &colors);
            text.push_str(&summary(at_risk, unreadable, entries.len()));
            text
        };
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .context("cannot write to stdout")?;
    }
    Ok(selection.exit(if at_risk + unreadable > 0 {
        Exit::Failure
    } else {
        Exit::Success
    }))
}

/// `gita fetch` on the selected repos; `Some` exit status when interrupted.
fn fetch_first(ctx: &Ctx, selected: &[(String, Repo)], quiet: bool) -> Result<Option<ExitCode>> {
    let table = crate::delegate::table_quiet();
    let fetch = match table.get("fetch") {
        Some(cmd) => cmd.clone(),
        None => crate::delegate::builtin()
            .remove("fetch")
            .context("no fetch command")?,
    };
    let jobs = selected
        .iter()
        .map(|(name, repo)| {
            Ok(Job {
                program: fetch.program(&repo.flags, &[])?,
                name: name.clone(),
                path: repo.path.clone(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let report = run::execute(ctx, jobs, &run::Options::from(&RunArgs::default()))?;
    match report.end() {
        // Interrupted: stop here, with the fetch's status.
        end @ run::RunEnd::Interrupted(_) => return Ok(Some(Exit::from(end).into())),
        run::RunEnd::Failed if !quiet => crate::warning!(
            "some fetches failed; those repos are compared with their remote-tracking refs as last fetched"
        ),
        run::RunEnd::Failed | run::RunEnd::Ok => {}
    }
    Ok(None)
}

fn usage(e: &anyhow::Error) -> Result<ExitCode> {
    crate::error_line!("{e:#}");
    Ok(ExitCode::from(USAGE))
}

struct Entry<'a> {
    name: &'a str,
    path: String,
    result: Result<RepoCheck, String>,
}

fn summary(at_risk: usize, unreadable: usize, total: usize) -> String {
    let repos = if total == 1 { "repo" } else { "repos" };
    let verb = if at_risk == 1 || total == 1 {
        "has"
    } else {
        "have"
    };
    let mut line = format!("{at_risk} of {total} {repos} {verb} work only here");
    if unreadable > 0 {
        line.push_str(&format!("; {unreadable} could not be read"));
    }
    line.push('\n');
    line
}

struct Colors {
    palette: Palette,
    /// Commits on no remote (the `local_ahead` color of `ll`).
    unpushed: ColorName,
    /// No upstream or a gone one (`no_remote`).
    upstream: ColorName,
    /// Conflicts, operations, detached HEADs (`diverged`).
    severe: ColorName,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn commits(count: Option<usize>, at_least: bool, whose: &str) -> String {
    match count {
        None => format!(
            "not checked: over {} commits of history to walk",
            check::walk::HELD_BUDGET
        ),
        Some(n) if at_least => format!("at least {n} commits on no {whose}"),
        Some(n) => format!("{} on no {whose}", plural(n, "commit", "commits")),
    }
}

fn short(id: &str) -> &str {
    id.get(..7).unwrap_or(id)
}

/// The words for reasons that do not name a branch, each with its color
/// (`None`: plain).
fn words(reason: &Reason, colors: &Colors) -> (String, Option<ColorName>) {
    (text(reason, colors), color(reason, colors))
}

/// What a reason says (nested ones colored inside).
fn text(reason: &Reason, colors: &Colors) -> String {
    match reason {
        Reason::Conflicts => "conflicts".into(),
        Reason::Staged => "staged changes".into(),
        Reason::Unstaged => "unstaged changes".into(),
        Reason::Untracked => "untracked files".into(),
        Reason::Stash { count } => plural(*count, "stash entry", "stash entries"),
        Reason::UnpushedCommits {
            branch,
            count,
            at_least,
        } => format!(
            "{}: {}",
            sanitize(branch),
            commits(*count, *at_least, "remote")
        ),
        Reason::NoUpstream { branch } => format!("{}: no upstream", sanitize(branch)),
        Reason::UpstreamGone { branch, upstream } => format!(
            "{}: upstream {} is gone",
            sanitize(branch),
            sanitize(upstream)
        ),
        Reason::DetachedHead {
            head,
            count,
            at_least,
        } => format!(
            "detached HEAD {}: {}",
            short(head),
            commits(*count, *at_least, "branch or remote")
        ),
        Reason::HeadOnNoRemote {
            head,
            count,
            at_least,
        } => format!(
            "checked-out {}: {}",
            short(head),
            commits(*count, *at_least, "remote")
        ),
        Reason::Operation { operation } => format!("{} in progress", operation.word()),
        Reason::TagOnNoRemote { tag } => format!("tag {} on no remote", sanitize(tag)),
        Reason::Worktree {
            path,
            error,
            reasons,
        } => nested("worktree", path, error.as_deref(), reasons, colors),
        Reason::Submodule {
            path,
            error,
            reasons,
        } => nested("submodule", path, error.as_deref(), reasons, colors),
    }
}

/// The color of a reason's words (`None`: plain, for nested ones).
fn color(reason: &Reason, colors: &Colors) -> Option<ColorName> {
    match reason {
        Reason::Conflicts | Reason::DetachedHead { .. } | Reason::Operation { .. } => {
            Some(colors.severe)
        }
        Reason::Staged | Reason::Unstaged | Reason::Untracked | Reason::Stash { .. } => {
            Some(ColorName::Yellow)
        }
        Reason::UnpushedCommits { .. }
        | Reason::HeadOnNoRemote { .. }
        | Reason::TagOnNoRemote { .. } => Some(colors.unpushed),
        Reason::NoUpstream { .. } | Reason::UpstreamGone { .. } => Some(colors.upstream),
        Reason::Worktree { .. } | Reason::Submodule { .. } => None,
    }
}

fn nested(
    what: &str,
    path: &str,
    error: Option<&str>,
    reasons: &[Reason],
    colors: &Colors,
) -> String {
    let inner = match error {
        Some(e) => colors.palette.error(&format!("error: {}", sanitize(e))),
        None => describe(reasons, colors, ", "),
    };
    format!("{what} {}: {inner}", sanitize(path))
}

/// The reasons as text: one item per reason, a branch's reasons together,
/// tags in one list.
fn describe(reasons: &[Reason], colors: &Colors, sep: &str) -> String {
    let paint = |(text, color): (String, Option<ColorName>)| match color {
        Some(c) => colors.palette.paint(&text, c),
        None => text,
    };
    let mut items: Vec<String> = Vec::new();
    // Branch name → index in `items` of its first reason.
    let mut by_branch: BTreeMap<&str, usize> = BTreeMap::new();
    let mut tags: Vec<String> = Vec::new();
    for reason in reasons {
        let branch = match reason {
            Reason::UnpushedCommits { branch, .. }
            | Reason::NoUpstream { branch }
            | Reason::UpstreamGone { branch, .. } => Some(branch.as_str()),
            _ => None,
        };
        if let Reason::TagOnNoRemote { tag } = reason {
            tags.push(sanitize(tag));
            continue;
        }
        let (text, color) = words(reason, colors);
        match branch.and_then(|b| by_branch.get(b).map(|i| (b, *i))) {
            Some((b, i)) => {
                // "topic: 1 commit on no remote" + ", no upstream"
                let rest = text
                    .strip_prefix(&format!("{}: ", sanitize(b)))
                    .unwrap_or(&text)
                    .to_string();
                items[i].push_str(", ");
                items[i].push_str(&paint((rest, color)));
            }
            None => {
                if let Some(b) = branch {
                    by_branch.insert(b, items.len());
                }
                items.push(paint((text, color)));
            }
        }
    }
    if !tags.is_empty() {
        const SHOWN: usize = 5;
        let mut list = tags
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        if tags.len() > SHOWN {
            list.push_str(&format!(" and {} more", tags.len() - SHOWN));
        }
        let label = if tags.len() == 1 {
            "tag on no remote"
        } else {
            "tags on no remote"
        };
        items.push(paint((format!("{label}: {list}"), Some(colors.unpushed))));
    }
    items.join(sep)
}

fn lines(entries: &[Entry<'_>], colors: &Colors) -> String {
    let shown: Vec<&Entry<'_>> = entries
        .iter()
        .filter(|e| e.result.as_ref().map_or(true, |c| !c.reasons.is_empty()))
        .collect();
    let width = shown
        .iter()
        .map(|e| unicode_width::UnicodeWidthStr::width(sanitize(e.name).as_str()))
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for e in shown {
        let name = sanitize(e.name);
        let pad = width.saturating_sub(unicode_width::UnicodeWidthStr::width(name.as_str()));
        let text = match &e.result {
            Err(msg) => colors.palette.error(&format!("error: {}", sanitize(msg))),
            Ok(c) => describe(&c.reasons, colors, "; "),
        };
        out.push_str(&name);
        out.extend(std::iter::repeat_n(' ', pad + 2));
        out.push_str(&text);
        out.push('\n');
    }
    out
}

/// One `--json` object per selected repo; every key always present.
#[derive(Serialize)]
struct JsonRepo<'a> {
    name: &'a str,
    path: &'a str,
    groups: Vec<&'a str>,
    at_risk: bool,
    error: Option<&'a str>,
    engine: Option<status::Engine>,
    reasons: &'a [Reason],
}

fn json(entries: &[Entry<'_>], registry: &Registry) -> Result<String> {
    let mut groups_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (group, g) in &registry.groups {
        for repo in &g.repos {
            groups_of
                .entry(repo.as_str())
                .or_default()
                .push(group.as_str());
        }
    }
    let objects: Vec<JsonRepo<'_>> = entries
        .iter()
        .map(|e| JsonRepo {
            name: e.name,
            path: &e.path,
            groups: groups_of.get(e.name).cloned().unwrap_or_default(),
            at_risk: e.result.as_ref().map_or(true, |c| !c.reasons.is_empty()),
            error: e.result.as_ref().err().map(String::as_str),
            engine: e.result.as_ref().ok().map(|c| c.engine),
            reasons: e.result.as_ref().map_or(&[], |c| c.reasons.as_slice()),
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&objects)?;
    text.push('\n');
    Ok(text)
}
