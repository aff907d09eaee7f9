//! `gita clone`: clone one URL and register it, or recreate a whole
//! workspace (see `workspace.rs`) from a manifest (`-f`) or from what a forge
//! holds (`--from`).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};

use crate::cli::CloneArgs;
use crate::ctx::Ctx;
use crate::forge::{self, Upstream};
use crate::manifest::{Manifest, ManifestGroup, ManifestRepo};
use crate::paths::absolute;
use crate::print::sanitize;
use crate::registry::Repo;
use crate::workspace::{Opts, Plan, clone_manifest, plan, register, remote_urls};
use crate::{git, outln};

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
        (Some(_), Some(clonee)) => Err(crate::app::usage_error(
            "clone",
            &format!("--from clones what a forge holds; it takes no URL or manifest ({clonee:?})"),
        )),
        (Some(_), None) if args.preserve_path || args.with_flags => Err(crate::app::usage_error(
            "clone",
            "--preserve-path and --with-flags go with -f, not with --from",
        )),
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

/// `gita clone <url>`: attached to the terminal, then registered.
fn one(ctx: &Ctx, args: &CloneArgs, dir: &Path, url: &str) -> Result<ExitCode> {
    let url = &url.to_string();
    let Some(folder) = folder_name(url) else {
        bail!("cannot tell a folder name from the url '{url}'");
    };
    if let Some(group) = &args.group {
        crate::names::validate_name(group, "group")?;
    }
    let target = dir.join(&folder);
    let entry = ManifestRepo {
        name: folder.clone(),
        url: url.clone(),
        path: target.clone(),
        branch: String::new(),
        flags: Vec::new(),
        kind: None,
        clone: Default::default(),
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
        Plan::Present => crate::say!("{} is already cloned", target.display()),
        Plan::Clone => {
            let status = git::command(dir, &[])
                .env_remove("GIT_TERMINAL_PROMPT")
                .stdin(std::process::Stdio::inherit())
                .arg("clone")
                .args(args.lean.lean().clone_args())
                .args(["--", url])
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
        crate::say!("{} is registered as '{name}'", target.display());
    } else if name != folder {
        crate::say!(
            "registered {} as '{name}' ('{folder}' is taken by another repo or group, or is not a valid name)",
            target.display()
        );
    }
    Ok(ExitCode::SUCCESS)
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
        no_ssh_reuse: args.no_ssh_reuse,
        lean: args.lean.lean(),
    };
    Ok(clone_manifest(ctx, &manifest, &opts, dir)?.into())
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
    let protocol = args.forge.protocol.unwrap_or_else(forge::default_protocol);
    let choice = forge::select(&listing, &args.forge, protocol);
    forge::report_selection(&session.source.text, &listing, &choice);
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
        crate::parallel::map(&in_scope, crate::parallel::GIT_READERS, |(name, r)| {
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
        no_ssh_reuse: args.no_ssh_reuse,
        lean: args.lean.lean(),
    };
    let exit = clone_manifest(ctx, &manifest, &opts, dir)?;
    report_upstream(&session, &listing, protocol, &changes);
    Ok(exit.into())
}

/// Reports registered repos of the forge's owner that were archived, renamed
/// or removed upstream (nothing is deleted or unregistered).
fn report_upstream(
    session: &forge::Session,
    listing: &forge::Listing,
    protocol: crate::cli::Protocol,
    changes: &[forge::Change],
) {
    let label = &session.source.text;
    for c in changes {
        let who = format!("{} ({})", c.name, c.path.display());
        match &c.what {
            Upstream::Archived => {
                crate::say!("{label}: {who} is archived upstream; kept and still registered")
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
                crate::say!(
                    "{label}: {who} was renamed upstream to {new}; not cloned again{follow}"
                );
            }
            Upstream::Gone => crate::say!(
                "{label}: {who} is no longer listed and {} does not know {}: removed upstream, or hidden from this token; kept and still registered",
                session.source.kind.label(),
                c.upstream
            ),
            Upstream::Unlisted(why) => {
                crate::say!("{label}: {who} is no longer listed ({why}); kept and still registered")
            }
        }
    }
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
