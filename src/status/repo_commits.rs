//! The commits of a repository as the ahead/behind walk reads them: from
//! the commit-graph when git may use one (parents and generation numbers
//! without inflating an object), else from the object database, whose
//! commit headers are parsed here the way git reads them.

use std::hash::{Hash, Hasher};

use anyhow::{Context as _, bail};

use super::ahead_behind::{Commits, Meta};

/// A commit as the repository walk names it: its position in the
/// commit-graph when it is there (parents then come without a lookup), else
/// its object id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitId {
    Graph(u32),
    Object(gix::ObjectId),
}

impl Hash for CommitId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            CommitId::Graph(pos) => state.write_u32(*pos),
            CommitId::Object(id) => {
                let bytes = id.as_bytes();
                let mut word = [0u8; 8];
                let n = bytes.len().min(8);
                word[..n].copy_from_slice(&bytes[..n]);
                state.write_u64(u64::from_le_bytes(word) ^ 1);
            }
        }
    }
}

/// The commits of a repository, through its commit-graph when git may use
/// one (`core.commitGraph`, no replace refs, not shallow) and its objects.
pub struct RepoCommits<'r> {
    /// The repository's objects, with the object cache that holds the two
    /// tips (the engine has just read HEAD and peeled the upstream).
    cached: &'r gix::odb::Handle,
    /// The same below the object cache, for every other commit: each is read
    /// once, so caching them would only cost.
    objects: &'r dyn gix::odb::pack::Find,
    /// Commits read from objects so far.
    reads: usize,
    graph: Option<gix::commitgraph::Graph>,
    /// The commits a shallow clone has no parents for, sorted; `None` when
    /// the repository is not shallow.
    shallow: Option<Vec<gix::ObjectId>>,
    buf: Vec<u8>,
}

impl<'r> RepoCommits<'r> {
    pub fn new(repo: &'r gix::Repository) -> anyhow::Result<Self> {
        let shallow = repo
            .shallow_commits()?
            .map(|commits| commits.iter().copied().collect::<Vec<_>>());
        // Like git, no commit-graph in a shallow clone (its parents would
        // reach past the boundary); an unreadable one is ignored.
        let graph = match shallow {
            Some(_) => None,
            None => repo.commit_graph_if_enabled().ok().flatten(),
        };
        Ok(RepoCommits {
            cached: &repo.objects,
            objects: &**repo.objects,
            reads: 0,
            graph,
            shallow,
            buf: Vec::new(),
        })
    }

    pub fn id(&self, id: gix::ObjectId) -> CommitId {
        match self.graph.as_ref().and_then(|g| g.lookup(id)) {
            Some(pos) => CommitId::Graph(pos.0),
            None => CommitId::Object(id),
        }
    }
}

impl Commits for RepoCommits<'_> {
    type Id = CommitId;

    fn has_generations(&self) -> bool {
        self.graph.is_some()
    }

    fn load(&mut self, id: CommitId, parents: &mut Vec<CommitId>) -> anyhow::Result<Option<Meta>> {
        match id {
            CommitId::Graph(pos) => {
                let graph = self
                    .graph
                    .as_ref()
                    .context("commit-graph position without a graph")?;
                let count = graph.num_commits();
                if pos >= count {
                    bail!("commit-graph names a commit beyond its end");
                }
                let commit = graph.commit_at(gix::commitgraph::Position(pos));
                for parent in commit.iter_parents() {
                    let parent = parent.context("corrupt commit-graph")?;
                    if parent.0 >= count {
                        bail!("commit-graph names a parent beyond its end");
                    }
                    parents.push(CommitId::Graph(parent.0));
                }
                Ok(Some(Meta {
                    time: i64::try_from(commit.committer_timestamp()).unwrap_or(i64::MAX),
                    generation: Some(commit.generation()),
                }))
            }
            CommitId::Object(oid) => {
                let objects = if self.reads < 2 {
                    self.cached as &dyn gix::odb::pack::Find
                } else {
                    self.objects
                };
                self.reads += 1;
                let found = objects.try_find_cached(
                    &oid,
                    &mut self.buf,
                    &mut gix::odb::pack::cache::Never,
                )?;
                let Some((data, _)) = found else {
                    if self.shallow.is_some() {
                        return Ok(None);
                    }
                    bail!("commit {oid} is missing from the object database");
                };
                let cut = self
                    .shallow
                    .as_ref()
                    .is_some_and(|ids| ids.binary_search(&oid).is_ok());
                if !data.kind.is_commit() {
                    bail!("{oid} is a {}, not a commit", data.kind);
                }
                let graph = self.graph.as_ref();
                let time = parse_commit_header(data.data, data.object_hash, |id| {
                    if cut {
                        return;
                    }
                    parents.push(match graph.and_then(|g| g.lookup(id)) {
                        Some(pos) => CommitId::Graph(pos.0),
                        None => CommitId::Object(id),
                    });
                })
                .with_context(|| format!("cannot decode commit {oid}"))?;
                Ok(Some(Meta {
                    time,
                    generation: None,
                }))
            }
        }
    }
}

/// Reads the parents and the committer time from a commit object's header,
/// as git does: `tree`, then `parent` lines, then `author`; the time is taken
/// from a `committer` line right after `author` (0 when there is none).
fn parse_commit_header(
    data: &[u8],
    hash: gix::hash::Kind,
    mut parent: impl FnMut(gix::ObjectId),
) -> anyhow::Result<i64> {
    let hex = hash.len_in_hex();
    let mut rest = data
        .strip_prefix(b"tree ")
        .and_then(|r| r.get(hex + 1..))
        .context("no tree line")?;
    while let Some(line) = rest.strip_prefix(b"parent ") {
        let (id, after) = line.split_at_checked(hex).context("short parent line")?;
        parent(gix::ObjectId::from_hex(id).context("bad parent id")?);
        rest = after.strip_prefix(b"\n").context("bad parent line")?;
    }
    let Some(after_author) = rest.strip_prefix(b"author") else {
        return Ok(0);
    };
    let Some(eol) = after_author.iter().position(|&b| b == b'\n') else {
        return Ok(0);
    };
    let Some(line) = after_author[eol + 1..].strip_prefix(b"committer") else {
        return Ok(0);
    };
    let line = line.split(|&b| b == b'\n').next().unwrap_or_default();
    let Some(gt) = line.iter().rposition(|&b| b == b'>') else {
        return Ok(0);
    };
    let date = line[gt + 1..].trim_ascii_start();
    let (negative, digits) = match date.strip_prefix(b"-") {
        Some(d) => (true, d),
        None => (false, date),
    };
    let mut time: i64 = 0;
    for &b in digits.iter().take_while(|b| b.is_ascii_digit()) {
        time = time.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    Ok(if negative { -time } else { time })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_headers_are_read_like_git() {
        let kind = gix::hash::Kind::Sha1;
        let one = "1".repeat(40);
        let two = "2".repeat(40);
        let read = |text: &str| {
            let mut parents = Vec::new();
            let time = parse_commit_header(text.as_bytes(), kind, |id| parents.push(id));
            time.map(|t| (t, parents.len()))
        };
        let merge = format!(
            "tree {one}\nparent {one}\nparent {two}\nauthor A <a@x> 5 +0000\n\
             committer C <c> d> 1700000000 +0100\n\nmessage\n"
        );
        assert_eq!(read(&merge).ok(), Some((1_700_000_000, 2)));
        let root = format!("tree {one}\nauthor A <a@x> 5 +0000\ncommitter C <c@x>\t-42 +0000\n");
        assert_eq!(read(&root).ok(), Some((-42, 0)));
        // No committer right after the author: time 0, as git reads it.
        let odd = format!("tree {one}\nparent {two}\nauthor A <a@x> 5 +0000\nx\n");
        assert_eq!(read(&odd).ok(), Some((0, 1)));
        assert!(read("tree nothex\n").is_err());
        assert!(read(&format!("tree {one}\nparent 12\n")).is_err());
        assert!(read("").is_err());
    }
}
