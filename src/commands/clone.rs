//! `gita clone`: clone one URL and register it, or recreate a whole
//! workspace from a manifest (`-f`) or from what a forge holds (`--from`):
//! concurrent bounded clones through the run layer,
//! the recorded branch checked out, repos and groups registered. A folder
//! that already holds the repo is registered, not cloned; a folder that holds
//! anything else is reported and never overwritten. Each clone lands in a
//! temp folder beside its target and is renamed into place when complete, so
//! an interrupted run leaves nothing half-made and re-running completes it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};

use crate::cli::CloneArgs;
use crate::ctx::Ctx;
use crate::exit::Exit;
use crate::forge::{self, Upstream};
use crate::keys::RepoKind;
use crate::manifest::{Manifest, ManifestGroup, ManifestRepo};
use crate::paths::absolute;
use crate::print::sanitize;
use crate::registry::{Registry, Repo};
use crate::run::{self, Job, Options, Program, RunEnd};
use crate::{git, outln};

/// Suffix of the temp folder a clone is made in before it is moved into place.
const PARTIAL: &str = ".gita-partial";

/// The clone step, run by `sh`: clone into the temp folder, check out the
/// recorded branch, then move the finished repo into place.
/// $1 url, $2 temp folder, $3 target, $4 branch, $5 `--bare` or empty.
const CLONE_SCRIPT: &str = r#"set -u
rm -rf "$2"
git clone -q $5 -- "$1" "$2" || exit $?
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

pub fn run(ctx: &Ctx, args: &CloneArgs) -> Result<ExitCode> {
    let dir = match &args.directory {
        Some(d) => {
            let d = absolute(&ctx.cwd, d);
            if !d.is_dir() && !args.dry_run {
                fs::create_dir_all(&d)
                    .with_context(|| format!("cannot create folder {}", d.display()))?;
            }
            d
        }
        None => ctx.cwd.clone(),
    };
    match (&args.from, &args.clonee) {
        (Some(_), Some(clonee)) => crate::cli::usage_error(
            "clone",
            &format!("--from clones what a forge holds; it takes no URL or manifest ({clonee:?})"),
        ),
        (Some(_), None) if args.preserve_path || args.with_flags => crate::cli::usage_error(
            "clone",
            "--preserve-path and --with-flags go with -f, not with --from",
        ),
        (Some(source), None) => from_forge(ctx, args, &dir, source),
        (None, Some(clonee)) if args.from_file => from_manifest(ctx, args, &dir, clonee),
        (None, Some(clonee)) => one(ctx, args, &dir, clonee),
        (None, None) => bail!("name a URL, a manifest with -f, or a forge with --from"),
    }
}

/// The folder name git would pick for `url` ("humanish" part).
pub fn folder_name(url: &str) -> Option<String> {
    let trimmed = url.trim_end_matches('/');
    let trimmed = trimmed.strip_suffix("/.git").unwrap_or(trimmed);
    let last = trimmed.rsplit(['/', ':', '\\']).next()?;
    let last = last.strip_suffix(".git").unwrap_or(last);
    (!last.is_empty() && last != "." && last != "..").then(|| last.to_string())
}

/// What to do with one manifest repo.
#[derive(Debug, PartialEq)]
enum Plan {
    Clone,
    /// The target already holds this repo: register it.
    Present,
    /// Reported and skipped: something is in the way (a failure).
    Skip(String),
    /// Nothing to do and nothing wrong (no url to clone from): a note.
    Nothing(String),
}

fn plan(entry: &ManifestRepo, target: &Path, dir: &Path) -> Plan {
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

fn remote_urls(dir: &Path) -> Vec<String> {
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

fn clone_job(name: &str, url: &str, target: &Path, branch: &str, bare: bool) -> Result<Job> {
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
    ];
    Ok(Job {
        name: name.to_string(),
        path: parent.to_path_buf(),
        program: Program::Exec(argv.iter().map(|s| s.to_string()).collect()),
    })
}

/// `gita clone <url>`: attached to the terminal, then registered.
fn one(ctx: &Ctx, args: &CloneArgs, dir: &Path, url: &str) -> Result<ExitCode> {
    let url = &url.to_string();
    let Some(folder) = folder_name(url) else {
        bail!("cannot tell a folder name from the url '{url}'");
    };
    if let Some(group) = &args.group {
        crate::registry::validate_name(group, "group")?;
    }
    let target = dir.join(&folder);
    let entry = ManifestRepo {
        name: folder.clone(),
        url: url.clone(),
        path: target.clone(),
        branch: String::new(),
        flags: Vec::new(),
        kind: None,
    };
    let action = plan(&entry, &target, dir);
    if args.dry_run {
        match &action {
            Plan::Clone => outln!("git clone {url} {}", target.display())?,
            Plan::Present => outln!("already cloned: {}", target.display())?,
            Plan::Skip(why) | Plan::Nothing(why) => outln!("skip {folder}: {}", sanitize(why))?,
        }
        if let Some(g) = &args.group {
            outln!("register {folder} in group {g}")?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    match action {
        Plan::Skip(why) | Plan::Nothing(why) => bail!("{why}"),
        Plan::Present => eprintln!("gita: {} is already cloned", target.display()),
        Plan::Clone => {
            let status = git::command(dir, &[])
                .env_remove("GIT_TERMINAL_PROMPT")
                .stdin(std::process::Stdio::inherit())
                .args(["clone", "--", url])
                .arg(&target)
                .status()
                .map_err(|e| anyhow::anyhow!("{}", git::spawn_error("git", dir, &e)))?;
            if !status.success() {
                bail!("git clone {url} failed (see git's message above); nothing was registered");
            }
        }
    }
    let target = absolute(&ctx.cwd, &target);
    let (name, known) = ctx.update_registry(|reg| {
        let known = reg.name_of_path(&target).is_some();
        let name = register(reg, &folder, &target, &[], None);
        if let Some(g) = &args.group {
            reg.add_to_group(g, std::slice::from_ref(&name), None)?;
        }
        Ok((name, known))
    })?;
    if known {
        eprintln!("gita: {} is registered as '{name}'", target.display());
    } else if name != folder {
        eprintln!(
            "gita: registered {} as '{name}' ('{folder}' is taken by another repo or group, or is not a valid name)",
            target.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Registers the repo at `path` under `wanted` (or a free variant) unless it
/// is registered already; returns its name.
fn register(
    reg: &mut Registry,
    wanted: &str,
    path: &Path,
    flags: &[String],
    kind: Option<RepoKind>,
) -> String {
    if let Some(existing) = reg.name_of_path(path) {
        return existing.to_string();
    }
    let name = if reg.is_name(wanted) || crate::registry::validate_name(wanted, "repo").is_err() {
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
    name
}

/// How a manifest is cloned.
struct Opts {
    preserve_path: bool,
    with_flags: bool,
    dry_run: bool,
    jobs: Option<u32>,
}

/// `gita clone -f <manifest>`.
fn from_manifest(ctx: &Ctx, args: &CloneArgs, dir: &Path, file: &str) -> Result<ExitCode> {
    let file = absolute(&ctx.cwd, Path::new(file));
    let Some(text) = crate::store::read_text(&file)? else {
        bail!("cannot read manifest {}: no such file", file.display());
    };
    let (manifest, _) = Manifest::parse(&text, &file)?;
    if args.with_flags {
        let refused: Vec<String> = manifest
            .repos
            .iter()
            .filter_map(|r| {
                crate::trust::check_flags(&r.flags)
                    .err()
                    .map(|e| format!("{}: {e:#}", r.name))
            })
            .collect();
        if !refused.is_empty() {
            bail!(
                "{}: refusing the manifest's flags (nothing was cloned or registered):\n  {}",
                file.display(),
                refused.join("\n  ")
            );
        }
    }
    let opts = Opts {
        preserve_path: args.preserve_path,
        with_flags: args.with_flags,
        dry_run: args.dry_run,
        jobs: args.jobs,
    };
    Ok(clone_manifest(ctx, &manifest, &opts, dir)?.into())
}

/// Clones what `manifest` lists and is missing under `dir` (or at the
/// recorded paths), then registers the repos and groups. Repos that are
/// already in place are registered, folders holding anything else are
/// reported and left alone.
fn clone_manifest(ctx: &Ctx, manifest: &Manifest, args: &Opts, dir: &Path) -> Result<Exit> {
    // Flags in a manifest are somebody else's: registered only when asked.
    let flags_of = |r: &ManifestRepo| -> Vec<String> {
        if args.with_flags {
            r.flags.clone()
        } else {
            Vec::new()
        }
    };
    let with_flags_note = |r: &ManifestRepo| -> String {
        if r.flags.is_empty() {
            String::new()
        } else if args.with_flags {
            format!(" [flags: {}]", r.flags.join(" "))
        } else {
            format!(
                " [flags not registered without --with-flags: {}]",
                r.flags.join(" ")
            )
        }
    };

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
        // Everything shown comes from someone else's file: sanitized.
        let show = |line: String| outln!("{}", sanitize(&line));
        for ((r, t), p) in manifest.repos.iter().zip(&targets).zip(&plans) {
            let branch = if r.branch.is_empty() {
                String::new()
            } else {
                format!(" (branch {})", r.branch)
            };
            match p {
                Plan::Clone => show(format!(
                    "clone {} {} -> {}{branch}{}",
                    r.name,
                    r.url,
                    t.display(),
                    with_flags_note(r)
                ))?,
                Plan::Present => show(format!(
                    "register {} (already at {}){}",
                    r.name,
                    t.display(),
                    with_flags_note(r)
                ))?,
                Plan::Skip(why) | Plan::Nothing(why) => show(format!("skip {}: {why}", r.name))?,
            }
        }
        for g in &manifest.groups {
            show(format!("group {}: {}", g.name, g.repos.join(" ")))?;
        }
        return Ok(Exit::Success);
    }

    let mut failed = false;
    for (r, p) in manifest.repos.iter().zip(&plans) {
        match p {
            Plan::Skip(why) => {
                eprintln!("gita: {}: {}", r.name, sanitize(why));
                failed = true;
            }
            Plan::Nothing(why) => eprintln!("gita: note: {}: {}", r.name, sanitize(why)),
            Plan::Clone | Plan::Present => {}
        }
    }
    let mut jobs = Vec::new();
    for ((r, t), p) in manifest.repos.iter().zip(&targets).zip(&plans) {
        if *p == Plan::Clone {
            let bare = r.kind == Some(RepoKind::Bare);
            jobs.push(clone_job(&r.name, &r.url, t, &r.branch, bare)?);
        }
    }
    if !jobs.is_empty() {
        let options = Options {
            jobs: args.jobs.map(|j| j as usize),
            ..Options::default()
        };
        match run::execute(ctx, jobs, &options)?.end() {
            RunEnd::Ok => {}
            RunEnd::Failed => failed = true,
            // Interrupted: register nothing more, report the signal.
            RunEnd::Interrupted(sig) => return Ok(Exit::Signal(sig)),
        }
    }

    // Register whatever is now in place: repos that were present and the
    // clones that finished.
    let mut registered = 0;
    ctx.update_registry(|reg| {
        let mut names: BTreeMap<&str, String> = BTreeMap::new();
        for ((r, t), p) in manifest.repos.iter().zip(&targets).zip(&plans) {
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
            let name = register(reg, &r.name, t, &flags_of(r), r.kind);
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
                eprintln!(
                    "gita: group '{}' not created: {}",
                    g.name,
                    sanitize(&format!("{e:#}"))
                );
                failed = true;
            }
        }
        Ok(())
    })?;
    eprintln!(
        "gita: {registered} of {} repo(s) in place and registered",
        manifest.repos.len()
    );
    let unflagged = manifest
        .repos
        .iter()
        .filter(|r| !r.flags.is_empty())
        .count();
    if unflagged > 0 && !args.with_flags {
        eprintln!(
            "gita: note: the git flags the manifest lists for {unflagged} repo(s) were not registered; `-n` shows them, `--with-flags` registers them"
        );
    }
    Ok(if failed { Exit::Failure } else { Exit::Success })
}

/// `gita clone --from <source>`: lists the forge, clones what is missing
/// through [`clone_manifest`], registers it (and the group of `-g`), then
/// reports registered repos of that owner that were archived, renamed or
/// removed upstream. Nothing is deleted or unregistered.
///
/// The registered repos compared with the listing are those in the target
/// folder (at any depth) and, with `-g`, those of the group, whose remote URL
/// points to the same owner as the listed repos' URLs (see
/// [`forge::compare`]).
fn from_forge(ctx: &Ctx, args: &CloneArgs, dir: &Path, source: &str) -> Result<ExitCode> {
    let reg = ctx.registry()?;
    if let Some(g) = &args.group {
        reg.check_group_name(g, true)?;
    }
    let (session, listing) = forge::list(ctx, &args.forge, source)?;
    let label = session.source.text.clone();
    let protocol = args.forge.protocol.unwrap_or_else(forge::default_protocol);
    let choice = forge::select(&listing, &args.forge, protocol);
    forge::report_selection(&label, &listing, &choice);
    let mut manifest = forge::manifest(&listing, &choice, protocol);

    let members: BTreeSet<&str> = args
        .group
        .as_ref()
        .and_then(|g| reg.groups.get(g))
        .map(|g| g.repos.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let in_scope: Vec<(&String, &Repo)> = reg
        .repos
        .iter()
        .filter(|(name, r)| forge::is_under(&r.path, dir) || members.contains(name.as_str()))
        .collect();
    let candidates: Vec<(String, PathBuf, Vec<String>)> =
        git::parallel_map(&in_scope, 8, |(name, r)| {
            ((*name).clone(), r.path.clone(), remote_urls(&r.path))
        });
    let changes = forge::compare(&session, &listing, args.forge.archived, &candidates)?;

    // A repo renamed upstream is already here under its old name: its new
    // name is not cloned a second time.
    let renamed: BTreeSet<String> = changes
        .iter()
        .filter_map(|c| match &c.what {
            Upstream::Renamed(new) => Some(new.to_lowercase()),
            _ => None,
        })
        .collect();
    manifest
        .repos
        .retain(|r| !renamed.contains(&r.name.to_lowercase()) || dir.join(&r.name).exists());
    if let Some(g) = &args.group {
        manifest.groups.push(ManifestGroup {
            name: g.clone(),
            path: None,
            repos: manifest.repos.iter().map(|r| r.name.clone()).collect(),
        });
    }
    let opts = Opts {
        preserve_path: false,
        with_flags: false,
        dry_run: args.dry_run,
        jobs: args.jobs,
    };
    let exit = clone_manifest(ctx, &manifest, &opts, dir)?;
    for c in &changes {
        let who = format!("{} ({})", c.name, c.path.display());
        match &c.what {
            Upstream::Archived => {
                eprintln!("gita: {label}: {who} is archived upstream; kept and still registered")
            }
            Upstream::Renamed(new) => {
                let url = listing
                    .repos
                    .iter()
                    .find(|r| r.name.eq_ignore_ascii_case(new))
                    .map(|r| forge::url_for(r, protocol).to_string())
                    .filter(|u| !u.is_empty());
                let follow = match url {
                    Some(u) => format!(
                        "; to follow it: git -C {} remote set-url origin {u}",
                        c.path.display()
                    ),
                    None => String::new(),
                };
                eprintln!(
                    "gita: {label}: {who} was renamed upstream to {new}; not cloned again{follow}"
                );
            }
            Upstream::Gone => eprintln!(
                "gita: {label}: {who} is no longer listed and {} does not know {}: removed upstream, or hidden from this token; kept and still registered",
                session.source.kind.label(),
                c.upstream
            ),
            Upstream::Unlisted(why) => eprintln!(
                "gita: {label}: {who} is no longer listed ({why}); kept and still registered"
            ),
        }
    }
    Ok(exit.into())
}

#[cfg(test)]
mod tests {
    use super::folder_name;

    #[test]
    fn folder_names_like_git() {
        assert_eq!(folder_name("https://h/x/api.git").as_deref(), Some("api"));
        assert_eq!(folder_name("git@h:me/web").as_deref(), Some("web"));
        assert_eq!(folder_name("/srv/r/lib.git/").as_deref(), Some("lib"));
        assert_eq!(folder_name("/srv/r/lib/.git").as_deref(), Some("lib"));
        assert_eq!(folder_name("file:///tmp/a").as_deref(), Some("a"));
        assert_eq!(folder_name("/"), None);
    }
}
