//! The command lines of `super` and `shell`: the leading words that name
//! repos or groups, quote mode, and the typo guard that keeps a mistyped
//! name from turning into a command run in every repo.

use crate::registry::Registry;

/// Leading words that name repos or groups, and the rest (the command). In
/// quote mode the command must be exactly one word. Problems are usage
/// errors of subcommand `sub` (exit 2).
pub fn split_names(
    reg: &Registry,
    words: &[String],
    quote_mode: bool,
    sub: &str,
) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let n = words.iter().take_while(|w| reg.is_name(w)).count();
    let (names, mut rest) = words.split_at(n);
    if rest.first().is_some_and(|w| w == "--") {
        rest = &rest[1..];
    }
    if rest.is_empty() {
        return Err(crate::app::usage_error(
            sub,
            "missing the command after the repo/group names",
        ));
    }
    if quote_mode && rest.len() != 1 {
        return Err(crate::app::usage_error(
            sub,
            &format!(
                "'{}' is not a repo or group; in quote mode (-q) give the command as one quoted argument after the names",
                rest[0]
            ),
        ));
    }
    Ok((names.to_vec(), rest.to_vec()))
}

/// The repo/group name `word` is probably a typo of, if any.
pub fn near_name(reg: &Registry, word: &str) -> Option<String> {
    if word.starts_with('-') || word.contains('/') || word.contains('=') {
        return None;
    }
    let candidates: Vec<&str> = reg.all_names().collect();
    crate::names::is_near_miss(word, &candidates)
}

/// The error for a first command word `word` that is close to the name
/// `near` and is not a `what` either.
pub fn typo_message(word: &str, near: &str, what: &str) -> String {
    format!(
        "'{word}' is not a repo or group (did you mean '{near}'?) and not a {what}; nothing was run"
    )
}
