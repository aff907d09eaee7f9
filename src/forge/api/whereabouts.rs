//! Where a repo went that is no longer listed: each old name asked of the
//! forge, which answers under the new one when it was renamed or moved.

use std::sync::Arc;

use reqwest::Url;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::pages::CONCURRENCY;
use crate::forge::http::Http;
use crate::forge::model::{Kind, Source};

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
