//! One answer of a listing: a status other than success turned into a
//! message that says who was asked and what to do, and a page's body read
//! into repos (in each forge's terms) and entries that could not be read.

use anyhow::{Result, anyhow, bail};
use reqwest::Url;

use super::{gitea, github, gitlab};
use crate::forge::http::{Http, Response};
use crate::forge::model::{Kind, Listed, Source};

/// One repo object of `kind` in the shared terms; `Err` says what is missing.
fn convert(kind: Kind, item: serde_json::Value) -> Result<Listed, String> {
    match kind {
        Kind::GitHub => github::convert(item),
        Kind::GitLab => gitlab::convert(item),
        Kind::Gitea | Kind::Forgejo => gitea::convert(item),
    }
}

/// Repos of one page, and entries that could not be read.
pub(super) fn parse_page(
    http: &Http,
    kind: Kind,
    resp: &Response,
    page: usize,
    path: &str,
) -> Result<(Vec<Listed>, Vec<String>)> {
    let value: serde_json::Value = serde_json::from_slice(&resp.body).map_err(|e| {
        anyhow!(
            "{} API sent malformed JSON for {path} (page {page}): {}",
            http.label,
            http.redact(&e.to_string())
        )
    })?;
    let serde_json::Value::Array(items) = value else {
        bail!(
            "{} API sent {} for {path} (page {page}) where a list of repositories belongs",
            http.label,
            json_kind(&value)
        );
    };
    let mut repos = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        match convert(kind, item) {
            Ok(r) => repos.push(r),
            Err(why) => problems.push(format!(
                "entry {} of page {page}: {}",
                i + 1,
                http.redact(&why)
            )),
        }
    }
    Ok((repos, problems))
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Errors for a status other than success, in one line that says who was
/// asked, with which token, and what to do.
pub(super) fn check_status(http: &Http, source: &Source, resp: &Response, url: &Url) -> Result<()> {
    if resp.status.is_success() {
        return Ok(());
    }
    let status = format!(
        "{} {}{}",
        resp.status.as_u16(),
        resp.status.canonical_reason().unwrap_or(""),
        http.server_message(resp)
    );
    match (resp.status.as_u16(), http.token_from()) {
        (401, Some(from)) => bail!(
            "{}: {} refused the token from {from} ({status}); renew it, or unset it for public repos",
            source.text,
            http.label
        ),
        (401, None) => bail!(
            "{}: {} wants a token to list {:?} ({status}); {}",
            source.text,
            http.label,
            source.owner,
            http.hint()
        ),
        (403, _) => bail!(
            "{}: {} denied the listing of {:?} {} ({status})",
            source.text,
            http.label,
            source.owner,
            http.auth_note()
        ),
        _ => bail!(
            "{}: {} API at {} answered {status} for {}",
            source.text,
            http.label,
            source.api.origin().ascii_serialization(),
            url.path()
        ),
    }
}
