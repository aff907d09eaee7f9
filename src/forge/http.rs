//! The HTTP client of a forge API: the token sent only to the API's own
//! origin, redirects followed here (automatic ones are off) so the token
//! never crosses to another host, and bounded bodies. One attempt per
//! [`Http::fetch`]; retries and rate limits are in `retry.rs`.

use std::time::Duration;

use anyhow::{Result, anyhow};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue, LOCATION};
use reqwest::{StatusCode, Url};

use super::model::{Kind, Source};
use super::token::{Token, token_hint};

/// Largest response body read (a page of 100 GitHub repos is under 1 MiB).
const MAX_BODY: usize = 32 << 20;
/// Redirects followed for one request.
const MAX_REDIRECTS: usize = 5;
/// Default time for one API answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

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
pub(super) enum Attempt {
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
    pub(super) wait_rate_limit: bool,
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

    pub(super) fn origin_text(&self) -> String {
        self.api.origin().ascii_serialization()
    }

    /// One attempt, redirects followed by hand: the token goes only to the
    /// API's origin, and a redirect may not leave https (plain http is
    /// allowed only between loopback hosts).
    pub(super) async fn fetch(&self, start: &Url) -> Result<Response, Attempt> {
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
