//! The `settings.yml` model: `ll` info items, branch colors per situation,
//! status symbols, column widths and the default concurrency, each keyed by
//! the enums of `keys`, with Python gita's defaults and bounds.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use crate::keys::{ColorName, Column, InfoItem, Situation, Symbol};
use crate::registry::Extra;

/// Most concurrent jobs `-j` and `jobs` in settings.yml accept: far above
/// any useful concurrency, low enough that a typo cannot exhaust the
/// process table.
pub const MAX_JOBS: usize = 4096;

/// Widest column `info set-length` and `settings.yml` accept.
pub const MAX_WIDTH: usize = 1000;

/// `settings.yml`. Every key is optional on disk; missing keys take Python
/// gita's defaults, so the resolved maps are always complete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SettingsFile {
    pub info_items: Vec<InfoItem>,
    /// The branch color of each situation.
    pub colors: BTreeMap<Situation, ColorName>,
    /// The text of each symbol.
    pub symbols: BTreeMap<Symbol, String>,
    /// Column widths; 0 = no limit.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub widths: BTreeMap<Column, usize>,
    /// Default number of concurrent jobs for commands run across repos.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jobs: Option<usize>,
    /// Share one ssh connection per destination in network runs (on when
    /// missing; see the README, "SSH connection reuse").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_reuse: Option<bool>,
    /// API host or forge kind (`github`, `gitlab`, `gitea`, `forgejo`) → a
    /// shell command that prints a token for `discover` and `clone --from`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub forge_token_commands: BTreeMap<String, String>,
    /// Keys this version does not know, kept on every rewrite.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for SettingsFile {
    fn default() -> Self {
        SettingsFile {
            info_items: InfoItem::DEFAULT.to_vec(),
            colors: default_colors(),
            symbols: default_symbols(),
            widths: BTreeMap::new(),
            jobs: None,
            ssh_reuse: None,
            forge_token_commands: BTreeMap::new(),
            extra: Extra::new(),
        }
    }
}

pub fn default_colors() -> BTreeMap<Situation, ColorName> {
    Situation::ALL
        .iter()
        .map(|s| (*s, s.default_color()))
        .collect()
}

pub fn default_symbols() -> BTreeMap<Symbol, String> {
    Symbol::ALL
        .iter()
        .map(|s| (*s, s.default_text().to_string()))
        .collect()
}

/// Python gita's `info set-length` defaults.
pub fn default_widths() -> BTreeMap<Column, usize> {
    Column::DEFAULT_WIDTHS.into_iter().collect()
}

impl SettingsFile {
    /// Fills keys a partial file left out with the defaults.
    pub fn complete(mut self) -> Self {
        for (k, v) in default_colors() {
            self.colors.entry(k).or_insert(v);
        }
        for (k, v) in default_symbols() {
            self.symbols.entry(k).or_insert(v);
        }
        self
    }

    /// Errors on a number out of bounds (a width over `MAX_WIDTH`, `jobs` 0
    /// or over `MAX_JOBS`), naming the file and key.
    pub fn check(&self, path: &Path) -> Result<()> {
        for (item, width) in &self.widths {
            if *width > MAX_WIDTH {
                bail!(
                    "{}: widths.{item} is {width}; a width is at most {MAX_WIDTH} (0 = no limit). Fix the file or run `gita info set-length {item} N`",
                    path.display()
                );
            }
        }
        if let Some(jobs) = self.jobs
            && !(1..=MAX_JOBS).contains(&jobs)
        {
            bail!(
                "{}: jobs is {jobs}; it must be from 1 to {MAX_JOBS}",
                path.display()
            );
        }
        Ok(())
    }

    pub fn color(&self, situation: Situation) -> ColorName {
        self.colors
            .get(&situation)
            .copied()
            .unwrap_or_else(|| situation.default_color())
    }
}
