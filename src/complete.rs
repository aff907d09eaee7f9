//! Shell completion. The scripts in `completions/` are thin: on every TAB they
//! run `GITA_COMPLETE=<shell> gita -- <words up to the cursor>`, and this module
//! answers from the same clap app `main` parses with (built-in, delegated and
//! `cmds.yml` commands alike) plus the registry, so repo and group names and
//! custom commands are always current. A request reads `registry.yml` at most
//! once, never runs git, never writes a file and never prints an error: a
//! missing or broken registry just means no names are offered.
//!
//! # Marking an argument so it completes the right thing
//!
//! Values are classified by the argument's `value_name` (what `--help` shows,
//! so help and completion agree). Clap derive already uses the field name in
//! upper case, so a field called `repo` or `group` is marked without an
//! attribute.
//!
//! | `value_name`        | completes                                              |
//! | ------------------- | ------------------------------------------------------ |
//! | `REPO`              | repo names                                             |
//! | `GROUP`             | group names                                            |
//! | `REPO\|GROUP`       | repo and group names                                   |
//! | `NAME`              | the same: repo and group names (`gita ll`)             |
//! | `GROUP\|auto\|none` | group names, `auto` and `none` (`gita context`)        |
//! | `REPO\|GROUP\|CMD`  | repo and group names while every earlier word of the argument is one; nothing once the command has started (`super`, `shell`) |
//! | `SUBCOMMAND`        | gita's subcommands (`gita man`)                        |
//!
//! Anything else completes by clap's own means: possible values (`value_enum`,
//! `PossibleValuesParser`) and `value_hint` (`DirPath` = directories, as for
//! `add` and `clone -C`; `AnyPath` = files and folders, as for `clone -f`).
//! An explicit `add = ArgValueCandidates::new(..)` or `ArgValueCompleter` on
//! an argument wins over its `value_name`. An argument with none of these (a
//! new name, a number, free text) completes nothing.

use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::OnceLock;

use clap::Command;
use clap::builder::StyledStr;
use clap_complete::engine::{ArgValueCandidates, ArgValueCompleter, CompletionCandidate};

use crate::keys::Shell;
use crate::registry::Registry;
use crate::{import, paths, store};

/// `value_name`s with a meaning for completion (see the module docs).
pub const REPO: &str = "REPO";
pub const GROUP: &str = "GROUP";
pub const REPO_OR_GROUP: &str = "REPO|GROUP";
pub const NAME: &str = "NAME";
pub const CONTEXT_CHOICE: &str = "GROUP|auto|none";
pub const NAMES_THEN_CMD: &str = "REPO|GROUP|CMD";
pub const SUBCOMMAND: &str = "SUBCOMMAND";

impl Shell {
    /// The completion script, exactly as shipped in `completions/`.
    pub fn script(self) -> &'static str {
        match self {
            Shell::Bash => include_str!("../completions/gita.bash"),
            Shell::Zsh => include_str!("../completions/_gita"),
            Shell::Fish => include_str!("../completions/gita.fish"),
        }
    }

    fn from_name(name: &OsStr) -> Option<Shell> {
        match name.to_str()? {
            "bash" => Some(Shell::Bash),
            "zsh" => Some(Shell::Zsh),
            "fish" => Some(Shell::Fish),
            _ => None,
        }
    }
}

/// Answers a completion request if this run is one (`GITA_COMPLETE` is set):
/// prints the candidates and returns the exit code. `None` = a normal run.
pub fn serve_request(app: impl FnOnce() -> Command) -> Option<ExitCode> {
    let shell = crate::env::complete_shell()?;
    // `gita -- <words>`: the command line up to the cursor, the last word
    // being the one under the cursor. Without the `--` this is a normal run
    // (someone exported the variable by accident).
    let mut args = std::env::args_os().skip(1);
    if args.next()? != "--" {
        return None;
    }
    let words: Vec<OsString> = args.collect();
    if let Some(shell) = Shell::from_name(&shell) {
        let lines = candidates(app(), shell, words, std::env::current_dir().ok().as_deref());
        let mut out = std::io::stdout().lock();
        // A closed pipe or a full disk only loses the candidates.
        let _ = out.write_all(lines.as_bytes()).and_then(|()| out.flush());
    }
    Some(ExitCode::SUCCESS)
}

/// The candidates for `words` (program name first, word under the cursor
/// last), formatted for `shell`: one per line, with a description where the
/// shell shows one.
pub fn candidates(app: Command, shell: Shell, words: Vec<OsString>, cwd: Option<&Path>) -> String {
    let mut words = words;
    if shell == Shell::Bash {
        // bash splits `--color=al` into `--color`, `=`, `al`; the script passes
        // the part after `=` as the current word. `--color al` completes alike.
        words = drop_bash_equals(words);
    }
    while words.len() < 2 {
        words.push(OsString::new());
    }
    let current = words.last().cloned().unwrap_or_default();
    let earlier: BTreeSet<OsString> = words[1..words.len() - 1].iter().cloned().collect();
    let _ = WORDS.set(
        words
            .iter()
            .map(|w| w.to_string_lossy().into_owned())
            .collect(),
    );

    let subcommands = app
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| (s.get_name().to_string(), s.get_about().cloned()))
        .collect();
    let _ = SUBCOMMANDS.set(subcommands);
    let mut app = annotate(app);
    let index = words.len() - 1;
    let found = clap_complete::engine::complete(&mut app, words, index, cwd).unwrap_or_default();

    let wants_flags = current.to_string_lossy().starts_with('-');
    let mut out = String::new();
    for c in found {
        let value = c.get_value().to_string_lossy();
        // Flags only once the user typed a dash; a name already on the line
        // is not offered again.
        if value.is_empty()
            || value.contains('\n')
            || (!wants_flags && value.starts_with('-'))
            || earlier.contains(c.get_value())
        {
            continue;
        }
        let help = c
            .get_help()
            .map(StyledStr::to_string)
            .and_then(|h| h.lines().next().map(str::to_owned))
            .unwrap_or_default();
        match shell {
            Shell::Bash => out.push_str(&value),
            Shell::Zsh => {
                out.push_str(&value.replace('\\', "\\\\").replace(':', "\\:"));
                if !help.is_empty() {
                    out.push(':');
                    out.push_str(&help);
                }
            }
            Shell::Fish => {
                out.push_str(&value);
                if !help.is_empty() {
                    out.push('\t');
                    out.push_str(&help);
                }
            }
        }
        out.push('\n');
    }
    out
}

fn drop_bash_equals(words: Vec<OsString>) -> Vec<OsString> {
    let mut kept: Vec<OsString> = Vec::with_capacity(words.len());
    for w in words {
        let after_long_flag = kept
            .last()
            .is_some_and(|p| p.to_string_lossy().starts_with("--"));
        if w == "=" && after_long_flag {
            continue;
        }
        kept.push(w);
    }
    kept
}

/// The words of the request, for completers that look at earlier words.
static WORDS: OnceLock<Vec<String>> = OnceLock::new();
/// The app's own subcommands, for `SUBCOMMAND` arguments.
static SUBCOMMANDS: OnceLock<Vec<(String, Option<StyledStr>)>> = OnceLock::new();

/// Attaches name candidates to every argument marked by the convention in
/// the module docs, in `cmd` and all its subcommands.
pub fn annotate(cmd: Command) -> Command {
    // `mut_args` keeps the order of the arguments (`mut_arg` would move one to
    // the end and so change which positional is last).
    let names_then_cmd = names_then_cmd(&cmd);
    let mut cmd = cmd.mut_args(|a| {
        if a.get::<ArgValueCandidates>().is_some() || a.get::<ArgValueCompleter>().is_some() {
            return a;
        }
        let kind = match a.get_value_names() {
            Some([name]) => match name.as_str() {
                REPO => Names::Repos,
                GROUP => Names::Groups,
                REPO_OR_GROUP | NAME => Names::Both,
                CONTEXT_CHOICE => Names::Context,
                NAMES_THEN_CMD => return a.add(names_then_cmd.clone()),
                SUBCOMMAND => {
                    return a.add(ArgValueCandidates::new(|| {
                        let subs = SUBCOMMANDS.get().map(Vec::as_slice).unwrap_or_default();
                        subs.iter()
                            .map(|(name, about)| CompletionCandidate::new(name).help(about.clone()))
                            .collect()
                    }));
                }
                _ => return a,
            },
            _ => return a,
        };
        a.add(ArgValueCandidates::new(move || kind.candidates()))
    });
    for sub in cmd.get_subcommands_mut() {
        let owned = std::mem::replace(sub, Command::new(""));
        *sub = annotate(owned);
    }
    cmd
}

/// Which names an argument takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Names {
    Repos,
    Groups,
    /// Repos and groups.
    Both,
    /// Groups, `auto` and `none` (`gita context`).
    Context,
}

impl Names {
    fn repos(self) -> bool {
        matches!(self, Names::Repos | Names::Both)
    }

    fn groups(self) -> bool {
        !matches!(self, Names::Repos)
    }

    fn candidates(self) -> Vec<CompletionCandidate> {
        let mut out = Vec::new();
        if let Some(reg) = registry() {
            if self.repos() {
                out.extend(reg.repos.iter().map(|(name, repo)| {
                    CompletionCandidate::new(name)
                        .help(Some(repo.path.display().to_string().into()))
                }));
            }
            if self.groups() {
                out.extend(reg.groups.iter().map(|(name, group)| {
                    CompletionCandidate::new(name).help(Some(group_help(&group.repos).into()))
                }));
            }
        }
        if self == Names::Context {
            out.push(CompletionCandidate::new("auto").help(Some(
                "the group whose path contains the current folder".into(),
            )));
            out.push(CompletionCandidate::new("none").help(Some("no context".into())));
        }
        out
    }
}

fn group_help(repos: &[String]) -> String {
    const MAX: usize = 60;
    let mut help = format!("group: {}", repos.join(" "));
    if help.chars().count() > MAX {
        help = help.chars().take(MAX - 1).collect::<String>() + "…";
    }
    help
}

/// For `super`/`shell`: repo and group names while every earlier word of the
/// argument is one, so the names before the command complete and the command
/// itself is left to the user.
fn names_then_cmd(sub: &Command) -> ArgValueCompleter {
    let name = sub.get_name().to_string();
    let value_flags: Vec<String> = sub
        .get_arguments()
        .filter(|a| !a.is_positional() && a.get_action().takes_values())
        .flat_map(|a| {
            let longs = a.get_long_and_visible_aliases().unwrap_or_default();
            let shorts = a.get_short_and_visible_aliases().unwrap_or_default();
            longs
                .into_iter()
                .map(|l| format!("--{l}"))
                .chain(shorts.into_iter().map(|s| format!("-{s}")))
        })
        .collect();
    ArgValueCompleter::new(move |current: &OsStr| {
        let Some(words) = WORDS.get() else {
            return Vec::new();
        };
        let before = &words[..words.len().saturating_sub(1)];
        let Some(start) = before.iter().rposition(|w| *w == name) else {
            return Vec::new();
        };
        let Some(reg) = registry() else {
            return Vec::new();
        };
        let mut rest = &before[start + 1..];
        while let Some(w) = rest.first() {
            if w == "--" {
                return Vec::new();
            } else if value_flags.iter().any(|f| f == w) {
                rest = rest.get(2..).unwrap_or_default();
            } else if w.starts_with('-') {
                rest = &rest[1..];
            } else {
                break;
            }
        }
        if !rest.iter().all(|w| reg.is_name(w)) {
            return Vec::new();
        }
        let current = current.to_string_lossy();
        Names::Both
            .candidates()
            .into_iter()
            .filter(|c| {
                c.get_value()
                    .to_string_lossy()
                    .starts_with(current.as_ref())
            })
            .collect()
    })
}

/// The registry, read once per request; `None` when it is missing, broken or
/// unreadable. A pending Python gita import is read in memory, not written.
fn registry() -> Option<&'static Registry> {
    static REGISTRY: OnceLock<Option<Registry>> = OnceLock::new();
    REGISTRY
        .get_or_init(|| {
            let dir = paths::config_dir().ok()?;
            let path = dir.join(paths::REGISTRY);
            match store::read_text(&path).ok()? {
                Some(text) => store::parse(&text, &path).ok(),
                None if import::has_python_files(&dir) => {
                    import::read(&dir).ok().map(|i| i.registry)
                }
                None => None,
            }
        })
        .as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Vec<OsString> {
        w.iter().map(OsString::from).collect()
    }

    #[test]
    fn bash_equals_is_dropped_after_long_flags_only() {
        assert_eq!(
            drop_bash_equals(words(&["gita", "--color", "=", "al"])),
            words(&["gita", "--color", "al"])
        );
        assert_eq!(
            drop_bash_equals(words(&["gita", "shell", "=", "x"])),
            words(&["gita", "shell", "=", "x"])
        );
    }

    #[test]
    fn annotated_app_is_consistent_and_every_name_arg_is_marked() {
        let app = annotate(crate::app::app(&crate::delegate::builtin()));
        app.clone().debug_assert();
        let marked = |path: &[&str], id: &str| {
            let mut cmd = &app;
            for p in path {
                cmd = cmd.find_subcommand(p).expect("subcommand");
            }
            let arg = cmd
                .get_arguments()
                .find(|a| a.get_id() == id)
                .expect("argument");
            arg.get::<ArgValueCandidates>().is_some() || arg.get::<ArgValueCompleter>().is_some()
        };
        for (path, id) in [
            (&["rm"][..], "repos"),
            (&["rename"], "repo"),
            (&["ls"], "repo"),
            (&["add"], "group"),
            (&["group", "ll"], "group"),
            (&["group", "add"], "repos"),
            (&["group", "add"], "name"),
            (&["group", "rmrepo"], "repos"),
            (&["group", "rmrepo"], "name"),
            (&["group", "rename"], "group"),
            (&["group", "rm"], "groups"),
            (&["context"], "choice"),
            (&["flags", "set"], "repo"),
            (&["man"], "subcommand"),
            (&["freeze"], "group"),
            (&["clone"], "group"),
            (&["super"], "words"),
            (&["shell"], "words"),
            (&["fetch"], "names"),
            (&["ll"], "names"),
        ] {
            assert!(marked(path, id), "{path:?} {id} is not marked");
        }
        for (path, id) in [
            (&["rename"][..], "new_name"),
            (&["group", "rename"], "new_name"),
        ] {
            assert!(!marked(path, id), "{path:?} {id} should complete nothing");
        }
    }

    #[test]
    fn group_help_is_bounded() {
        let many: Vec<String> = (0..100).map(|i| format!("repo{i}")).collect();
        let help = group_help(&many);
        assert!(help.starts_with("group: repo0 repo1"));
        assert_eq!(help.chars().count(), 60);
        assert_eq!(group_help(&["a".into()]), "group: a");
    }
}
