//! A small scoped thread pool for blocking work over a list (reading a few
//! things from each repo with git), keeping the order of the input.

/// Threads for short git reads across repos (`freeze`, `clone --from`): each
/// waits mostly on git's start-up and the file system, so a few per core keep
/// two cores busy without a burst of hundreds of processes.
pub const GIT_READERS: usize = 8;

/// Runs `f` over `items` on up to `threads` worker threads, keeping order.
pub fn map<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, items.len().max(1)) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    if let Ok(mut guard) = results.lock() {
                        guard[i] = Some(r);
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect()
}
