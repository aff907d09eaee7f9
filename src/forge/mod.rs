//! What a forge holds, for `gita discover` and `gita clone --from`: the
//! source syntax (`github:OWNER`, `gitlab:GROUP`, `gitea:HOST/OWNER`,
//! `forgejo:HOST/OWNER`, `--api-url` for self-hosted ones), the token, the
//! listing of every page (`api.rs` over `http.rs`), the filters, and the
//! comparison of a listing with the repos already registered. Nothing here
//! runs unless one of those two commands does: no TLS setup, no client.

mod api;
mod http;
mod model;

pub use model::{Kind, Listed, Listing, Source, Vis};

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use reqwest::Url;

use crate::cli::{ForgeArgs, Protocol, Visibility};
use crate::manifest::{Manifest, ManifestRepo};

/// Parses `SOURCE` and `--api-url` into a [`Source`].
pub fn parse_source(text: &str, api_url: Option<&str>) -> Result<Source> {
    let usage = "expected github:OWNER, gitlab:GROUP, gitea:HOST/OWNER or forgejo:HOST/OWNER";
    let Some((prefix, rest)) = text.split_once(':') else {
        bail!("source {text:?}: {usage}");
    };
    let kind = match prefix {
        "github" => Kind::GitHub,
        "gitlab" => Kind::GitLab,
        "gitea" => Kind::Gitea,
        "forgejo" => Kind::Forgejo,
        _ => bail!("source {text:?}: unknown forge {prefix:?}; {usage}"),
    };
    let custom = match api_url {
        Some(u) => Some(check_api_url(u)?),
        None => None,
    };
    let (owner, default_api) = match kind {
        Kind::GitHub => (rest.to_string(), "https://api.github.com".to_string()),
        Kind::GitLab => (rest.to_string(), "https://gitlab.com/api/v4".to_string()),
        Kind::Gitea | Kind::Forgejo => match (rest.split_once('/'), &custom) {
            (Some(_), Some(_)) => bail!(
                "source {text:?}: with --api-url, name only the owner ({}:OWNER); the API URL says the host",
                kind.key()
            ),
            (None, Some(_)) => (rest.to_string(), String::new()),
            (Some((host, owner)), None) => {
                check_host(host, text)?;
                (owner.to_string(), format!("https://{host}/api/v1"))
            }
            (None, None) => bail!(
                "source {text:?}: name the server, {}:HOST/OWNER (or give --api-url)",
                kind.key()
            ),
        },
    };
    check_owner(kind, &owner, text)?;
    let (api, custom_api) = match custom {
        Some(u) => (u, true),
        None => (check_api_url(&default_api)?, false),
    };
    Ok(Source {
        kind,
        owner,
        api,
        custom_api,
        text: text.to_string(),
    })
}

/// Owners are plain names: letters, digits, `-`, `_`, `.` (and `/` between
/// the parts of a GitLab group path), so they cannot change the API path.
fn check_owner(kind: Kind, owner: &str, text: &str) -> Result<()> {
    let part_ok = |p: &str| {
        !p.is_empty()
            && p != "."
            && p != ".."
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    let ok = if kind == Kind::GitLab {
        owner.split('/').all(part_ok)
    } else {
        part_ok(owner)
    };
    if !ok {
        bail!(
            "source {text:?}: {owner:?} is not a {} owner name (letters, digits, '-', '_', '.'{})",
            kind.label(),
            if kind == Kind::GitLab {
                ", parts joined by '/'"
            } else {
                ""
            }
        );
    }
    Ok(())
}

fn check_host(host: &str, text: &str) -> Result<()> {
    let ok = !host.is_empty()
        && !host.starts_with(['-', '.'])
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':' | '[' | ']'));
    if !ok {
        bail!("source {text:?}: {host:?} is not a host name");
    }
    Ok(())
}

/// An API base URL: https, or http to a loopback host; no user or password,
/// query or fragment.
pub fn check_api_url(text: &str) -> Result<Url> {
    let url = Url::parse(text).map_err(|e| anyhow::anyhow!("API URL {text:?}: {e}"))?;
    match url.scheme() {
        "https" => {}
        "http" if http::is_loopback(&url) => {}
        "http" => bail!(
            "API URL {text:?}: plain http is allowed only for loopback hosts (localhost, 127.0.0.0/8, [::1]); use https"
        ),
        other => bail!("API URL {text:?}: scheme {other:?} is not https"),
    }
    if url.host_str().is_none_or(str::is_empty) {
        bail!("API URL {text:?} has no host");
    }
    if !url.username().is_empty() || url.password().is_some() {
        bail!("API URL {text:?}: put no user or password in it; tokens come from the environment");
    }
    if url.query().is_some() || url.fragment().is_some() {
        bail!("API URL {text:?}: give the API base without '?' or '#'");
    }
    Ok(url)
}

/// How the listing was reached, for the messages of later requests.
pub struct Session {
    pub source: Source,
    client: std::sync::Arc<http::Http>,
}

/// Connects (TLS set up here, not before) and lists every repo of the source.
pub fn list(
    ctx: &crate::ctx::Ctx,
    args: &ForgeArgs,
    source_text: &str,
) -> Result<(Session, Listing)> {
    let source = parse_source(source_text, args.api_url.as_deref())?;
    let settings = ctx.settings()?;
    let token = http::token(&source, &settings.forge_token_commands)?;
    let timeout = args.api_timeout.unwrap_or(http::DEFAULT_TIMEOUT);
    let client = http::Http::new(&source, token, args.wait_rate_limit, timeout)?;
    let session = Session {
        source,
        client: std::sync::Arc::new(client),
    };
    let listing = session
        .block_on(api::list(
            std::sync::Arc::clone(&session.client),
            &session.source,
        ))
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
    fn whereabouts(&self, paths: &[String]) -> Result<Vec<api::Whereabouts>> {
        self.block_on(async {
            Ok(api::whereabouts(std::sync::Arc::clone(&self.client), &self.source, paths).await)
        })
    }
}

/// Why a listed repo is not selected, when it is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Left {
    Archived,
    Fork,
    Visibility,
    Topic,
    Pattern,
    /// Reported: the name or URL cannot be used.
    Invalid(String),
}

/// The protocol rule: ssh when the user has an SSH key set up (a
/// `~/.ssh/id_*` file or an agent), else https.
pub fn default_protocol() -> Protocol {
    let agent = crate::env::ssh_agent();
    let key = crate::env::home()
        .and_then(|home| std::fs::read_dir(home.join(".ssh")).ok())
        .is_some_and(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("id_"))
        });
    if agent || key {
        Protocol::Ssh
    } else {
        Protocol::Https
    }
}

/// Decides for every listed repo whether it is selected (`None`) or why not.
pub fn select(listing: &Listing, args: &ForgeArgs, protocol: Protocol) -> Vec<Option<Left>> {
    let mut seen = BTreeSet::new();
    listing
        .repos
        .iter()
        .map(|r| {
            if let Err(e) = crate::names::validate_name(&r.name, "repo") {
                return Some(Left::Invalid(format!("{e:#}")));
            }
            let url = url_for(r, protocol);
            if url.is_empty() {
                let field = match protocol {
                    Protocol::Ssh => "ssh",
                    Protocol::Https => "https",
                };
                return Some(Left::Invalid(format!(
                    "the listing has no {field} clone URL"
                )));
            }
            if let Err(e) = crate::trust::check_url(url) {
                return Some(Left::Invalid(format!("{e:#}")));
            }
            if !seen.insert(r.name.to_lowercase()) {
                return Some(Left::Invalid("listed twice; the first one is kept".into()));
            }
            if r.archived && !args.archived {
                return Some(Left::Archived);
            }
            if r.fork && !args.forks {
                return Some(Left::Fork);
            }
            let vis_ok = match args.visibility.unwrap_or(Visibility::All) {
                Visibility::All => true,
                Visibility::Public => r.visibility == Vis::Public,
                Visibility::Private => r.visibility == Vis::Private,
                Visibility::Internal => r.visibility == Vis::Internal,
            };
            if !vis_ok {
                return Some(Left::Visibility);
            }
            if !args.topic.is_empty() {
                let topics = r.topics.as_deref().unwrap_or(&[]);
                if !args
                    .topic
                    .iter()
                    .all(|t| topics.iter().any(|have| have.eq_ignore_ascii_case(t)))
                {
                    return Some(Left::Topic);
                }
            }
            let included = args.include.is_empty() || args.include.iter().any(|p| glob(p, &r.name));
            if !included || args.exclude.iter().any(|p| glob(p, &r.name)) {
                return Some(Left::Pattern);
            }
            None
        })
        .collect()
}

/// The clone URL of `repo` for `protocol` ("" when the listing has none).
pub fn url_for(repo: &Listed, protocol: Protocol) -> &str {
    match protocol {
        Protocol::Ssh => &repo.ssh_url,
        Protocol::Https => &repo.https_url,
    }
}

/// The manifest of the selected repos: the name as path (relative, so it
/// lands under the target folder), no branch (the clone checks out the
/// forge's default branch).
pub fn manifest(listing: &Listing, choice: &[Option<Left>], protocol: Protocol) -> Manifest {
    let repos = listing
        .repos
        .iter()
        .zip(choice)
        .filter(|(_, c)| c.is_none())
        .map(|(r, _)| ManifestRepo {
            name: r.name.clone(),
            url: url_for(r, protocol).to_string(),
            path: PathBuf::from(&r.name),
            branch: String::new(),
            flags: Vec::new(),
            kind: None,
            clone: Default::default(),
        })
        .collect();
    Manifest {
        repos,
        groups: Vec::new(),
    }
}

/// Prints the listing's problems and notes and a one-line count on stderr.
pub fn report_selection(source: &str, listing: &Listing, choice: &[Option<Left>]) {
    for note in &listing.notes {
        crate::note!("{source}: {note}");
    }
    for problem in &listing.problems {
        crate::say!("{source}: skipped: {problem}");
    }
    let mut left: BTreeMap<&str, usize> = BTreeMap::new();
    for (r, c) in listing.repos.iter().zip(choice) {
        let what = match c {
            None => continue,
            Some(Left::Invalid(why)) => {
                crate::say!("{source}: skipped {:?}: {why}", r.name);
                continue;
            }
            Some(Left::Archived) => "archived (--archived includes them)",
            Some(Left::Fork) => "forks (--forks includes them)",
            Some(Left::Visibility) => "of another visibility",
            Some(Left::Topic) => "without the topics",
            Some(Left::Pattern) => "left out by --include/--exclude",
        };
        *left.entry(what).or_default() += 1;
    }
    let selected = choice.iter().filter(|c| c.is_none()).count();
    if listing.repos.is_empty() && listing.problems.is_empty() {
        crate::note!("{source} has no repos visible to gita; the manifest is empty");
        return;
    }
    let mut line = format!(
        "{source}: {} repo(s) listed, {selected} selected",
        listing.repos.len()
    );
    if !left.is_empty() {
        let parts: Vec<String> = left.iter().map(|(w, n)| format!("{n} {w}")).collect();
        line.push_str(&format!("; not selected: {}", parts.join(", ")));
    }
    crate::say!("{line}");
}

/// `*` any run of characters (`/` too), `?` one character, the rest literal;
/// the whole name must match.
pub fn glob(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some('?') => {
                pi += 1;
                ni += 1;
            }
            Some(c) if *c == n[ni] => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// A URL reduced to host and path, so that the ssh and https URLs of one
/// repo compare equal: scheme, user and port dropped, the host lower-cased,
/// a trailing `/` and `.git` removed (`git@h:o/r.git` → `h/o/r`).
pub fn url_key(url: &str) -> String {
    let url = url.trim();
    let (host, path) = if let Some((scheme, rest)) = url.split_once("://")
        && !scheme.contains('/')
    {
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        (authority, path.to_string())
    } else if let Some((authority, path)) = url.split_once(':')
        && !authority.contains('/')
        && authority.len() > 1
    {
        (authority, format!("/{}", path.trim_start_matches('/')))
    } else {
        ("", url.to_string())
    };
    let host = host.rsplit('@').next().unwrap_or("");
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !h.ends_with(':') => h,
        _ => host,
    };
    let mut key = format!("{}{path}", host.to_ascii_lowercase());
    while key.ends_with('/') {
        key.pop();
    }
    if let Some(stripped) = key.strip_suffix(".git") {
        key = stripped.to_string();
    }
    key
}

/// What became of a registered repo that the listing's owner once held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upstream {
    /// Listed, and archived (and archived repos were not asked for).
    Archived,
    /// Answered under another name (renamed or moved).
    Renamed(String),
    /// Not listed, and the forge does not know the old name.
    Gone,
    /// Not listed, and the forge could not be asked: why.
    Unlisted(String),
}

/// A registered repo compared with the listing.
#[derive(Debug, Clone)]
pub struct Change {
    /// Its registry name and path.
    pub name: String,
    pub path: PathBuf,
    /// Its name in the listing's terms (from its remote URL).
    pub upstream: String,
    pub what: Upstream,
}

/// The most registered repos whose whereabouts are asked of the forge in
/// one run; the rest are reported as not listed.
const MAX_LOOKUPS: usize = 100;

/// Compares registered repos with the listing. `candidates` are the
/// registered repos in scope (name, path, remote URLs). A repo belongs to
/// this owner when one of its remote URLs, reduced by [`url_key`], is the
/// key of a listed repo's URL with the repo's listed name replaced by
/// another (on GitLab: another path under the source group). It is then
/// matched with the listed repo of the same name (case-insensitive);
/// unmatched ones are looked up under their old name.
pub fn compare(
    session: &Session,
    listing: &Listing,
    archived_wanted: bool,
    candidates: &[(String, PathBuf, Vec<String>)],
) -> Result<Vec<Change>> {
    let owner_prefix = match session.source.kind {
        Kind::GitLab => format!("{}/", session.source.owner.to_lowercase()),
        _ => String::new(),
    };
    // Roots: the key of a listed URL without the listed name.
    let mut roots = BTreeSet::new();
    for r in &listing.repos {
        let name = r.name.to_lowercase();
        for u in [&r.https_url, &r.ssh_url] {
            let key = url_key(u);
            if key.to_lowercase().ends_with(&format!("/{name}")) {
                roots.insert(key[..key.len() - name.len()].to_string());
            }
        }
    }
    let listed: BTreeMap<String, &Listed> = listing
        .repos
        .iter()
        .map(|r| (r.name.to_lowercase(), r))
        .collect();
    let mut changes = Vec::new();
    let mut unknown = Vec::new();
    for (name, path, urls) in candidates {
        let upstream = urls.iter().find_map(|u| {
            let key = url_key(u);
            roots.iter().find_map(|root| {
                let rest = key.strip_prefix(root.as_str())?;
                let fits = match session.source.kind {
                    Kind::GitLab => rest.to_lowercase().starts_with(&owner_prefix),
                    _ => !rest.contains('/'),
                };
                (fits && !rest.is_empty()).then(|| rest.to_string())
            })
        });
        let Some(upstream) = upstream else { continue };
        let change = |what| Change {
            name: name.clone(),
            path: path.clone(),
            upstream: upstream.clone(),
            what,
        };
        match listed.get(&upstream.to_lowercase()) {
            Some(r) if r.archived && !archived_wanted => changes.push(change(Upstream::Archived)),
            Some(_) => {}
            None => unknown.push(change(Upstream::Gone)),
        }
    }
    if unknown.len() > MAX_LOOKUPS {
        for c in &mut unknown[MAX_LOOKUPS..] {
            c.what = Upstream::Unlisted(format!(
                "not looked up: gita asks about at most {MAX_LOOKUPS} repos a run"
            ));
        }
    }
    let asked: Vec<String> = unknown
        .iter()
        .take(MAX_LOOKUPS)
        .map(|c| c.upstream.clone())
        .collect();
    let answers = if asked.is_empty() {
        Vec::new()
    } else {
        session.whereabouts(&asked)?
    };
    for (i, mut c) in unknown.into_iter().enumerate() {
        match answers.get(i) {
            // Known under the same name but not listed: nothing to say.
            Some(api::Whereabouts::Named(new)) if new.eq_ignore_ascii_case(&c.upstream) => {
                continue;
            }
            Some(api::Whereabouts::Named(new)) => c.what = Upstream::Renamed(new.clone()),
            Some(api::Whereabouts::Gone) => c.what = Upstream::Gone,
            Some(api::Whereabouts::Unknown(why)) => c.what = Upstream::Unlisted(why.clone()),
            None => {}
        }
        changes.push(c);
    }
    changes.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(changes)
}

/// Whether `path` lies in `dir` (both absolute).
pub fn is_under(path: &Path, dir: &Path) -> bool {
    path != dir && path.starts_with(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("*", "a/b"));
        assert!(glob("api-*", "api-core"));
        assert!(!glob("api-*", "web-api-x"));
        assert!(glob("*-archive", "x-archive"));
        assert!(glob("g/*/r?", "g/sub/r1"));
        assert!(!glob("g/*/r?", "g/sub/r12"));
        assert!(glob("a*b*c", "aXbYbZc"));
        assert!(!glob("", "a"));
        assert!(glob("", ""));
    }

    #[test]
    fn url_keys_ignore_protocol() {
        let k = url_key("https://GitHub.com/org/api.git");
        assert_eq!(k, "github.com/org/api");
        assert_eq!(url_key("git@github.com:org/api.git"), k);
        assert_eq!(url_key("ssh://git@github.com:22/org/api"), k);
        assert_eq!(url_key("file:///srv/r/org/api.git/"), "/srv/r/org/api");
        assert_eq!(url_key("/srv/r/org/api"), "/srv/r/org/api");
    }

    #[test]
    fn sources() {
        let s = parse_source("github:rust-lang", None).expect("github");
        assert_eq!(s.api.as_str(), "https://api.github.com/");
        assert!(!s.custom_api);
        let s = parse_source("gitlab:gnome/world", None).expect("gitlab");
        assert_eq!(s.owner, "gnome/world");
        let s = parse_source("forgejo:codeberg.org/me", None).expect("forgejo");
        assert_eq!(s.api.as_str(), "https://codeberg.org/api/v1");
        let s = parse_source("gitea:me", Some("http://127.0.0.1:3000/api/v1")).expect("local");
        assert!(s.custom_api);
        for bad in [
            "github",
            "hub:x",
            "github:a/b",
            "github:../x",
            "github:",
            "gitea:me",
            "gitlab:a//b",
            "gitea:-h/x",
        ] {
            assert!(parse_source(bad, None).is_err(), "{bad}");
        }
        assert!(parse_source("gitea:h/me", Some("https://h/api/v1")).is_err());
        for bad in [
            "http://example.com/api",
            "ftp://h/",
            "https://u:p@h/api",
            "https://h/api?x=1",
        ] {
            assert!(check_api_url(bad).is_err(), "{bad}");
        }
        for ok in [
            "http://localhost:1/api",
            "http://127.0.0.5/",
            "http://[::1]:8/",
        ] {
            check_api_url(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
    }
}
