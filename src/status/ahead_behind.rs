//! Ahead/behind counts of two commits in one walk that stops as soon as the
//! answer is known, the way git's own ahead/behind works: both tips are
//! painted down their ancestry from a priority queue, every commit learns
//! which side reaches it, and the walk ends once every queued commit is
//! reached by both sides (nothing below it can count any more).
//!
//! The queue is ordered by generation number (from the commit-graph) when
//! every commit on the way has one, which makes the counts exact: a commit
//! is only taken after everything that can reach it. Without generation
//! numbers it is ordered by commit date, which is exact as long as no commit
//! is dated before its parent; for clock skew the walk passes any flag it
//! learns late on to the part it has already walked, does not stop while a
//! queued commit is newer than a commit it counts, and walks [`SLOP`] more
//! commits past the point where the dates say it is done.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::hash::{BuildHasherDefault, Hash, Hasher};

use anyhow::{Context as _, bail};

/// How much one comparison may read, in commits read from a commit-graph;
/// one read from the object database (inflated from a pack) costs
/// [`OBJECT_READ_COST`] of them. That is 500,000 commits with a graph or
/// 100,000 without one, each a few tenths of a second, and more than all of
/// git's own history. Past it the counts found so far are reported as lower
/// bounds (`↓N+`) instead of keeping the whole table waiting.
pub const WALK_LIMIT: usize = 500_000;

/// What reading one commit object costs against [`WALK_LIMIT`]: inflating it
/// takes several times longer than reading a commit-graph entry.
const OBJECT_READ_COST: usize = 5;

/// Commits missing from the commit-graph (written after it) whose generation
/// numbers are computed before the walk; when more than this many lie between
/// the tips and the graph, the walk goes by commit date instead.
const GENERATION_FILL_LIMIT: usize = 10_000;

/// Commits walked past the point where commit dates say the counts are
/// known, to absorb clock skew; git's date-ordered walks allow the same five.
/// Each costs a read, which in a small repo can be most of the walk.
const SLOP: usize = 5;

/// Generation numbers at or above this are capped in commit-graph files and
/// no longer tell ancestors apart.
const GENERATION_CAP: u32 = 0x3FFF_FFFF;

/// The result of a comparison.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Commits reachable from the left tip only.
    pub ahead: usize,
    /// Commits reachable from the right tip only.
    pub behind: usize,
    /// The walk reached its limit: both counts are lower bounds.
    pub bounded: bool,
}

/// What the walk needs to know about one commit.
#[derive(Debug, Clone, Copy)]
pub struct Meta {
    /// Committer time, seconds since the epoch.
    pub time: i64,
    /// Generation number (topological level) from a commit-graph, if any.
    pub generation: Option<u32>,
}

/// Where the walk reads commits from.
pub trait Commits {
    type Id: Copy + Eq + Hash;
    /// Whether commits may come with generation numbers (a commit-graph).
    fn has_generations(&self) -> bool;
    /// Reads commit `id`, appending its parents to `parents`. `Ok(None)` when
    /// the commit is absent (beyond the edge of a shallow clone).
    fn load(&mut self, id: Self::Id, parents: &mut Vec<Self::Id>) -> anyhow::Result<Option<Meta>>;
}

/// Counts the commits reachable from `left` but not `right` (ahead) and the
/// reverse (behind), reading at most `limit` (see [`WALK_LIMIT`]).
pub fn count<C: Commits>(
    commits: C,
    left: C::Id,
    right: C::Id,
    limit: usize,
) -> anyhow::Result<Counts> {
    if left == right {
        return Ok(Counts::default());
    }
    let mut walk = Walk::new(commits, limit);
    let l = walk.node(left);
    let r = walk.node(right);
    for tip in [l, r] {
        if !walk.load(tip)? {
            bail!("commit to compare is missing from the object database");
        }
    }
    if walk.commits.has_generations() && walk.fill_generations([l, r])? {
        if let Some(counts) = walk.run(l, r, true)? {
            return Ok(counts);
        }
        walk.reset();
    }
    walk.run(l, r, false)?
        .context("the date-ordered walk ended early")
}

// Per-commit flags.
const LEFT: u8 = 1;
const RIGHT: u8 = 2;
const BOTH: u8 = LEFT | RIGHT;
const QUEUED: u8 = 4;
const EXPANDED: u8 = 8;
const LOADED: u8 = 16;
const MISSING: u8 = 32;
const ON_STACK: u8 = 64;
/// Flags that belong to one run of the walk.
const TRANSIENT: u8 = BOTH | QUEUED | EXPANDED | ON_STACK;

#[derive(Debug, Clone, Copy, Default)]
struct Node {
    time: i64,
    /// Generation number; 0 = unknown.
    generation: u32,
    flags: u8,
    /// Range of this commit's parents in `Walk::parents`.
    first_parent: u32,
    parent_count: u32,
}

/// Queue order: highest generation first (all 0 when walking by date), then
/// newest, then the commit seen first.
type Key = (u32, i64, Reverse<u32>);

struct Walk<C: Commits> {
    commits: C,
    index: HashMap<C::Id, u32, BuildHasherDefault<MixHasher>>,
    ids: Vec<C::Id>,
    nodes: Vec<Node>,
    parents: Vec<u32>,
    scratch: Vec<C::Id>,
    /// A commit-graph generation was 0 (never computed) or capped.
    generations_broken: bool,
    limit: usize,
    /// What the reads so far cost (see [`WALK_LIMIT`]).
    spent: usize,
    queue: BinaryHeap<Key>,
    /// Queued commits not yet reached from both sides.
    active: usize,
    stack: Vec<(u32, u8)>,
}

impl<C: Commits> Walk<C> {
    fn new(commits: C, limit: usize) -> Self {
        Walk {
            commits,
            index: HashMap::default(),
            ids: Vec::new(),
            nodes: Vec::new(),
            parents: Vec::new(),
            scratch: Vec::new(),
            generations_broken: false,
            limit,
            spent: 0,
            queue: BinaryHeap::new(),
            active: 0,
            stack: Vec::new(),
        }
    }

    /// The node of `id`, created (not yet loaded) on first sight.
    fn node(&mut self, id: C::Id) -> u32 {
        let next = self.nodes.len() as u32;
        let n = *self.index.entry(id).or_insert(next);
        if n == next {
            self.nodes.push(Node::default());
            self.ids.push(id);
        }
        n
    }

    /// Reads node `n` once; `false` when its commit is absent.
    fn load(&mut self, n: u32) -> anyhow::Result<bool> {
        let i = n as usize;
        let flags = self.nodes[i].flags;
        if flags & LOADED != 0 {
            return Ok(flags & MISSING == 0);
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let meta = self.commits.load(self.ids[i], &mut scratch)?;
        let Some(meta) = meta else {
            self.nodes[i].flags |= LOADED | MISSING;
            self.scratch = scratch;
            return Ok(false);
        };
        let first_parent = self.parents.len() as u32;
        for &id in &scratch {
            let p = self.node(id);
            self.parents.push(p);
        }
        self.scratch = scratch;
        self.spent += match meta.generation {
            Some(_) => 1,
            None => OBJECT_READ_COST,
        };
        let generation = match meta.generation {
            Some(g) if g > 0 && g < GENERATION_CAP => g,
            Some(_) => {
                self.generations_broken = true;
                0
            }
            None => 0,
        };
        let node = &mut self.nodes[i];
        node.time = meta.time;
        node.generation = generation;
        node.first_parent = first_parent;
        node.parent_count = self.parents.len() as u32 - first_parent;
        node.flags |= LOADED;
        Ok(true)
    }

    fn parent_range(&self, n: u32) -> std::ops::Range<usize> {
        let node = &self.nodes[n as usize];
        let start = node.first_parent as usize;
        start..start + node.parent_count as usize
    }

    /// Gives commits missing from the commit-graph (newer than it) their
    /// generation numbers. `false` when generation numbers cannot order this
    /// walk (too many such commits, a cycle, unusable graph generations).
    fn fill_generations(&mut self, tips: [u32; 2]) -> anyhow::Result<bool> {
        let mut budget = GENERATION_FILL_LIMIT;
        let mut stack: Vec<u32> = Vec::new();
        for tip in tips {
            if self.nodes[tip as usize].generation == 0 && !stack.contains(&tip) {
                self.nodes[tip as usize].flags |= ON_STACK;
                stack.push(tip);
            }
        }
        while let Some(&n) = stack.last() {
            let mut ready = true;
            let mut highest = 0;
            for i in self.parent_range(n) {
                let p = self.parents[i];
                if !self.load(p)? {
                    continue;
                }
                let parent = self.nodes[p as usize];
                if parent.generation != 0 {
                    highest = highest.max(parent.generation);
                    continue;
                }
                if self.generations_broken || parent.flags & ON_STACK != 0 || budget == 0 {
                    return Ok(false);
                }
                budget -= 1;
                self.nodes[p as usize].flags |= ON_STACK;
                stack.push(p);
                ready = false;
            }
            if ready {
                stack.pop();
                let node = &mut self.nodes[n as usize];
                node.flags &= !ON_STACK;
                node.generation = highest + 1;
                if node.generation >= GENERATION_CAP {
                    return Ok(false);
                }
            }
        }
        Ok(!self.generations_broken)
    }

    /// Forgets everything one run learnt (loaded commits stay).
    fn reset(&mut self) {
        for node in &mut self.nodes {
            node.flags &= !TRANSIENT;
        }
        self.queue.clear();
        self.active = 0;
    }

    /// Adds `flags` to `n` and, when `n` was already expanded, to everything
    /// below it that the walk has seen (a flag learnt late, under clock skew).
    fn mark(&mut self, n: u32, flags: u8) {
        self.stack.push((n, flags));
        while let Some((n, flags)) = self.stack.pop() {
            let node = &mut self.nodes[n as usize];
            let old = node.flags;
            if old & flags == flags {
                continue;
            }
            node.flags |= flags;
            let sides = node.flags & BOTH;
            if old & QUEUED != 0 && sides == BOTH {
                self.active -= 1;
            }
            if old & EXPANDED != 0 {
                for i in self.parent_range(n) {
                    let p = self.parents[i];
                    if self.nodes[p as usize].flags & MISSING == 0 {
                        self.stack.push((p, sides));
                    }
                }
            }
        }
    }

    fn push(&mut self, n: u32, by_generation: bool) {
        let node = &mut self.nodes[n as usize];
        if node.flags & (QUEUED | EXPANDED) != 0 {
            return;
        }
        node.flags |= QUEUED;
        if node.flags & BOTH != BOTH {
            self.active += 1;
        }
        let generation = if by_generation { node.generation } else { 0 };
        self.queue.push((generation, node.time, Reverse(n)));
    }

    /// One walk; `Ok(None)` when ordering by generation turns out impossible.
    fn run(
        &mut self,
        left: u32,
        right: u32,
        by_generation: bool,
    ) -> anyhow::Result<Option<Counts>> {
        self.mark(left, LEFT);
        self.mark(right, RIGHT);
        self.push(left, by_generation);
        self.push(right, by_generation);
        let mut bounded = false;
        // The oldest commit expanded while reached from one side only.
        let mut oldest_counted = i64::MAX;
        let mut slop = SLOP;
        while let Some(&(_, time, Reverse(n))) = self.queue.peek() {
            if self.active == 0 {
                if by_generation {
                    break;
                }
                if time >= oldest_counted {
                    slop = SLOP;
                } else if slop == 0 {
                    break;
                } else {
                    slop -= 1;
                }
            }
            if self.spent >= self.limit {
                bounded = true;
                break;
            }
            self.queue.pop();
            let node = &mut self.nodes[n as usize];
            node.flags = (node.flags & !QUEUED) | EXPANDED;
            let (sides, generation) = (node.flags & BOTH, node.generation);
            if sides != BOTH {
                self.active -= 1;
                oldest_counted = oldest_counted.min(time);
            }
            for i in self.parent_range(n) {
                let p = self.parents[i];
                if !self.load(p)? {
                    continue;
                }
                if by_generation {
                    let g = self.nodes[p as usize].generation;
                    if self.generations_broken || g == 0 || g >= generation {
                        return Ok(None);
                    }
                }
                self.mark(p, sides);
                self.push(p, by_generation);
            }
        }
        let (mut ahead, mut behind) = (0, 0);
        for node in &self.nodes {
            if node.flags & EXPANDED != 0 {
                match node.flags & BOTH {
                    LEFT => ahead += 1,
                    RIGHT => behind += 1,
                    _ => {}
                }
            }
        }
        Ok(Some(Counts {
            ahead,
            behind,
            bounded,
        }))
    }
}

/// A fast hasher for commit keys (graph positions or object ids, which are
/// uniformly distributed already).
#[derive(Default)]
struct MixHasher(u64);

impl MixHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for MixHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// A made-up history: commit `i` has a time and parents among `0..i`.
    #[derive(Clone)]
    struct Synthetic {
        time: Vec<i64>,
        parents: Vec<Vec<usize>>,
        /// Generation numbers as a commit-graph would store them, for the
        /// commits "in the graph"; empty for a repository without one.
        generation: Vec<Option<u32>>,
        /// Commits whose objects are absent (beyond a shallow boundary).
        missing: HashSet<usize>,
    }

    impl Synthetic {
        fn new() -> Self {
            Synthetic {
                time: Vec::new(),
                parents: Vec::new(),
                generation: Vec::new(),
                missing: HashSet::new(),
            }
        }

        fn add(&mut self, time: i64, parents: &[usize]) -> usize {
            self.time.push(time);
            self.parents.push(parents.to_vec());
            self.time.len() - 1
        }

        /// Puts the first `n` commits into a "commit-graph".
        fn with_graph(mut self, n: usize) -> Self {
            let mut levels: Vec<u32> = Vec::new();
            for i in 0..self.time.len() {
                let level = self.parents[i]
                    .iter()
                    .map(|&p| levels[p])
                    .max()
                    .unwrap_or(0)
                    + 1;
                levels.push(level);
            }
            self.generation = (0..self.time.len())
                .map(|i| (i < n).then_some(levels[i]))
                .collect();
            self
        }

        fn ancestors(&self, tip: usize) -> HashSet<usize> {
            let mut seen = HashSet::new();
            let mut stack = vec![tip];
            while let Some(c) = stack.pop() {
                if self.missing.contains(&c) || !seen.insert(c) {
                    continue;
                }
                stack.extend(&self.parents[c]);
            }
            seen
        }

        /// The exact answer, by listing both ancestries.
        fn truth(&self, left: usize, right: usize) -> (usize, usize) {
            let (l, r) = (self.ancestors(left), self.ancestors(right));
            (l.difference(&r).count(), r.difference(&l).count())
        }

        fn count(&self, left: usize, right: usize) -> Counts {
            self.count_limited(left, right, WALK_LIMIT)
        }

        fn count_limited(&self, left: usize, right: usize, limit: usize) -> Counts {
            count(self.clone(), left, right, limit).expect("walk")
        }
    }

    impl Commits for Synthetic {
        type Id = usize;
        fn has_generations(&self) -> bool {
            !self.generation.is_empty()
        }
        fn load(&mut self, id: usize, parents: &mut Vec<usize>) -> anyhow::Result<Option<Meta>> {
            if self.missing.contains(&id) {
                return Ok(None);
            }
            parents.extend(&self.parents[id]);
            Ok(Some(Meta {
                time: self.time[id],
                generation: self.generation.get(id).copied().flatten(),
            }))
        }
    }

    fn exact(a: usize, b: usize) -> Counts {
        Counts {
            ahead: a,
            behind: b,
            bounded: false,
        }
    }

    /// A small deterministic random number generator (64-bit LCG).
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % n
        }
    }

    /// A history of `n` commits: a main line with merged side branches
    /// forked at random depths; `skew` makes times random instead of
    /// growing (or staying equal) from parent to child.
    fn random_history(seed: u64, n: usize, skew: bool) -> Synthetic {
        let mut rng = Lcg(seed);
        let mut g = Synthetic::new();
        let mut tips = vec![g.add(1000, &[])];
        while g.time.len() < n {
            let base = tips[tips.len() - 1 - rng.below(tips.len().min(12) as u64) as usize];
            let mut parents = vec![base];
            if rng.below(3) == 0 {
                let other = tips[rng.below(tips.len() as u64) as usize];
                if other != base {
                    parents.push(other);
                }
            }
            let newest = parents.iter().map(|&p| g.time[p]).max().unwrap_or(0);
            let time = if skew {
                1000 + rng.below(5000) as i64
            } else {
                newest + rng.below(3) as i64
            };
            let c = g.add(time, &parents);
            tips.push(c);
        }
        g
    }

    #[test]
    fn same_commit_and_linear_history() {
        let mut g = Synthetic::new();
        let a = g.add(1, &[]);
        let b = g.add(2, &[a]);
        let c = g.add(3, &[b]);
        assert_eq!(g.count(c, c), exact(0, 0));
        assert_eq!(g.count(c, a), exact(2, 0));
        assert_eq!(g.count(a, c), exact(0, 2));
        let g = g.with_graph(3);
        assert_eq!(g.count(b, c), exact(0, 1));
    }

    #[test]
    fn diverged_with_merges() {
        let mut g = Synthetic::new();
        let root = g.add(1, &[]);
        let side = g.add(2, &[root]);
        let main = g.add(3, &[root]);
        let merge = g.add(4, &[main, side]);
        let local = g.add(5, &[side]);
        assert_eq!(g.count(local, merge), exact(1, 2));
        assert_eq!(g.clone().with_graph(5).count(local, merge), exact(1, 2));
    }

    #[test]
    fn random_histories_match_the_exact_answer() {
        for seed in 0..40 {
            for skew in [false, true] {
                let g = random_history(seed, 300, skew);
                let n = g.time.len();
                let mut rng = Lcg(seed ^ 0xabcd);
                for _ in 0..8 {
                    let l = rng.below(n as u64) as usize;
                    let r = rng.below(n as u64) as usize;
                    let (a, b) = g.truth(l, r);
                    // Generation numbers make any clock skew harmless, also
                    // when the newest commits are missing from the graph.
                    for in_graph in [n, n - 40] {
                        let with = g.clone().with_graph(in_graph);
                        assert_eq!(with.count(l, r), exact(a, b), "seed {seed} {l}..{r}");
                    }
                    // By date alone the walk is exact while no commit is
                    // older than its parent (ties included).
                    if !skew {
                        assert_eq!(g.count(l, r), exact(a, b), "seed {seed} {l}..{r}");
                    }
                }
            }
        }
    }

    /// Left reaches X directly; right reaches X only through S2 and S,
    /// which are dated long before X. Both sides also share Q, so every
    /// queued commit is reached from both sides while S still waits: a walk
    /// that stopped there would count X (and Y below it) as ahead.
    #[test]
    fn skewed_parent_found_after_the_queue_went_stale() {
        let mut g = Synthetic::new();
        let r = g.add(1, &[]);
        let y = g.add(90, &[r]);
        let x = g.add(100, &[y]);
        let s2 = g.add(5, &[x]);
        let s = g.add(10, &[s2]);
        let d = g.add(250, &[s]);
        let q = g.add(50, &[r]);
        let left = g.add(300, &[d, x, q]);
        let right = g.add(300, &[d, q]);
        assert_eq!(g.truth(left, right), (1, 1));
        assert_eq!(g.count(left, right), exact(1, 1));
        assert_eq!(g.with_graph(9).count(left, right), exact(1, 1));
    }

    /// As above, but the way from the shared commit D to X runs through more
    /// commits than the walk's slop, all dated after X: the walk must keep
    /// going while queued commits are newer than a commit it counts.
    #[test]
    fn skewed_chain_newer_than_a_counted_commit() {
        let mut g = Synthetic::new();
        let r = g.add(1, &[]);
        let x = g.add(100, &[r]);
        let mut below = x;
        for k in 0..(SLOP as i64 + 8) {
            below = g.add(961 + k, &[below]);
        }
        let d = g.add(50, &[below]);
        let q = g.add(60, &[r]);
        let left = g.add(2000, &[x, d, q]);
        let right = g.add(2000, &[d, q]);
        assert_eq!(g.truth(left, right), (1, 1));
        assert_eq!(g.count(left, right), exact(1, 1));
        let n = g.time.len();
        assert_eq!(g.with_graph(n).count(left, right), exact(1, 1));
    }

    #[test]
    fn the_walk_limit_gives_lower_bounds() {
        let g = random_history(7, 2000, false).with_graph(2000);
        let (l, r) = (1999, 1500);
        let (a, b) = g.truth(l, r);
        assert_eq!(g.count(l, r), exact(a, b));
        let cut = g.count_limited(l, r, 50);
        assert!(cut.bounded);
        assert!(cut.ahead <= a && cut.behind <= b, "{cut:?} vs {a}/{b}");
        assert!(cut.ahead + cut.behind > 0, "{cut:?}");
    }

    #[test]
    fn missing_parents_end_the_history() {
        let mut g = Synthetic::new();
        let old = g.add(1, &[]);
        let boundary = g.add(2, &[old]);
        let left = g.add(3, &[boundary]);
        let right = g.add(4, &[boundary]);
        let other = g.add(5, &[right]);
        g.missing.insert(old);
        assert_eq!(g.count(left, other), exact(1, 2));
    }

    #[test]
    fn many_commits_newer_than_the_graph_fall_back_to_dates() {
        let g = random_history(3, GENERATION_FILL_LIMIT + 400, false);
        let n = g.time.len();
        let with = g.clone().with_graph(200);
        for (l, r) in [(n - 1, 150), (150, n - 1), (n - 1, n - 300)] {
            let (a, b) = g.truth(l, r);
            assert_eq!(with.count(l, r), exact(a, b), "{l}..{r}");
        }
    }

    #[test]
    fn unusable_graph_generations_fall_back_to_dates() {
        let mut g = random_history(11, 200, false).with_graph(200);
        // Generation 0 (a graph written before generations existed) in the
        // middle of the walk: the walk starts over by date.
        for (i, generation) in g.generation.iter_mut().enumerate() {
            if i % 2 == 0 {
                *generation = Some(0);
            }
        }
        let (a, b) = g.truth(199, 120);
        assert_eq!(g.count(199, 120), exact(a, b));
    }
}
