//! Recreating a workspace: each repo a manifest lists is planned (cloned,
//! registered as it is, or reported and left alone), the missing ones are
//! cloned concurrently through the run layer with the recorded branch
//! checked out, and repos and groups are registered. A folder that already
//! holds the repo is registered, not cloned; a folder that holds anything
//! else is reported and never overwritten. Each clone lands in a temp folder
//! beside its target and is renamed into place when complete, so an
//! interrupted run leaves nothing half-made and re-running completes it.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::ctx::Ctx;
use crate::exit::Exit;
use crate::forge;
use crate::keys::RepoKind;
use crate::lean::Lean;
use crate::manifest::{Manifest, ManifestRepo};
use crate::paths::absolute;
use crate::print::sanitize;
use crate::registry::{Registry, Repo};
use crate::run::{self, Job, Options, Program, RunEnd};
use crate::{git, outln};

/// Suffix of the temp folder a clone is made in before it is moved into place.
const PARTIAL: &str = ".gita-partial";

/// The clone step, run by `sh`: clone into the temp folder, check out the
/// recorded branch, then move the finished repo into place.
/// $1 url, $2 temp folder, $3 target, $4 branch, $5 `--bare` or empty, $6
/// the lean clone options (validated words, see `crate::lean`), $7 `1` when
/// the clone gets one branch only, which must then be the recorded one.
const CLONE_SCRIPT: &str = r#"set -u
rm -rf "$2"
if [ -n "$4" ] && [ -n "$7" ]; then
  git clone -q $5 $6 --branch "$4" -- "$1" "$2" || exit $?
else
  git clone -q $5 $6 -- "$1" "$2" || exit $?
fi
rc=0
if [ -n "$4" ] && [ -z "$5" ]; then
  cur=$(git -C "$2" symbolic-ref -q --short HEAD || true)
  if [ "$cur" != "$4" ]; then
    git -C "$2" checkout -q "$4" -- || { echo "gita: cloned into $3, but could not check out '$4'" >&2; rc=1; }
  fi
fi
if [ -d "$3" ]; then rmdir "$3" || exit 1; fi
mv "$2" "$3" || exit 1
[ $rc -eq 0 ] && echo "cloned into $3${4:+ on $4}"
exit $rc"#;

/// What to do with one manifest repo.
#[derive(Debug, PartialEq)]
pub enum Plan {
    Clone,
    /// The target already holds this repo: register it.
    Present,
    /// Reported and skipped: something is in the way (a failure).
    Skip(String),
    /// Nothing to do and nothing wrong (no url to clone from): a note.
    Nothing(String),
}

pub fn plan(entry: &ManifestRepo, target: &Path, dir: &Path) -> Plan {
    let bare = entry.kind == Some(RepoKind::Bare);
    // A nested name (`group/sub/repo`) never lands inside another repo's
    // work tree between the target folder and the clone.
    if let Ok(rel) = target.strip_prefix(dir) {
        let mut inner = dir.to_path_buf();
        let parts: Vec<_> = rel.components().collect();
        for part in parts.iter().take(parts.len().saturating_sub(1)) {
            inner.push(part);
            if git::is_work_tree(&inner) || git::is_bare(&inner) {
                return Plan::Skip(format!(
                    "{} would be inside the repo at {}; left untouched",
                    target.display(),
                    inner.display()
                ));
            }
        }
    }
    if !target.exists() || is_empty_dir(target) {
        if entry.url.is_empty() {
            return Plan::Nothing("no url recorded, nothing to clone from".into());
        }
        return Plan::Clone;
    }
    let is_repo = if bare {
        git::is_bare(target)
    } else {
        git::is_work_tree(target)
    };
    if !is_repo {
        return Plan::Skip(format!(
            "{} exists and is not that repo; left untouched",
            target.display()
        ));
    }
    let urls = remote_urls(target);
    if entry.url.is_empty() || urls.iter().any(|u| same_url(u, &entry.url)) {
        Plan::Present
    } else {
        Plan::Skip(format!(
            "{} holds another repo (remotes: {}); left untouched",
            target.display(),
            if urls.is_empty() {
                "none".to_string()
            } else {
                urls.join(", ")
            }
        ))
    }
}

/// The same repo: equal after dropping scheme, user, port and `.git`, so
/// the ssh and https URLs of one repo match.
fn same_url(a: &str, b: &str) -> bool {
    forge::url_key(a) == forge::url_key(b)
}

pub fn remote_urls(dir: &Path) -> Vec<String> {
    git::read(dir, &[], &["config", "--get-regexp", r"^remote\..*\.url$"])
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(' ').map(|(_, v)| v.to_string()))
        .collect()
}

fn is_empty_dir(p: &Path) -> bool {
    fs::read_dir(p).is_ok_and(|mut d| d.next().is_none())
}

fn partial_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}{PARTIAL}"))
}

fn clone_job(entry: &ManifestRepo, target: &Path, lean: &Lean) -> Result<Job> {
    let (name, url, branch) = (&entry.name, &entry.url, &entry.branch);
    let bare = entry.kind == Some(RepoKind::Bare);
    let parent = target.parent().unwrap_or(Path::new("/"));
    fs::create_dir_all(parent)
        .with_context(|| format!("cannot create folder {}", parent.display()))?;
    let partial = partial_path(target);
    let argv = [
        "sh",
        "-c",
        CLONE_SCRIPT,
        "gita-clone",
        url,
        &partial.to_string_lossy(),
        &target.to_string_lossy(),
        branch,
        if bare { "--bare" } else { "" },
        &lean.clone_args().join(" "),
        if lean.one_branch() { "1" } else { "" },
    ];
    Ok(Job {
        name: name.to_string(),
        path: parent.to_path_buf(),
        program: Program::Exec(argv.iter().map(|s| s.to_string()).collect()),
    })
}

/// Registered paths and the names they are registered under, kept current
/// by [`register_in`] (one lookup per repo instead of a scan of the registry).
pub type PathIndex = HashMap<PathBuf, String>;

/// The [`PathIndex`] of `reg`.
pub fn path_index(reg: &Registry) -> PathIndex {
    reg.names_by_path()
        .into_iter()
        .map(|(p, n)| (p.to_path_buf(), n.to_string()))
        .collect()
}

/// Registers the repo at `path` under `wanted` (or a free variant) unless it
/// is registered already; returns its name.
pub fn register(
    reg: &mut Registry,
    wanted: &str,
    path: &Path,
    flags: &[String],
    kind: Option<RepoKind>,
) -> String {
    let mut index = path_index(reg);
    register_in(reg, &mut index, wanted, path, flags, kind)
}

/// As [`register`], with the registry's paths in `index`.
pub fn register_in(
    reg: &mut Registry,
    index: &mut PathIndex,
    wanted: &str,
    path: &Path,
    flags: &[String],
    kind: Option<RepoKind>,
) -> String {
    if let Some(existing) = index.get(path) {
        return existing.clone();
    }
    let name = if reg.is_name(wanted) || crate::names::validate_name(wanted, "repo").is_err() {
        reg.names_for(&[path.to_path_buf()])
            .pop()
            .unwrap_or_else(|| wanted.to_string())
    } else {
        wanted.to_string()
    };
    reg.repos.insert(
        name.clone(),
        Repo {
            path: path.to_path_buf(),
            flags: flags.to_vec(),
            kind,
            extra: Default::default(),
        },
    );
    index.insert(path.to_path_buf(), name.clone());
    name
}

/// How a manifest is cloned.
pub struct Opts {
    pub preserve_path: bool,
    pub with_flags: bool,
    pub dry_run: bool,
    pub jobs: Option<u32>,
    /// `--no-ssh-reuse`: every clone connects on its own.
    pub no_ssh_reuse: bool,
    /// Lean clone options of the command line, over each repo's own.
    pub lean: Lean,
}

/// Clones what `manifest` lists and is missing under `dir` (or at the
/// recorded paths), then registers the repos and groups. Repos that are
/// already in place are registered, folders holding anything else are
/// reported and left alone.
pub fn clone_manifest(ctx: &Ctx, manifest: &Manifest, args: &Opts, dir: &Path) -> Result<Exit> {
    let targets: Vec<PathBuf> = manifest
        .repos
        .iter()
        .map(|r| {
            if args.preserve_path {
                absolute(dir, &r.path)
            } else {
                dir.join(&r.name)
            }
        })
        .collect();
    let plans: Vec<Plan> = manifest
        .repos
        .iter()
        .zip(&targets)
        .map(|(r, t)| plan(r, t, dir))
        .collect();
    if args.dry_run {
        show_plans(manifest, &targets, &plans, args)?;
        return Ok(Exit::Success);
    }
    let mut failed = false;
    for (r, p) in manifest.repos.iter().zip(&plans) {
        match p {
            Plan::Skip(why) => {
                crate::say!("{}: {}", r.name, sanitize(why));
                failed = true;
            }
            Plan::Nothing(why) => crate::note!("{}: {}", r.name, sanitize(why)),
            Plan::Clone | Plan::Present => {}
        }
    }
    match clone_planned(ctx, manifest, &targets, &plans, args)? {
        RunEnd::Ok => {}
        RunEnd::Failed => failed = true,
        // Interrupted: register nothing more, report the signal.
        RunEnd::Interrupted(sig) => return Ok(Exit::Signal(sig)),
    }
    if !register_in_place(ctx, manifest, &targets, &plans, args)? {
        failed = true;
    }
    Ok(if failed { Exit::Failure } else { Exit::Success })
}

/// `-n`: what cloning the manifest would do.
fn show_plans(manifest: &Manifest, targets: &[PathBuf], plans: &[Plan], args: &Opts) -> Result<()> {
    let with_flags = args.with_flags;
    let flags_note = |r: &ManifestRepo| -> String {
        if r.flags.is_empty() {
            String::new()
        } else if with_flags {
            format!(" [flags: {}]", r.flags.join(" "))
        } else {
            format!(
                " [flags not registered without --with-flags: {}]",
                r.flags.join(" ")
            )
        }
    };
    // Everything shown comes from someone else's file: sanitized.
    let show = |line: String| outln!("{}", sanitize(&line));
    for ((r, t), p) in manifest.repos.iter().zip(targets).zip(plans) {
        let branch = if r.branch.is_empty() {
            String::new()
        } else {
            format!(" (branch {})", r.branch)
        };
        match p {
            Plan::Clone => show(format!(
                "clone {} {} -> {}{branch}{}{}",
                r.name,
                r.url,
                t.display(),
                lean_note(&args.lean.over(&r.clone)),
                flags_note(r)
            ))?,
            Plan::Present => show(format!(
                "register {} (already at {}){}",
                r.name,
                t.display(),
                flags_note(r)
            ))?,
            Plan::Skip(why) | Plan::Nothing(why) => show(format!("skip {}: {why}", r.name))?,
        }
    }
    for g in &manifest.groups {
        show(format!("group {}: {}", g.name, g.repos.join(" ")))?;
    }
    Ok(())
}

/// ` [--depth=1 …]` for a lean clone.
fn lean_note(lean: &Lean) -> String {
    if lean.is_empty() {
        String::new()
    } else {
        format!(" [{}]", lean.clone_args().join(" "))
    }
}

/// Runs the clones that are planned, at most `args.jobs` at once.
fn clone_planned(
    ctx: &Ctx,
    manifest: &Manifest,
    targets: &[PathBuf],
    plans: &[Plan],
    args: &Opts,
) -> Result<RunEnd> {
    let mut clones = Vec::new();
    let mut urls = BTreeMap::new();
    for ((r, t), p) in manifest.repos.iter().zip(targets).zip(plans) {
        if *p == Plan::Clone {
            clones.push(clone_job(r, t, &args.lean.over(&r.clone))?);
            urls.insert(r.name.clone(), r.url.clone());
        }
    }
    if clones.is_empty() {
        return Ok(RunEnd::Ok);
    }
    let options = Options {
        jobs: args.jobs.map(|j| j as usize),
        network: true,
        no_ssh_reuse: args.no_ssh_reuse,
        urls,
        ..Options::default()
    };
    Ok(run::execute(ctx, clones, &options)?.end())
}

/// Registers whatever is now in place: repos that were present and the
/// clones that finished, and the manifest's groups of them. False when a
/// group could not be made.
fn register_in_place(
    ctx: &Ctx,
    manifest: &Manifest,
    targets: &[PathBuf],
    plans: &[Plan],
    args: &Opts,
) -> Result<bool> {
    let mut registered = 0;
    let mut ok = true;
    ctx.update_registry(|reg| {
        let mut names: BTreeMap<&str, String> = BTreeMap::new();
        let mut index = path_index(reg);
        for ((r, t), p) in manifest.repos.iter().zip(targets).zip(plans) {
            // A clone is in place once its target holds a repo (the temp
            // folder is moved there only when the clone finished); no need
            // to ask git about its remotes again.
            let in_place = match p {
                Plan::Present => true,
                Plan::Clone if r.kind == Some(RepoKind::Bare) => git::is_bare(t),
                Plan::Clone => git::is_work_tree(t),
                Plan::Skip(_) | Plan::Nothing(_) => false,
            };
            if !in_place {
                continue;
            }
            // Flags in a manifest are somebody else's: registered only when asked.
            let flags = if args.with_flags { &r.flags[..] } else { &[] };
            let name = register_in(reg, &mut index, &r.name, t, flags, r.kind);
            names.insert(r.name.as_str(), name);
            registered += 1;
        }
        for g in &manifest.groups {
            let members: Vec<String> = g
                .repos
                .iter()
                .filter_map(|m| names.get(m.as_str()).cloned())
                .collect();
            if members.is_empty() && !reg.groups.contains_key(&g.name) {
                continue;
            }
            let path = if args.preserve_path {
                g.path.clone()
            } else {
                None
            };
            if let Err(e) = reg.add_to_group(&g.name, &members, path) {
                crate::say!(
                    "group '{}' not created: {}",
                    g.name,
                    sanitize(&format!("{e:#}"))
                );
                ok = false;
            }
        }
        Ok(())
    })?;
    crate::say!(
        "{registered} of {} repo(s) in place and registered",
        manifest.repos.len()
    );
    let unflagged = manifest
        .repos
        .iter()
        .filter(|r| !r.flags.is_empty())
        .count();
    if unflagged > 0 && !args.with_flags {
        crate::note!(
            "the git flags the manifest lists for {unflagged} repo(s) were not registered; `-n` shows them, `--with-flags` registers them"
        );
    }
    Ok(ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Repo;

    #[test]
    fn register_in_finds_paths_registered_before_and_during_the_run() {
        let mut reg = Registry::default();
        reg.repos.insert("api".into(), Repo::new("/src/api".into()));
        let mut index = path_index(&reg);
        let path = |p: &str| PathBuf::from(p);
        // Already registered: its name, nothing added.
        assert_eq!(
            register_in(&mut reg, &mut index, "other", &path("/src/api"), &[], None),
            "api"
        );
        // A new path under a name that is taken gets a free variant.
        let web = register_in(&mut reg, &mut index, "api", &path("/x/api"), &[], None);
        assert_ne!(web, "api");
        assert_eq!(reg.repos[&web].path, path("/x/api"));
        // Registered earlier in the same run: found through the index.
        assert_eq!(
            register_in(&mut reg, &mut index, "again", &path("/x/api"), &[], None),
            web
        );
        assert_eq!(reg.repos.len(), 2);
        assert_eq!(index, path_index(&reg));
    }
}
