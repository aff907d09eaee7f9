//! How many children a run starts at once: `-j N`, else `jobs` in
//! settings.yml, else the defaults below; each at most `settings::MAX_JOBS`.

use anyhow::Result;

use crate::ctx::Ctx;

/// Concurrent children of a run that does not talk to remotes, when neither
/// `-j` nor `jobs` in settings.yml says otherwise; and of a network run, the
/// most that go to any one server. Commands across repos wait on the
/// network, not the CPU, so the bound is well above the core count; yet it
/// keeps one server from getting hundreds of connections at once, which
/// trips connection limits (sshd's `MaxStartups`). See "Concurrency
/// default" in docs/running.md and bench/fetch.sh.
pub const DEFAULT_JOBS: usize = 64;

/// Concurrent children of a network run (fetch, pull, push, clone, commands
/// marked `network`) by default, across all servers: repos on different
/// servers, or on local paths, do not load one server, and waiting for
/// latency in rounds of 64 made 200 repos slower than starting them all.
/// Still a bound: each child holds pipes and memory.
pub const DEFAULT_NETWORK_JOBS: usize = 256;

/// The bounds of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    /// Children at once.
    pub total: usize,
    /// Children at once whose remotes are on one server, when bounded
    /// apart from `total`.
    pub per_server: Option<usize>,
}

/// The bounds for a run whose `-j` is `flag`; `network` when it talks to
/// remotes. An explicit `-j` or `jobs` is the one bound.
pub fn limit(ctx: &Ctx, flag: Option<usize>, network: bool) -> Result<Bound> {
    let chosen = match flag {
        Some(n) => Some(n),
        None => ctx.settings()?.jobs,
    };
    Ok(match chosen {
        Some(n) => Bound {
            total: n.max(1),
            per_server: None,
        },
        None if network => Bound {
            total: DEFAULT_NETWORK_JOBS,
            per_server: Some(DEFAULT_JOBS),
        },
        None => Bound {
            total: DEFAULT_JOBS,
            per_server: None,
        },
    })
}
