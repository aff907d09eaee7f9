//! `gita info`: which items `gita ll` shows, and their column widths.

use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::cli::{InfoArgs, InfoCommand};
use crate::ctx::Ctx;
use crate::keys::{Column, InfoItem};
use crate::outln;
use crate::settings::{MAX_WIDTH, default_widths};

pub fn run(ctx: &Ctx, args: &InfoArgs) -> Result<ExitCode> {
    match args.command.as_ref().unwrap_or(&InfoCommand::Ll) {
        InfoCommand::Ll => {
            let settings = ctx.settings()?;
            let used: Vec<&str> = settings.info_items.iter().map(|i| i.as_str()).collect();
            outln!("In use: {}", used.join(","))?;
            let mut unused: Vec<&str> = InfoItem::ALL
                .iter()
                .filter(|i| !settings.info_items.contains(i))
                .map(|i| i.as_str())
                .collect();
            unused.sort();
            if !unused.is_empty() {
                outln!("Unused: {}", unused.join(","))?;
            }
        }
        InfoCommand::Add { item } => {
            ctx.update_settings(|s| {
                if !s.info_items.contains(item) {
                    s.info_items.push(*item);
                }
                Ok(())
            })?;
        }
        InfoCommand::Rm { item } => {
            ctx.update_settings(|s| {
                s.info_items.retain(|i| i != item);
                Ok(())
            })?;
        }
        InfoCommand::SetLength { pairs } => {
            let widths = parse_widths(pairs)?;
            ctx.update_settings(|s| {
                if widths.is_empty() {
                    s.widths = default_widths();
                } else {
                    s.widths.extend(widths);
                }
                Ok(())
            })?;
            outln!(
                "Settings are in {}",
                ctx.file(crate::paths::SETTINGS).display()
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `ITEM WIDTH` pairs; items are the info items plus `symbols`.
fn parse_widths(pairs: &[String]) -> Result<Vec<(Column, usize)>> {
    if !pairs.len().is_multiple_of(2) {
        bail!("set-length takes ITEM WIDTH pairs, e.g. `gita info set-length branch 30`");
    }
    let mut out = Vec::new();
    for pair in pairs.chunks(2) {
        let (item, width) = (&pair[0], &pair[1]);
        let Some(column) = Column::parse(item) else {
            bail!("unknown item '{item}' (one of: {})", Column::list());
        };
        let Some(n) = width.parse::<usize>().ok().filter(|n| *n <= MAX_WIDTH) else {
            bail!(
                "width of '{item}' must be a whole number from 0 to {MAX_WIDTH} (0 = no limit), not '{width}'"
            );
        };
        out.push((column, n));
    }
    Ok(out)
}
