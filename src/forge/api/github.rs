//! GitHub: an organisation's repos, else a user's (the token's own user
//! through `/user/repos`, so private ones are listed too), and the fields
//! read from each repo.

use anyhow::Result;
use reqwest::Url;
use serde::Deserialize;

use crate::forge::http::{Http, Response};
use crate::forge::model::{Listed, Vis};

/// Repos per page: the most GitHub serves.
pub(super) const PAGE: usize = 100;

#[derive(Deserialize)]
struct GitHubRepo {
    name: Option<String>,
    clone_url: Option<String>,
    ssh_url: Option<String>,
    #[serde(default)]
    archived: Option<bool>,
    #[serde(default)]
    fork: Option<bool>,
    #[serde(default)]
    private: Option<bool>,
    #[serde(default)]
    visibility: Option<String>,
    #[serde(default)]
    topics: Option<Vec<String>>,
}

/// One repo object in the shared terms; `Err` says what is missing.
pub(super) fn convert(item: serde_json::Value) -> Result<Listed, String> {
    let r: GitHubRepo = serde_json::from_value(item).map_err(|e| e.to_string())?;
    Ok(Listed {
        name: r.name.ok_or("it has no name")?,
        https_url: r.clone_url.unwrap_or_default(),
        ssh_url: r.ssh_url.unwrap_or_default(),
        archived: r.archived.unwrap_or(false),
        fork: r.fork.unwrap_or(false),
        visibility: Vis::of(r.visibility.as_deref(), r.private.unwrap_or(false), false),
        topics: r.topics,
    })
}

/// The first page of `owner`'s repos and its URL.
pub(super) async fn first_page(http: &Http, owner: &str) -> Result<(Url, Response)> {
    let org = http.url(
        &["orgs", owner, "repos"],
        &[("type", "all"), ("per_page", "100")],
    );
    let resp = http.get(&org).await?;
    if resp.status.as_u16() != 404 {
        return Ok((org, resp));
    }
    let user = if http.has_token()
        && login(http)
            .await
            .is_some_and(|l| l.eq_ignore_ascii_case(owner))
    {
        http.url(
            &["user", "repos"],
            &[("affiliation", "owner"), ("per_page", "100")],
        )
    } else {
        http.url(
            &["users", owner, "repos"],
            &[("type", "owner"), ("per_page", "100")],
        )
    };
    let resp = http.get(&user).await?;
    Ok((user, resp))
}

/// The login of the token's user (`GET /user`), if it answers.
async fn login(http: &Http) -> Option<String> {
    let resp = http.get(&http.url(&["user"], &[])).await.ok()?;
    if !resp.status.is_success() {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&resp.body).ok()?;
    v.get("login")?.as_str().map(str::to_string)
}
