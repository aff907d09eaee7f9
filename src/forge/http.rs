//! GET requests to a forge API: the token (environment or a command from
//! settings.yml) sent only to the API's own origin, redirects followed here
//! (automatic ones are off) so the token never crosses to another host,
//! bounded bodies, retries with backoff for server errors and timeouts, and
//! rate limits reported with their reset time (waited for only when asked).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Result, anyhow, bail};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue, LOCATION};
use reqwest::{StatusCode, Url};

use super::model::{Kind, Source};

/// Largest response body read (a page of 100 GitHub repos is under 1 MiB).
const MAX_BODY: usize = 32 << 20;
/// Redirects followed for one request.
const MAX_REDIRECTS: usize = 5;
/// Retries after a server error, a timeout or a broken connection.
const MAX_RETRIES: u32 = 3;
/// First backoff delay; doubled per retry, with ±50% jitter.
const BACKOFF_BASE: Duration = Duration::from_millis(500);
/// Longest single wait for a rate limit to reset, and how many waits.
const MAX_RATE_WAIT: Duration = Duration::from_secs(3600);
const MAX_RATE_WAITS: u32 = 5;
/// Default time for one API answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A token and where it came from (for messages; the value is never shown).
pub struct Token {
    value: String,
    from: String,
}

/// The environment variables that hold a token for `source`, in order.
pub fn token_vars(source: &Source) -> &'static [&'static str] {
    match (source.kind, source.custom_api) {
        (Kind::GitHub, false) => &["GH_TOKEN", "GITHUB_TOKEN"],
        (Kind::GitHub, true) => &["GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"],
        (Kind::GitLab, _) => &["GITLAB_TOKEN"],
        (Kind::Gitea, _) => &["GITEA_TOKEN"],
        (Kind::Forgejo, _) => &["FORGEJO_TOKEN", "GITEA_TOKEN"],
    }
}

/// The keys of `forge_token_commands` that apply to `source`, in order: its
/// API host, then the forge kind (not `github` for GitHub Enterprise: a
/// github.com token is not sent to another host).
fn command_keys(source: &Source) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(host) = source.api.host_str() {
        keys.push(host.to_string());
    }
    if !(source.kind == Kind::GitHub && source.custom_api) {
        keys.push(source.kind.key().to_string());
    }
    keys
}

/// What to tell a user who needs a token for `source`.
pub fn token_hint(source: &Source) -> String {
    format!(
        "set {} (or forge_token_commands.{} in settings.yml)",
        token_vars(source).join(" or "),
        command_keys(source).last().map_or("HOST", String::as_str)
    )
}

/// The token for `source`: the first non-empty variable of [`token_vars`],
/// else the output of the first matching command in `commands`, else none.
pub fn token(source: &Source, commands: &BTreeMap<String, String>) -> Result<Option<Token>> {
    for var in token_vars(source) {
        if let Some(value) = crate::env::var(var) {
            let Some(value) = value.to_str() else {
                bail!("{var} is not valid UTF-8; it cannot be a token");
            };
            let value = value.trim();
            if !value.is_empty() {
                return checked(value.to_string(), var.to_string()).map(Some);
            }
        }
    }
    for key in command_keys(source) {
        let Some(command) = commands.get(&key) else {
            continue;
        };
        let from = format!("forge_token_commands.{key} in settings.yml");
        let out = std::process::Command::new("sh")
            .args(["-c", command])
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit())
            .output()
            .map_err(|e| anyhow!("cannot run {from}: {e}"))?;
        // The command is not shown: it may hold a token itself.
        if !out.status.success() {
            bail!(
                "the command of {from} failed ({}); fix it or set {}",
                out.status,
                token_vars(source).join(" or ")
            );
        }
        let value = String::from_utf8(out.stdout)
            .map_err(|_| anyhow!("{from} printed something that is not UTF-8"))?;
        let value = value.trim();
        if value.is_empty() {
            bail!("the command of {from} printed no token");
        }
        return checked(value.to_string(), from).map(Some);
    }
    Ok(None)
}

fn checked(value: String, from: String) -> Result<Token> {
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        bail!("the token from {from} has spaces or characters that cannot be sent in a header");
    }
    Ok(Token { value, from })
}

/// Whether the URL's host is a loopback address or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return v6
            .parse::<std::net::Ipv6Addr>()
            .is_ok_and(|ip| ip.is_loopback());
    }
    match host.parse::<std::net::Ipv4Addr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str().map(str::to_ascii_lowercase) == b.host_str().map(str::to_ascii_lowercase)
        && a.port_or_known_default() == b.port_or_known_default()
}

/// A finished answer: any status the caller has to judge (2xx, 4xx).
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Why one attempt failed.
enum Attempt {
    /// Worth another try: a timeout, a dropped connection, a cut body.
    Net(String),
    /// Final.
    Fatal(anyhow::Error),
}

/// The client for one source.
pub struct Http {
    client: reqwest::Client,
    api: Url,
    auth: Option<HeaderValue>,
    token: Option<Token>,
    headers: HeaderMap,
    wait_rate_limit: bool,
    timeout: Duration,
    pub label: &'static str,
    hint: String,
}

impl Http {
    pub fn new(
        source: &Source,
        token: Option<Token>,
        wait_rate_limit: bool,
        timeout: Duration,
    ) -> Result<Http> {
        // The process-wide crypto provider; a second install is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .timeout(timeout)
            .user_agent(concat!("gita/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| anyhow!("cannot set up the HTTP client: {e}"))?;
        let mut headers = HeaderMap::new();
        if source.kind == Kind::GitHub {
            headers.insert(
                ACCEPT,
                HeaderValue::from_static("application/vnd.github+json"),
            );
            headers.insert(
                "x-github-api-version",
                HeaderValue::from_static("2022-11-28"),
            );
        } else {
            headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        }
        let auth = match &token {
            Some(t) => {
                let scheme = match source.kind {
                    Kind::Gitea | Kind::Forgejo => "token",
                    Kind::GitHub | Kind::GitLab => "Bearer",
                };
                let mut v = HeaderValue::from_str(&format!("{scheme} {}", t.value))
                    .map_err(|_| anyhow!("the token from {} cannot be sent in a header", t.from))?;
                v.set_sensitive(true);
                Some(v)
            }
            None => None,
        };
        Ok(Http {
            client,
            api: source.api.clone(),
            auth,
            token,
            headers,
            wait_rate_limit,
            timeout,
            label: source.kind.label(),
            hint: token_hint(source),
        })
    }

    /// The API URL of `segments` under the base, with `query`.
    pub fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.api.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// Whether a token is in use.
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// "with the token from X" or "without a token (set …)", for messages.
    pub fn auth_note(&self) -> String {
        match &self.token {
            Some(t) => format!("with the token from {}", t.from),
            None => format!("without a token; {}", self.hint),
        }
    }

    /// Where the token came from, if there is one.
    pub fn token_from(&self) -> Option<&str> {
        self.token.as_ref().map(|t| t.from.as_str())
    }

    pub fn hint(&self) -> &str {
        &self.hint
    }

    /// `text` with the token replaced, for anything a server sent that is shown.
    pub fn redact(&self, text: &str) -> String {
        match &self.token {
            Some(t) => text.replace(&t.value, "[token]"),
            None => text.to_string(),
        }
    }

    /// The server's own words from an error body (`message` or `error`),
    /// one line, at most 200 characters, without the token.
    pub fn server_message(&self, resp: &Response) -> String {
        let text = serde_json::from_slice::<serde_json::Value>(&resp.body)
            .ok()
            .and_then(|v| {
                ["message", "error"].iter().find_map(|k| match v.get(*k)? {
                    serde_json::Value::String(s) => Some(s.clone()),
                    serde_json::Value::Null => None,
                    other => Some(other.to_string()),
                })
            })
            .unwrap_or_default();
        let line: String = self
            .redact(&text)
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(200)
            .collect();
        let line = line.trim().to_string();
        if line.is_empty() {
            String::new()
        } else {
            format!(": {line:?}")
        }
    }

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
            tokio::time::sleep(backoff(retries)).await;
        }
    }

    fn origin_text(&self) -> String {
        self.api.origin().ascii_serialization()
    }

    /// One attempt, redirects followed by hand: the token goes only to the
    /// API's origin, and a redirect may not leave https (plain http is
    /// allowed only between loopback hosts).
    async fn fetch(&self, start: &Url) -> Result<Response, Attempt> {
        let mut url = start.clone();
        for _ in 0..=MAX_REDIRECTS {
            let mut req = self.client.get(url.clone()).headers(self.headers.clone());
            if let Some(auth) = &self.auth
                && same_origin(&url, &self.api)
            {
                req = req.header(AUTHORIZATION, auth.clone());
            }
            let mut resp = req
                .send()
                .await
                .map_err(|e| Attempt::Net(self.describe(&e)))?;
            let status = resp.status();
            if status.is_redirection()
                && let Some(location) = resp.headers().get(LOCATION)
            {
                let next = location
                    .to_str()
                    .ok()
                    .and_then(|l| url.join(l).ok())
                    .ok_or_else(|| {
                        Attempt::Fatal(anyhow!(
                            "{} API at {} sent a redirect that is not a URL",
                            self.label,
                            self.origin_text()
                        ))
                    })?;
                let allowed = next.scheme() == "https"
                    || (next.scheme() == "http" && is_loopback(&next) && is_loopback(&url));
                if !allowed {
                    return Err(Attempt::Fatal(anyhow!(
                        "{} API at {} redirected {} to {}://{}, which is not https; not followed",
                        self.label,
                        self.origin_text(),
                        url.path(),
                        next.scheme(),
                        next.host_str().unwrap_or("")
                    )));
                }
                url = next;
                continue;
            }
            if resp.content_length().is_some_and(|n| n > MAX_BODY as u64) {
                return Err(Attempt::Fatal(self.too_large(&url)));
            }
            let headers = resp.headers().clone();
            let mut body = Vec::new();
            loop {
                match resp.chunk().await {
                    Ok(Some(chunk)) => {
                        if body.len() + chunk.len() > MAX_BODY {
                            return Err(Attempt::Fatal(self.too_large(&url)));
                        }
                        body.extend_from_slice(&chunk);
                    }
                    Ok(None) => break,
                    Err(e) => return Err(Attempt::Net(self.describe(&e))),
                }
            }
            return Ok(Response {
                status,
                headers,
                body,
            });
        }
        Err(Attempt::Fatal(anyhow!(
            "{} API at {}: more than {MAX_REDIRECTS} redirects for {}",
            self.label,
            self.origin_text(),
            start.path()
        )))
    }

    fn too_large(&self, url: &Url) -> anyhow::Error {
        anyhow!(
            "{} API at {} sent more than {} MiB for {}; gita reads no larger answer",
            self.label,
            self.origin_text(),
            MAX_BODY >> 20,
            url.path()
        )
    }

    /// A transport error in a few words: timeout, connection, or the cause.
    fn describe(&self, e: &reqwest::Error) -> String {
        if e.is_timeout() {
            return format!("no answer within {} s", self.timeout.as_secs_f64());
        }
        let mut cause: &dyn std::error::Error = e;
        while let Some(next) = cause.source() {
            cause = next;
        }
        let what = if e.is_connect() {
            "cannot connect"
        } else if e.is_body() || e.is_decode() {
            "the answer was cut off"
        } else {
            "request failed"
        };
        self.redact(&format!("{what} ({cause})"))
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
        let what = if self.token.is_some() {
            format!("with the token from {}", self.token_from().unwrap_or(""))
        } else {
            format!("without a token ({} raises it)", self.hint)
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

fn backoff(retry: u32) -> Duration {
    use std::hash::{BuildHasher as _, Hasher as _};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(retry);
    let jitter = 0.5 + (h.finish() % 1000) as f64 / 1000.0;
    (BACKOFF_BASE * 2u32.pow(retry.saturating_sub(1).min(8))).mul_f64(jitter)
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

    #[test]
    fn loopback_only() {
        let u = |s: &str| Url::parse(s).expect("url");
        assert!(is_loopback(&u("http://127.0.0.1:8/")));
        assert!(is_loopback(&u("http://127.1.2.3/")));
        assert!(is_loopback(&u("http://[::1]/")));
        assert!(is_loopback(&u("http://LocalHost/")));
        assert!(!is_loopback(&u("http://10.0.0.1/")));
        assert!(!is_loopback(&u("http://localhost.example.com/")));
    }

    #[test]
    fn origins() {
        let u = |s: &str| Url::parse(s).expect("url");
        assert!(same_origin(&u("https://H/a"), &u("https://h:443/b")));
        assert!(!same_origin(&u("https://h/a"), &u("https://h:8443/a")));
        assert!(!same_origin(&u("https://h/a"), &u("http://h/a")));
        assert!(!same_origin(&u("https://h/a"), &u("https://g/a")));
    }
}
