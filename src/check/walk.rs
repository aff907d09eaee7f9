//! The bounded walk behind "commits on no remote": which commits of a tip
//! are not reachable from a set of refs (the remote-tracking refs, or those
//! plus the local branches), counted without listing the repository's history.
//!
//! One [`Walker`] per repository keeps a graph of the commits it has read and,
//! per set of refs, a "held" frontier: a queue that marks the ancestry of the
//! refs lazily, newest first, only as deep as a question needs. A question
//! about commit C first advances that frontier past every commit that could
//! still be a descendant of C; C is then held exactly when it was marked. The
//! walk from a tip counts commits that are not held and stops at held ones, so
//! it reads the unpushed commits plus their parents, and the frontier reads
//! the held history newer than the oldest of them: once per repository, shared
//! by every branch.
//!
//! "Newer" is decided by generation numbers from the commit-graph file when it
//! covers both commits (exact: a parent's generation is always lower). Commits
//! outside it are newer than every commit in it, and among themselves are
//! ordered by committer date with [`CLOCK_SLACK`] of tolerance. A commit dated
//! more than that before one of its own parents can make a held commit look
//! unheld (a false alarm); a commit that no ref holds is never missed.

use std::cmp::Ordering;

use anyhow::Result;
use gix::ObjectId;
use gix::revwalk::PriorityQueue;
use gix::revwalk::graph::Commit;

/// At most this many commits are counted for one tip; more is reported as
/// "at least" this many.
pub const COUNT_CAP: usize = 100_000;

/// At most this many commits of held history are read per repository and set
/// of refs; a question that needs more is answered "not checked".
pub const HELD_BUDGET: usize = 1_000_000;

/// Tolerated clock skew between a commit and its parents when no generation
/// numbers are available (seconds).
pub const CLOCK_SLACK: i64 = 3600;

/// Which refs hold commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// `refs/remotes/*`.
    Remotes,
    /// `refs/remotes/*` and `refs/heads/*`.
    BranchesOrRemotes,
}

impl Held {
    fn bit(self) -> u8 {
        match self {
            Held::Remotes => 1,
            Held::BranchesOrRemotes => 2,
        }
    }

    fn index(self) -> usize {
        match self {
            Held::Remotes => 0,
            Held::BranchesOrRemotes => 1,
        }
    }
}

/// How many commits of a tip are not held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tally {
    /// `count` commits (`at_least`: the count stopped at [`COUNT_CAP`]).
    Counted { count: usize, at_least: bool },
    /// The held history was too long to walk ([`HELD_BUDGET`]).
    NotChecked,
}

#[derive(Debug, Default, Clone, Copy)]
struct Marks {
    /// [`Held::bit`]s of the frontiers that reached this commit.
    held: u8,
    /// The last walk that queued this commit.
    seen: u32,
}

/// Ordering of commits, newest first: generation (commit-graph), then time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    /// `u32::MAX` for commits outside the commit-graph.
    generation: u32,
    time: i64,
}

impl Key {
    fn of<T>(commit: &Commit<T>) -> Key {
        Key {
            generation: commit.generation.unwrap_or(u32::MAX),
            time: commit.commit_time,
        }
    }

    /// Whether a commit with this key could have `other` as an ancestor.
    fn may_descend_from(self, other: Key) -> bool {
        match (self.generation, other.generation) {
            (u32::MAX, u32::MAX) => self.time >= other.time.saturating_sub(CLOCK_SLACK),
            (u32::MAX, _) => true,
            (_, u32::MAX) => false,
            (mine, theirs) => mine.cmp(&theirs) == Ordering::Greater,
        }
    }
}

/// The lazily marked ancestry of one set of refs.
struct Frontier {
    /// The refs' commits, queued on first use.
    tips: Vec<ObjectId>,
    queue: PriorityQueue<Key, ObjectId>,
    read: usize,
}

type Graph<'repo, 'cache> = gix::revwalk::Graph<'repo, 'cache, Commit<Marks>>;

pub struct Walker<'repo, 'cache> {
    graph: Graph<'repo, 'cache>,
    frontiers: [Option<Frontier>; 2],
    walk: u32,
}

/// Runs `f` with a walker over `repo`, using its commit-graph file when there
/// is one.
pub fn with_walker<R>(
    repo: &gix::Repository,
    f: impl FnOnce(&mut Walker<'_, '_>) -> Result<R>,
) -> Result<R> {
    // A commit-graph that cannot be read only makes the walk slower.
    let cache = repo.commit_graph_if_enabled().ok().flatten();
    let mut walker = Walker {
        graph: repo.revision_graph(cache.as_ref()),
        frontiers: [None, None],
        walk: 0,
    };
    f(&mut walker)
}

impl Walker<'_, '_> {
    /// Sets the refs of `held`; must be called once before questions about it.
    pub fn hold(&mut self, held: Held, tips: impl IntoIterator<Item = ObjectId>) {
        self.frontiers[held.index()] = Some(Frontier {
            tips: tips.into_iter().collect(),
            queue: PriorityQueue::new(),
            read: 0,
        });
    }

    /// Queues the refs' commits the first time `held` is asked about.
    fn start(&mut self, held: Held) -> Result<()> {
        let bit = held.bit();
        let Some(frontier) = self.frontiers[held.index()].as_mut() else {
            return Ok(());
        };
        for tip in std::mem::take(&mut frontier.tips) {
            // A ref to something other than a commit holds no history.
            if let Some(commit) = self.graph.get_or_insert_commit(tip, |_| {})?
                && commit.data.held & bit == 0
            {
                commit.data.held |= bit;
                frontier.queue.insert(Key::of(commit), tip);
            }
        }
        Ok(())
    }

    /// Whether `id` is already marked held (no frontier work).
    fn marked(&self, held: Held, id: &ObjectId) -> bool {
        self.graph
            .get(id)
            .is_some_and(|c| c.data.held & held.bit() != 0)
    }

    /// Marks held history until nothing queued could descend from `key`.
    /// `false` when the budget ran out first.
    fn advance(&mut self, held: Held, key: Key) -> Result<bool> {
        self.start(held)?;
        let bit = held.bit();
        let Some(frontier) = self.frontiers[held.index()].as_mut() else {
            return Ok(true);
        };
        while let Some((top, _)) = frontier.queue.peek() {
            if !top.may_descend_from(key) {
                break;
            }
            if frontier.read >= HELD_BUDGET {
                return Ok(false);
            }
            let Some((_, id)) = frontier.queue.pop() else {
                break;
            };
            frontier.read += 1;
            let parents = match self.graph.get(&id) {
                Some(commit) => commit.parents.clone(),
                None => continue,
            };
            for parent in parents {
                // A missing parent (shallow clone) ends that line of history.
                if let Some(commit) = self.graph.get_or_insert_commit(parent, |_| {})?
                    && commit.data.held & bit == 0
                {
                    commit.data.held |= bit;
                    frontier.queue.insert(Key::of(commit), parent);
                }
            }
        }
        Ok(true)
    }

    /// Whether `id` is reachable from the refs of `held`; `None` when the
    /// budget ran out or `id` is not a commit in this repository.
    pub fn is_held(&mut self, held: Held, id: ObjectId) -> Result<Option<bool>> {
        let Some(key) = self
            .graph
            .get_or_insert_commit(id, |_| {})?
            .map(|c| Key::of(c))
        else {
            return Ok(None);
        };
        if !self.advance(held, key)? {
            return Ok(None);
        }
        Ok(self.graph.get(&id).map(|c| c.data.held & held.bit() != 0))
    }

    /// Counts the commits reachable from `tip` that the refs of `held` do not
    /// reach, walking newest first and stopping at held commits.
    pub fn count(&mut self, held: Held, tip: ObjectId) -> Result<Tally> {
        self.walk = self.walk.wrapping_add(1);
        let walk = self.walk;
        let bit = held.bit();
        let mut queue: PriorityQueue<Key, ObjectId> = PriorityQueue::new();
        if let Some(commit) = self.graph.get_or_insert_commit(tip, |_| {})? {
            commit.data.seen = walk;
            queue.insert(Key::of(commit), tip);
        }
        let mut count = 0;
        self.start(held)?;
        while let Some((key, id)) = queue.pop() {
            if !self.marked(held, &id) && !self.advance(held, key)? {
                return Ok(Tally::NotChecked);
            }
            let parents = match self.graph.get(&id) {
                Some(commit) if commit.data.held & bit == 0 => commit.parents.clone(),
                _ => continue,
            };
            count += 1;
            if count > COUNT_CAP {
                return Ok(Tally::Counted {
                    count: COUNT_CAP,
                    at_least: true,
                });
            }
            for parent in parents {
                if let Some(commit) = self.graph.get_or_insert_commit(parent, |_| {})?
                    && commit.data.seen != walk
                {
                    commit.data.seen = walk;
                    queue.insert(Key::of(commit), parent);
                }
            }
        }
        Ok(Tally::Counted {
            count,
            at_least: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(generation: u32, time: i64) -> Key {
        Key { generation, time }
    }

    #[test]
    fn generations_decide_when_both_known() {
        assert!(key(5, 0).may_descend_from(key(4, 100)));
        assert!(!key(4, 100).may_descend_from(key(4, 0)));
        assert!(!key(3, 100).may_descend_from(key(4, 0)));
    }

    #[test]
    fn commits_outside_the_graph_are_newer() {
        assert!(key(u32::MAX, 0).may_descend_from(key(7, 100)));
        assert!(!key(7, 100).may_descend_from(key(u32::MAX, 0)));
    }

    #[test]
    fn dates_allow_for_clock_skew() {
        let t = 1_700_000_000;
        assert!(key(u32::MAX, t - 3600).may_descend_from(key(u32::MAX, t)));
        assert!(!key(u32::MAX, t - CLOCK_SLACK - 1).may_descend_from(key(u32::MAX, t)));
    }
}
