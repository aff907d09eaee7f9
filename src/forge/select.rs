//! Which listed repos are selected (the filters of `ForgeArgs`), the
//! manifest of the selected ones, and the report of what was left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::model::{Listed, Listing, Vis};
use crate::cli::{ForgeArgs, Protocol, Visibility};
use crate::manifest::{Manifest, ManifestRepo};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Left {
    Archived,
    Fork,
    Visibility,
    Topic,
    Pattern,
    /// Reported: the name or URL cannot be used.
    Invalid(String),
}

/// The protocol rule: ssh when the user has an SSH key set up (a
/// `~/.ssh/id_*` file or an agent), else https.
pub fn default_protocol() -> Protocol {
    let agent = crate::env::ssh_agent();
    let key = crate::env::home()
        .and_then(|home| std::fs::read_dir(home.join(".ssh")).ok())
        .is_some_and(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("id_"))
        });
    if agent || key {
        Protocol::Ssh
    } else {
        Protocol::Https
    }
}

/// Decides for every listed repo whether it is selected (`None`) or why not.
pub fn select(listing: &Listing, args: &ForgeArgs, protocol: Protocol) -> Vec<Option<Left>> {
    let mut seen = BTreeSet::new();
    listing
        .repos
        .iter()
        .map(|r| {
            if let Err(e) = crate::names::validate_name(&r.name, "repo") {
                return Some(Left::Invalid(format!("{e:#}")));
            }
            let url = url_for(r, protocol);
            if url.is_empty() {
                let field = match protocol {
                    Protocol::Ssh => "ssh",
                    Protocol::Https => "https",
                };
                return Some(Left::Invalid(format!(
                    "the listing has no {field} clone URL"
                )));
            }
            if let Err(e) = crate::trust::check_url(url) {
                return Some(Left::Invalid(format!("{e:#}")));
            }
            if !seen.insert(r.name.to_lowercase()) {
                return Some(Left::Invalid("listed twice; the first one is kept".into()));
            }
            if r.archived && !args.archived {
                return Some(Left::Archived);
            }
            if r.fork && !args.forks {
                return Some(Left::Fork);
            }
            let vis_ok = match args.visibility.unwrap_or(Visibility::All) {
                Visibility::All => true,
                Visibility::Public => r.visibility == Vis::Public,
                Visibility::Private => r.visibility == Vis::Private,
                Visibility::Internal => r.visibility == Vis::Internal,
            };
            if !vis_ok {
                return Some(Left::Visibility);
            }
            if !args.topic.is_empty() {
                let topics = r.topics.as_deref().unwrap_or(&[]);
                if !args
                    .topic
                    .iter()
                    .all(|t| topics.iter().any(|have| have.eq_ignore_ascii_case(t)))
                {
                    return Some(Left::Topic);
                }
            }
            let included = args.include.is_empty() || args.include.iter().any(|p| glob(p, &r.name));
            if !included || args.exclude.iter().any(|p| glob(p, &r.name)) {
                return Some(Left::Pattern);
            }
            None
        })
        .collect()
}

/// The clone URL of `repo` for `protocol` ("" when the listing has none).
pub fn url_for(repo: &Listed, protocol: Protocol) -> &str {
    match protocol {
        Protocol::Ssh => &repo.ssh_url,
        Protocol::Https => &repo.https_url,
    }
}

/// The manifest of the selected repos: the name as path (relative, so it
/// lands under the target folder), no branch (the clone checks out the
/// forge's default branch).
pub fn manifest(listing: &Listing, choice: &[Option<Left>], protocol: Protocol) -> Manifest {
    let repos = listing
        .repos
        .iter()
        .zip(choice)
        .filter(|(_, c)| c.is_none())
        .map(|(r, _)| ManifestRepo {
            name: r.name.clone(),
            url: url_for(r, protocol).to_string(),
            path: PathBuf::from(&r.name),
            branch: String::new(),
            flags: Vec::new(),
            kind: None,
            clone: Default::default(),
        })
        .collect();
    Manifest {
        repos,
        groups: Vec::new(),
    }
}

/// Prints the listing's problems and notes and a one-line count on stderr.
pub fn report_selection(source: &str, listing: &Listing, choice: &[Option<Left>]) {
    for note in &listing.notes {
        crate::note!("{source}: {note}");
    }
    for problem in &listing.problems {
        crate::say!("{source}: skipped: {problem}");
    }
    let mut left: BTreeMap<&str, usize> = BTreeMap::new();
    for (r, c) in listing.repos.iter().zip(choice) {
        let what = match c {
            None => continue,
            Some(Left::Invalid(why)) => {
                crate::say!("{source}: skipped {:?}: {why}", r.name);
                continue;
            }
            Some(Left::Archived) => "archived (--archived includes them)",
            Some(Left::Fork) => "forks (--forks includes them)",
            Some(Left::Visibility) => "of another visibility",
            Some(Left::Topic) => "without the topics",
            Some(Left::Pattern) => "left out by --include/--exclude",
        };
        *left.entry(what).or_default() += 1;
    }
    let selected = choice.iter().filter(|c| c.is_none()).count();
    if listing.repos.is_empty() && listing.problems.is_empty() {
        crate::note!("{source} has no repos visible to gita; the manifest is empty");
        return;
    }
    let mut line = format!(
        "{source}: {} repo(s) listed, {selected} selected",
        listing.repos.len()
    );
    if !left.is_empty() {
        let parts: Vec<String> = left.iter().map(|(w, n)| format!("{n} {w}")).collect();
        line.push_str(&format!("; not selected: {}", parts.join(", ")));
    }
    crate::say!("{line}");
}

/// `*` any run of characters (`/` too), `?` one character, the rest literal;
/// the whole name must match.
pub fn glob(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some('?') => {
                pi += 1;
                ni += 1;
            }
            Some(c) if *c == n[ni] => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("*", "a/b"));
        assert!(glob("api-*", "api-core"));
        assert!(!glob("api-*", "web-api-x"));
        assert!(glob("*-archive", "x-archive"));
        assert!(glob("g/*/r?", "g/sub/r1"));
        assert!(!glob("g/*/r?", "g/sub/r12"));
        assert!(glob("a*b*c", "aXbYbZc"));
        assert!(!glob("", "a"));
        assert!(glob("", ""));
    }
}
