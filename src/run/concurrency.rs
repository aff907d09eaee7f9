//! How many children a run starts at once: `-j N`, else `jobs` in
//! settings.yml, else [`DEFAULT_JOBS`]; each at most `settings::MAX_JOBS`.

use anyhow::Result;

use crate::ctx::Ctx;

/// Concurrent children when neither `-j` nor `jobs` in settings.yml says
/// otherwise. Commands across repos wait on the network, not the CPU, so
/// the bound is well above the core count; yet it keeps hundreds of repos
/// from starting hundreds of git and ssh processes at once, which exhausts
/// file descriptors and trips servers' connection limits (sshd's
/// `MaxStartups`). See "Concurrency default" in docs/running.md and bench/fetch.sh.
pub const DEFAULT_JOBS: usize = 64;

/// The bound for a run whose `-j` is `flag`.
pub fn limit(ctx: &Ctx, flag: Option<usize>) -> Result<usize> {
    let n = match flag {
        Some(n) => n,
        None => ctx.settings()?.jobs.unwrap_or(DEFAULT_JOBS),
    };
    Ok(n.max(1))
}
