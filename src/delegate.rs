//! The table of delegated commands (`gita fetch`, `gita st`, …): Python gita's
//! built-ins merged with the user's `cmds.yml` (or a Python gita `cmds.json`),
//! turned into real clap subcommands at runtime so help, usage errors and
//! completion see them.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, Result, bail};
use clap::{Arg, ArgAction, ArgMatches, Command};
use serde::Deserialize;

use crate::shellwords::{shell_quote, split_words};

use crate::run::Program;

/// One delegated command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegated {
    pub name: String,
    /// The command line, e.g. `git log --oneline -7`.
    pub cmd: String,
    pub help: String,
    /// No names given = every repo (or the context group).
    pub allow_all: bool,
    /// Run one repo at a time attached to the terminal.
    pub interactive: bool,
    /// Run `cmd` with `sh -c` instead of splitting it into words.
    pub shell: bool,
    /// Talks to remotes (`network: true` in cmds.yml): worth sharing ssh
    /// connections, as fetch, pull and push do.
    pub network: bool,
}

impl Delegated {
    /// What to run in a repo whose registered flags are `flags`, with `extra`
    /// (the words after `--`) appended to the command. Flags go right after
    /// `git`; a shell command line cannot take them, and gets `extra`
    /// shell-quoted.
    pub fn program(&self, flags: &[String], extra: &[String]) -> Result<Program> {
        if self.shell {
            let mut line = self.cmd.clone();
            for word in extra {
                line.push(' ');
                line.push_str(&shell_quote(word));
            }
            return Ok(Program::Shell(line));
        }
        let mut words = split_words(&self.cmd)
            .with_context(|| format!("cannot parse the command of `gita {}`", self.name))?;
        if words.is_empty() {
            bail!("`gita {}` has an empty command", self.name);
        }
        words.extend(extra.iter().cloned());
        match words.split_first() {
            Some((first, rest)) if first == "git" => Ok(Program::Git {
                flags: flags.to_vec(),
                args: rest.to_vec(),
            }),
            _ => Ok(Program::Exec(words)),
        }
    }

    /// The git subcommand this runs (`log` for `git log -1`), if any.
    pub fn git_subcommand(&self) -> Option<String> {
        let words = split_words(&self.cmd).ok()?;
        (words.first()? == "git").then(|| words.get(1).cloned())?
    }
}

/// A built-in delegated command.
struct Builtin {
    name: &'static str,
    cmd: &'static str,
    help: &'static str,
    /// No names given = every repo (or the context group).
    allow_all: bool,
    /// Run attached, one repo at a time (Python gita's `disable_async`).
    interactive: bool,
}

/// Python gita's `cmds.json`, with the same help and flags.
const BUILTIN: &[Builtin] = &[
    Builtin {
        name: "br",
        cmd: "git branch -vv",
        help: "show local branches",
        allow_all: false,
        interactive: false,
    },
    Builtin {
        name: "clean",
        cmd: "git clean -dfx",
        help: "remove all untracked files/folders",
        allow_all: false,
        interactive: false,
    },
    Builtin {
        name: "diff",
        cmd: "git diff",
        help: "git show differences",
        allow_all: false,
        interactive: false,
    },
    Builtin {
        name: "difftool",
        cmd: "git difftool",
        help: "show differences using a tool",
        allow_all: false,
        interactive: true,
    },
    Builtin {
        name: "fetch",
        cmd: "git fetch",
        help: "fetch remote update",
        allow_all: true,
        interactive: false,
    },
    Builtin {
        name: "last",
        cmd: "git log -1 HEAD",
        help: "show log information of HEAD",
        allow_all: false,
        interactive: false,
    },
    Builtin {
        name: "lo",
        cmd: "git log --oneline -7",
        help: "show one-line log for the latest 7 commits",
        allow_all: true,
        interactive: false,
    },
    Builtin {
        name: "log",
        cmd: "git log",
        help: "show logs",
        allow_all: false,
        interactive: true,
    },
    Builtin {
        name: "merge",
        cmd: "git merge @{u}",
        help: "merge remote updates",
        allow_all: false,
        interactive: false,
    },
    Builtin {
        name: "mergetool",
        cmd: "git mergetool",
        help: "merge updates with a tool",
        allow_all: false,
        interactive: true,
    },
    Builtin {
        name: "patch",
        cmd: "git format-patch HEAD~",
        help: "make a patch",
        allow_all: false,
        interactive: false,
    },
    Builtin {
        name: "pull",
        cmd: "git pull",
        help: "pull remote updates",
        allow_all: true,
        interactive: false,
    },
    Builtin {
        name: "push",
        cmd: "git push",
        help: "push the local updates",
        allow_all: true,
        interactive: false,
    },
    Builtin {
        name: "rebase",
        cmd: "git rebase",
        help: "rebase from master",
        allow_all: false,
        interactive: false,
    },
    Builtin {
        name: "reflog",
        cmd: "git reflog",
        help: "show ref logs",
        allow_all: false,
        interactive: false,
    },
    Builtin {
        name: "remote",
        cmd: "git remote -v",
        help: "show remote settings",
        allow_all: false,
        interactive: false,
    },
    Builtin {
        name: "reset",
        cmd: "git reset",
        help: "reset repo(s)",
        allow_all: false,
        interactive: false,
    },
    Builtin {
        name: "show",
        cmd: "git show",
        help: "show detailed commit information",
        allow_all: false,
        interactive: true,
    },
    Builtin {
        name: "stash",
        cmd: "git stash",
        help: "store uncommited changes",
        allow_all: false,
        interactive: false,
    },
    Builtin {
        name: "stat",
        cmd: "git diff --stat",
        help: "show edit statistics",
        allow_all: true,
        interactive: false,
    },
    Builtin {
        name: "st",
        cmd: "git status",
        help: "show status",
        allow_all: true,
        interactive: false,
    },
    Builtin {
        name: "tag",
        cmd: "git tag -n",
        help: "show tags",
        allow_all: false,
        interactive: false,
    },
];

/// The built-in commands.
pub fn builtin() -> BTreeMap<String, Delegated> {
    BUILTIN
        .iter()
        .map(|b| {
            let d = Delegated {
                name: b.name.into(),
                cmd: b.cmd.into(),
                help: b.help.into(),
                allow_all: b.allow_all,
                interactive: b.interactive,
                shell: false,
                network: false,
            };
            (d.name.clone(), d)
        })
        .collect()
}

/// One entry of `cmds.yml` / `cmds.json`. Keys gita does not know are
/// accepted, as Python gita accepts them, and named in a warning.
#[derive(Debug, Deserialize)]
struct Spec {
    cmd: String,
    #[serde(default)]
    help: Option<String>,
    #[serde(default)]
    allow_all: bool,
    #[serde(default, alias = "interactive")]
    disable_async: bool,
    #[serde(default)]
    shell: bool,
    #[serde(default)]
    network: bool,
    #[serde(flatten)]
    unknown: BTreeMap<String, serde_norway::Value>,
}

/// Built-ins merged with the user's commands from `config_dir`: `cmds.yml`,
/// or Python gita's `cmds.json` when there is no `cmds.yml`. User entries
/// replace built-ins of the same name. Names in `reserved` (gita's own
/// subcommands) cannot be overridden; such entries are returned as warnings.
pub fn load(
    config_dir: &Path,
    reserved: &[&str],
) -> Result<(BTreeMap<String, Delegated>, Vec<String>)> {
    let mut table = builtin();
    let mut warnings = Vec::new();
    for (name, spec) in user_specs(config_dir)? {
        if reserved.contains(&name.as_str()) {
            warnings.push(format!(
                "ignoring custom command `{name}`: it would hide gita's own `{name}` command"
            ));
            continue;
        }
        if name.is_empty() || name.starts_with('-') || name.chars().any(char::is_whitespace) {
            warnings.push(format!(
                "ignoring custom command `{name}`: not a usable command name"
            ));
            continue;
        }
        if !spec.unknown.is_empty() {
            let keys: Vec<&str> = spec.unknown.keys().map(String::as_str).collect();
            warnings.push(format!(
                "custom command `{name}`: ignoring {} (known: cmd, help, allow_all, disable_async, shell, network)",
                keys.join(", ")
            ));
        }
        let help = spec.help.unwrap_or_else(|| format!("run `{}`", spec.cmd));
        table.insert(
            name.clone(),
            Delegated {
                name,
                cmd: spec.cmd,
                help,
                allow_all: spec.allow_all,
                interactive: spec.disable_async,
                shell: spec.shell,
                network: spec.network,
            },
        );
    }
    Ok((table, warnings))
}

fn user_specs(config_dir: &Path) -> Result<BTreeMap<String, Spec>> {
    let yml = config_dir.join(crate::paths::CMDS);
    if let Some(text) = crate::store::read_text(&yml)? {
        return crate::store::parse(&text, &yml);
    }
    let json = config_dir.join("cmds.json");
    match crate::store::read_text(&json)? {
        Some(text) if !text.trim().is_empty() => serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}:{}:{}: cannot parse: {e}",
                json.display(),
                e.line(),
                e.column()
            )
        }),
        _ => Ok(BTreeMap::new()),
    }
}

/// The table for the command line: built-ins plus the user's commands.
/// Problems with the user's file are warnings, so a broken `cmds.yml` never
/// makes gita's own commands unusable.
pub fn table_for_cli() -> BTreeMap<String, Delegated> {
    let (table, warnings) = table_and_warnings();
    for w in warnings {
        crate::warning!("{}", crate::print::sanitize(&w));
    }
    table
}

/// The same table without printing the warnings (for completion requests
/// and the man page, which must not print them).
pub fn table_quiet() -> BTreeMap<String, Delegated> {
    table_and_warnings().0
}

fn table_and_warnings() -> (BTreeMap<String, Delegated>, Vec<String>) {
    let app = <crate::cli::Cli as clap::CommandFactory>::command();
    let mut reserved: Vec<&str> = app.get_subcommands().map(|c| c.get_name()).collect();
    reserved.push("help");
    let Ok(dir) = crate::paths::config_dir() else {
        return (builtin(), Vec::new());
    };
    match load(&dir, &reserved) {
        Ok(loaded) => loaded,
        Err(e) => (
            builtin(),
            vec![format!("{e:#}; custom commands are unavailable")],
        ),
    }
}

/// Adds every delegated command to `app` as a subcommand taking repo/group
/// names plus the runner options of `R`.
pub fn augment<R: clap::Args>(mut app: Command, table: &BTreeMap<String, Delegated>) -> Command {
    for d in table.values() {
        let names = Arg::new(NAMES_ARG)
            .value_name("REPO|GROUP")
            .action(ArgAction::Append)
            .num_args(if d.allow_all { 0.. } else { 1.. })
            .required(!d.allow_all)
            .help(if d.allow_all {
                "Repos or groups (none: the context group, else every repo)"
            } else {
                "Repos or groups to run it in"
            });
        let extra = Arg::new(EXTRA_ARG)
            .value_name("ARGS")
            .action(ArgAction::Append)
            .num_args(1..)
            .last(true)
            .allow_hyphen_values(true)
            .help("Arguments appended to the command, e.g. `gita log api -- --oneline -5`");
        let about = format!("{} [{}]", d.help, d.cmd);
        // The runner options first: their struct's doc must not become the about.
        let sub = R::augment_args(Command::new(d.name.clone()))
            .about(d.help.clone())
            .long_about(about)
            .after_help(crate::cli::FILTERS_HELP)
            .arg(names)
            .arg(extra);
        app = app.subcommand(sub);
    }
    app
}

const NAMES_ARG: &str = "names";
const EXTRA_ARG: &str = "extra";

/// The repo/group names given to a delegated subcommand.
pub fn names(matches: &ArgMatches) -> Vec<String> {
    strings(matches, NAMES_ARG)
}

/// The words after `--` given to a delegated subcommand.
pub fn extra(matches: &ArgMatches) -> Vec<String> {
    strings(matches, EXTRA_ARG)
}

fn strings(matches: &ArgMatches, id: &str) -> Vec<String> {
    matches
        .get_many::<String>(id)
        .map(|v| v.cloned().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(clap::Args, Debug)]
    struct NoOpts {
        #[arg(long)]
        json: bool,
    }

    #[test]
    fn builtin_table_matches_python_gita() {
        let t = builtin();
        assert_eq!(t.len(), 22);
        let fetch = &t["fetch"];
        assert!(fetch.allow_all && !fetch.interactive);
        assert!(t["log"].interactive && !t["log"].allow_all);
        assert_eq!(t["lo"].cmd, "git log --oneline -7");
        assert_eq!(t["merge"].git_subcommand().as_deref(), Some("merge"));
    }

    #[test]
    fn flags_go_after_git() {
        let p = builtin()["lo"]
            .program(&["--git-dir=/b".to_string()], &[])
            .expect("program");
        assert_eq!(p.argv(), ["git", "--git-dir=/b", "log", "--oneline", "-7"]);
    }

    #[test]
    fn extra_words_are_appended() {
        let extra = ["--oneline".to_string(), "-5".to_string()];
        let p = builtin()["log"]
            .program(&["-c".into(), "a.b=c".into()], &extra)
            .expect("program");
        assert_eq!(p.argv(), ["git", "-c", "a.b=c", "log", "--oneline", "-5"]);
        let shell = Delegated {
            name: "count".into(),
            cmd: "git log --oneline | head".into(),
            help: String::new(),
            allow_all: true,
            interactive: false,
            shell: true,
            network: false,
        };
        let extra = ["-n".to_string(), "it's $HOME".to_string(), String::new()];
        assert_eq!(
            shell.program(&[], &extra).expect("program"),
            Program::Shell(r"git log --oneline | head -n 'it'\''s $HOME' ''".into())
        );
    }

    #[test]
    fn user_commands_merge_and_override() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("cmds.yml"),
            "fetch:\n  cmd: git fetch --prune\n  help: fetch and prune\n  allow_all: true\n\
             wip:\n  cmd: git commit -am wip\n  interactive: true\n\
             files:\n  cmd: ls | wc -l\n  shell: true\n\
             ll:\n  cmd: git status\n",
        )
        .expect("write");
        let (t, warnings) = load(dir.path(), &["ll"]).expect("load");
        assert_eq!(t["fetch"].cmd, "git fetch --prune");
        assert_eq!(t["fetch"].help, "fetch and prune");
        assert!(t["wip"].interactive);
        assert_eq!(
            t["files"].program(&[], &[]).expect("p"),
            Program::Shell("ls | wc -l".into())
        );
        assert!(!t.contains_key("ll"));
        assert_eq!(warnings.len(), 1);
        assert!(t.contains_key("st"), "built-ins stay");
    }

    #[test]
    fn reads_python_cmds_json_without_cmds_yml() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("cmds.json"),
            r#"{"comaster": {"cmd": "checkout master", "help": "checkout master", "disable_async": true}}"#,
        )
        .expect("write");
        let (t, _) = load(dir.path(), &[]).expect("load");
        assert!(t["comaster"].interactive);
        assert_eq!(
            t["comaster"].program(&[], &[]).expect("p"),
            Program::Exec(vec!["checkout".into(), "master".into()])
        );
    }

    #[test]
    fn bad_cmds_yml_names_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("cmds.yml"), "x:\n  help: no cmd\n").expect("write");
        let err = load(dir.path(), &[]).expect_err("must fail");
        assert!(format!("{err:#}").contains("cmds.yml"), "{err:#}");
    }

    #[test]
    fn the_full_app_is_consistent() {
        let app = <crate::cli::Cli as clap::CommandFactory>::command();
        augment::<crate::cli::RunArgs>(app, &builtin()).debug_assert();
    }

    #[test]
    fn subcommands_are_real() {
        let app = augment::<NoOpts>(Command::new("gita"), &builtin());
        app.clone().debug_assert();
        let m = app
            .clone()
            .try_get_matches_from(["gita", "fetch", "a", "b", "--json"])
            .expect("parse");
        let (name, sub) = m.subcommand().expect("sub");
        assert_eq!(name, "fetch");
        assert_eq!(names(sub), ["a", "b"]);
        assert!(extra(sub).is_empty());
        let m = app
            .clone()
            .try_get_matches_from(["gita", "log", "a", "--", "--oneline", "-5"])
            .expect("parse");
        let (_, sub) = m.subcommand().expect("sub");
        assert_eq!(
            (names(sub), extra(sub)),
            (vec!["a".into()], vec!["--oneline".into(), "-5".into()])
        );
        assert!(app.clone().try_get_matches_from(["gita", "fetch"]).is_ok());
        let err = app
            .try_get_matches_from(["gita", "br"])
            .expect_err("br needs names");
        assert_eq!(err.exit_code(), 2);
    }
}
