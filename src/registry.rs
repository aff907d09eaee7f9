//! The registry: repos (name → path, flags, type), groups (name → repos, path)
//! and the context, persisted as one `registry.yml` so one atomic write keeps
//! them consistent. Owns naming, group bookkeeping and repo selection with
//! "did you mean" suggestions.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use crate::keys::RepoKind;
use crate::names::{check_known, sanitize_name, validate_name};

/// Context value that picks the group by the current directory.
pub const AUTO: &str = "auto";
/// Words that can never be group names.
pub const RESERVED: [&str; 2] = ["auto", "none"];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Registry {
    #[serde(default)]
    pub repos: BTreeMap<String, Repo>,
    #[serde(default)]
    pub groups: BTreeMap<String, Group>,
    /// A group name, or `auto`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Keys this version does not know (a newer version's, a user's note):
    /// kept as they are on every rewrite.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Unknown keys of a mapping in one of gita's files, kept verbatim.
pub type Extra = BTreeMap<String, serde_norway::Value>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Repo {
    pub path: PathBuf,
    /// Extra arguments inserted right after `git` for this repo.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
    /// `bare` for bare repos; absent for ordinary work trees.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<RepoKind>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Group {
    #[serde(default)]
    pub repos: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Repo {
    pub fn new(path: PathBuf) -> Repo {
        Repo {
            path,
            flags: Vec::new(),
            kind: None,
            extra: Extra::new(),
        }
    }
}

/// What a context resolves to for the current directory.
#[derive(Debug, Clone, PartialEq)]
pub enum Context {
    None,
    Group(String),
    /// `auto` is set, but no group's path contains the current directory.
    AutoNoMatch,
}

impl Registry {
    /// Whether `word` names a repo or a group.
    pub fn is_name(&self, word: &str) -> bool {
        self.repos.contains_key(word) || self.groups.contains_key(word)
    }

    /// Every repo and group name, for suggestions and completion.
    pub fn all_names(&self) -> impl Iterator<Item = &str> {
        self.repos
            .keys()
            .chain(self.groups.keys())
            .map(String::as_str)
    }

    /// Resolves the context for `cwd`: the sticky group, or with `auto` the
    /// group whose path contains `cwd`, nearest first.
    pub fn context(&self, cwd: &Path) -> Context {
        match self.context.as_deref() {
            None => Context::None,
            Some(AUTO) => self
                .groups
                .iter()
                .filter_map(|(name, g)| {
                    let path = g.path.as_deref()?;
                    let rel = cwd.strip_prefix(path).ok()?;
                    Some((rel.components().count(), name))
                })
                .min()
                .map_or(Context::AutoNoMatch, |(_, name)| {
                    Context::Group(name.clone())
                }),
            Some(group) => Context::Group(group.to_string()),
        }
    }

    /// Repos named by `names` (repos and/or groups, groups expanded), or with
    /// no names the context group, else every repo. Sorted by name, no
    /// duplicates. An unknown name is an error with suggestions.
    pub fn select(&self, names: &[String], cwd: &Path) -> Result<Vec<(String, Repo)>> {
        let mut chosen = BTreeSet::new();
        if names.is_empty() {
            match self.context(cwd) {
                Context::Group(group) => {
                    let Some(g) = self.groups.get(&group) else {
                        bail!(
                            "the context is group '{group}', which does not exist; run `gita context none` or pick another group"
                        );
                    };
                    chosen.extend(g.repos.iter().cloned());
                }
                Context::None | Context::AutoNoMatch => chosen.extend(self.repos.keys().cloned()),
            }
        } else {
            self.check_names(names)?;
            for name in names {
                if self.repos.contains_key(name) {
                    chosen.insert(name.clone());
                }
                if let Some(g) = self.groups.get(name) {
                    chosen.extend(g.repos.iter().cloned());
                }
            }
        }
        Ok(chosen
            .into_iter()
            .filter_map(|name| {
                let repo = self.repos.get(&name)?.clone();
                Some((name, repo))
            })
            .collect())
    }

    /// Errors unless every name is a repo or group.
    pub fn check_names(&self, names: &[String]) -> Result<()> {
        let candidates: Vec<&str> = self.all_names().collect();
        check_known(names, &candidates, "repo or group")
    }

    /// Errors unless every name is a repo.
    pub fn check_repos(&self, names: &[String]) -> Result<()> {
        let candidates: Vec<&str> = self.repos.keys().map(String::as_str).collect();
        check_known(names, &candidates, "repo")
    }

    /// Errors unless every name is a group.
    pub fn check_groups(&self, names: &[String]) -> Result<()> {
        let candidates: Vec<&str> = self.groups.keys().map(String::as_str).collect();
        check_known(names, &candidates, "group")
    }

    /// Errors unless `name` can become a new group name (or name the existing
    /// group `existing_ok` allows).
    pub fn check_group_name(&self, name: &str, existing_ok: bool) -> Result<()> {
        validate_name(name, "group")?;
        if RESERVED.contains(&name) {
            bail!("'{name}' is reserved and cannot be a group name");
        }
        if self.repos.contains_key(name) {
            bail!("cannot use '{name}' as a group name: a repo has that name");
        }
        if !existing_ok && self.groups.contains_key(name) {
            bail!("a group named '{name}' already exists");
        }
        Ok(())
    }

    /// The registered repo whose path is `path`, if any.
    pub fn name_of_path(&self, path: &Path) -> Option<&str> {
        self.repos
            .iter()
            .find(|(_, r)| r.path == path)
            .map(|(n, _)| n.as_str())
    }

    /// Every registered path and the name of its first repo (by name), for
    /// many lookups at once: as [`Registry::name_of_path`] for each.
    pub fn names_by_path(&self) -> HashMap<&Path, &str> {
        let mut map = HashMap::with_capacity(self.repos.len());
        for (name, repo) in &self.repos {
            map.entry(repo.path.as_path()).or_insert(name.as_str());
        }
        map
    }

    /// Picks names for new repo paths: the folder name, or with more parent
    /// folders when that is taken by a repo or group, or shared by several
    /// new paths (as Python gita does with one parent).
    pub fn names_for(&self, paths: &[PathBuf]) -> Vec<String> {
        let base = |p: &Path| {
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.to_string_lossy().into_owned())
        };
        let mut counts: HashMap<String, usize> = HashMap::new();
        for p in paths {
            *counts.entry(base(p)).or_default() += 1;
        }
        let mut taken: BTreeSet<String> = self.all_names().map(str::to_string).collect();
        let mut names = Vec::with_capacity(paths.len());
        for p in paths {
            let parts: Vec<String> = p
                .components()
                .filter_map(|c| match c {
                    std::path::Component::Normal(s) => Some(sanitize_name(&s.to_string_lossy())),
                    _ => None,
                })
                .collect();
            let shared = counts.get(&base(p)).copied().unwrap_or(0) > 1;
            let mut name = None;
            for k in 1..=parts.len().max(1) {
                let start = parts.len().saturating_sub(k);
                let candidate = if parts.is_empty() {
                    sanitize_name(&base(p))
                } else {
                    parts[start..].join("/")
                };
                if (k == 1 && shared)
                    || taken.contains(&candidate)
                    || RESERVED.contains(&candidate.as_str())
                {
                    continue;
                }
                name = Some(candidate);
                break;
            }
            let name = name.unwrap_or_else(|| {
                let stem = sanitize_name(&base(p));
                (2..)
                    .map(|i| format!("{stem}-{i}"))
                    .find(|c| !taken.contains(c))
                    .unwrap_or(stem)
            });
            taken.insert(name.clone());
            names.push(name);
        }
        names
    }

    /// Removes repos and takes them out of every group.
    pub fn remove_repos(&mut self, names: &[String]) {
        for name in names {
            self.repos.remove(name);
        }
        let gone: BTreeSet<&String> = names.iter().collect();
        for g in self.groups.values_mut() {
            g.repos.retain(|r| !gone.contains(r));
        }
    }

    /// Renames a repo; groups follow the new name.
    pub fn rename_repo(&mut self, old: &str, new: &str) -> Result<()> {
        self.check_repos(&[old.to_string()])?;
        validate_name(new, "repo")?;
        if old == new {
            return Ok(());
        }
        if RESERVED.contains(&new) {
            bail!("'{new}' is reserved (see `gita context`) and cannot be a repo name");
        }
        if self.repos.contains_key(new) {
            bail!("a repo named '{new}' already exists");
        }
        if self.groups.contains_key(new) {
            bail!("cannot rename to '{new}': a group has that name");
        }
        if let Some(repo) = self.repos.remove(old) {
            self.repos.insert(new.to_string(), repo);
        }
        for g in self.groups.values_mut() {
            for r in g.repos.iter_mut().filter(|r| *r == old) {
                *r = new.to_string();
            }
            g.repos.sort();
            g.repos.dedup();
        }
        Ok(())
    }

    /// Adds repos to a group, creating it when missing; `path` replaces the
    /// group path when given.
    pub fn add_to_group(
        &mut self,
        group: &str,
        repos: &[String],
        path: Option<PathBuf>,
    ) -> Result<()> {
        self.check_group_name(group, true)?;
        let g = self.groups.entry(group.to_string()).or_default();
        g.repos.extend(repos.iter().cloned());
        g.repos.sort();
        g.repos.dedup();
        if path.is_some() {
            g.path = path;
        }
        Ok(())
    }

    /// Renames a group; the context follows.
    pub fn rename_group(&mut self, old: &str, new: &str) -> Result<()> {
        self.check_groups(&[old.to_string()])?;
        if old == new {
            return Ok(());
        }
        self.check_group_name(new, false)?;
        if let Some(g) = self.groups.remove(old) {
            self.groups.insert(new.to_string(), g);
        }
        if self.context.as_deref() == Some(old) {
            self.context = Some(new.to_string());
        }
        Ok(())
    }

    /// Deletes groups (not their repos); a deleted context group clears the context.
    pub fn remove_groups(&mut self, names: &[String]) -> Result<()> {
        self.check_groups(names)?;
        for name in names {
            self.groups.remove(name);
            if self.context.as_deref() == Some(name.as_str()) {
                self.context = None;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(names: &[(&str, &str)]) -> Registry {
        let mut r = Registry::default();
        for (n, p) in names {
            r.repos.insert(n.to_string(), Repo::new(PathBuf::from(p)));
        }
        r
    }

    #[test]
    fn names_use_parent_on_collision() {
        let r = reg(&[("api", "/a/api")]);
        let names = r.names_for(&[PathBuf::from("/b/api"), PathBuf::from("/b/web")]);
        assert_eq!(names, ["b/api", "web"]);
    }

    #[test]
    fn names_shared_basename_in_batch() {
        let r = Registry::default();
        let names = r.names_for(&[PathBuf::from("/x/lib"), PathBuf::from("/y/lib")]);
        assert_eq!(names, ["x/lib", "y/lib"]);
    }

    #[test]
    fn names_from_odd_folders_are_valid() {
        let r = Registry::default();
        let names = r.names_for(&[
            PathBuf::from("/x/-dash"),
            PathBuf::from("/x/tab\there"),
            PathBuf::from("/x/with space"),
        ]);
        assert_eq!(names, ["_-dash", "tab_here", "with space"]);
        for n in &names {
            validate_name(n, "repo").expect("valid");
        }
    }

    #[test]
    fn names_grow_until_unique() {
        let r = reg(&[("lib", "/1/x/lib"), ("x/lib", "/2/x/lib")]);
        assert_eq!(r.names_for(&[PathBuf::from("/3/x/lib")]), ["3/x/lib"]);
    }

    #[test]
    fn select_sorts_dedups_and_expands_groups() {
        let mut r = reg(&[("b", "/b"), ("a", "/a"), ("c", "/c")]);
        r.add_to_group("g", &["c".into(), "a".into()], None)
            .expect("group");
        let got = r
            .select(&["g".into(), "a".into()], Path::new("/"))
            .expect("select");
        let names: Vec<_> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "c"]);
    }

    #[test]
    fn select_unknown_suggests() {
        let r = reg(&[("frontend", "/f"), ("backend", "/b")]);
        let err = r
            .select(&["frontnd".into()], Path::new("/"))
            .expect_err("unknown");
        assert_eq!(
            err.to_string(),
            "unknown repo or group 'frontnd'; did you mean 'frontend'?"
        );
    }

    #[test]
    fn auto_context_picks_nearest_group() {
        let mut r = reg(&[("a", "/w/x/a"), ("b", "/w/b")]);
        r.add_to_group("w", &["a".into(), "b".into()], Some("/w".into()))
            .expect("w");
        r.add_to_group("x", &["a".into()], Some("/w/x".into()))
            .expect("x");
        r.context = Some(AUTO.into());
        assert_eq!(
            r.context(Path::new("/w/x/a/src")),
            Context::Group("x".into())
        );
        assert_eq!(r.context(Path::new("/w/b")), Context::Group("w".into()));
        assert_eq!(r.context(Path::new("/elsewhere")), Context::AutoNoMatch);
    }

    #[test]
    fn rename_group_moves_context() {
        let mut r = reg(&[("a", "/a")]);
        r.add_to_group("g", &["a".into()], None).expect("g");
        r.context = Some("g".into());
        r.rename_group("g", "h").expect("rename");
        assert_eq!(r.context.as_deref(), Some("h"));
        r.remove_groups(&["h".into()]).expect("rm");
        assert_eq!(r.context, None);
    }
}
