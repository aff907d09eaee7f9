//! Pure rendering of the `gita ll` table to a `String`: info-item columns,
//! symbols and ahead/behind counts, situation colors, fixed widths
//! (`info set-length`), fitting to the terminal width, and sanitizing text
//! that comes from repositories before it reaches a terminal.

use std::collections::BTreeMap;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::color::Palette;
use crate::settings;
use crate::status::{RepoStatus, Situation, reldate};

/// One line of the table: a repository and what was read from it.
pub struct Row<'a> {
    pub name: &'a str,
    pub path: &'a str,
    /// The status, or the message of why it could not be read.
    pub status: Result<&'a RepoStatus, &'a str>,
}

/// Everything the renderer needs besides the rows.
#[derive(Debug, Clone)]
pub struct TableOptions {
    /// Columns after the name: a subset of [`INFO_ITEMS`], in order.
    pub info_items: Vec<String>,
    /// Symbols by key (`dirty`, `staged`, ..., situation names); missing keys
    /// take the defaults.
    pub symbols: BTreeMap<String, String>,
    /// Color names by situation; missing keys take the defaults.
    pub colors: BTreeMap<String, String>,
    /// Fixed widths per field (`branch`, `symbols`, `branch_name`, `commit_msg`,
    /// `commit_time`, `path`); 0 or absent = natural width.
    pub widths: BTreeMap<String, usize>,
    /// Emit ANSI colors.
    pub color: bool,
    /// Fit rows into this many columns (set when stdout is a terminal).
    pub term_width: Option<usize>,
    /// "Now" for relative commit times, seconds since the epoch.
    pub now: i64,
    /// Spaces before every row (used under group headings).
    pub indent: usize,
}

impl Default for TableOptions {
    fn default() -> Self {
        Self {
            info_items: vec!["branch".into(), "commit_msg".into(), "commit_time".into()],
            symbols: settings::default_symbols(),
            colors: settings::default_colors(),
            widths: BTreeMap::new(),
            color: false,
            term_width: None,
            now: 0,
            indent: 0,
        }
    }
}

impl TableOptions {
    fn symbol(&self, key: &str) -> String {
        match self.symbols.get(key) {
            Some(s) => s.clone(),
            None => settings::default_symbols().remove(key).unwrap_or_default(),
        }
    }

    fn situation_color(&self, situation: Situation) -> String {
        let key = situation.key();
        match self.colors.get(key) {
            Some(c) => c.clone(),
            None => settings::default_colors()
                .remove(key)
                .unwrap_or_else(|| "white".into()),
        }
    }
}

/// Replaces control characters (and bidi overrides, which can make text read
/// differently from what it is) in repo-provided text; tabs become spaces.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' => ' ',
            c if c.is_control() => '?',
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' => '?',
            c => c,
        })
        .collect()
}

/// The `[symbols]` text of a status: dirty, staged, stashed, untracked, then
/// the situation symbol with its commit counts (`↑2`, `↓1`, `⇕2/1`; `↓5000+`
/// when the counts are lower bounds).
pub fn symbols_text(status: &RepoStatus, opts: &TableOptions) -> String {
    let mut s = String::from("[");
    if status.dirty {
        s.push_str(&opts.symbol("dirty"));
    }
    if status.staged {
        s.push_str(&opts.symbol("staged"));
    }
    if status.stash_count > 0 {
        s.push_str(&opts.symbol("stashed"));
    }
    if status.untracked {
        s.push_str(&opts.symbol("untracked"));
    }
    let situation = status.situation();
    s.push_str(&opts.symbol(situation.key()));
    if let Some((ahead, behind)) = status.ahead_behind {
        // A walk cut short gives lower bounds: `↓5000+`.
        let more = if status.counts_bounded { "+" } else { "" };
        match situation {
            Situation::LocalAhead => s.push_str(&format!("{ahead}{more}")),
            Situation::RemoteAhead => s.push_str(&format!("{behind}{more}")),
            Situation::Diverged => s.push_str(&format!("{ahead}{more}/{behind}{more}")),
            Situation::InSync | Situation::NoRemote => {}
        }
    }
    s.push(']');
    s
}

/// How a cell is drawn.
enum Paint {
    Plain,
    /// A color name from settings (`green`, `b_red`, ...).
    Named(String),
    Error,
}

/// A cell: plain text plus how it is drawn.
struct Cell {
    text: String,
    paint: Paint,
}

/// A column's identity, for widths and for shrinking order.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    Name,
    Branch,
    Symbols,
    BranchName,
    CommitMsg,
    CommitTime,
    Path,
}

impl Col {
    fn width_key(self) -> Option<&'static str> {
        Some(match self {
            Col::Branch => "branch",
            Col::Symbols => "symbols",
            Col::BranchName => "branch_name",
            Col::CommitMsg => "commit_msg",
            Col::CommitTime => "commit_time",
            Col::Path => "path",
            Col::Name => return None,
        })
    }

    /// Narrowest a column may be squeezed to when fitting the terminal.
    fn min_width(self) -> usize {
        match self {
            Col::CommitMsg => 12,
            Col::Path => 12,
            Col::Branch | Col::BranchName => 8,
            _ => usize::MAX,
        }
    }
}

/// Renders the table; every line ends with `\n`.
pub fn render(rows: &[Row<'_>], opts: &TableOptions) -> String {
    // Layout: the name column, then for each info item one or two columns.
    let mut cols = vec![Col::Name];
    for item in &opts.info_items {
        match item.as_str() {
            "branch" => cols.extend([Col::Branch, Col::Symbols]),
            "branch_name" => cols.push(Col::BranchName),
            "commit_msg" => cols.push(Col::CommitMsg),
            "commit_time" => cols.push(Col::CommitTime),
            "path" => cols.push(Col::Path),
            _ => {}
        }
    }

    let table: Vec<Vec<Cell>> = rows.iter().map(|row| cells(row, &cols, opts)).collect();

    // Natural widths, or the fixed width from settings.
    let mut widths: Vec<usize> = cols
        .iter()
        .enumerate()
        .map(|(i, col)| {
            let fixed = col.width_key().and_then(|k| opts.widths.get(k)).copied();
            match fixed {
                Some(w) if w > 0 => w,
                _ => table
                    .iter()
                    .filter(|cells| cells.len() == cols.len())
                    .map(|cells| cells[i].text.width())
                    .max()
                    .unwrap_or(0),
            }
        })
        .collect();
    // The name column also holds the names of error rows.
    widths[0] = rows
        .iter()
        .map(|r| sanitize(r.name).width())
        .max()
        .unwrap_or(0);

    if let Some(term) = opts.term_width {
        fit(&mut widths, &cols, term.saturating_sub(opts.indent));
    }

    let palette = Palette::new(opts.color);
    let mut out = String::new();
    for cells in &table {
        let mut line = " ".repeat(opts.indent);
        let last = cells.len() - 1;
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                line.push(' ');
            }
            let is_error = cells.len() != cols.len() && i == last;
            let width = if is_error {
                opts.term_width.map_or(usize::MAX, |t| {
                    t.saturating_sub(opts.indent + widths[0] + 1).max(12)
                })
            } else {
                widths[i]
            };
            let text = truncate(&cell.text, width);
            let pad = if i == last {
                0
            } else {
                width.saturating_sub(text.width())
            };
            match &cell.paint {
                Paint::Plain => line.push_str(&text),
                Paint::Named(name) => line.push_str(&palette.paint(&text, name)),
                Paint::Error => line.push_str(&palette.error(&text)),
            }
            line.extend(std::iter::repeat_n(' ', pad));
        }
        let trimmed = line.trim_end_matches(' ');
        out.push_str(trimmed);
        out.push('\n');
    }
    out
}

fn cells(row: &Row<'_>, cols: &[Col], opts: &TableOptions) -> Vec<Cell> {
    let name = Cell {
        text: sanitize(row.name),
        paint: Paint::Plain,
    };
    let status = match row.status {
        Ok(status) => status,
        Err(msg) => {
            let text = format!("error: {}", sanitize(msg));
            return vec![
                name,
                Cell {
                    text,
                    paint: Paint::Error,
                },
            ];
        }
    };
    let situation_color = opts.situation_color(status.situation());
    let situation_paint = || Paint::Named(situation_color.clone());
    let mut out = vec![name];
    for col in &cols[1..] {
        let cell = match col {
            Col::Branch => Cell {
                text: sanitize(&status.branch_display()),
                paint: situation_paint(),
            },
            Col::Symbols => Cell {
                text: sanitize(&symbols_text(status, opts)),
                paint: situation_paint(),
            },
            Col::BranchName => Cell {
                text: sanitize(&status.branch_display()),
                paint: Paint::Plain,
            },
            Col::CommitMsg => Cell {
                text: status
                    .commit
                    .as_ref()
                    .map(|c| sanitize(&c.subject))
                    .unwrap_or_default(),
                paint: Paint::Plain,
            },
            Col::CommitTime => Cell {
                text: status
                    .commit
                    .as_ref()
                    .map(|c| format!("({})", reldate::relative(c.time, opts.now)))
                    .unwrap_or_default(),
                paint: Paint::Plain,
            },
            Col::Path => Cell {
                text: sanitize(row.path),
                paint: Paint::Named("cyan".into()),
            },
            Col::Name => Cell {
                text: String::new(),
                paint: Paint::Plain,
            },
        };
        out.push(cell);
    }
    out
}

/// Shrinks columns (commit message first, then path, then branch) until the
/// row fits `term` columns or nothing more can give.
fn fit(widths: &mut [usize], cols: &[Col], term: usize) {
    let total = |w: &[usize]| w.iter().sum::<usize>() + w.len().saturating_sub(1);
    for victim in [Col::CommitMsg, Col::Path, Col::BranchName, Col::Branch] {
        let over = total(widths).saturating_sub(term);
        if over == 0 {
            return;
        }
        if let Some(i) = cols.iter().position(|c| *c == victim) {
            let min = victim.min_width().min(widths[i]);
            widths[i] = widths[i].saturating_sub(over).max(min);
        }
    }
}

/// Cuts `text` to `width` display columns, marking the cut with `…`.
pub fn truncate(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::{CommitInfo, Engine, Head};

    const NOW: i64 = 1_800_000_000;

    fn status(ab: Option<(usize, usize)>) -> RepoStatus {
        RepoStatus {
            head: Head::Branch("main".into()),
            head_oid: Some("0123456789abcdef0123456789abcdef01234567".into()),
            upstream: ab.map(|_| "origin/main".into()),
            upstream_gone: false,
            ahead_behind: ab,
            counts_bounded: false,
            dirty: false,
            staged: false,
            untracked: false,
            stash_count: 0,
            commit: Some(CommitInfo {
                subject: "initial import".into(),
                time: NOW - 3 * 86_400,
            }),
            engine: Engine::Gix,
        }
    }

    fn opts() -> TableOptions {
        TableOptions {
            now: NOW,
            ..TableOptions::default()
        }
    }

    #[test]
    fn symbols_in_python_order_with_counts() {
        let mut s = status(Some((1, 2)));
        s.dirty = true;
        s.staged = true;
        s.untracked = true;
        s.stash_count = 2;
        assert_eq!(symbols_text(&s, &opts()), "[*+$?⇕1/2]");
        assert_eq!(symbols_text(&status(Some((3, 0))), &opts()), "[↑3]");
        assert_eq!(symbols_text(&status(Some((0, 4))), &opts()), "[↓4]");
        assert_eq!(symbols_text(&status(Some((0, 0))), &opts()), "[]");
        assert_eq!(symbols_text(&status(None), &opts()), "[∅]");
    }

    #[test]
    fn bounded_counts_are_shown_as_lower_bounds() {
        let mut s = status(Some((0, 5000)));
        s.counts_bounded = true;
        assert_eq!(symbols_text(&s, &opts()), "[↓5000+]");
        s.ahead_behind = Some((2, 5000));
        assert_eq!(symbols_text(&s, &opts()), "[⇕2+/5000+]");
    }

    #[test]
    fn custom_symbols_apply() {
        let mut o = opts();
        o.symbols.insert("no_remote".into(), "-".into());
        o.symbols.insert("dirty".into(), "D".into());
        let mut s = status(None);
        s.dirty = true;
        assert_eq!(symbols_text(&s, &o), "[D-]");
    }

    #[test]
    fn plain_table_aligns_columns() {
        let a = status(Some((0, 0)));
        let mut b = status(Some((2, 0)));
        b.head = Head::Branch("feature/long".into());
        b.commit = Some(CommitInfo {
            subject: "add things".into(),
            time: NOW - 7200,
        });
        let rows = [
            Row {
                name: "alpha",
                path: "/r/alpha",
                status: Ok(&a),
            },
            Row {
                name: "b",
                path: "/r/b",
                status: Ok(&b),
            },
            Row {
                name: "gone",
                path: "/r/gone",
                status: Err("repository folder /r/gone is missing"),
            },
        ];
        let text = render(&rows, &opts());
        assert_eq!(
            text,
            "alpha main         []   initial import (3 days ago)\n\
             b     feature/long [↑2] add things     (2 hours ago)\n\
             gone  error: repository folder /r/gone is missing\n"
        );
    }

    #[test]
    fn colors_wrap_branch_cells_only_when_enabled() {
        let s = status(Some((0, 1)));
        let rows = [Row {
            name: "r",
            path: "/r",
            status: Ok(&s),
        }];
        let mut o = opts();
        assert!(!render(&rows, &o).contains('\x1b'));
        o.color = true;
        let text = render(&rows, &o);
        assert!(
            text.starts_with("r \x1b[33mmain\x1b[0m \x1b[33m[↓1]\x1b[0m "),
            "{text:?}"
        );
        o.colors.insert("remote_ahead".into(), "b_blue".into());
        assert!(render(&rows, &o).contains("\x1b[34;1mmain"));
    }

    #[test]
    fn fixed_widths_truncate_and_pad() {
        let mut s = status(None);
        s.commit = Some(CommitInfo {
            subject: "a very long commit subject".into(),
            time: NOW,
        });
        let rows = [Row {
            name: "r",
            path: "/r",
            status: Ok(&s),
        }];
        let mut o = opts();
        o.widths.insert("commit_msg".into(), 10);
        o.widths.insert("branch".into(), 6);
        assert_eq!(
            render(&rows, &o),
            "r main   [∅] a very lo… (0 seconds ago)\n"
        );
    }

    #[test]
    fn terminal_width_shrinks_the_message_first() {
        let mut s = status(Some((0, 0)));
        s.commit = Some(CommitInfo {
            subject: "x".repeat(80),
            time: NOW - 60,
        });
        let rows = [Row {
            name: "repo",
            path: "/r",
            status: Ok(&s),
        }];
        let mut o = opts();
        o.term_width = Some(50);
        let text = render(&rows, &o);
        let line = text.lines().next().unwrap_or_default();
        assert_eq!(line.width(), 50, "{line:?}");
        assert!(line.contains("x… (60 seconds ago)"), "{line:?}");
    }

    #[test]
    fn repo_text_is_sanitized() {
        let mut s = status(None);
        s.head = Head::Branch("evil\x1b[2Jbranch".into());
        s.commit = Some(CommitInfo {
            subject: "bell\x07 tab\tend \u{202e}rtl".into(),
            time: NOW,
        });
        let rows = [Row {
            name: "r\x1b",
            path: "/r",
            status: Ok(&s),
        }];
        let text = render(&rows, &opts());
        assert!(!text.contains('\x1b') && !text.contains('\x07') && !text.contains('\u{202e}'));
        assert!(text.contains("evil?[2Jbranch"), "{text:?}");
        assert!(text.contains("bell? tab end ?rtl"), "{text:?}");
    }

    #[test]
    fn info_items_choose_columns() {
        let s = status(Some((0, 0)));
        let rows = [Row {
            name: "r",
            path: "/src/r",
            status: Ok(&s),
        }];
        let mut o = opts();
        o.info_items = vec!["branch_name".into(), "path".into()];
        assert_eq!(render(&rows, &o), "r main /src/r\n");
    }

    #[test]
    fn detached_without_tag_shows_short_hash() {
        let mut s = status(None);
        s.head = Head::Detached { tag: None };
        assert_eq!(s.branch_display(), "0123456");
        s.head = Head::Detached {
            tag: Some("v1.0".into()),
        };
        assert_eq!(s.branch_display(), "v1.0");
    }

    #[test]
    fn truncate_counts_display_width() {
        assert_eq!(truncate("日本語のテキスト", 7), "日本語…");
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("abc", 0), "");
    }
}
