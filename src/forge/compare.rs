//! The comparison of a listing with the repos already registered: which of
//! them the listing's owner once held, and what became of them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::api::Whereabouts;
use super::model::{Kind, Listed, Listing};
use super::session::Session;

/// repo compare equal: scheme, user and port dropped, the host lower-cased,
/// a trailing `/` and `.git` removed (`git@h:o/r.git` → `h/o/r`).
pub fn url_key(url: &str) -> String {
    let url = url.trim();
    let (host, path) = if let Some((scheme, rest)) = url.split_once("://")
        && !scheme.contains('/')
    {
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        (authority, path.to_string())
    } else if let Some((authority, path)) = url.split_once(':')
        && !authority.contains('/')
        && authority.len() > 1
    {
        (authority, format!("/{}", path.trim_start_matches('/')))
    } else {
        ("", url.to_string())
    };
    let host = host.rsplit('@').next().unwrap_or("");
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !h.ends_with(':') => h,
        _ => host,
    };
    let mut key = format!("{}{path}", host.to_ascii_lowercase());
    while key.ends_with('/') {
        key.pop();
    }
    if let Some(stripped) = key.strip_suffix(".git") {
        key = stripped.to_string();
    }
    key
}

/// What became of a registered repo that the listing's owner once held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upstream {
    /// Listed, and archived (and archived repos were not asked for).
    Archived,
    /// Answered under another name (renamed or moved).
    Renamed(String),
    /// Not listed, and the forge does not know the old name.
    Gone,
    /// Not listed, and the forge could not be asked: why.
    Unlisted(String),
}

/// A registered repo compared with the listing.
#[derive(Debug, Clone)]
pub struct Change {
    /// Its registry name and path.
    pub name: String,
    pub path: PathBuf,
    /// Its name in the listing's terms (from its remote URL).
    pub upstream: String,
    pub what: Upstream,
}

/// The most registered repos whose whereabouts are asked of the forge in
/// one run; the rest are reported as not listed.
const MAX_LOOKUPS: usize = 100;

/// Compares registered repos with the listing. `candidates` are the
/// registered repos in scope (name, path, remote URLs). A repo belongs to
/// this owner when one of its remote URLs, reduced by [`url_key`], is the
/// key of a listed repo's URL with the repo's listed name replaced by
/// another (on GitLab: another path under the source group). It is then
/// matched with the listed repo of the same name (case-insensitive);
/// unmatched ones are looked up under their old name.
pub fn compare(
    session: &Session,
    listing: &Listing,
    archived_wanted: bool,
    candidates: &[(String, PathBuf, Vec<String>)],
) -> Result<Vec<Change>> {
    let roots = roots(listing);
    let listed: BTreeMap<String, &Listed> = listing
        .repos
        .iter()
        .map(|r| (r.name.to_lowercase(), r))
        .collect();
    let mut changes = Vec::new();
    let mut unknown = Vec::new();
    for (name, path, urls) in candidates {
        let Some(upstream) = upstream_of(session, &roots, urls) else {
            continue;
        };
        let change = |what| Change {
            name: name.clone(),
            path: path.clone(),
            upstream: upstream.clone(),
            what,
        };
        match listed.get(&upstream.to_lowercase()) {
            Some(r) if r.archived && !archived_wanted => changes.push(change(Upstream::Archived)),
            Some(_) => {}
            None => unknown.push(change(Upstream::Gone)),
        }
    }
    changes.extend(look_up(session, unknown)?);
    changes.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(changes)
}

/// Roots: the key of a listed URL without the listed name.
fn roots(listing: &Listing) -> BTreeSet<String> {
    let mut roots = BTreeSet::new();
    for r in &listing.repos {
        let name = r.name.to_lowercase();
        for u in [&r.https_url, &r.ssh_url] {
            let key = url_key(u);
            if key.to_lowercase().ends_with(&format!("/{name}")) {
                roots.insert(key[..key.len() - name.len()].to_string());
            }
        }
    }
    roots
}

/// The name in the listing's terms of the first of `urls` under one of
/// `roots` (on GitLab: under the source group), if any.
fn upstream_of(session: &Session, roots: &BTreeSet<String>, urls: &[String]) -> Option<String> {
    let owner_prefix = match session.source.kind {
        Kind::GitLab => format!("{}/", session.source.owner.to_lowercase()),
        _ => String::new(),
    };
    urls.iter().find_map(|u| {
        let key = url_key(u);
        roots.iter().find_map(|root| {
            let rest = key.strip_prefix(root.as_str())?;
            let fits = match session.source.kind {
                Kind::GitLab => rest.to_lowercase().starts_with(&owner_prefix),
                _ => !rest.contains('/'),
            };
            (fits && !rest.is_empty()).then(|| rest.to_string())
        })
    })
}

/// Asks the forge about the first [`MAX_LOOKUPS`] of the `unknown` repos;
/// the answers decide what each became (one known under its old name is
/// dropped: nothing to say).
fn look_up(session: &Session, mut unknown: Vec<Change>) -> Result<Vec<Change>> {
    if unknown.len() > MAX_LOOKUPS {
        for c in &mut unknown[MAX_LOOKUPS..] {
            c.what = Upstream::Unlisted(format!(
                "not looked up: gita asks about at most {MAX_LOOKUPS} repos a run"
            ));
        }
    }
    let asked: Vec<String> = unknown
        .iter()
        .take(MAX_LOOKUPS)
        .map(|c| c.upstream.clone())
        .collect();
    let answers = if asked.is_empty() {
        Vec::new()
    } else {
        session.whereabouts(&asked)?
    };
    let mut changes = Vec::new();
    for (i, mut c) in unknown.into_iter().enumerate() {
        match answers.get(i) {
            // Known under the same name but not listed: nothing to say.
            Some(Whereabouts::Named(new)) if new.eq_ignore_ascii_case(&c.upstream) => {
                continue;
            }
            Some(Whereabouts::Named(new)) => c.what = Upstream::Renamed(new.clone()),
            Some(Whereabouts::Gone) => c.what = Upstream::Gone,
            Some(Whereabouts::Unknown(why)) => c.what = Upstream::Unlisted(why.clone()),
            None => {}
        }
        changes.push(c);
    }
    Ok(changes)
}

/// Whether `path` lies in `dir` (both absolute).
pub fn is_under(path: &Path, dir: &Path) -> bool {
    path != dir && path.starts_with(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_keys_ignore_protocol() {
        let k = url_key("https://GitHub.com/org/api.git");
        assert_eq!(k, "github.com/org/api");
        assert_eq!(url_key("git@github.com:org/api.git"), k);
        assert_eq!(url_key("ssh://git@github.com:22/org/api"), k);
        assert_eq!(url_key("file:///srv/r/org/api.git/"), "/srv/r/org/api");
        assert_eq!(url_key("/srv/r/org/api"), "/srv/r/org/api");
    }
}
