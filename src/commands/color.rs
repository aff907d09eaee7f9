//! `gita color`: the branch colors of `gita ll` per local/remote situation.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{ColorArgs, ColorCommand};
use crate::color::Palette;
use crate::ctx::Ctx;
use crate::keys::{ColorName, Situation};
use crate::outln;
use crate::settings::default_colors;

pub fn run(ctx: &Ctx, args: &ColorArgs) -> Result<ExitCode> {
    match args.command.as_ref().unwrap_or(&ColorCommand::Ll) {
        ColorCommand::Ll => {
            let settings = ctx.settings()?;
            let palette = Palette::new(ctx.color_stdout);
            for row in ColorName::ALL.chunks(8) {
                let cells: Vec<String> = row
                    .iter()
                    .map(|name| palette.paint(&format!("{:<10}", name.as_str()), *name))
                    .collect();
                outln!("{}", cells.join("").trim_end())?;
            }
            for situation in Situation::ALL {
                let color = settings.color(*situation);
                outln!(
                    "{:<12}: {}",
                    situation.as_str(),
                    palette.paint(color.as_str(), color)
                )?;
            }
        }
        ColorCommand::Set { situation, color } => {
            ctx.update_settings(|s| {
                s.colors.insert(*situation, *color);
                Ok(())
            })?;
        }
        ColorCommand::Reset => {
            ctx.update_settings(|s| {
                s.colors = default_colors();
                Ok(())
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
