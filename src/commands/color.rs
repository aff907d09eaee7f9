//! `gita color`: the branch colors of `gita ll` per local/remote situation.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{ColorArgs, ColorCommand};
use crate::color::{NAMES, Palette};
use crate::outln;
use crate::print::sanitize;
use crate::settings::{Ctx, SITUATIONS, default_colors};

pub fn run(ctx: &Ctx, args: &ColorArgs) -> Result<ExitCode> {
    match args.command.as_ref().unwrap_or(&ColorCommand::Ll) {
        ColorCommand::Ll => {
            let settings = ctx.settings()?;
            let palette = Palette::new(ctx.color_stdout);
            for row in NAMES.chunks(8) {
                let cells: Vec<String> = row
                    .iter()
                    .map(|name| palette.paint(&format!("{name:<9}"), name))
                    .collect();
                outln!("{}", cells.join("").trim_end())?;
            }
            for situation in SITUATIONS {
                // A hand-edited settings file may hold anything here.
                let color = settings.color(situation);
                outln!(
                    "{situation:<12}: {}",
                    palette.paint(&sanitize(color), color)
                )?;
            }
        }
        ColorCommand::Set { situation, color } => {
            ctx.update_settings(|s| {
                s.colors.insert(situation.clone(), color.clone());
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
