//! GitLab: a group's projects (subgroups included), else a user's, and the
//! fields read from each project.

use anyhow::Result;
use reqwest::Url;
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::forge::http::{Http, Response};
use crate::forge::model::{Listed, Vis};

/// Projects per page: the most GitLab serves.
pub(super) const PAGE: usize = 100;

#[derive(Deserialize)]
struct GitLabProject {
    path_with_namespace: Option<String>,
    http_url_to_repo: Option<String>,
    ssh_url_to_repo: Option<String>,
    #[serde(default)]
    archived: Option<bool>,
    #[serde(default)]
    forked_from_project: Option<IgnoredAny>,
    #[serde(default)]
    visibility: Option<String>,
    #[serde(default)]
    topics: Option<Vec<String>>,
    #[serde(default)]
    tag_list: Option<Vec<String>>,
}

/// One project object in the shared terms; `Err` says what is missing.
pub(super) fn convert(item: serde_json::Value) -> Result<Listed, String> {
    let r: GitLabProject = serde_json::from_value(item).map_err(|e| e.to_string())?;
    Ok(Listed {
        name: r
            .path_with_namespace
            .ok_or("it has no path_with_namespace")?,
        https_url: r.http_url_to_repo.unwrap_or_default(),
        ssh_url: r.ssh_url_to_repo.unwrap_or_default(),
        archived: r.archived.unwrap_or(false),
        fork: r.forked_from_project.is_some(),
        visibility: Vis::of(r.visibility.as_deref(), false, false),
        topics: r.topics.or(r.tag_list),
    })
}

/// The first page of `owner`'s projects and its URL.
pub(super) async fn first_page(http: &Http, owner: &str) -> Result<(Url, Response)> {
    let group = http.url(
        &["groups", owner, "projects"],
        &[
            ("include_subgroups", "true"),
            ("with_shared", "false"),
            ("order_by", "id"),
            ("sort", "asc"),
            ("per_page", "100"),
        ],
    );
    let resp = http.get(&group).await?;
    if resp.status.as_u16() != 404 || owner.contains('/') {
        return Ok((group, resp));
    }
    let user = http.url(
        &["users", owner, "projects"],
        &[("order_by", "id"), ("sort", "asc"), ("per_page", "100")],
    );
    let resp = http.get(&user).await?;
    Ok((user, resp))
}
