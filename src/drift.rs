//! Keeping in step with Python gita after the one-time import: a stamp of
//! Python gita's files as they were imported, the notice (said once per
//! change) that they changed since, and the merge behind `gita import`,
//! which adds and updates but never drops what was registered with gita.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::registry::{Group, Registry};
use crate::{import, paths, store};

/// `.python-import.yml`: a fingerprint per Python gita file when it was last
/// imported, and when its change was last pointed out.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Stamp {
    pub imported: BTreeMap<String, String>,
    pub noticed: BTreeMap<String, String>,
}

/// A fingerprint of each of Python gita's files in `dir`: size and an FNV-1a
/// hash of the content (files that cannot be read count as missing).
pub fn fingerprints(dir: &Path) -> BTreeMap<String, String> {
    import::file_names(dir)
        .into_iter()
        .filter_map(|name| {
            let text = store::read_text(&dir.join(&name)).ok()??;
            let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
            for b in text.bytes() {
                hash ^= u64::from(b);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
            Some((name, format!("{}:{hash:016x}", text.len())))
        })
        .collect()
}

fn stamp_path(dir: &Path) -> PathBuf {
    dir.join(paths::PYTHON_STAMP)
}

/// Records that Python gita's files in `dir` are imported as they are now.
/// Call with the config-dir lock held.
pub fn record_import(dir: &Path) -> Result<()> {
    let now = fingerprints(dir);
    let stamp = Stamp {
        imported: now.clone(),
        noticed: now,
    };
    store::write_atomic(&stamp_path(dir), &store::to_text(&stamp)?)
}

/// The files changed since the import that have not been pointed out yet.
/// Nothing when no import was recorded (gita was set up on its own).
fn unnoticed_changes(dir: &Path, stamp: &Stamp, now: &BTreeMap<String, String>) -> Vec<String> {
    let names: std::collections::BTreeSet<&String> =
        stamp.imported.keys().chain(now.keys()).collect();
    names
        .into_iter()
        .filter(|n| stamp.imported.get(*n) != now.get(*n) && stamp.noticed.get(*n) != now.get(*n))
        .map(|n| {
            if dir.join(n).exists() {
                n.clone()
            } else {
                format!("{n} (removed)")
            }
        })
        .collect()
}

/// Says once on stderr when Python gita's files changed after they were
/// imported, with the fix; then remembers that it said so. Problems with the
/// stamp never stop a command.
pub fn notice(dir: &Path) {
    let path = stamp_path(dir);
    let Ok(Some(text)) = store::read_text(&path) else {
        return;
    };
    let Ok(mut stamp) = store::parse::<Stamp>(&text, &path) else {
        return;
    };
    let now = fingerprints(dir);
    let changed = unnoticed_changes(dir, &stamp, &now);
    if changed.is_empty() {
        return;
    }
    crate::note!(
        "Python gita's files changed since gita imported them ({}); run `gita import` to merge them (`gita import -n` shows what it would do)",
        changed.join(", ")
    );
    stamp.noticed = now;
    if let Ok(_lock) = store::DirLock::acquire(dir)
        && let Ok(text) = store::to_text(&stamp)
    {
        let _ = store::write_atomic(&path, &text);
    }
}

/// Merges what Python gita's files hold into `reg`: new repos and groups are
/// added, repos at the same path get Python gita's flags and type, groups
/// gain members; nothing is removed. Returns one line per change.
pub fn merge(reg: &mut Registry, from: &Registry) -> Vec<String> {
    let mut said = Vec::new();
    // Path lookups through a map: one pass, not one scan per imported repo.
    let mut by_path: HashMap<PathBuf, String> = reg
        .names_by_path()
        .into_iter()
        .map(|(p, n)| (p.to_path_buf(), n.to_string()))
        .collect();
    for (name, repo) in &from.repos {
        match reg.repos.get_mut(name) {
            None => {
                if let Some(other) = by_path.get(&repo.path) {
                    said.push(format!(
                        "kept {other}: {} is registered under that name (repos.csv calls it {name})",
                        repo.path.display()
                    ));
                } else if reg.groups.contains_key(name) {
                    said.push(format!(
                        "skipped repo {name}: a group has that name in gita"
                    ));
                } else {
                    reg.repos.insert(name.clone(), repo.clone());
                    by_path.insert(repo.path.clone(), name.clone());
                    said.push(format!("added repo {name}: {}", repo.path.display()));
                }
            }
            Some(mine) if mine.path != repo.path => said.push(format!(
                "kept repo {name} at {}: repos.csv has it at {}",
                mine.path.display(),
                repo.path.display()
            )),
            Some(mine) => {
                if mine.flags != repo.flags || mine.kind != repo.kind {
                    mine.flags = repo.flags.clone();
                    mine.kind = repo.kind;
                    said.push(format!(
                        "updated repo {name}: flags and type from repos.csv"
                    ));
                }
            }
        }
    }
    for (name, group) in &from.groups {
        if reg.repos.contains_key(name) {
            said.push(format!(
                "skipped group {name}: a repo has that name in gita"
            ));
            continue;
        }
        let members: Vec<String> = group
            .repos
            .iter()
            .filter(|r| reg.repos.contains_key(*r))
            .cloned()
            .collect();
        let mine = reg.groups.entry(name.clone()).or_insert_with(|| {
            said.push(format!("added group {name}"));
            Group::default()
        });
        let known: HashSet<&String> = mine.repos.iter().collect();
        let added: Vec<String> = members.into_iter().filter(|m| !known.contains(m)).collect();
        if !added.is_empty() {
            said.push(format!("group {name}: added {}", added.join(" ")));
            mine.repos.extend(added);
            mine.repos.sort();
        }
        if mine.path.is_none() && group.path.is_some() {
            mine.path = group.path.clone();
            said.push(format!("group {name}: path from groups.csv"));
        }
    }
    said
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Repo;

    #[test]
    fn merge_adds_and_updates_but_never_drops() {
        let mut mine = Registry::default();
        mine.repos.insert("a".into(), Repo::new("/a".into()));
        mine.repos
            .insert("only-gita".into(), Repo::new("/g".into()));
        let mut theirs = Registry::default();
        let mut a = Repo::new("/a".into());
        a.flags = vec!["--no-pager".into()];
        theirs.repos.insert("a".into(), a);
        theirs.repos.insert("b".into(), Repo::new("/b".into()));
        theirs
            .repos
            .insert("g-alias".into(), Repo::new("/g".into()));
        theirs.groups.insert(
            "team".into(),
            Group {
                repos: vec!["a".into(), "b".into()],
                ..Group::default()
            },
        );
        let said = merge(&mut mine, &theirs);
        assert_eq!(
            said,
            [
                "updated repo a: flags and type from repos.csv",
                "added repo b: /b",
                "kept only-gita: /g is registered under that name (repos.csv calls it g-alias)",
                "added group team",
                "group team: added a b",
            ]
        );
        assert!(mine.repos.contains_key("only-gita"));
        assert_eq!(mine.repos["a"].flags, ["--no-pager"]);
        // A second merge changes nothing.
        let again = merge(&mut mine, &theirs);
        assert_eq!(again.len(), 1, "{again:?}");
    }
}
