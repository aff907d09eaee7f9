//! `gita man [subcommand…]`: the man page in roff, rendered by clap_mangen
//! from the same app `main` parses with, so it never drifts from `--help`.

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap_mangen::Man;

use crate::app;
use crate::cli::ManArgs;
use crate::ctx::Ctx;
use crate::delegate;
use crate::out;

pub fn run(_ctx: &Ctx, args: &ManArgs) -> Result<ExitCode> {
    out!("{}", page(&args.subcommand)?)?;
    Ok(ExitCode::SUCCESS)
}

/// The roff text of gita(1), or of `gita-<sub>…(1)` for a subcommand path.
pub fn page(path: &[String]) -> Result<String> {
    let mut cmd = app::app(&delegate::table_quiet());
    cmd.build();
    for (depth, name) in path.iter().enumerate() {
        let Some(sub) = cmd.find_subcommand(name) else {
            let names: Vec<&str> = cmd.get_subcommands().map(|s| s.get_name()).collect();
            let mut msg = format!(
                "`gita {}` has no subcommand '{name}'",
                path[..depth].join(" ")
            )
            .replace("`gita ` ", "`gita` ");
            let near = crate::names::suggest(name, &names);
            if !near.is_empty() {
                msg.push_str(&format!("; did you mean {}?", near.join(", ")));
            }
            bail!(msg);
        };
        cmd = sub.clone();
    }
    let example = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .find(|n| n != "help");
    let source = format!("gita {}", cmd.get_version().unwrap_or_default());
    let mut buf = Vec::new();
    Man::new(cmd).source(source).render(&mut buf)?;
    let mut text = String::from_utf8_lossy(&buf).into_owned();
    if let Some(example) = example {
        let prefix: String = path.iter().map(|p| format!(" {p}")).collect();
        text.push_str(&format!(
            ".SH \"SEE ALSO\"\nThe page of each subcommand above is printed by \\fBgita man{prefix} SUBCOMMAND\\fR, e.g. \\fBgita man{prefix} {example}\\fR.\n"
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_page_lists_every_subcommand() {
        let text = page(&[]).expect("page");
        assert!(text.starts_with(".ie \\n(.g .ds Aq") || text.contains(".TH gita 1"));
        for sub in app::app(&delegate::builtin()).get_subcommands() {
            assert!(
                text.contains(&format!("gita\\-{}(1)", sub.get_name())),
                "missing {}",
                sub.get_name()
            );
        }
    }

    #[test]
    fn subcommand_pages_and_unknown_names() {
        let text = page(&["group".into(), "add".into()]).expect("page");
        assert!(text.contains(".TH gita-group-add 1"), "{text}");
        let err = page(&["grup".into()]).expect_err("unknown").to_string();
        assert!(err.contains("did you mean group"), "{err}");
    }
}
