//! The token for a source: from the environment or a command in
//! settings.yml, checked to be sendable in a header; and what to tell a user
//! who needs one.

use std::collections::BTreeMap;

use anyhow::{Result, anyhow, bail};

use super::model::{Kind, Source};

/// A token and where it came from (for messages; the value is never shown).
pub struct Token {
    pub(super) value: String,
    pub(super) from: String,
}

/// The environment variables that hold a token for `source`, in order.
pub fn token_vars(source: &Source) -> &'static [&'static str] {
    match (source.kind, source.custom_api) {
        (Kind::GitHub, false) => &["GH_TOKEN", "GITHUB_TOKEN"],
        (Kind::GitHub, true) => &["GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"],
        (Kind::GitLab, _) => &["GITLAB_TOKEN"],
        (Kind::Gitea, _) => &["GITEA_TOKEN"],
        (Kind::Forgejo, _) => &["FORGEJO_TOKEN", "GITEA_TOKEN"],
    }
}

/// The keys of `forge_token_commands` that apply to `source`, in order: its
/// API host, then the forge kind (not `github` for GitHub Enterprise: a
/// github.com token is not sent to another host).
fn command_keys(source: &Source) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(host) = source.api.host_str() {
        keys.push(host.to_string());
    }
    if !(source.kind == Kind::GitHub && source.custom_api) {
        keys.push(source.kind.key().to_string());
    }
    keys
}

/// What to tell a user who needs a token for `source`.
pub fn token_hint(source: &Source) -> String {
    format!(
        "set {} (or forge_token_commands.{} in settings.yml)",
        token_vars(source).join(" or "),
        command_keys(source).last().map_or("HOST", String::as_str)
    )
}

/// The token for `source`: the first non-empty variable of [`token_vars`],
/// else the output of the first matching command in `commands`, else none.
pub fn token(source: &Source, commands: &BTreeMap<String, String>) -> Result<Option<Token>> {
    for var in token_vars(source) {
        if let Some(value) = crate::env::var(var) {
            let Some(value) = value.to_str() else {
                bail!("{var} is not valid UTF-8; it cannot be a token");
            };
            let value = value.trim();
            if !value.is_empty() {
                return checked(value.to_string(), var.to_string()).map(Some);
            }
        }
    }
    for key in command_keys(source) {
        let Some(command) = commands.get(&key) else {
            continue;
        };
        let from = format!("forge_token_commands.{key} in settings.yml");
        let out = std::process::Command::new("sh")
            .args(["-c", command])
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit())
            .output()
            .map_err(|e| anyhow!("cannot run {from}: {e}"))?;
        // The command is not shown: it may hold a token itself.
        if !out.status.success() {
            bail!(
                "the command of {from} failed ({}); fix it or set {}",
                out.status,
                token_vars(source).join(" or ")
            );
        }
        let value = String::from_utf8(out.stdout)
            .map_err(|_| anyhow!("{from} printed something that is not UTF-8"))?;
        let value = value.trim();
        if value.is_empty() {
            bail!("the command of {from} printed no token");
        }
        return checked(value.to_string(), from).map(Some);
    }
    Ok(None)
}

fn checked(value: String, from: String) -> Result<Token> {
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        bail!("the token from {from} has spaces or characters that cannot be sent in a header");
    }
    Ok(Token { value, from })
}
