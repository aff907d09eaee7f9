//! The names gita's settings, table, JSON and command line share, each
//! defined once as an enum: `ll` info items and column widths, branch
//! situations, status symbol keys, color names and repo kinds. clap
//! (`ValueEnum`) and serde take their spellings from here, so a new column or
//! symbol is one new variant.

use clap::ValueEnum;
use serde::{Deserialize, Serialize};

/// Defines a key enum whose every variant has one spelling, used by serde,
/// clap and messages alike, with `ALL` (declaration order) and `as_str`.
macro_rules! keys {
    ($(#[$m:meta])* pub enum $name:ident {
        $($(#[$vm:meta])* $variant:ident = $text:literal,)+
    }) => {
        $(#[$m])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
            ValueEnum,
        )]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $text)] #[value(name = $text)] $variant,)+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The spelling in files and on the command line.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// Parses a spelling.
            pub fn parse(text: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str() == text)
            }

            /// Every spelling, comma-separated, for messages.
            pub fn list() -> String {
                $name::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

keys! {
    /// An item `gita ll` can show, in the default order of appearance.
    pub enum InfoItem {
        /// Branch, symbols and ahead/behind counts, colored by situation.
        Branch = "branch",
        /// Branch name alone, uncolored.
        BranchName = "branch_name",
        /// Subject of the last commit.
        CommitMsg = "commit_msg",
        /// Age of the last commit.
        CommitTime = "commit_time",
        /// Path of the repo.
        Path = "path",
    }
}

impl InfoItem {
    /// What `gita ll` shows when settings name no items.
    pub const DEFAULT: [InfoItem; 3] =
        [InfoItem::Branch, InfoItem::CommitMsg, InfoItem::CommitTime];
}

keys! {
    /// A column whose width `gita info set-length` sets: an info item's, or the
    /// symbols shown after the branch.
    pub enum Column {
        Branch = "branch",
        Symbols = "symbols",
        BranchName = "branch_name",
        CommitMsg = "commit_msg",
        CommitTime = "commit_time",
        Path = "path",
    }
}

impl Column {
    /// Python gita's `info set-length` defaults (0 = no limit).
    pub const DEFAULT_WIDTHS: [(Column, usize); 6] = [
        (Column::Branch, 19),
        (Column::Symbols, 5),
        (Column::BranchName, 27),
        (Column::CommitMsg, 0),
        (Column::CommitTime, 0),
        (Column::Path, 30),
    ];
}

keys! {
    /// How the local branch relates to the branch it is compared with.
    pub enum Situation {
        NoRemote = "no_remote",
        InSync = "in_sync",
        Diverged = "diverged",
        LocalAhead = "local_ahead",
        RemoteAhead = "remote_ahead",
    }
}

impl Situation {
    /// The branch color of a situation unless settings say otherwise.
    pub fn default_color(self) -> ColorName {
        match self {
            Situation::NoRemote => ColorName::White,
            Situation::InSync => ColorName::Green,
            Situation::Diverged => ColorName::Red,
            Situation::LocalAhead => ColorName::Purple,
            Situation::RemoteAhead => ColorName::Yellow,
        }
    }

    /// The symbol key that shows this situation.
    pub fn symbol(self) -> Symbol {
        match self {
            Situation::NoRemote => Symbol::NoRemote,
            Situation::InSync => Symbol::InSync,
            Situation::Diverged => Symbol::Diverged,
            Situation::LocalAhead => Symbol::LocalAhead,
            Situation::RemoteAhead => Symbol::RemoteAhead,
        }
    }
}

keys! {
    /// A status symbol of `gita ll` (`symbols` in settings.yml).
    pub enum Symbol {
        Dirty = "dirty",
        Staged = "staged",
        Untracked = "untracked",
        Stashed = "stashed",
        LocalAhead = "local_ahead",
        RemoteAhead = "remote_ahead",
        Diverged = "diverged",
        InSync = "in_sync",
        NoRemote = "no_remote",
    }
}

impl Symbol {
    /// The text of a symbol unless settings say otherwise.
    pub fn default_text(self) -> &'static str {
        match self {
            Symbol::Dirty => "*",
            Symbol::Staged => "+",
            Symbol::Untracked => "?",
            Symbol::Stashed => "$",
            Symbol::LocalAhead => "↑",
            Symbol::RemoteAhead => "↓",
            Symbol::Diverged => "⇕",
            Symbol::InSync => "",
            Symbol::NoRemote => "∅",
        }
    }
}

keys! {
    /// A color name of `gita color set` (Python gita's names): eight colors,
    /// their bold (`b_`) forms, `underline`, and `end` (no color).
    pub enum ColorName {
        Black = "black",
        Red = "red",
        Green = "green",
        Yellow = "yellow",
        Blue = "blue",
        Purple = "purple",
        Cyan = "cyan",
        White = "white",
        BBlack = "b_black",
        BRed = "b_red",
        BGreen = "b_green",
        BYellow = "b_yellow",
        BBlue = "b_blue",
        BPurple = "b_purple",
        BCyan = "b_cyan",
        BWhite = "b_white",
        Underline = "underline",
        End = "end",
    }
}

keys! {
    /// What kind of repo a registry entry is; absent for an ordinary work tree.
    pub enum RepoKind {
        Bare = "bare",
    }
}

/// When to use colors (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Color when the stream is a terminal and NO_COLOR is unset
    Auto,
    Always,
    Never,
}

/// The shells `gita completions` has a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_spelling_for_serde_clap_and_messages() {
        assert_eq!(InfoItem::CommitMsg.as_str(), "commit_msg");
        assert_eq!(ColorName::BPurple.to_string(), "b_purple");
        assert_eq!(
            Situation::parse("remote_ahead"),
            Some(Situation::RemoteAhead)
        );
        assert_eq!(Symbol::parse("nope"), None);
        for c in ColorName::ALL {
            let yaml = serde_norway::to_string(c).expect("yaml");
            assert_eq!(yaml.trim(), c.as_str());
            let from_clap = <ColorName as ValueEnum>::from_str(c.as_str(), false).expect("clap");
            assert_eq!(from_clap, *c);
        }
    }
}
