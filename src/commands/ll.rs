//! `gita ll`: reads the status of the selected repos concurrently, filters
//! them, and prints the table (or JSON) once, sorted by name.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use serde::Serialize;

use crate::cli::LlArgs;
use crate::ctx::Ctx;
use crate::registry::{Registry, Repo};
use crate::settings::SettingsFile;
use crate::status::{self, EngineChoice, RepoStatus, Situation, reldate};
use crate::table::{self, Row, TableOptions};

pub fn run(ctx: &Ctx, args: &LlArgs) -> Result<ExitCode> {
    let registry = ctx.registry()?;
    let settings = ctx.settings()?;
    let choice = EngineChoice::parse(ctx.status_engine().as_deref())?;
    let selected = registry.select(&args.names, &ctx.cwd)?;
    if registry.repos.is_empty() && !args.json {
        crate::say!(
            "no repos are registered yet; start with `gita add <folder>` (or `gita add -r ~/src` for every repo under a folder)"
        );
    }

    let results = read_statuses(&selected, args, choice);

    let entries: Vec<Entry<'_>> = selected
        .iter()
        .zip(results)
        .map(|((name, repo), result)| Entry {
            name,
            repo,
            result: result.map_err(|e| format!("{e:#}")),
        })
        .filter(|e| keep(e, args))
        .collect();
    // With -g only grouped repos are shown; a hidden repo's error does not count.
    let grouped: HashSet<&str> = if args.by_group && !args.json {
        registry
            .groups
            .values()
            .flat_map(|g| g.repos.iter().map(String::as_str))
            .collect()
    } else {
        HashSet::new()
    };
    let shown = |e: &Entry<'_>| !args.by_group || args.json || grouped.contains(e.name);
    let failed = entries.iter().any(|e| e.result.is_err() && shown(e));
    let now = now();

    let text = if args.json {
        json(&entries, &registry, now)?
    } else {
        table_text(ctx, &settings, args, &entries, &registry, now)
    };

    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .context("cannot write to stdout")?;
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The status of every selected repo, in order; warns when `--remote` names
/// a remote none of them has its branch on.
fn read_statuses(
    selected: &[(String, Repo)],
    args: &LlArgs,
    choice: EngineChoice,
) -> Vec<Result<RepoStatus>> {
    let requests: Vec<status::Request> = selected
        .iter()
        .map(|(_, repo)| status::Request {
            path: repo.path.clone(),
            flags: repo.flags.clone(),
            remote: args.remote.clone(),
        })
        .collect();
    let results = status::read_all(&requests, choice, crate::select::readers());
    if let Some(remote) = &args.remote
        && results.iter().any(Result::is_ok)
        && !results
            .iter()
            .any(|r| r.as_ref().is_ok_and(|s| s.ahead_behind.is_some()))
    {
        crate::warning!(
            "no repo has its branch on remote '{remote}' (a typo? see `git remote -v`)"
        );
    }
    results
}

/// The table of `entries`, grouped with `-g`.
fn table_text(
    ctx: &Ctx,
    settings: &SettingsFile,
    args: &LlArgs,
    entries: &[Entry<'_>],
    registry: &Registry,
    now: i64,
) -> String {
    let opts = TableOptions {
        info_items: settings.info_items.clone(),
        symbols: settings.symbols.clone(),
        colors: settings.colors.clone(),
        widths: settings.widths.clone(),
        color: ctx.color_stdout && !args.no_colors,
        term_width: ctx.stdout_width(),
        now,
        indent: 0,
    };
    if args.by_group {
        by_group(entries, registry, &args.names, opts)
    } else {
        render(entries, &opts)
    }
}

struct Entry<'a> {
    name: &'a str,
    repo: &'a Repo,
    result: Result<RepoStatus, String>,
}

/// Rows that could not be read always stay visible.
fn keep(e: &Entry<'_>, args: &LlArgs) -> bool {
    e.result
        .as_ref()
        .map_or(true, |s| crate::select::passes(&args.filter, s))
}

fn rows<'a>(entries: &[&'a Entry<'a>], paths: &'a [String]) -> Vec<Row<'a>> {
    entries
        .iter()
        .zip(paths)
        .map(|(e, path)| Row {
            name: e.name,
            path,
            status: e.result.as_ref().map_err(String::as_str),
        })
        .collect()
}

fn render(entries: &[Entry<'_>], opts: &TableOptions) -> String {
    let refs: Vec<&Entry<'_>> = entries.iter().collect();
    let paths: Vec<String> = refs
        .iter()
        .map(|e| e.repo.path.display().to_string())
        .collect();
    table::render(&rows(&refs, &paths), opts)
}

/// `ll -g`: a heading per group, its repos indented below (Python gita's
/// layout). With group names given, only those groups are shown.
fn by_group(
    entries: &[Entry<'_>],
    registry: &Registry,
    names: &[String],
    mut opts: TableOptions,
) -> String {
    let wanted: BTreeSet<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| registry.groups.contains_key(*n))
        .collect();
    // Where each repo is among the entries: a group's members are looked up
    // rather than searched for, and shown in the order of the entries (whose
    // names are unique: they come from one selection).
    let position: HashMap<&str, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.name, i))
        .collect();
    opts.indent = 2;
    let mut out = String::new();
    for (group, g) in &registry.groups {
        if !wanted.is_empty() && !wanted.contains(group.as_str()) {
            continue;
        }
        let mut at: Vec<usize> = g
            .repos
            .iter()
            .filter_map(|r| position.get(r.as_str()).copied())
            .collect();
        at.sort_unstable();
        at.dedup();
        let members: Vec<&Entry<'_>> = at.into_iter().map(|i| &entries[i]).collect();
        if members.is_empty() {
            continue;
        }
        let paths: Vec<String> = members
            .iter()
            .map(|e| e.repo.path.display().to_string())
            .collect();
        out.push_str(&crate::print::sanitize(group));
        out.push_str(":\n");
        out.push_str(&table::render(&rows(&members, &paths), &opts));
    }
    out
}

/// One `--json` object; every key is always present.
#[derive(Serialize)]
struct JsonRepo<'a> {
    name: &'a str,
    path: String,
    groups: Vec<&'a str>,
    error: Option<&'a str>,
    branch: Option<String>,
    branch_name: Option<&'a str>,
    detached: Option<bool>,
    tag: Option<&'a str>,
    head: Option<&'a str>,
    unborn: Option<bool>,
    upstream: Option<&'a str>,
    upstream_gone: Option<bool>,
    ahead: Option<usize>,
    behind: Option<usize>,
    /// `ahead`/`behind` are lower bounds (the walk stopped at its limit).
    counts_bounded: Option<bool>,
    situation: Option<Situation>,
    dirty: Option<bool>,
    staged: Option<bool>,
    untracked: Option<bool>,
    stashed: Option<bool>,
    stash_count: Option<usize>,
    commit_subject: Option<&'a str>,
    commit_time: Option<i64>,
    commit_age: Option<String>,
    engine: Option<status::Engine>,
}

fn json(entries: &[Entry<'_>], registry: &Registry, now: i64) -> Result<String> {
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
        .map(|e| {
            let base = JsonRepo {
                name: e.name,
                path: e.repo.path.display().to_string(),
                groups: groups_of.get(e.name).cloned().unwrap_or_default(),
                error: None,
                branch: None,
                branch_name: None,
                detached: None,
                tag: None,
                head: None,
                unborn: None,
                upstream: None,
                upstream_gone: None,
                ahead: None,
                behind: None,
                counts_bounded: None,
                situation: None,
                dirty: None,
                staged: None,
                untracked: None,
                stashed: None,
                stash_count: None,
                commit_subject: None,
                commit_time: None,
                commit_age: None,
                engine: None,
            };
            match &e.result {
                Err(msg) => JsonRepo {
                    error: Some(msg),
                    ..base
                },
                Ok(s) => JsonRepo {
                    branch: Some(s.branch_display()),
                    branch_name: s.branch_name(),
                    detached: Some(s.branch_name().is_none()),
                    tag: match &s.head {
                        status::Head::Detached { tag } => tag.as_deref(),
                        status::Head::Branch(_) => None,
                    },
                    head: s.head_oid.as_deref(),
                    unborn: Some(s.head_oid.is_none()),
                    upstream: s.upstream.as_deref(),
                    upstream_gone: Some(s.upstream_gone),
                    ahead: s.ahead_behind.map(|(a, _)| a),
                    behind: s.ahead_behind.map(|(_, b)| b),
                    counts_bounded: s.ahead_behind.map(|_| s.counts_bounded),
                    situation: Some(s.situation()),
                    dirty: Some(s.dirty),
                    staged: Some(s.staged),
                    untracked: Some(s.untracked),
                    stashed: Some(s.stash_count > 0),
                    stash_count: Some(s.stash_count),
                    commit_subject: s.commit.as_ref().map(|c| c.subject.as_str()),
                    commit_time: s.commit.as_ref().map(|c| c.time),
                    commit_age: s.commit.as_ref().map(|c| reldate::relative(c.time, now)),
                    engine: Some(s.engine),
                    ..base
                },
            }
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&objects)?;
    text.push('\n');
    Ok(text)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Group;

    /// `by_group` as a plain scan of every group for every entry.
    fn by_group_scan(
        entries: &[Entry<'_>],
        registry: &Registry,
        names: &[String],
        mut opts: TableOptions,
    ) -> String {
        opts.indent = 2;
        let mut out = String::new();
        for (group, g) in &registry.groups {
            let wanted_any = names.iter().any(|n| registry.groups.contains_key(n));
            if wanted_any && !names.contains(group) {
                continue;
            }
            let members: Vec<&Entry<'_>> = entries
                .iter()
                .filter(|e| g.repos.iter().any(|r| r == e.name))
                .collect();
            if members.is_empty() {
                continue;
            }
            let paths: Vec<String> = members
                .iter()
                .map(|e| e.repo.path.display().to_string())
                .collect();
            out.push_str(group);
            out.push_str(":\n");
            out.push_str(&table::render(&rows(&members, &paths), &opts));
        }
        out
    }

    #[test]
    fn by_group_over_many_repos_and_groups_matches_a_scan() {
        let names: Vec<String> = (0..600).map(|i| format!("r{i:03}")).collect();
        let repos: Vec<Repo> = (0..600)
            .map(|i| Repo::new(format!("/src/{i}").into()))
            .collect();
        let mut registry = Registry::default();
        for (name, repo) in names.iter().zip(&repos) {
            registry.repos.insert(name.clone(), repo.clone());
        }
        for k in 0..40 {
            // Members out of order, repeated, and some not among the entries.
            let mut members: Vec<String> = (0..600)
                .rev()
                .filter(|i| i % 40 == k || i % 97 == k)
                .map(|i| format!("r{i:03}"))
                .collect();
            members.push(format!("r{k:03}"));
            members.push("not-a-repo".into());
            let group = Group {
                repos: members,
                ..Group::default()
            };
            registry.groups.insert(format!("g{k:02}"), group);
        }
        registry.groups.insert("empty".into(), Group::default());
        // Every third repo is left out, as a filter would.
        let entries: Vec<Entry<'_>> = names
            .iter()
            .zip(&repos)
            .enumerate()
            .filter(|(i, _)| i % 3 != 0)
            .map(|(i, (name, repo))| Entry {
                name,
                repo,
                result: Err("x".repeat(i % 7)),
            })
            .collect();
        let opts = TableOptions::default();
        for wanted in [
            vec![],
            vec!["g03".to_string(), "r001".into(), "g17".into()],
            vec!["r002".to_string()],
        ] {
            let fast = by_group(&entries, &registry, &wanted, opts.clone());
            assert_eq!(
                fast,
                by_group_scan(&entries, &registry, &wanted, opts.clone())
            );
            assert!(!fast.is_empty());
        }
    }
}
