//! `gita freeze`: print a manifest of the selected repos (url, name, path,
//! branch, flags) and their groups, as YAML or Python gita's CSV.

use std::collections::BTreeSet;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::FreezeArgs;
use crate::ctx::Ctx;
use crate::exit::Exit;
use crate::lean::Lean;
use crate::manifest::{Format, Manifest, ManifestGroup, ManifestRepo};
use crate::print::sanitize;
use crate::registry::{Context, Registry, Repo};
use crate::select::{self, Pick};
use crate::{git, out};

pub fn run(ctx: &Ctx, args: &FreezeArgs) -> Result<ExitCode> {
    let reg = ctx.registry()?;
    let group = match &args.group {
        Some(g) => {
            reg.check_groups(std::slice::from_ref(g))?;
            Some(g.clone())
        }
        None => match reg.context(&ctx.cwd) {
            Context::Group(g) => Some(g),
            Context::None | Context::AutoNoMatch => None,
        },
    };
    let names: Vec<String> = group.iter().cloned().collect();
    let selected = reg.select(&names, &ctx.cwd)?;
    let selection = match select::pick(ctx, selected, &args.filter, "not listed", false)? {
        Pick::Run(selection) => selection,
        Pick::Done(code) => return Ok(code),
    };
    let mut manifest = freeze(&reg, group.as_deref(), &selection.picked);
    if args.lean {
        record_lean(&reg, &mut manifest);
    }
    for r in manifest.repos.iter().filter(|r| !r.path.exists()) {
        crate::warning!(
            "{}: folder {} is missing; listed without url and branch",
            sanitize(&r.name),
            sanitize(&r.path.to_string_lossy())
        );
    }
    match args.format {
        Format::Yaml => out!("{}", manifest.to_yaml()?)?,
        Format::Csv => {
            if args.lean {
                crate::warning!(
                    "--lean is not in the CSV, which cannot express it; use the YAML format"
                );
            }
            let skipped: Vec<String> = manifest
                .repos
                .iter()
                .filter(|r| r.url.is_empty())
                .map(|r| sanitize(&r.name))
                .collect();
            if !skipped.is_empty() {
                crate::warning!(
                    "not in the CSV (no remote url, which the CSV format cannot express): {}",
                    skipped.join(", ")
                );
            }
            out!("{}", manifest.to_csv())?;
        }
    }
    Ok(selection.exit(Exit::Success))
}

/// Fills in how lean each repo's clone is (see [`Lean::of_repo`]).
fn record_lean(reg: &Registry, manifest: &mut Manifest) {
    let leans = crate::parallel::map(&manifest.repos, crate::parallel::GIT_READERS, |r| {
        let flags = reg.repos.get(&r.name).map(|repo| repo.flags.clone());
        match (r.path.exists() && !r.url.is_empty(), flags) {
            (true, Some(flags)) => Lean::of_repo(&r.path, &flags, &r.url),
            _ => Lean::default(),
        }
    });
    for (r, lean) in manifest.repos.iter_mut().zip(leans) {
        r.clone = lean;
    }
}

/// The manifest of the `selected` repos of `group` (or of every group).
pub fn freeze(reg: &Registry, group: Option<&str>, selected: &[(String, Repo)]) -> Manifest {
    let repos = crate::parallel::map(selected, crate::parallel::GIT_READERS, |(name, repo)| {
        describe(name, repo)
    });
    let listed: BTreeSet<&str> = repos.iter().map(|r| r.name.as_str()).collect();
    let groups = reg
        .groups
        .iter()
        .filter(|(name, _)| group.is_none_or(|g| g == name.as_str()))
        .map(|(name, g)| ManifestGroup {
            name: name.clone(),
            path: g.path.clone(),
            repos: g
                .repos
                .iter()
                .filter(|r| listed.contains(r.as_str()))
                .cloned()
                .collect(),
        })
        .collect();
    Manifest { repos, groups }
}

/// Reads a repo's URL and branch with git (two or three quick calls).
fn describe(name: &str, repo: &Repo) -> ManifestRepo {
    let mut entry = ManifestRepo {
        name: name.to_string(),
        url: String::new(),
        path: repo.path.clone(),
        branch: String::new(),
        flags: repo.flags.clone(),
        kind: repo.kind,
        clone: Default::default(),
    };
    if !repo.path.exists() {
        return entry;
    }
    let (dir, flags) = (&repo.path, &repo.flags);
    let branch = git::read(dir, flags, &["symbolic-ref", "-q", "--short", "HEAD"]);
    entry.branch = branch
        .clone()
        .or_else(|| git::read(dir, flags, &["describe", "--tags", "--exact-match"]))
        .or_else(|| git::read(dir, flags, &["rev-parse", "--verify", "-q", "HEAD"]))
        .unwrap_or_default();
    let config = git::read(
        dir,
        flags,
        &[
            "config",
            "-z",
            "--get-regexp",
            r"^(remote\..*\.url|branch\..*\.remote)$",
        ],
    )
    .unwrap_or_default();
    entry.url = pick_url(&config, branch.as_deref());
    entry
}

/// From `git config -z --get-regexp` output: the URL of the branch's remote,
/// else `origin`'s, else the first remote's.
fn pick_url(config: &str, branch: Option<&str>) -> String {
    let pairs: Vec<(&str, &str)> = config
        .split('\0')
        .filter_map(|entry| entry.split_once('\n'))
        .collect();
    let url_of = |remote: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == format!("remote.{remote}.url"))
            .map(|(_, v)| v.to_string())
    };
    let branch_remote = branch.and_then(|b| {
        pairs
            .iter()
            .find(|(k, _)| *k == format!("branch.{b}.remote"))
            .map(|(_, v)| *v)
    });
    branch_remote
        .and_then(url_of)
        .or_else(|| url_of("origin"))
        .or_else(|| {
            let mut urls: Vec<(&str, &str)> = pairs
                .iter()
                .filter(|(k, _)| k.starts_with("remote.") && k.ends_with(".url"))
                .copied()
                .collect();
            urls.sort();
            urls.first().map(|(_, v)| v.to_string())
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::pick_url;

    #[test]
    fn url_prefers_branch_remote_then_origin() {
        let cfg = "remote.origin.url\nO\0remote.up.url\nU\0branch.main.remote\nup\0";
        assert_eq!(pick_url(cfg, Some("main")), "U");
        assert_eq!(pick_url(cfg, Some("other")), "O");
        assert_eq!(pick_url("remote.b.url\nB\0remote.a.url\nA\0", None), "A");
        assert_eq!(pick_url("", None), "");
    }
}
