//! What a repo or group name may be, names made from folders, and "did you
//! mean" suggestions for names that are not known.

use std::collections::HashSet;

use anyhow::{Result, bail};

/// A folder-derived name made valid: control characters become `_`, and a
/// leading `-` (which would read as a flag) gets a `_` before it.
pub fn sanitize_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| if c.is_control() { '_' } else { c })
        .collect();
    let clean = clean.trim().to_string();
    if clean.starts_with('-') || clean.is_empty() {
        format!("_{clean}")
    } else {
        clean
    }
}

/// Rejects names that cannot round-trip through the command line and files.
pub fn validate_name(name: &str, what: &str) -> Result<()> {
    if name.is_empty() {
        bail!("a {what} name cannot be empty");
    }
    if name.starts_with('-') {
        bail!("a {what} name cannot start with '-': '{name}'");
    }
    if name.chars().any(char::is_control) {
        bail!("a {what} name cannot contain control characters: {name:?}");
    }
    if name.trim() != name {
        bail!("a {what} name cannot start or end with a space: {name:?}");
    }
    // Names may contain '/' (`a/lib`) but must never act as a path that
    // leaves a folder (clone -f puts a repo at <dir>/<name>).
    if name.starts_with('/') || name.split('/').any(|part| matches!(part, "" | "." | "..")) {
        bail!(
            "a {what} name cannot be an absolute path or contain empty, '.' or '..' parts: {name:?}"
        );
    }
    Ok(())
}

/// Errors naming every unknown name, with close matches from `candidates`.
pub fn check_known(names: &[String], candidates: &[&str], what: &str) -> Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    // A set: many names checked against many candidates stay linear.
    let known: HashSet<&str> = candidates.iter().copied().collect();
    let unknown: Vec<&String> = names
        .iter()
        .filter(|n| !known.contains(n.as_str()))
        .collect();
    let Some(first) = unknown.first() else {
        return Ok(());
    };
    let mut msg = if unknown.len() == 1 {
        format!("unknown {what} '{first}'")
    } else {
        let list: Vec<String> = unknown.iter().map(|n| format!("'{n}'")).collect();
        format!("unknown {what}s {}", list.join(", "))
    };
    let hints: Vec<String> = unknown
        .iter()
        .flat_map(|n| suggest(n, candidates))
        .collect();
    if !hints.is_empty() {
        msg.push_str(&format!("; did you mean {}?", quote_list(&hints)));
    } else if candidates.is_empty() {
        msg.push_str(&format!(" (no {what}s are registered; see `gita add`)"));
    } else {
        msg.push_str(match what {
            "repo" => " (see `gita ls`)",
            "group" => " (see `gita group ls`)",
            _ => " (see `gita ls` and `gita group ls`)",
        });
    }
    bail!(msg)
}

/// Names close to `word`: small edit distance or a shared prefix, best first.
pub fn suggest(word: &str, candidates: &[&str]) -> Vec<String> {
    let limit = (word.chars().count() / 3).max(1);
    let mut scored: Vec<(usize, &str)> = candidates
        .iter()
        .filter_map(|c| {
            let d = strsim::damerau_levenshtein(word, c);
            let prefix = word.len() >= 3 && c.starts_with(word);
            (d <= limit || prefix).then_some((d, *c))
        })
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(3)
        .map(|(_, c)| c.to_string())
        .collect()
}

/// Whether `word` is within a small edit distance of one of `candidates`
/// without being one of them (the typo guard of `super` and `shell`).
pub fn is_near_miss(word: &str, candidates: &[&str]) -> Option<String> {
    if candidates.contains(&word) {
        return None;
    }
    suggest(word, candidates)
        .into_iter()
        .find(|c| strsim::damerau_levenshtein(word, c) <= (word.chars().count() / 3).max(1))
}

fn quote_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("'{i}'")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} or {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_escape_a_folder() {
        for bad in ["../x", "/abs", "a/../b", "a//b", "a/", "./a", " lead"] {
            assert!(validate_name(bad, "repo").is_err(), "{bad}");
        }
        validate_name("team/api", "repo").expect("nested names are fine");
    }

    #[test]
    fn check_known_over_many_names_keeps_order_and_repeats() {
        let owned: Vec<String> = (0..3000).map(|i| format!("repo{i}")).collect();
        let candidates: Vec<&str> = owned.iter().map(String::as_str).collect();
        let mut names: Vec<String> = owned.iter().rev().cloned().collect();
        check_known(&names, &candidates, "repo").expect("all known");
        check_known(&[], &candidates, "repo").expect("nothing to check");
        names.insert(10, "zz-b".into());
        names.push("zz-a".into());
        names.push("zz-b".into());
        let err = check_known(&names, &candidates, "repo").expect_err("unknown");
        assert_eq!(
            err.to_string(),
            "unknown repos 'zz-b', 'zz-a', 'zz-b' (see `gita ls`)"
        );
    }

    #[test]
    fn near_miss_detects_typos_only() {
        let c = ["frontend", "backend"];
        assert_eq!(is_near_miss("frontnd", &c).as_deref(), Some("frontend"));
        assert_eq!(is_near_miss("status", &c), None);
        assert_eq!(is_near_miss("frontend", &c), None);
    }
}
