//! The forge APIs: which endpoint lists an owner's repos and the fields read
//! from each repo (`github.rs`, `gitlab.rs`, `gitea.rs` for Gitea and
//! Forgejo), one answer judged and read (`answer.rs`), every page of a
//! listing (`pages.rs`), and where a repo went that is no longer listed
//! (`whereabouts.rs`).

mod answer;
mod gitea;
mod github;
mod gitlab;
mod pages;
mod whereabouts;

pub use whereabouts::{Whereabouts, whereabouts};

use std::sync::Arc;

use anyhow::{Result, bail};

use answer::check_status;
use pages::paginate;

use super::http::Http;
use super::model::{Kind, Listing, Source};

/// The listing of the source: every page of its repos.
pub async fn list(http: Arc<Http>, source: &Source) -> Result<Listing> {
    let owner = source.owner.as_str();
    let (first_url, first) = match source.kind {
        Kind::GitHub => github::first_page(&http, owner).await?,
        Kind::GitLab => gitlab::first_page(&http, owner).await?,
        Kind::Gitea | Kind::Forgejo => gitea::first_page(&http, owner).await?,
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
