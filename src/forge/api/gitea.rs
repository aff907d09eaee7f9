//! Gitea and Forgejo: an organisation's repos, else a user's, and the
//! fields read from each repo.

use anyhow::Result;
use reqwest::Url;
use serde::Deserialize;

use crate::forge::http::{Http, Response};
use crate::forge::model::{Listed, Vis};

/// Repos per page: Gitea's default maximum.
pub(super) const PAGE: usize = 50;

#[derive(Deserialize)]
struct GiteaRepo {
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
    internal: Option<bool>,
    #[serde(default)]
    topics: Option<Vec<String>>,
}

/// One repo object in the shared terms; `Err` says what is missing.
pub(super) fn convert(item: serde_json::Value) -> Result<Listed, String> {
    let r: GiteaRepo = serde_json::from_value(item).map_err(|e| e.to_string())?;
    Ok(Listed {
        name: r.name.ok_or("it has no name")?,
        https_url: r.clone_url.unwrap_or_default(),
        ssh_url: r.ssh_url.unwrap_or_default(),
        archived: r.archived.unwrap_or(false),
        fork: r.fork.unwrap_or(false),
        visibility: Vis::of(
            None,
            r.private.unwrap_or(false),
            r.internal.unwrap_or(false),
        ),
        topics: r.topics,
    })
}

/// The first page of `owner`'s repos and its URL.
pub(super) async fn first_page(http: &Http, owner: &str) -> Result<(Url, Response)> {
    let org = http.url(&["orgs", owner, "repos"], &[("limit", "50")]);
    let resp = http.get(&org).await?;
    if resp.status.as_u16() != 404 {
        return Ok((org, resp));
    }
    let user = http.url(&["users", owner, "repos"], &[("limit", "50")]);
    let resp = http.get(&user).await?;
    Ok((user, resp))
}
