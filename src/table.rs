//! Pure rendering of the `gita ll` table to a `String`: info-item columns,
//! symbols and ahead/behind counts, situation colors, fixed widths
//! (`info set-length`), fitting to the terminal width; text that comes from
//! repositories is sanitized before it reaches a terminal.

use std::collections::BTreeMap;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::color::Palette;
use crate::keys::{ColorName, Column, InfoItem, Situation, Symbol};
use crate::print::sanitize;
use crate::settings;
use crate::status::{RepoStatus, reldate};

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
    /// Columns after the name, in order.
    pub info_items: Vec<InfoItem>,
    /// Symbol texts; missing keys take the defaults.
    pub symbols: BTreeMap<Symbol, String>,
    /// Branch colors by situation; missing keys take the defaults.
    pub colors: BTreeMap<Situation, ColorName>,
    /// Fixed column widths; 0 or absent = natural width.
    pub widths: BTreeMap<Column, usize>,
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
            info_items: InfoItem::DEFAULT.to_vec(),
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
    fn symbol(&self, key: Symbol) -> &str {
        self.symbols
            .get(&key)
            .map_or(key.default_text(), String::as_str)
    }

    fn situation_color(&self, situation: Situation) -> ColorName {
        self.colors
            .get(&situation)
            .copied()
            .unwrap_or_else(|| situation.default_color())
    }
}

/// The `[symbols]` text of a status: dirty, staged, stashed, untracked, then
/// the situation symbol with its commit counts (`↑2`, `↓1`, `⇕2/1`; `↓5000+`
/// when the counts are lower bounds).
pub fn symbols_text(status: &RepoStatus, opts: &TableOptions) -> String {
    let mut s = String::from("[");
    if status.dirty {
        s.push_str(opts.symbol(Symbol::Dirty));
    }
    if status.staged {
        s.push_str(opts.symbol(Symbol::Staged));
    }
    if status.stash_count > 0 {
        s.push_str(opts.symbol(Symbol::Stashed));
    }
    if status.untracked {
        s.push_str(opts.symbol(Symbol::Untracked));
    }
    let situation = status.situation();
    s.push_str(opts.symbol(situation.symbol()));
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
    /// A color from settings.
    Named(ColorName),
    Error,
}

/// A cell: plain text plus how it is drawn.
struct Cell {
    text: String,
    paint: Paint,
}

/// A column of the table: the repo name, then the columns of the info items.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    Name,
    Data(Column),
}

impl InfoItem {
    /// The columns an info item shows.
    fn columns(self) -> &'static [Column] {
        match self {
            InfoItem::Branch => &[Column::Branch, Column::Symbols],
            InfoItem::BranchName => &[Column::BranchName],
            InfoItem::CommitMsg => &[Column::CommitMsg],
            InfoItem::CommitTime => &[Column::CommitTime],
            InfoItem::Path => &[Column::Path],
        }
    }
}

impl Column {
    /// Narrowest a column may be squeezed to when fitting the terminal
    /// (`usize::MAX`: never squeezed).
    fn min_width(self) -> usize {
        match self {
            Column::CommitMsg | Column::Path => 12,
            Column::Branch | Column::BranchName => 8,
            Column::Symbols | Column::CommitTime => usize::MAX,
        }
    }
}

/// Columns given up first when the table is wider than the terminal.
const SHRINK_ORDER: [Column; 4] = [
    Column::CommitMsg,
    Column::Path,
    Column::BranchName,
    Column::Branch,
];

/// Renders the table; every line ends with `\n`.
pub fn render(rows: &[Row<'_>], opts: &TableOptions) -> String {
    // Layout: the name column, then for each info item one or two columns.
    let mut cols = vec![Col::Name];
    for item in &opts.info_items {
        cols.extend(item.columns().iter().map(|c| Col::Data(*c)));
    }

    let table: Vec<Vec<Cell>> = rows.iter().map(|row| cells(row, &cols, opts)).collect();

    // Natural widths, or the fixed width from settings.
    let mut widths: Vec<usize> = cols
        .iter()
        .enumerate()
        .map(|(i, col)| {
            let fixed = match col {
                Col::Data(c) => opts.widths.get(c).map(|w| (*w).min(settings::MAX_WIDTH)),
                Col::Name => None,
            };
            let natural = table
                .iter()
                .filter(|cells| cells.len() == cols.len())
                .map(|cells| cells[i].text.width())
                .max()
                .unwrap_or(0);
            match fixed {
                // Symbols and counts are never cut: a width is their minimum.
                Some(w) if *col == Col::Data(Column::Symbols) => w.max(natural),
                Some(w) if w > 0 => w,
                _ => natural,
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
                Paint::Named(name) => line.push_str(&palette.paint(&text, *name)),
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
    let situation_paint = || Paint::Named(situation_color);
    let mut out = vec![name];
    for col in &cols[1..] {
        let cell = match col {
            Col::Data(Column::Branch) => Cell {
                text: sanitize(&status.branch_display()),
                paint: situation_paint(),
            },
            Col::Data(Column::Symbols) => Cell {
                text: sanitize(&symbols_text(status, opts)),
                paint: situation_paint(),
            },
            Col::Data(Column::BranchName) => Cell {
                text: sanitize(&status.branch_display()),
                paint: Paint::Plain,
            },
            Col::Data(Column::CommitMsg) => Cell {
                text: status
                    .commit
                    .as_ref()
                    .map(|c| sanitize(&c.subject))
                    .unwrap_or_default(),
                paint: Paint::Plain,
            },
            Col::Data(Column::CommitTime) => Cell {
                text: status
                    .commit
                    .as_ref()
                    .map(|c| format!("({})", reldate::relative(c.time, opts.now)))
                    .unwrap_or_default(),
                paint: Paint::Plain,
            },
            Col::Data(Column::Path) => Cell {
                text: sanitize(row.path),
                paint: Paint::Named(ColorName::Cyan),
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
    for victim in SHRINK_ORDER {
        let over = total(widths).saturating_sub(term);
        if over == 0 {
            return;
        }
        if let Some(i) = cols.iter().position(|c| *c == Col::Data(victim)) {
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
        o.symbols.insert(Symbol::NoRemote, "-".into());
        o.symbols.insert(Symbol::Dirty, "D".into());
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
        o.colors.insert(Situation::RemoteAhead, ColorName::BBlue);
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
        o.widths.insert(Column::CommitMsg, 10);
        o.widths.insert(Column::Branch, 6);
        assert_eq!(
            render(&rows, &o),
            "r main   [∅] a very lo… (0 seconds ago)\n"
        );
    }

    #[test]
    fn huge_widths_are_capped() {
        let s = status(None);
        let rows = [Row {
            name: "r",
            path: "/r",
            status: Ok(&s),
        }];
        let mut o = opts();
        o.widths.insert(Column::Branch, usize::MAX);
        let text = render(&rows, &o);
        assert!(text.contains(&format!(
            "r main{}[",
            " ".repeat(settings::MAX_WIDTH - 4 + 1)
        )));
        assert!(text.len() < 2 * settings::MAX_WIDTH, "{}", text.len());
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
        o.info_items = vec![InfoItem::BranchName, InfoItem::Path];
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
