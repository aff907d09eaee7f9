//! Connecting to a forge: the token, the client, the listing of every
//! page, and later questions asked of the same forge.

use std::sync::Arc;

use anyhow::Result;

use super::api;
use super::http;
use super::model::{Listing, Source};
use super::source::parse_source;
use super::token;
use crate::cli::ForgeArgs;

/// How the listing was reached, for the messages of later requests.
pub struct Session {
    pub source: Source,
    client: Arc<http::Http>,
}

/// Connects (TLS set up here, not before) and lists every repo of the source.
pub fn list(
    ctx: &crate::ctx::Ctx,
    args: &ForgeArgs,
    source_text: &str,
) -> Result<(Session, Listing)> {
    let source = parse_source(source_text, args.api_url.as_deref())?;
    let settings = ctx.settings()?;
    let token = token::token(&source, &settings.forge_token_commands)?;
    let timeout = args.api_timeout.unwrap_or(http::DEFAULT_TIMEOUT);
    let client = http::Http::new(&source, token, args.wait_rate_limit, timeout)?;
    let session = Session {
        source,
        client: Arc::new(client),
    };
    let listing = session
        .block_on(api::list(Arc::clone(&session.client), &session.source))
        .map_err(|e| {
            // Every message names the source once.
            if e.to_string().starts_with(&session.source.text) {
                e
            } else {
                e.context(session.source.text.clone())
            }
        })?;
    Ok((session, listing))
}

impl Session {
    fn block_on<T>(&self, fut: impl Future<Output = Result<T>>) -> Result<T> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}"))?;
        rt.block_on(fut)
    }

    /// Asks the forge where each of `paths` (names in the listing's terms
    /// that the listing lacks) went.
    pub(super) fn whereabouts(&self, paths: &[String]) -> Result<Vec<api::Whereabouts>> {
        self.block_on(async {
            Ok(api::whereabouts(Arc::clone(&self.client), &self.source, paths).await)
        })
    }
}
