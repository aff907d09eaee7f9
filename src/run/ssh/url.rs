//! Where a remote URL connects over ssh, as git would call ssh for it: the
//! `ssh://` and scp-like forms after `url.<base>.insteadOf` rewrites; and
//! whether an ssh command is one gita can add options to.

/// What git hands to ssh for a URL: `[-p port] [user@]host`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

impl Target {
    /// The arguments git passes to ssh before the remote command.
    pub fn args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(port) = self.port {
            args.push("-p".to_string());
            args.push(port.to_string());
        }
        args.push(match &self.user {
            Some(user) => format!("{user}@{}", self.host),
            None => self.host.clone(),
        });
        args
    }
}

/// The ssh target of `url`, if git would reach it over ssh.
pub fn ssh_target(url: &str) -> Option<Target> {
    if let Some((scheme, rest)) = url.split_once("://") {
        if !matches!(scheme, "ssh" | "git+ssh" | "ssh+git") {
            return None;
        }
        let authority = rest.split('/').next().unwrap_or_default();
        let (user, hostport) = split_user(authority);
        let (host, port) = host_port(hostport)?;
        return target(user, host, port);
    }
    // scp-like `[user@]host:path`: a colon before any slash.
    let colon = url.find(':')?;
    if url[..colon].contains('/') {
        return None;
    }
    let (user, host) = split_user(&url[..colon]);
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    target(user, host, None)
}

/// The server `url` connects to, as `host:port` (lowercase, the scheme's
/// default port when none is given): for ssh, http(s), git and ftp(s) URLs
/// and the scp-like form; None for local paths and `file://`.
pub fn server(url: &str) -> Option<String> {
    if let Some(target) = ssh_target(url) {
        let host = target.host.to_ascii_lowercase();
        return Some(format!("{host}:{}", target.port.unwrap_or(22)));
    }
    let (scheme, rest) = url.split_once("://")?;
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "http" => 80,
        "https" => 443,
        "git" => 9418,
        "ftp" => 21,
        "ftps" => 990,
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (_, hostport) = split_user(authority);
    let (host, port) = host_port(hostport)?;
    if host.is_empty() {
        return None;
    }
    let port = port.unwrap_or(default_port);
    Some(format!("{}:{port}", host.to_ascii_lowercase()))
}

/// `host[:port]` or `[host]:port` split; None when the port is no number.
fn host_port(hostport: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = match hostport.strip_prefix('[') {
        Some(bracketed) => {
            let (host, after) = bracketed.split_once(']')?;
            (host, after.strip_prefix(':'))
        }
        None => match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        },
    };
    let port = match port.filter(|p| !p.is_empty()) {
        Some(p) => Some(p.parse::<u16>().ok()?),
        None => None,
    };
    Some((host, port))
}

fn split_user(authority: &str) -> (Option<&str>, &str) {
    match authority.rsplit_once('@') {
        Some((user, host)) => (Some(user), host),
        None => (None, authority),
    }
}

fn target(user: Option<&str>, host: &str, port: Option<u16>) -> Option<Target> {
    let usable = |s: &str| {
        !s.is_empty()
            && !s.starts_with('-')
            && s.chars().all(|c| !c.is_whitespace() && !c.is_control())
    };
    if !usable(host) || user.is_some_and(|u| !usable(u)) {
        return None;
    }
    Some(Target {
        user: user.map(str::to_string),
        host: host.to_string(),
        port,
    })
}

/// `url` after git's `url.<base>.insteadOf` rules, given as (base, prefix):
/// the longest matching prefix wins.
pub fn rewrite(url: &str, rules: &[(String, String)]) -> String {
    rules
        .iter()
        .filter(|(_, prefix)| !prefix.is_empty() && url.starts_with(prefix.as_str()))
        .max_by_key(|(_, prefix)| prefix.len())
        .map_or_else(
            || url.to_string(),
            |(base, prefix)| format!("{base}{}", &url[prefix.len()..]),
        )
}

/// An ssh command line gita can add options to: a plain `ssh` (or a path
/// to one) then options, nothing the shell would treat specially beyond
/// quotes. Returns (program, the rest).
pub fn plain_ssh(command: &str) -> Option<(&str, &str)> {
    const SPECIAL: &[char] = &[
        ';', '|', '&', '<', '>', '(', ')', '$', '`', '\n', '\r', '*', '?', '[', '{', '#', '\\',
    ];
    if command.contains(SPECIAL) {
        return None;
    }
    let command = command.trim_start();
    let (program, rest) = command
        .split_once(char::is_whitespace)
        .unwrap_or((command, ""));
    let name = program.rsplit('/').next().unwrap_or_default();
    let plain = name == "ssh"
        && program
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c));
    if !plain || crate::shellwords::split_words(rest).is_err() {
        return None;
    }
    Some((program, rest.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_of_urls() {
        let s = |u: &str| server(u);
        assert_eq!(
            s("https://GitHub.com/a/b.git").as_deref(),
            Some("github.com:443")
        );
        assert_eq!(s("http://u:p@h:8080/x").as_deref(), Some("h:8080"));
        assert_eq!(s("git://h/x").as_deref(), Some("h:9418"));
        assert_eq!(s("ssh://git@h:2222/x").as_deref(), Some("h:2222"));
        assert_eq!(s("git@h:x/y.git").as_deref(), Some("h:22"));
        assert_eq!(s("https://[::1]:9/x").as_deref(), Some("::1:9"));
        assert_eq!(s("file:///srv/x.git"), None);
        assert_eq!(s("/srv/x.git"), None);
        assert_eq!(s("../x"), None);
        assert_eq!(s("https:///x"), None);
        assert_eq!(s("https://h:notaport/x"), None);
    }

    fn t(user: Option<&str>, host: &str, port: Option<u16>) -> Option<Target> {
        Some(Target {
            user: user.map(String::from),
            host: host.into(),
            port,
        })
    }

    #[test]
    fn reads_ssh_urls_as_git_does() {
        assert_eq!(
            ssh_target("ssh://git@127.0.0.1:2222/srv/a.git"),
            t(Some("git"), "127.0.0.1", Some(2222))
        );
        assert_eq!(
            ssh_target("git+ssh://example.com/a"),
            t(None, "example.com", None)
        );
        assert_eq!(ssh_target("ssh://[::1]:22/a"), t(None, "::1", Some(22)));
        assert_eq!(
            ssh_target("git@example.com:me/a.git"),
            t(Some("git"), "example.com", None)
        );
        assert_eq!(ssh_target("alias:a.git"), t(None, "alias", None));
        for not_ssh in [
            "https://example.com/a",
            "file:///srv/a",
            "/srv/a",
            "./a:b",
            "ssh://-oProxyCommand=x/a",
            "ssh://h:notaport/a",
        ] {
            assert_eq!(ssh_target(not_ssh), None, "{not_ssh}");
        }
    }

    #[test]
    fn longest_insteadof_prefix_wins() {
        let rules = vec![
            ("ssh://git@h/".to_string(), "gh:".to_string()),
            ("ssh://git@h/team/".to_string(), "gh:team/".to_string()),
        ];
        assert_eq!(rewrite("gh:team/a", &rules), "ssh://git@h/team/a");
        assert_eq!(rewrite("gh:me/a", &rules), "ssh://git@h/me/a");
        assert_eq!(rewrite("https://x/a", &rules), "https://x/a");
    }

    #[test]
    fn only_plain_ssh_commands_are_extended() {
        assert_eq!(
            plain_ssh("ssh -F /dev/null -i 'my key' -p 22"),
            Some(("ssh", "-F /dev/null -i 'my key' -p 22"))
        );
        assert_eq!(plain_ssh("/usr/bin/ssh"), Some(("/usr/bin/ssh", "")));
        for other in [
            "plink -batch",
            "ssh -i k; rm x",
            "ssh $OPTS",
            "my-ssh-wrapper",
            "ssh 'unterminated",
        ] {
            assert_eq!(plain_ssh(other), None, "{other}");
        }
    }
}
