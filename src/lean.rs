//! Lean clones: history depth, a partial-clone filter, one branch, no tags;
//! given per run on the command line (`gita clone --depth 1 …`) or per repo
//! in a manifest (`clone: {depth: 1, filter: blob:none}`), and read back
//! from a repo by `gita freeze --lean`. A manifest's values are someone
//! else's: the depth is bounded and the filter is one of [`Filter`].

use std::path::Path;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use crate::git;

/// Deepest `--depth` accepted: more history than any repo needs to be lean.
pub const MAX_DEPTH: u32 = 1_000_000;

/// The partial-clone filters gita passes on: without blobs, or without
/// trees (both fetched on demand later).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
pub enum Filter {
    #[serde(rename = "blob:none")]
    #[value(name = "blob:none")]
    BlobNone,
    #[serde(rename = "tree:0")]
    #[value(name = "tree:0")]
    TreeZero,
}

impl Filter {
    pub fn as_str(self) -> &'static str {
        match self {
            Filter::BlobNone => "blob:none",
            Filter::TreeZero => "tree:0",
        }
    }

    fn parse(text: &str) -> Option<Filter> {
        [Filter::BlobNone, Filter::TreeZero]
            .into_iter()
            .find(|f| f.as_str() == text)
    }
}

/// How lean a clone is; empty = a full clone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lean {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<Filter>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub single_branch: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_tags: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Lean {
    pub fn is_empty(&self) -> bool {
        *self == Lean::default()
    }

    /// Errors on a depth out of bounds.
    pub fn check(&self) -> Result<()> {
        if let Some(depth) = self.depth
            && !(1..=MAX_DEPTH).contains(&depth)
        {
            bail!("depth is {depth}; it must be from 1 to {MAX_DEPTH}");
        }
        Ok(())
    }

    /// These options where given, else `base`'s (the command line over a
    /// manifest's repo).
    pub fn over(&self, base: &Lean) -> Lean {
        Lean {
            depth: self.depth.or(base.depth),
            filter: self.filter.or(base.filter),
            single_branch: self.single_branch || base.single_branch,
            no_tags: self.no_tags || base.no_tags,
        }
    }

    /// The `git clone` options.
    pub fn clone_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(depth) = self.depth {
            args.push(format!("--depth={depth}"));
        }
        if let Some(filter) = self.filter {
            args.push(format!("--filter={}", filter.as_str()));
        }
        if self.single_branch {
            args.push("--single-branch".into());
        }
        if self.no_tags {
            args.push("--no-tags".into());
        }
        args
    }

    /// Whether the clone gets one branch only (`--depth` implies it), so a
    /// recorded branch must be named when cloning.
    pub fn one_branch(&self) -> bool {
        self.depth.is_some() || self.single_branch
    }

    /// How lean the repo at `dir` is, for its remote whose URL is `url`:
    /// shallow (its depth, counted from HEAD), its partial-clone filter, a
    /// fetch refspec without wildcard, `tagOpt = --no-tags`.
    pub fn of_repo(dir: &Path, flags: &[String], url: &str) -> Lean {
        let mut lean = Lean::default();
        if git::read(dir, flags, &["rev-parse", "--is-shallow-repository"]).as_deref()
            == Some("true")
        {
            let count = git::read(dir, flags, &["rev-list", "--count", "HEAD"])
                .and_then(|n| n.parse::<u32>().ok());
            lean.depth = count.map(|n| n.clamp(1, MAX_DEPTH));
        }
        let regex = r"^remote\..*\.(url|partialclonefilter|fetch|tagopt)$";
        let config =
            git::read(dir, flags, &["config", "-z", "--get-regexp", regex]).unwrap_or_default();
        let pairs: Vec<(&str, &str)> = config
            .split('\0')
            .filter_map(|e| e.split_once('\n'))
            .collect();
        let Some(remote) = pairs.iter().find_map(|(k, v)| {
            (*v == url)
                .then(|| k.strip_prefix("remote.")?.strip_suffix(".url"))
                .flatten()
        }) else {
            return lean;
        };
        let values = |key: &str| {
            let key = format!("remote.{remote}.{key}");
            pairs
                .iter()
                .filter(move |(k, _)| k.eq_ignore_ascii_case(&key))
                .map(|(_, v)| *v)
                .collect::<Vec<_>>()
        };
        lean.filter = values("partialclonefilter")
            .first()
            .and_then(|f| Filter::parse(f));
        let fetch = values("fetch");
        lean.single_branch = !fetch.is_empty() && fetch.iter().all(|r| !r.contains('*'));
        lean.no_tags = values("tagopt").contains(&"--no-tags");
        lean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_wins_and_depth_is_bounded() {
        let manifest = Lean {
            depth: Some(5),
            filter: Some(Filter::TreeZero),
            ..Lean::default()
        };
        let cli = Lean {
            depth: Some(1),
            no_tags: true,
            ..Lean::default()
        };
        let both = cli.over(&manifest);
        assert_eq!(
            both.clone_args(),
            ["--depth=1", "--filter=tree:0", "--no-tags"]
        );
        assert!(both.one_branch());
        assert!(Lean::default().clone_args().is_empty());
        for bad in [0, MAX_DEPTH + 1] {
            let lean = Lean {
                depth: Some(bad),
                ..Lean::default()
            };
            assert!(lean.check().is_err(), "{bad}");
        }
    }
}
