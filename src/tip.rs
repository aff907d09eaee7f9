//! A usage error whose tip works. For an option a delegated command does not
//! know (`gita log --oneline api`), clap suggests `-- --oneline`, which only
//! works in the right place: after the repo and group names. The tip then
//! names the whole command line to run instead (`gita log api -- --oneline`),
//! and only when that line parses.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use clap::Command;
use clap::builder::StyledStr;
use clap::error::{ContextKind, ContextValue, ErrorKind};

use crate::delegate::Delegated;
use crate::shellwords::shell_quote;

/// `err`, with the tip to pass an unknown option after `--` replaced by the
/// command line that does so, when `argv` (gita's arguments, program first)
/// runs a delegated command of `table`. `is_name` tells repo and group names.
pub fn fix(
    err: clap::Error,
    mut app: Command,
    argv: &[String],
    table: &BTreeMap<String, Delegated>,
    is_name: impl Fn(&str) -> bool,
) -> clap::Error {
    if err.kind() != ErrorKind::UnknownArgument || err.get(ContextKind::Suggested).is_none() {
        return err;
    }
    app.build();
    let Some(line) = corrected(&app, argv, table, is_name) else {
        return err;
    };
    if app.clone().try_get_matches_from(&line).is_err() {
        return err;
    }
    let styles = app.get_styles();
    let (invalid, valid) = (styles.get_invalid(), styles.get_valid());
    let Some(ContextValue::String(arg)) = err.get(ContextKind::InvalidArg) else {
        return err;
    };
    let shown: Vec<String> = line.iter().skip(1).map(|w| shell_quote(w)).collect();
    let mut tip = StyledStr::new();
    let _ = write!(
        tip,
        "to pass '{invalid}{arg}{invalid:#}' to the command, put it after the names and '--': '{valid}gita {}{valid:#}'",
        shown.join(" ")
    );
    let mut err = err;
    err.insert(ContextKind::Suggested, ContextValue::StyledStrs(vec![tip]));
    err
}

/// `argv` with the words the delegated command does not take as its own
/// options or as repo/group names moved after `--`, in their order.
fn corrected(
    app: &Command,
    argv: &[String],
    table: &BTreeMap<String, Delegated>,
    is_name: impl Fn(&str) -> bool,
) -> Option<Vec<String>> {
    let mut words = argv.iter();
    let mut line: Vec<String> = words.next().into_iter().cloned().collect();
    // gita's own options before the subcommand.
    let sub = loop {
        let word = words.next()?;
        line.push(word.clone());
        if !word.starts_with('-') {
            break app.find_subcommand(word)?;
        }
        if takes_value(app, word) {
            line.push(words.next()?.clone());
        }
    };
    if !table.contains_key(sub.get_name()) {
        return None;
    }
    let mut extra = Vec::new();
    while let Some(word) = words.next() {
        if word == "--" {
            extra.extend(words.by_ref().cloned());
        } else if word.starts_with('-') && word.len() > 1 {
            if !is_option(sub, word) {
                extra.push(word.clone());
                continue;
            }
            line.push(word.clone());
            if takes_value(sub, word) {
                line.extend(words.next().cloned());
            }
        } else if is_name(word) {
            line.push(word.clone());
        } else {
            extra.push(word.clone());
        }
    }
    line.push("--".into());
    line.extend(extra);
    Some(line)
}

/// The option of `cmd` that `word` (`--long`, `--long=value`, `-s`,
/// `-svalue`) names, if any.
fn option<'a>(cmd: &'a Command, word: &str) -> Option<&'a clap::Arg> {
    if let Some(long) = word.strip_prefix("--") {
        let name = long.split_once('=').map_or(long, |(n, _)| n);
        cmd.get_arguments().find(|a| {
            a.get_long_and_visible_aliases()
                .is_some_and(|l| l.contains(&name))
        })
    } else {
        let short = word.strip_prefix('-')?.chars().next()?;
        cmd.get_arguments().find(|a| {
            a.get_short_and_visible_aliases()
                .is_some_and(|s| s.contains(&short))
        })
    }
}

fn is_option(cmd: &Command, word: &str) -> bool {
    option(cmd, word).is_some()
}

/// Whether `word` is an option of `cmd` whose value is the next word.
fn takes_value(cmd: &Command, word: &str) -> bool {
    let attached = if word.starts_with("--") {
        word.contains('=')
    } else {
        word.chars().count() > 2
    };
    !attached && option(cmd, word).is_some_and(|a| a.get_action().takes_values())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    fn fixed(words: &[&str]) -> Option<Vec<String>> {
        let table = crate::delegate::builtin();
        let mut app = crate::app::app(&table);
        app.build();
        corrected(&app, &line(words), &table, |w| ["api", "web"].contains(&w))
    }

    #[test]
    fn unknown_options_and_their_values_go_after_the_names() {
        assert_eq!(
            fixed(&["gita", "log", "--oneline", "api", "-5"]),
            Some(line(&["gita", "log", "api", "--", "--oneline", "-5"]))
        );
        assert_eq!(
            fixed(&[
                "gita", "--color", "never", "fetch", "--prune", "-j", "2", "web"
            ]),
            Some(line(&[
                "gita", "--color", "never", "fetch", "-j", "2", "web", "--", "--prune"
            ]))
        );
        assert_eq!(
            fixed(&["gita", "log", "api", "--format", "%h %s", "--", "-3"]),
            Some(line(&[
                "gita", "log", "api", "--", "--format", "%h %s", "-3"
            ]))
        );
        assert_eq!(fixed(&["gita", "super", "api", "--x"]), None);
        assert_eq!(fixed(&["gita", "--color"]), None);
    }
}
