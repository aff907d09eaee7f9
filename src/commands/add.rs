//! `gita add`: register repos given directly, found under folders (`-r`),
//! found with groups named after their folders (`-a`), or bare (`-b`).
//! Every path is checked before anything changes; names are chosen under
//! the registry lock so concurrent `gita add` runs never collide.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::cli::AddArgs;
use crate::ctx::Ctx;
use crate::git::{is_bare, is_submodule, is_work_tree};
use crate::keys::RepoKind;
use crate::outln;
use crate::paths::absolute;
use crate::print::sanitize;
use crate::registry::{Registry, Repo};

/// A repo folder found on disk, with the search root it came from.
struct Found {
    path: PathBuf,
    root: PathBuf,
    bare: bool,
}

pub fn run(ctx: &Ctx, args: &AddArgs) -> Result<ExitCode> {
    let roots = roots(ctx, args)?;
    if let Some(group) = &args.group {
        crate::names::validate_name(group, "group")?;
    }
    let found = find(&roots, args)?;
    if args.dry_run {
        let reg = ctx.registry()?;
        let new = new_repos(&reg, &found);
        report_found(new.len())?;
        for (name, f) in new {
            outln!("{name}: {}", sanitize(&f.path.to_string_lossy()))?;
        }
        if let Some(group) = &args.group {
            outln!("(all of them into group {group})")?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    // What happened is said after the registry is saved: a message must
    // never decide (through a closed stdout) whether a change is kept.
    let said = ctx.update_registry(|reg| register(ctx, args, reg, &found))?;
    for line in said {
        outln!("{line}")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The folders named on the command line, absolute; each must exist and be
/// a folder with a UTF-8 path.
fn roots(ctx: &Ctx, args: &AddArgs) -> Result<Vec<PathBuf>> {
    let mut roots = Vec::new();
    for p in &args.paths {
        let abs = absolute(&ctx.cwd, p);
        if abs.exists() && !abs.is_dir() {
            bail!("not a folder: {}", p.display());
        }
        if !abs.is_dir() {
            bail!("no such folder: {}", p.display());
        }
        if abs.to_str().is_none() {
            bail!(
                "gita keeps paths as UTF-8 text and cannot store this one: {}",
                abs.display()
            );
        }
        roots.push(abs);
    }
    Ok(roots)
}

/// The repos at or under `roots`, as the mode asks (one repo each, bare,
/// or searched with -r/-a); sorted, without duplicates or non-UTF-8 paths.
fn find(roots: &[PathBuf], args: &AddArgs) -> Result<Vec<Found>> {
    let mut found = Vec::new();
    for root in roots {
        let one = |bare| Found {
            path: root.clone(),
            root: root.clone(),
            bare,
        };
        if args.recursive || args.auto_group {
            walk(root, root, args.skip_submodule, &mut found);
        } else if args.bare {
            if !is_bare(root) {
                bail!("not a bare git repository: {}", root.display());
            }
            found.push(one(true));
        } else if is_work_tree(root) {
            if !(args.skip_submodule && is_submodule(root)) {
                found.push(one(false));
            }
        } else {
            let hint = if is_bare(root) {
                "it is a bare repository: add it with -b"
            } else {
                "use -r to add the repos inside it"
            };
            bail!("not a git repository: {} ({hint})", root.display());
        }
    }
    found.retain(|f| {
        let utf8 = f.path.to_str().is_some();
        if !utf8 {
            crate::say!(
                "skipping {}: gita keeps paths as UTF-8 text and cannot store this one",
                f.path.to_string_lossy()
            );
        }
        utf8
    });
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found.dedup_by(|a, b| a.path == b.path);
    Ok(found)
}

/// Registers `found` (and groups) in `reg`; returns what to say once saved.
fn register(ctx: &Ctx, args: &AddArgs, reg: &mut Registry, found: &[Found]) -> Result<Vec<String>> {
    let mut said = Vec::new();
    if let Some(group) = &args.group {
        reg.check_group_name(group, true)?;
        // Claim the name first so no new repo is named like the group.
        if !reg.groups.contains_key(group) {
            said.push(format!("Created group {group}."));
            reg.groups.insert(group.clone(), Default::default());
        }
    }
    let new = new_repos(reg, found);
    said.insert(0, found_message(new.len()));
    for (name, f) in &new {
        let mut repo = Repo::new(f.path.clone());
        if f.bare {
            repo.kind = Some(RepoKind::Bare);
        }
        reg.repos.insert(name.clone(), repo);
    }
    if args.auto_group {
        said.extend(auto_group(reg, &new)?);
    }
    if let Some(group) = &args.group {
        // Repos named on the command line join the group even when they
        // were registered before.
        let by_path = reg.names_by_path();
        let members: Vec<String> = found
            .iter()
            .filter_map(|f| by_path.get(f.path.as_path()).map(|n| n.to_string()))
            .collect();
        let group_path = args.group_path.as_ref().map(|p| absolute(&ctx.cwd, p));
        reg.add_to_group(group, &members, group_path)?;
        said.push(format!(
            "Added {} repo(s) to the {group} group.",
            members.len()
        ));
    }
    Ok(said)
}

/// The found repos not registered yet, with the names they get.
fn new_repos<'a>(reg: &Registry, found: &'a [Found]) -> Vec<(String, &'a Found)> {
    let by_path = reg.names_by_path();
    let new: Vec<&Found> = found
        .iter()
        .filter(|f| !by_path.contains_key(f.path.as_path()))
        .collect();
    let paths: Vec<PathBuf> = new.iter().map(|f| f.path.clone()).collect();
    reg.names_for(&paths).into_iter().zip(new).collect()
}

fn found_message(n: usize) -> String {
    if n == 0 {
        "No new repos found!".to_string()
    } else {
        format!("Found {n} new repo(s).")
    }
}

fn report_found(n: usize) -> Result<()> {
    outln!("{}", found_message(n))?;
    Ok(())
}

/// Groups named after the folders between each search root and its repos:
/// a repo at `<root>/a/b/repo` joins `root`, `root-a` and `root-a-b`.
/// Returns what to say once the registry is saved.
fn auto_group(reg: &mut Registry, repos: &[(String, &Found)]) -> Result<Vec<String>> {
    let mut groups: BTreeMap<String, (PathBuf, Vec<String>)> = BTreeMap::new();
    for (name, found) in repos {
        let Ok(rel) = found.path.strip_prefix(&found.root) else {
            continue;
        };
        let mut parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        parts.pop(); // the repo folder itself
        let Some(top) = found.root.file_name() else {
            continue;
        };
        let mut dir = found.root.clone();
        let mut label = top.to_string_lossy().into_owned();
        for i in 0..=parts.len() {
            if i > 0 {
                dir.push(&parts[i - 1]);
                label = format!("{label}-{}", parts[i - 1]);
            }
            let entry = groups
                .entry(label.clone())
                .or_insert_with(|| (dir.clone(), Vec::new()));
            entry.1.push(name.clone());
        }
    }
    let mut created = 0;
    for (group, (path, members)) in groups {
        if reg.check_group_name(&group, true).is_err() {
            crate::say!("skipping group '{group}': the name is taken by a repo or reserved");
            continue;
        }
        if !reg.groups.contains_key(&group) {
            created += 1;
        }
        let keep_path = reg.groups.get(&group).and_then(|g| g.path.clone());
        reg.add_to_group(&group, &members, Some(keep_path.unwrap_or(path)))?;
    }
    Ok(if created > 0 {
        vec![format!("Created {created} new group(s).")]
    } else {
        Vec::new()
    })
}

/// Collects work trees at or below `dir`, skipping hidden folders and not
/// following symlinks (no cycles).
fn walk(root: &Path, dir: &Path, skip_submodule: bool, found: &mut Vec<Found>) {
    if is_work_tree(dir) && !(skip_submodule && is_submodule(dir)) {
        found.push(Found {
            path: dir.to_path_buf(),
            root: root.to_path_buf(),
            bare: false,
        });
    }
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            crate::say!("skipping {}: {e}", sanitize(&dir.to_string_lossy()));
            return;
        }
    };
    let mut subdirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    subdirs.sort();
    for sub in subdirs {
        walk(root, &sub, skip_submodule, found);
    }
}
