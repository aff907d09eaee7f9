//! `gita context`: show or set the sticky group (`auto` = by current folder).

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::ContextArgs;
use crate::ctx::Ctx;
use crate::outln;
use crate::print::sanitize;
use crate::registry::{AUTO, Context};

pub fn run(ctx: &Ctx, args: &ContextArgs) -> Result<ExitCode> {
    match args.choice.as_deref() {
        None => {
            let reg = ctx.registry()?;
            match reg.context(&ctx.cwd) {
                Context::Group(name) => {
                    let members = reg
                        .groups
                        .get(&name)
                        .map(|g| g.repos.join(" "))
                        .unwrap_or_default();
                    let auto = if reg.context.as_deref() == Some(AUTO) {
                        " (auto)"
                    } else {
                        ""
                    };
                    outln!("{}{auto}: {}", sanitize(&name), sanitize(&members))?;
                }
                Context::AutoNoMatch => outln!("auto: none detected!")?,
                Context::None => outln!("Context is not set")?,
            }
        }
        Some("none") => {
            ctx.update_registry(|reg| {
                reg.context = None;
                Ok(())
            })?;
        }
        Some(choice) => {
            ctx.update_registry(|reg| {
                if choice != AUTO {
                    reg.check_groups(&[choice.to_string()])?;
                }
                reg.context = Some(choice.to_string());
                Ok(())
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
