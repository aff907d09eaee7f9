//! Checks for values that come from a file someone else wrote (a manifest)
//! before gita puts them on a git command line or into the registry: a value
//! must be the plain data it claims to be (a ref name, a URL of a transport
//! that runs no program, git options that run nothing and read no other
//! config), never an option or a program.

use anyhow::{Result, bail};

/// Global git options (put between `git` and the subcommand) that only change
/// how git reads paths, pages or locks. Anything else is refused.
const SAFE_OPTIONS: &[&str] = &[
    "--no-pager",
    "-P",
    "--no-replace-objects",
    "--literal-pathspecs",
    "--glob-pathspecs",
    "--noglob-pathspecs",
    "--icase-pathspecs",
    "--no-optional-locks",
    "--no-advice",
];

/// Config keys (lower case; `*` is any subsection) that make git run a
/// program, read another file as config, write files elsewhere, send a
/// fetch or push to another transport or place, or drop a safety check.
const UNSAFE_KEYS: &[&str] = &[
    "alias.*",
    "browser.*.cmd",
    "browser.*.path",
    "core.alternaterefscommand",
    "core.askpass",
    "core.editor",
    "core.fsmonitor",
    "core.gitproxy",
    "core.hookspath",
    "core.pager",
    "core.sshcommand",
    "core.worktree",
    "credential.*",
    "diff.*.command",
    "diff.*.textconv",
    "diff.external",
    "diff.guitool",
    "diff.tool",
    "difftool.*.cmd",
    "difftool.*.path",
    "filter.*.clean",
    "filter.*.process",
    "filter.*.smudge",
    "gpg.*.program",
    "gpg.program",
    "guitool.*",
    "imap.tunnel",
    "include.*",
    "includeif.*",
    "init.templatedir",
    "instaweb.*",
    "interactive.difffilter",
    "man.*",
    "merge.*.driver",
    "merge.tool",
    "mergetool.*",
    "pager.*",
    "protocol.*",
    "remote.*.receivepack",
    "remote.*.uploadpack",
    "remote.*.vcs",
    "safe.*",
    "sendemail.*",
    "sequence.editor",
    "submodule.*.update",
    "tar.*.command",
    "trace2.*",
    "url.*",
];

/// More keys of the same kind, in sections that are otherwise harmless.
const UNSAFE_EXACT: &[&str] = &["uploadpack.packobjectshook", "web.browser"];

/// Errors unless `flags` (inserted right after `git` for one repo) only set
/// harmless options: `-c key=value` pairs whose key runs no program and reads
/// no other config, and the options of `SAFE_OPTIONS`.
pub fn check_flags(flags: &[String]) -> Result<()> {
    let mut it = flags.iter();
    while let Some(flag) = it.next() {
        if flag == "-c" {
            let Some(pair) = it.next() else {
                bail!("flag '-c' needs a key=value after it");
            };
            check_config_pair(pair)?;
        } else if SAFE_OPTIONS.contains(&flag.as_str()) {
        } else if flag.starts_with('-') {
            bail!(
                "git option {flag:?} is not allowed in a manifest (allowed: -c KEY=VALUE and {})",
                SAFE_OPTIONS.join(", ")
            );
        } else {
            bail!("{flag:?} is not a git option (flags hold options only)");
        }
    }
    Ok(())
}

fn check_config_pair(pair: &str) -> Result<()> {
    let key = pair.split_once('=').map_or(pair, |(k, _)| k);
    if key.is_empty() || key.chars().any(|c| c.is_control() || c.is_whitespace()) {
        bail!("-c {pair:?}: not a config key=value");
    }
    if is_unsafe_key(key) {
        bail!(
            "-c {key}: this setting can make git run a program, read other config or act elsewhere"
        );
    }
    Ok(())
}

/// Whether a config key (`section[.subsection].name`) is one of the kinds
/// listed in `UNSAFE_KEYS`/`UNSAFE_EXACT`. Section and name are compared
/// without case, as git does.
fn is_unsafe_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    let (section, rest) = lower.split_once('.').unwrap_or((lower.as_str(), ""));
    let (sub, name) = match rest.rsplit_once('.') {
        Some((sub, name)) => (Some(sub), name),
        None => (None, rest),
    };
    if UNSAFE_EXACT.contains(&lower.as_str()) {
        return true;
    }
    UNSAFE_KEYS.iter().any(|pattern| {
        let parts: Vec<&str> = pattern.split('.').collect();
        match parts[..] {
            // `section.*`: every key of the section.
            [s, "*"] => s == section,
            // `section.*.name`: the name in any subsection.
            [s, "*", n] => s == section && sub.is_some() && n == name,
            // `section.name`: without a subsection.
            [s, n] => s == section && sub.is_none() && n == name,
            _ => false,
        }
    })
}

/// Opens git's reflog and revision syntax (`@{1}`, `@{upstream}`); never
/// part of a ref name.
const REFLOG_OPEN: &str = "@{";

/// Errors unless `name` is a valid ref name git would take as a branch, tag
/// or commit (the rules of `git check-ref-format`), and so can never be read
/// as an option.
pub fn check_ref(name: &str) -> Result<()> {
    let bad = |why: &str| -> Result<()> { bail!("{name:?} is not a valid branch name: {why}") };
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.starts_with('-') {
        return bad("it starts with '-'");
    }
    if name == "@" {
        return bad("'@' alone is not a name");
    }
    if let Some(c) = name
        .chars()
        .find(|c| c.is_control() || matches!(c, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\'))
    {
        return bad(&format!("it contains {c:?}"));
    }
    if name.contains("..") || name.contains(REFLOG_OPEN) || name.contains("//") {
        return bad(&format!("it contains '..', '{REFLOG_OPEN}' or '//'"));
    }
    if name.starts_with('/') || name.ends_with('/') || name.ends_with('.') {
        return bad("it starts or ends with '/', or ends with '.'");
    }
    if name
        .split('/')
        .any(|part| part.starts_with('.') || part.ends_with(".lock"))
    {
        return bad("a part starts with '.' or ends with '.lock'");
    }
    Ok(())
}

/// URL schemes git handles itself, without a helper program named by the URL.
const SCHEMES: &[&str] = &["https", "http", "ssh", "git", "file", "git+ssh", "ssh+git"];

/// Errors unless `url` is a clone URL of a transport that runs no program
/// named by the URL: `https`, `http`, `ssh`, `git`, `file` URLs, scp-like
/// `[user@]host:path`, or a local path. `transport::address` (a remote
/// helper, `ext::` runs any command), unknown schemes (a helper named
/// `git-remote-<scheme>`) and hosts or users that read as ssh options are
/// refused.
pub fn check_url(url: &str) -> Result<()> {
    let bad = |why: &str| -> Result<()> { bail!("url {url:?} is refused: {why}") };
    if url.is_empty() {
        return bad("it is empty");
    }
    if url.starts_with('-') {
        return bad("it starts with '-'");
    }
    if url.chars().any(char::is_control) {
        return bad("it contains control characters");
    }
    if let Some((scheme, rest)) = url.split_once("://")
        && !scheme.contains('/')
    {
        if !SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()) {
            return bad(&format!(
                "git would run a helper program for '{scheme}://' (allowed: {})",
                SCHEMES.join(", ")
            ));
        }
        let authority = rest.split('/').next().unwrap_or("");
        let host = authority.rsplit('@').next().unwrap_or("");
        if host.starts_with('-') || authority.starts_with('-') {
            return bad("the user or host starts with '-'");
        }
        return Ok(());
    }
    if let Some((transport, _)) = url.split_once("::")
        && !transport.contains('/')
    {
        return bad(&format!("'{transport}::' names a remote helper program"));
    }
    // scp-like `[user@]host:path`: a colon before any slash.
    if let Some((authority, _)) = url.split_once(':')
        && !authority.contains('/')
    {
        let host = authority.rsplit('@').next().unwrap_or("");
        if host.starts_with('-') || authority.starts_with('-') {
            return bad("the user or host starts with '-'");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_allow_plain_settings_and_safe_options() {
        for ok in [
            &["-c", "user.name=Me"][..],
            &["-c", "core.autocrlf=false", "--no-pager"],
            &["--literal-pathspecs"],
            &["-c", "diff.mnemonicPrefix"],
            &["-c", "remote.origin.url=x"],
        ] {
            check_flags(&flags(ok)).unwrap_or_else(|e| panic!("{ok:?}: {e}"));
        }
    }

    #[test]
    fn flags_refuse_programs_other_config_and_non_options() {
        for bad in [
            &["-c", "core.fsmonitor=touch /tmp/x; false"][..],
            &["-c", "core.FSMonitor=true"],
            &["-c", "core.sshCommand=evil"],
            &["-c", "core.pager=evil"],
            &["-c", "core.hooksPath=/tmp/h"],
            &["-c", "alias.st=!evil"],
            &["-c", "include.path=/tmp/c"],
            &["-c", "includeIf.gitdir:/.path=/tmp/c"],
            &["-c", "filter.lfs.smudge=evil"],
            &["-c", "diff.x.textconv=evil"],
            &["-c", "credential.helper=evil"],
            &["-c", "credential.https://h.helper=evil"],
            &["-c", "protocol.ext.allow=always"],
            &["-c", "url.ext::sh -c evil.insteadOf=https://"],
            &["-c", "uploadpack.packObjectsHook=evil"],
            &["-c", "safe.directory=*"],
            &["-c", "submodule.x.update=!evil"],
            &["-c", "gpg.program=evil"],
            &["-c", "remote.origin.uploadpack=evil"],
            &["-c"],
            &["-C", "/elsewhere"],
            &["--git-dir=/elsewhere/.git"],
            &["--exec-path=/tmp"],
            &["--config-env=core.pager=X"],
            &["status"],
        ] {
            assert!(check_flags(&flags(bad)).is_err(), "{bad:?} was allowed");
        }
    }

    #[test]
    fn refs_follow_check_ref_format() {
        for ok in ["main", "feature/x", "v1.0", "a-b_c", "0123abcd"] {
            check_ref(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for bad in [
            "--orphan=evil",
            "--pathspec-from-file=/etc/passwd",
            "-b",
            "a..b",
            "a b",
            "a:b",
            "x.lock",
            ".hidden",
            "a/",
            "a@{1}",
            "@",
            "a\nb",
            "",
        ] {
            assert!(check_ref(bad).is_err(), "{bad:?} was allowed");
        }
    }

    #[test]
    fn urls_of_plain_transports_only() {
        for ok in [
            "https://example.com/a.git",
            "ssh://git@example.com:22/a.git",
            "git@example.com:me/a.git",
            "file:///srv/a.git",
            "/srv/a.git",
            "../a.git",
            "C:/x",
        ] {
            check_url(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for bad in [
            "ext::sh -c touch% /tmp/x",
            "fd::3",
            "foo::bar",
            "evil://host/a",
            "-u/tmp/x",
            "ssh://-oProxyCommand=touch%20x/a",
            "-oProxyCommand=x:a",
            "https://h/a\n",
        ] {
            assert!(check_url(bad).is_err(), "{bad:?} was allowed");
        }
    }
}
