//! Jittered exponential backoff, shared by the retries of dropped
//! connections (`run`) and of forge requests (`forge`), and the randomness
//! behind it.

use std::time::Duration;

/// `base`, doubled for each attempt after the first (at most 2^8 times),
/// then scaled by a random factor between 0.5 and 1.5, so retries against
/// an overloaded server do not arrive in lockstep.
pub fn delay(base: Duration, attempt: u32) -> Duration {
    let doubled = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(8));
    let jitter = 0.5 + (random_u64() % 1000) as f64 / 1000.0;
    Duration::try_from_secs_f64(doubled.as_secs_f64() * jitter).unwrap_or(doubled)
}

/// A random number: not for secrets, only to spread retries and pick
/// names unlikely to collide.
pub fn random_u64() -> u64 {
    use std::hash::{BuildHasher as _, Hasher as _};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.write_u32(std::process::id());
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_with_jitter_and_never_overflows() {
        let base = Duration::from_millis(100);
        for attempt in 1..=4 {
            let d = delay(base, attempt);
            let nominal = base * 2u32.pow(attempt - 1);
            assert!(
                d >= nominal / 2 && d <= nominal * 3 / 2,
                "{d:?} at {attempt}"
            );
        }
        assert!(delay(base, u32::MAX) <= base * 256 * 3 / 2);
        assert!(delay(Duration::MAX, 9) > Duration::ZERO);
    }
}
