//! What a forge holds, for `gita discover` and `gita clone --from`: the
//! source syntax (`source.rs`), the token (`token.rs`), the listing of every
//! page (`api/` over `http.rs` and `retry.rs`, driven by `session.rs`), the
//! filters (`select.rs`), and the comparison of a listing with the repos
//! already registered (`compare.rs`). Nothing here runs unless one of those
//! two commands does: no TLS setup, no client.

mod api;
mod compare;
mod http;
mod model;
mod retry;
mod select;
mod session;
mod source;
mod token;

pub use compare::{Change, Upstream, compare, is_under, url_key};
pub use model::Listing;
pub use select::{default_protocol, manifest, report_selection, select, url_for};
pub use session::{Session, list};
