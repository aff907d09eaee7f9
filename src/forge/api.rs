//! The three APIs: which endpoint lists an owner's repos, how each forge
//! pages (GitHub `Link` rel="next"/"last"; GitLab `x-total-pages`,
//! `x-next-page`; Gitea and Forgejo `x-total-count`, `Link`), the fields
//! read from each repo, and where a repo went that is no longer listed.
//!
//! Fields read: GitHub `name`, `full_name`, `clone_url`, `ssh_url`,
//! `archived`, `fork`, `visibility` (else `private`), `topics`; GitLab
//! `path_with_namespace`, `http_url_to_repo`, `ssh_url_to_repo`,
//! `archived`, `forked_from_project`, `visibility`, `topics` (else
//! `tag_list`); Gitea and Forgejo `name`, `full_name`, `clone_url`,
//! `ssh_url`, `archived`, `fork`, `private`, `internal`, `topics`.

use std::sync::Arc;

use anyhow::{Result, anyhow, bail};
use reqwest::Url;
use serde::Deserialize;
use serde::de::IgnoredAny;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::http::{Http, Response};
use super::model::{Kind, Listed, Listing, Source, Vis};

/// Most pages read for one listing (100,000 repos at 100 a page).
const MAX_PAGES: usize = 1000;
/// Requests in flight at once.
const CONCURRENCY: usize = 8;
/// Page sizes: the most each forge serves (Gitea's default maximum is 50).
const GITHUB_PAGE: usize = 100;
const GITLAB_PAGE: usize = 100;
const GITEA_PAGE: usize = 50;

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

fn vis_of(text: Option<&str>, private: bool, internal: bool) -> Vis {
    match text {
        Some("private") => Vis::Private,
        Some("internal") => Vis::Internal,
        Some("public") => Vis::Public,
        _ if internal => Vis::Internal,
        _ if private => Vis::Private,
        _ => Vis::Public,
    }
}

/// One repo object of `kind` in the shared terms; `Err` says what is missing.
fn convert(kind: Kind, item: serde_json::Value) -> Result<Listed, String> {
    let text = |s: Option<String>| s.unwrap_or_default();
    let listed = match kind {
        Kind::GitHub => {
            let r: GitHubRepo = serde_json::from_value(item).map_err(|e| e.to_string())?;
            Listed {
                name: r.name.ok_or("it has no name")?,
                https_url: text(r.clone_url),
                ssh_url: text(r.ssh_url),
                archived: r.archived.unwrap_or(false),
                fork: r.fork.unwrap_or(false),
                visibility: vis_of(r.visibility.as_deref(), r.private.unwrap_or(false), false),
                topics: r.topics,
            }
        }
        Kind::GitLab => {
            let r: GitLabProject = serde_json::from_value(item).map_err(|e| e.to_string())?;
            Listed {
                name: r
                    .path_with_namespace
                    .ok_or("it has no path_with_namespace")?,
                https_url: text(r.http_url_to_repo),
                ssh_url: text(r.ssh_url_to_repo),
                archived: r.archived.unwrap_or(false),
                fork: r.forked_from_project.is_some(),
                visibility: vis_of(r.visibility.as_deref(), false, false),
                topics: r.topics.or(r.tag_list),
            }
        }
        Kind::Gitea | Kind::Forgejo => {
            let r: GiteaRepo = serde_json::from_value(item).map_err(|e| e.to_string())?;
            Listed {
                name: r.name.ok_or("it has no name")?,
                https_url: text(r.clone_url),
                ssh_url: text(r.ssh_url),
                archived: r.archived.unwrap_or(false),
                fork: r.fork.unwrap_or(false),
                visibility: vis_of(
                    None,
                    r.private.unwrap_or(false),
                    r.internal.unwrap_or(false),
                ),
                topics: r.topics,
            }
        }
    };
    Ok(listed)
}

/// Repos of one page, and entries that could not be read.
fn parse_page(
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

/// The URLs of a `Link` header by relation (`next`, `last`, …).
fn links(resp: &Response) -> Vec<(String, String)> {
    let Some(header) = resp.header("link") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for part in header.split(',') {
        let mut pieces = part.split(';');
        let Some(target) = pieces.next() else {
            continue;
        };
        let target = target.trim();
        let Some(url) = target.strip_prefix('<').and_then(|t| t.strip_suffix('>')) else {
            continue;
        };
        for param in pieces {
            let Some((key, value)) = param.split_once('=') else {
                continue;
            };
            if key.trim().eq_ignore_ascii_case("rel") {
                for rel in value.trim().trim_matches('"').split_whitespace() {
                    out.push((rel.to_ascii_lowercase(), url.to_string()));
                }
            }
        }
    }
    out
}

fn link(resp: &Response, rel: &str, base: &Url) -> Option<Url> {
    links(resp)
        .into_iter()
        .find(|(r, _)| r == rel)
        .and_then(|(_, u)| base.join(&u).ok())
}

fn with_page(url: &Url, page: usize) -> Url {
    let mut out = url.clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "page")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    out.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("page", &page.to_string());
    out
}

fn page_of(url: &Url) -> Option<usize> {
    url.query_pairs()
        .find(|(k, _)| k == "page")
        .and_then(|(_, v)| v.parse().ok())
}

fn header_number(resp: &Response, name: &str) -> Option<usize> {
    resp.header(name).and_then(|v| v.trim().parse().ok())
}

/// The listing of the source: every page of its repos.
pub async fn list(http: Arc<Http>, source: &Source) -> Result<Listing> {
    let owner = source.owner.as_str();
    let (first_url, first) = match source.kind {
        Kind::GitHub => {
            let org = http.url(
                &["orgs", owner, "repos"],
                &[("type", "all"), ("per_page", "100")],
            );
            let resp = http.get(&org).await?;
            if resp.status.as_u16() == 404 {
                let user = if http.has_token()
                    && login(&http)
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
                (user, resp)
            } else {
                (org, resp)
            }
        }
        Kind::GitLab => {
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
            if resp.status.as_u16() == 404 && !owner.contains('/') {
                let user = http.url(
                    &["users", owner, "projects"],
                    &[("order_by", "id"), ("sort", "asc"), ("per_page", "100")],
                );
                let resp = http.get(&user).await?;
                (user, resp)
            } else {
                (group, resp)
            }
        }
        Kind::Gitea | Kind::Forgejo => {
            let org = http.url(&["orgs", owner, "repos"], &[("limit", "50")]);
            let resp = http.get(&org).await?;
            if resp.status.as_u16() == 404 {
                let user = http.url(&["users", owner, "repos"], &[("limit", "50")]);
                let resp = http.get(&user).await?;
                (user, resp)
            } else {
                (org, resp)
            }
        }
    };
    if first.status.as_u16() == 404 {
        let what = match source.kind {
            Kind::GitLab => "group or user",
            _ => "organisation or user",
        };
        let asked = match http.token_from() {
            Some(from) => format!("asked with the token from {from}"),
            None => format!("private ones need a token: {}", http.hint()),
        };
        bail!(
            "{}: no {} {what} {owner:?} at {} (404; {asked})",
            source.text,
            http.label,
            source.api.origin().ascii_serialization()
        );
    }
    check_status(&http, source, &first, &first_url)?;
    paginate(http, source, first_url, first).await
}

/// The login of the token's user (GitHub `GET /user`), if it answers.
async fn login(http: &Http) -> Option<String> {
    let resp = http.get(&http.url(&["user"], &[])).await.ok()?;
    if !resp.status.is_success() {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&resp.body).ok()?;
    v.get("login")?.as_str().map(str::to_string)
}

/// Errors for a status other than success, in one line that says who was
/// asked, with which token, and what to do.
fn check_status(http: &Http, source: &Source, resp: &Response, url: &Url) -> Result<()> {
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

/// How many pages there are, when the first answer says so.
fn page_count(
    source: &Source,
    resp: &Response,
    first_len: usize,
    url: &Url,
) -> Option<(usize, Url)> {
    match source.kind {
        Kind::GitHub => {
            let last = link(resp, "last", url)?;
            Some((page_of(&last)?, last))
        }
        Kind::GitLab => Some((header_number(resp, "x-total-pages")?, url.clone())),
        Kind::Gitea | Kind::Forgejo => {
            let total = header_number(resp, "x-total-count")?;
            // A server whose maximum is below 50 sends fewer per page.
            let per_page = if first_len > 0 && first_len < GITEA_PAGE && total > first_len {
                first_len
            } else {
                GITEA_PAGE
            };
            Some((total.div_ceil(per_page).max(1), url.clone()))
        }
    }
}

/// The next page's URL when the count is unknown.
fn next_page(source: &Source, resp: &Response, url: &Url) -> Option<Url> {
    if let Some(next) = link(resp, "next", url) {
        return Some(next);
    }
    if source.kind == Kind::GitLab {
        let n = header_number(resp, "x-next-page")?;
        return Some(with_page(url, n));
    }
    None
}

async fn paginate(
    http: Arc<Http>,
    source: &Source,
    first_url: Url,
    first: Response,
) -> Result<Listing> {
    let path = first_url.path().to_string();
    let (repos, problems) = parse_page(&http, source.kind, &first, 1, &path)?;
    let page_size = match source.kind {
        Kind::GitHub => GITHUB_PAGE,
        Kind::GitLab => GITLAB_PAGE,
        Kind::Gitea | Kind::Forgejo => GITEA_PAGE,
    };
    let mut listing = Listing {
        repos,
        problems,
        notes: Vec::new(),
    };
    let expected_total = match source.kind {
        Kind::GitLab => header_number(&first, "x-total"),
        Kind::Gitea | Kind::Forgejo => header_number(&first, "x-total-count"),
        Kind::GitHub => None,
    };
    let too_many = |pages: usize| {
        anyhow!(
            "{}: the listing has {pages} pages or more, over the {MAX_PAGES} pages ({} repos) gita reads; narrow the source to a group or owner with fewer repos",
            source.text,
            MAX_PAGES * page_size
        )
    };
    if let Some((pages, template)) = page_count(source, &first, listing.repos.len(), &first_url) {
        if pages > MAX_PAGES {
            return Err(too_many(pages));
        }
        let sem = Arc::new(Semaphore::new(CONCURRENCY));
        let mut set = JoinSet::new();
        for page in 2..=pages {
            let url = with_page(&template, page);
            let http = Arc::clone(&http);
            let sem = Arc::clone(&sem);
            set.spawn(async move {
                let _permit = sem.acquire_owned().await;
                (page, url.clone(), http.get(&url).await)
            });
        }
        let mut results = Vec::new();
        while let Some(done) = set.join_next().await {
            let (page, url, resp) = done.map_err(|e| anyhow!("a page request stopped: {e}"))?;
            let resp = resp?;
            check_status(&http, source, &resp, &url)?;
            results.push((page, parse_page(&http, source.kind, &resp, page, &path)?));
        }
        results.sort_by_key(|(page, _)| *page);
        for (_, (repos, problems)) in results {
            listing.repos.extend(repos);
            listing.problems.extend(problems);
        }
    } else {
        let mut current = first_url.clone();
        let mut next = next_page(source, &first, &current);
        let mut page = 1;
        while let Some(url) = next {
            page += 1;
            if page > MAX_PAGES {
                return Err(too_many(page));
            }
            let resp = http.get(&url).await?;
            check_status(&http, source, &resp, &url)?;
            let (repos, problems) = parse_page(&http, source.kind, &resp, page, &path)?;
            let empty = repos.is_empty();
            listing.repos.extend(repos);
            listing.problems.extend(problems);
            current = url;
            next = if empty {
                None
            } else {
                next_page(source, &resp, &current)
            };
        }
    }
    if let Some(total) = expected_total
        && total != listing.repos.len() + listing.problems.len()
    {
        listing.notes.push(format!(
            "the forge counted {total} repos but listed {} (did repos change during the listing? run it again)",
            listing.repos.len() + listing.problems.len()
        ));
    }
    listing.repos.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(listing)
}

/// What the forge says about a name the listing lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Whereabouts {
    /// It answers under this name (in the listing's terms).
    Named(String),
    /// 404 or 410: removed, or hidden from this token.
    Gone,
    /// Could not ask: why.
    Unknown(String),
}

/// Asks the forge for each of `paths` (old names in the listing's terms);
/// renamed repos answer under their new name (GitHub and Gitea redirect
/// the old one; GitLab keeps the old path as a redirect).
pub async fn whereabouts(http: Arc<Http>, source: &Source, paths: &[String]) -> Vec<Whereabouts> {
    let sem = Arc::new(Semaphore::new(CONCURRENCY));
    let mut set = JoinSet::new();
    for (i, path) in paths.iter().enumerate() {
        let url = match source.kind {
            Kind::GitLab => http.url(&["projects", path], &[]),
            _ => http.url(&["repos", &source.owner, path], &[]),
        };
        let http = Arc::clone(&http);
        let sem = Arc::clone(&sem);
        let kind = source.kind;
        let owner = source.owner.clone();
        set.spawn(async move {
            let _permit = sem.acquire_owned().await;
            (i, ask(&http, kind, &owner, &url).await)
        });
    }
    let mut out = vec![Whereabouts::Unknown("not asked".into()); paths.len()];
    while let Some(done) = set.join_next().await {
        if let Ok((i, w)) = done
            && let Some(slot) = out.get_mut(i)
        {
            *slot = w;
        }
    }
    out
}

async fn ask(http: &Http, kind: Kind, owner: &str, url: &Url) -> Whereabouts {
    let resp = match http.get(url).await {
        Ok(resp) => resp,
        Err(e) => return Whereabouts::Unknown(format!("{e:#}")),
    };
    match resp.status.as_u16() {
        404 | 410 => return Whereabouts::Gone,
        200..=299 => {}
        other => {
            return Whereabouts::Unknown(format!(
                "{} answered {other}{}",
                http.label,
                http.server_message(&resp)
            ));
        }
    }
    let v: Option<serde_json::Value> = serde_json::from_slice(&resp.body).ok();
    let field = if kind == Kind::GitLab {
        "path_with_namespace"
    } else {
        "full_name"
    };
    let Some(full) = v
        .as_ref()
        .and_then(|v| v.get(field))
        .and_then(|f| f.as_str())
    else {
        return Whereabouts::Unknown(format!("{} sent no {field}", http.label));
    };
    let full = http.redact(full);
    let name = match kind {
        Kind::GitLab => full,
        _ => match full.split_once('/') {
            Some((o, rest)) if o.eq_ignore_ascii_case(owner) => rest.to_string(),
            _ => full,
        },
    };
    // Shown to the user and compared with names: the same rules as names.
    if crate::names::validate_name(&name, "repo").is_err() {
        return Whereabouts::Unknown(format!("{} answered with an unusable name", http.label));
    }
    Whereabouts::Named(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(headers: &[(&'static str, &str)]) -> Response {
        let mut map = reqwest::header::HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, v.parse().expect("header"));
        }
        Response {
            status: reqwest::StatusCode::OK,
            headers: map,
            body: Vec::new(),
        }
    }

    #[test]
    fn link_header() {
        let base = Url::parse("https://api.github.com/orgs/x/repos").expect("url");
        let r = resp(&[(
            "link",
            r#"<https://api.github.com/organizations/1/repos?per_page=100&page=2>; rel="next", <https://api.github.com/organizations/1/repos?per_page=100&page=50>; rel="last""#,
        )]);
        let last = link(&r, "last", &base).expect("last");
        assert_eq!(page_of(&last), Some(50));
        assert_eq!(
            with_page(&last, 7).as_str(),
            "https://api.github.com/organizations/1/repos?per_page=100&page=7"
        );
        assert!(link(&r, "prev", &base).is_none());
        assert!(links(&resp(&[("link", "garbage, <x>; nothing")])).is_empty());
    }
}
