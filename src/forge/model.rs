//! The terms every forge is listed in: which forge, the source asked for,
//! and the repos as listed. Plain data, shared by the listing (`api/`),
//! the HTTP client (`http.rs`) and the commands.

use reqwest::Url;

/// The kinds of forge gita can list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    GitHub,
    GitLab,
    Gitea,
    Forgejo,
}

impl Kind {
    /// The prefix of a source (`github:`) and the key in `forge_token_commands`.
    pub fn key(self) -> &'static str {
        match self {
            Kind::GitHub => "github",
            Kind::GitLab => "gitlab",
            Kind::Gitea => "gitea",
            Kind::Forgejo => "forgejo",
        }
    }

    /// The forge's own name, for messages.
    pub fn label(self) -> &'static str {
        match self {
            Kind::GitHub => "GitHub",
            Kind::GitLab => "GitLab",
            Kind::Gitea => "Gitea",
            Kind::Forgejo => "Forgejo",
        }
    }
}

/// A parsed source: which forge, whose repos, and the API base URL.
#[derive(Debug, Clone)]
pub struct Source {
    pub kind: Kind,
    /// Organisation, user or (GitLab) group path.
    pub owner: String,
    /// API base, e.g. `https://api.github.com` or `https://host/api/v1`.
    pub api: Url,
    /// Whether the API is a self-hosted one named with `--api-url`.
    pub custom_api: bool,
    /// The source as given, for messages.
    pub text: String,
}

/// The visibility of a repo on its forge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vis {
    Public,
    Private,
    Internal,
}

impl Vis {
    /// The visibility from a forge's `visibility` text, else its `internal`
    /// and `private` flags, else public.
    pub fn of(text: Option<&str>, private: bool, internal: bool) -> Vis {
        match text {
            Some("private") => Vis::Private,
            Some("internal") => Vis::Internal,
            Some("public") => Vis::Public,
            _ if internal => Vis::Internal,
            _ if private => Vis::Private,
            _ => Vis::Public,
        }
    }
}

/// One repo as the forge listed it, in the same terms for every forge.
#[derive(Debug, Clone)]
pub struct Listed {
    /// `repo`, or the full path `group/sub/repo` on GitLab.
    pub name: String,
    pub https_url: String,
    pub ssh_url: String,
    pub archived: bool,
    pub fork: bool,
    pub visibility: Vis,
    /// `None` when the listing has no topics field.
    pub topics: Option<Vec<String>>,
}

/// Everything the forge listed, plus what was wrong with some entries.
#[derive(Debug, Default)]
pub struct Listing {
    pub repos: Vec<Listed>,
    /// Entries that could not be read (no name, …), one message each.
    pub problems: Vec<String>,
    /// Notes to print (counts that disagree, …).
    pub notes: Vec<String>,
}
