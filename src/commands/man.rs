//! `gita man [subcommand…]`: the man page in roff, rendered by clap_mangen
//! from the same app `main` parses with, so it never drifts from `--help`.

use std::process::ExitCode;

use std::path::Path;

use anyhow::{Context as _, Result, bail};
use clap_mangen::Man;

use crate::app;
use crate::cli::ManArgs;
use crate::ctx::Ctx;
use crate::delegate;
use crate::{out, outln};

pub fn run(ctx: &Ctx, args: &ManArgs) -> Result<ExitCode> {
    match &args.out_dir {
        Some(dir) => {
            let dir = crate::paths::absolute(&ctx.cwd, dir);
            let written = write_all(&dir)?;
            outln!("wrote {written} pages to {}", dir.display())?;
        }
        None => out!("{}", page(&args.subcommand)?)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the page of gita and of every subcommand, at every depth, into
/// `dir` as `gita.1`, `gita-add.1`, `gita-group-add.1`, …; returns how many.
fn write_all(dir: &Path) -> Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut cmd = app::app(&delegate::table_quiet());
    cmd.build();
    let mut paths: Vec<Vec<String>> = vec![Vec::new()];
    let mut stack: Vec<(Vec<String>, clap::Command)> = vec![(Vec::new(), cmd)];
    while let Some((path, cmd)) = stack.pop() {
        for sub in cmd.get_subcommands() {
            let mut p = path.clone();
            p.push(sub.get_name().to_string());
            paths.push(p.clone());
            stack.push((p, sub.clone()));
        }
    }
    for path in &paths {
        let mut name = String::from("gita");
        for part in path {
            name.push('-');
            name.push_str(part);
        }
        let file = dir.join(format!("{name}.1"));
        std::fs::write(&file, page(path)?)
            .with_context(|| format!("cannot write {}", file.display()))?;
    }
    Ok(paths.len())
}

/// The ENVIRONMENT, FILES and EXIT STATUS sections of gita(1).
const TOP_SECTIONS: &str = r#".SH ENVIRONMENT
.TP
\fBGITA_PROJECT_HOME\fR
gita keeps its files in \fI$GITA_PROJECT_HOME/gita\fR; an absolute path.
.TP
\fBXDG_CONFIG_HOME\fR
Else in \fI$XDG_CONFIG_HOME/gita\fR (ignored when relative), else in \fI~/.config/gita\fR.
.TP
\fBNO_COLOR\fR
Set to anything: no colors unless \fB\-\-color always\fR.
.TP
\fBGITA_STATUS_ENGINE\fR
\fBgix\fR, \fBgit\fR or \fBauto\fR (default): how \fBgita ll\fR reads repos.
.TP
\fBGITA_STATUS_CACHE\fR
\fBoff\fR: \fBgita ll\fR reads every repo in full instead of serving unchanged repos from its cache.
.TP
\fBXDG_CACHE_HOME\fR
\fBgita ll\fR keeps its cache of unchanged repos in \fI$XDG_CACHE_HOME/gita/status\fR (ignored when relative), else in \fI~/.cache/gita/status\fR.
.TP
\fBGITA_COMPLETE\fR
Set by the completion scripts: the run answers a completion request.
.TP
\fBGIT_DIR\fR, \fBGIT_WORK_TREE\fR, \fBGIT_INDEX_FILE\fR, \fBGIT_CONFIG_PARAMETERS\fR, ...
The repository-local variables of \fBgit rev\-parse \-\-local\-env\-vars\fR are dropped at start, so every repo's command sees only its own repo (gita run from a git hook acts on the right repos).
.TP
\fBGIT_CEILING_DIRECTORIES\fR
Kept, with each repo's parent added, so git never acts on an enclosing repo.
.TP
\fBGITHUB_TOKEN\fR, \fBGH_TOKEN\fR, \fBGH_ENTERPRISE_TOKEN\fR, \fBGITLAB_TOKEN\fR, \fBGITEA_TOKEN\fR, \fBFORGEJO_TOKEN\fR
Tokens for \fBgita discover\fR and \fBgita clone \-\-from\fR, sent only to their API host.
.TP
\fBSSH_AUTH_SOCK\fR, \fBHOME\fR
An ssh agent or a \fI~/.ssh/id_*\fR key makes ssh the default clone protocol of \fBclone \-\-from\fR.
.TP
\fBHTTPS_PROXY\fR, \fBHTTP_PROXY\fR, \fBNO_PROXY\fR
Used for forge API requests.
.SH FILES
.TP
\fIregistry.yml\fR
Repos, groups and the context.
.TP
\fIsettings.yml\fR
Colors, symbols, \fBll\fR columns and widths, default concurrency, forge token commands.
.TP
\fIcmds.yml\fR
Your own delegated commands (Python gita's \fIcmds.json\fR is read when it is absent).
.TP
\fIrepos.csv\fR, \fIgroups.csv\fR, \fI*.context\fR, ...
Python gita's files: imported once, read again by \fBgita import\fR, never changed.
.SH "EXIT STATUS"
.TP
\fB0\fR
Success; also when stdout is a closed pipe, and when a selection is empty.
.TP
\fB1\fR
An error, or a command that failed in at least one repo.
.TP
\fB2\fR
A usage error.
.TP
\fB128+N\fR
Stopped by signal N (130 for Ctrl\-C); every command gita started was stopped too.
"#;

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
    if path.is_empty() {
        text.push_str(TOP_SECTIONS);
    }
    if let Some(example) = example {
        let prefix: String = path.iter().map(|p| format!(" {p}")).collect();
        text.push_str(&format!(
            ".SH \"SEE ALSO\"\nEach subcommand above has its own page: \\fBgita man{prefix} SUBCOMMAND\\fR prints it (e.g. \\fBgita man{prefix} {example}\\fR), and \\fBgita man \\-\\-out\\-dir DIR\\fR writes every page into DIR.\n"
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
