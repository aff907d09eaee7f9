//! The source syntax (`github:OWNER`, `gitlab:GROUP`, `gitea:HOST/OWNER`,
//! `forgejo:HOST/OWNER`) and the `--api-url` rules.

use anyhow::{Result, bail};
use reqwest::Url;

use super::http;
use super::model::{Kind, Source};

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

#[cfg(test)]
mod tests {
    use super::*;

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
