//! Retries with backoff for server errors, timeouts and broken connections,
//! and rate limits reported with their reset time (waited for only when
//! asked), around the single attempts of the client in `http.rs`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Result, bail};
use reqwest::Url;

use super::http::{Attempt, Http, Response, is_loopback};

/// Retries after a server error, a timeout or a broken connection.
const MAX_RETRIES: u32 = 3;
/// First backoff delay; doubled per retry, with ±50% jitter.
const BACKOFF_BASE: Duration = Duration::from_millis(500);
/// Longest single wait for a rate limit to reset, and how many waits.
const MAX_RATE_WAIT: Duration = Duration::from_secs(3600);
const MAX_RATE_WAITS: u32 = 5;

impl Http {
    /// GET `url` (an API URL or a link the API gave): retried on server
    /// errors, timeouts and broken connections; rate limits waited for only
    /// when asked. Any other status is returned for the caller to judge.
    pub async fn get(&self, url: &Url) -> Result<Response> {
        let what = url.path().to_string();
        if !(url.scheme() == "https" || (url.scheme() == "http" && is_loopback(url))) {
            bail!(
                "{} API at {} gave a link to {}://{}, which is not https; not followed",
                self.label,
                self.origin_text(),
                url.scheme(),
                url.host_str().unwrap_or("")
            );
        }
        let mut retries = 0;
        let mut waits = 0;
        loop {
            let failure = match self.fetch(url).await {
                Ok(resp) if resp.status.is_server_error() => format!(
                    "{} {}",
                    resp.status.as_u16(),
                    resp.status.canonical_reason().unwrap_or("")
                )
                .trim()
                .to_string(),
                Ok(resp) => match rate_limit(&resp) {
                    Some(wait) => {
                        let until = SystemTime::now() + wait;
                        if !self.wait_rate_limit || waits >= MAX_RATE_WAITS || wait > MAX_RATE_WAIT
                        {
                            bail!(self.rate_limit_message(&resp, until, waits > 0));
                        }
                        crate::say!(
                            "{} rate limit reached; waiting until {} ({} s), as --wait-rate-limit asks",
                            self.label,
                            clock(until),
                            wait.as_secs()
                        );
                        tokio::time::sleep(wait).await;
                        waits += 1;
                        continue;
                    }
                    None => return Ok(resp),
                },
                Err(Attempt::Fatal(e)) => return Err(e),
                Err(Attempt::Net(e)) => e,
            };
            if retries >= MAX_RETRIES {
                bail!(
                    "{} API at {} failed for {what}: {failure} ({} attempts); try again later",
                    self.label,
                    self.origin_text(),
                    retries + 1
                );
            }
            retries += 1;
            tokio::time::sleep(crate::backoff::delay(BACKOFF_BASE, retries)).await;
        }
    }

    fn rate_limit_message(&self, resp: &Response, until: SystemTime, waited: bool) -> String {
        let limit = resp
            .header("x-ratelimit-limit")
            .or_else(|| resp.header("ratelimit-limit"))
            .map(|l| format!(" of {l} requests"))
            .unwrap_or_default();
        let left = until
            .duration_since(SystemTime::now())
            .unwrap_or_default()
            .as_secs();
        let what = if self.has_token() {
            format!("with the token from {}", self.token_from().unwrap_or(""))
        } else {
            format!("without a token ({} raises it)", self.hint())
        };
        let advice = if waited {
            "it is still used up after waiting"
        } else if self.wait_rate_limit {
            "that is more than an hour away, too long to wait"
        } else {
            "re-run with --wait-rate-limit to wait for it"
        };
        format!(
            "{} rate limit{limit} used up ({} {}) {what}; it resets at {} (in {}), {advice}",
            self.label,
            resp.status.as_u16(),
            resp.status.canonical_reason().unwrap_or(""),
            clock(until),
            minutes(left)
        )
    }
}

/// How long to wait when `resp` says the rate limit is used up: GitHub's
/// 403/429 with `x-ratelimit-remaining: 0` (`x-ratelimit-reset`: epoch
/// seconds), GitLab's 429 (`ratelimit-reset`), or `retry-after` seconds.
fn rate_limit(resp: &Response) -> Option<Duration> {
    let status = resp.status.as_u16();
    let exhausted = resp
        .header("x-ratelimit-remaining")
        .or_else(|| resp.header("ratelimit-remaining"))
        .is_some_and(|r| r.trim() == "0");
    let retry_after = resp
        .header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok());
    if !(status == 429 || (status == 403 && (exhausted || retry_after.is_some()))) {
        return None;
    }
    if let Some(secs) = retry_after {
        return Some(Duration::from_secs(secs.max(1)));
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let reset = resp
        .header("x-ratelimit-reset")
        .or_else(|| resp.header("ratelimit-reset"))
        .and_then(|v| v.trim().parse::<u64>().ok());
    Some(match reset {
        Some(at) => Duration::from_secs(at.saturating_sub(now) + 1),
        None => Duration::from_secs(60),
    })
}

/// `2024-01-01 12:00:00 UTC`.
fn clock(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Days since 1970-01-01 to a civil date (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn minutes(secs: u64) -> String {
    if secs < 60 {
        format!("{secs} s")
    } else if secs < 7200 {
        format!("{} min", secs.div_ceil(60))
    } else {
        format!("{} h", secs / 3600)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_is_utc() {
        assert_eq!(clock(UNIX_EPOCH), "1970-01-01 00:00:00 UTC");
        let t = UNIX_EPOCH + Duration::from_secs(1_704_067_200 + 3_661);
        assert_eq!(clock(t), "2024-01-01 01:01:01 UTC");
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(clock(t), "2000-02-29 00:00:00 UTC");
    }
}
