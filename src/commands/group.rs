//! `gita group`: list, add, remove and rename groups. Renaming or removing
//! the context group updates the context.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{GroupArgs, GroupCommand};
use crate::color::Palette;
use crate::ctx::Ctx;
use crate::outln;
use crate::paths::absolute;
use crate::print::sanitize;

pub fn run(ctx: &Ctx, args: &GroupArgs) -> Result<ExitCode> {
    match args
        .command
        .as_ref()
        .unwrap_or(&GroupCommand::Ll { group: None })
    {
        GroupCommand::Ll { group } => {
            let reg = ctx.registry()?;
            if let Some(name) = group {
                reg.check_groups(std::slice::from_ref(name))?;
                if let Some(g) = reg.groups.get(name) {
                    outln!("{}", sanitize(&g.repos.join(" ")))?;
                }
            } else {
                let palette = Palette::new(ctx.color_stdout);
                for (name, g) in &reg.groups {
                    let path = g
                        .path
                        .as_ref()
                        .map(|p| sanitize(&p.to_string_lossy()))
                        .unwrap_or_default();
                    outln!("{}: {path}", palette.heading(&sanitize(name)))?;
                    for repo in &g.repos {
                        outln!("  - {}", sanitize(repo))?;
                    }
                }
            }
        }
        GroupCommand::Ls => {
            let reg = ctx.registry()?;
            let names: Vec<String> = reg.groups.keys().map(|n| sanitize(n)).collect();
            outln!("{}", names.join(" "))?;
        }
        GroupCommand::Add { repos, name, path } => {
            let path = path.as_ref().map(|p| absolute(&ctx.cwd, p));
            ctx.update_registry(|reg| {
                reg.check_repos(repos)?;
                reg.add_to_group(name, repos, path)
            })?;
        }
        GroupCommand::Rmrepo { repos, name } => {
            ctx.update_registry(|reg| {
                reg.check_groups(std::slice::from_ref(name))?;
                reg.check_repos(repos)?;
                let gone: std::collections::BTreeSet<&String> = repos.iter().collect();
                if let Some(g) = reg.groups.get_mut(name) {
                    g.repos.retain(|r| !gone.contains(r));
                }
                Ok(())
            })?;
        }
        GroupCommand::Rename { group, new_name } => {
            ctx.update_registry(|reg| reg.rename_group(group, new_name))?;
        }
        GroupCommand::Rm { groups } => {
            ctx.update_registry(|reg| reg.remove_groups(groups))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
