//! The pagination driver: how each forge pages (GitHub `Link`
//! rel="next"/"last"; GitLab `x-total-pages`, `x-next-page`; Gitea and
//! Forgejo `x-total-count`, `Link`), every page fetched (concurrently when
//! the count is known, else by following the next links), and the note when
//! the forge's count and the listing disagree.

use std::sync::Arc;

use anyhow::{Result, anyhow};
use reqwest::Url;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::answer::{check_status, parse_page};
use super::{gitea, github, gitlab};
use crate::forge::http::{Http, Response};
use crate::forge::model::{Kind, Listing, Source};

/// Most pages read for one listing (100,000 repos at 100 a page).
const MAX_PAGES: usize = 1000;
/// Requests in flight at once.
pub(super) const CONCURRENCY: usize = 8;

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
            let per_page = if first_len > 0 && first_len < gitea::PAGE && total > first_len {
                first_len
            } else {
                gitea::PAGE
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

/// Every page of a listing, `first` (from `first_url`) being the first.
pub(super) async fn paginate(
    http: Arc<Http>,
    source: &Source,
    first_url: Url,
    first: Response,
) -> Result<Listing> {
    let path = first_url.path().to_string();
    let (repos, problems) = parse_page(&http, source.kind, &first, 1, &path)?;
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
    if let Some((pages, template)) = page_count(source, &first, listing.repos.len(), &first_url) {
        if pages > MAX_PAGES {
            return Err(too_many(source, pages));
        }
        fetch_counted(&http, source, &template, pages, &path, &mut listing).await?;
    } else {
        follow_next(&http, source, first_url, &first, &path, &mut listing).await?;
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

fn too_many(source: &Source, pages: usize) -> anyhow::Error {
    let page_size = match source.kind {
        Kind::GitHub => github::PAGE,
        Kind::GitLab => gitlab::PAGE,
        Kind::Gitea | Kind::Forgejo => gitea::PAGE,
    };
    anyhow!(
        "{}: the listing has {pages} pages or more, over the {MAX_PAGES} pages ({} repos) gita reads; narrow the source to a group or owner with fewer repos",
        source.text,
        MAX_PAGES * page_size
    )
}

/// Pages 2 to `pages` of `template`, [`CONCURRENCY`] at a time, added to
/// `listing` in page order.
async fn fetch_counted(
    http: &Arc<Http>,
    source: &Source,
    template: &Url,
    pages: usize,
    path: &str,
    listing: &mut Listing,
) -> Result<()> {
    let sem = Arc::new(Semaphore::new(CONCURRENCY));
    let mut set = JoinSet::new();
    for page in 2..=pages {
        let url = with_page(template, page);
        let http = Arc::clone(http);
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
        check_status(http, source, &resp, &url)?;
        results.push((page, parse_page(http, source.kind, &resp, page, path)?));
    }
    results.sort_by_key(|(page, _)| *page);
    for (_, (repos, problems)) in results {
        listing.repos.extend(repos);
        listing.problems.extend(problems);
    }
    Ok(())
}

/// The pages after `first`, one at a time, while the forge names a next one
/// and the last page was not empty.
async fn follow_next(
    http: &Http,
    source: &Source,
    first_url: Url,
    first: &Response,
    path: &str,
    listing: &mut Listing,
) -> Result<()> {
    let mut current = first_url;
    let mut next = next_page(source, first, &current);
    let mut page = 1;
    while let Some(url) = next {
        page += 1;
        if page > MAX_PAGES {
            return Err(too_many(source, page));
        }
        let resp = http.get(&url).await?;
        check_status(http, source, &resp, &url)?;
        let (repos, problems) = parse_page(http, source.kind, &resp, page, path)?;
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
    Ok(())
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
