//! One-way import of Python gita's files (`repos.csv`, `groups.csv`,
//! `*.context`, `color.csv`, `info.csv`, `symbols.csv`, `layout.csv`) into a
//! registry and settings. The CSV files are only read, never changed, so a
//! user can run both tools for a while.
//!
//! Imported names and values pass the same checks as those given to gita
//! on the command line: repo and group names, paths, colors, info items,
//! symbols and widths. A line or value that fails them is reported by file
//! and line with the reason and left out; the rest is imported. A repo's
//! flags are kept, as the user wrote them.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::csv::{self, Record};
use crate::keys::{ColorName, Column, InfoItem, RepoKind, Situation, Symbol};
use crate::names::validate_name;
use crate::registry::{AUTO, Group, RESERVED, Registry, Repo};
use crate::settings::{MAX_WIDTH, SettingsFile};
use crate::{print, store};

const FILES: [&str; 6] = [
    "repos.csv",
    "groups.csv",
    "color.csv",
    "info.csv",
    "symbols.csv",
    "layout.csv",
];

/// The names of Python gita's files present in `dir`.
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = FILES
        .iter()
        .filter(|f| dir.join(f).is_file())
        .map(|f| f.to_string())
        .collect();
    names.extend(
        context_files(dir)
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned())),
    );
    names
}

/// Whether `dir` holds any of Python gita's files.
pub fn has_python_files(dir: &Path) -> bool {
    FILES.iter().any(|f| dir.join(f).is_file()) || !context_files(dir).is_empty()
}

/// The `*.context` files in `dir`, sorted.
fn context_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "context"))
        .collect();
    files.sort();
    files
}

/// What Python gita's files hold, as gita's registry and settings.
pub struct Imported {
    pub registry: Registry,
    pub settings: SettingsFile,
    /// `file:line: reason` for every line or value left out.
    pub problems: Vec<String>,
}

/// Reads Python gita's files in `dir`; what is left out is reported on
/// stderr as a warning.
pub fn import(dir: &Path) -> Result<(Registry, SettingsFile)> {
    let imported = read(dir)?;
    for problem in &imported.problems {
        crate::warning!("{}", print::sanitize(problem));
    }
    Ok((imported.registry, imported.settings))
}

/// Reads Python gita's files in `dir`, printing nothing.
pub fn read(dir: &Path) -> Result<Imported> {
    let mut im = Importer {
        dir,
        problems: Vec::new(),
    };
    let mut registry = Registry::default();
    im.repos(&mut registry)?;
    im.groups(&mut registry)?;
    im.context(&mut registry);
    let mut settings = SettingsFile::default();
    im.colors(&mut settings)?;
    im.symbols(&mut settings)?;
    im.widths(&mut settings)?;
    im.info_items(&mut settings)?;
    Ok(Imported {
        registry,
        settings,
        problems: im.problems,
    })
}

struct Importer<'a> {
    dir: &'a Path,
    problems: Vec<String>,
}

/// A name, value and the line of the value, from a header-and-values file.
struct Pair {
    key: String,
    value: String,
    key_line: usize,
    value_line: usize,
}

impl Importer<'_> {
    /// Notes a problem in `file` (the folder itself when empty).
    fn report(&mut self, file: &str, line: Option<usize>, reason: impl Display) {
        let at = line.map(|l| format!(":{l}")).unwrap_or_default();
        let place = if file.is_empty() {
            self.dir.to_path_buf()
        } else {
            self.dir.join(file)
        };
        self.problems
            .push(format!("{}{at}: {reason}", place.display()));
    }

    /// The records of `file` (none when it is missing); a quoted field left
    /// open is reported, and the record it starts is left out.
    fn records(&mut self, file: &str, delim: char) -> Result<Vec<Record>> {
        let text = store::read_text(&self.dir.join(file))?.unwrap_or_default();
        let mut records = csv::parse(&text, delim);
        if let Some(last) = records.pop_if(|r| r.unterminated) {
            self.report(
                file,
                Some(last.line),
                "a quoted field is not closed before the end of the file; the rest of the file is skipped",
            );
        }
        Ok(records)
    }

    /// `repos.csv`: `path,name,type,flags` per line.
    fn repos(&mut self, reg: &mut Registry) -> Result<()> {
        const FILE: &str = "repos.csv";
        let mut lines: BTreeMap<String, usize> = BTreeMap::new();
        for record in self.records(FILE, ',')? {
            let field = |i: usize| record.fields.get(i).map(String::as_str).unwrap_or("");
            let (path, name, kind, flags) = (field(0), field(1), field(2), field(3));
            let line = Some(record.line);
            if let Some(first) = lines.get(name) {
                let reason = format!("repo '{name}' is already on line {first}; line skipped");
                self.report(FILE, line, reason);
                continue;
            }
            let repo = match repo(name, path, flags) {
                Ok(repo) => repo,
                Err(reason) => {
                    self.report(FILE, line, format!("{reason}; line skipped"));
                    continue;
                }
            };
            let kind = match kind {
                "" => None,
                "bare" => Some(RepoKind::Bare),
                other => {
                    let reason = format!(
                        "repo '{name}': unknown type {other:?} left out (gita knows only 'bare')"
                    );
                    self.report(FILE, line, reason);
                    None
                }
            };
            lines.insert(name.to_string(), record.line);
            reg.repos.insert(name.to_string(), Repo { kind, ..repo });
        }
        Ok(())
    }

    /// `groups.csv`: `name:repo1 repo2:path` per line.
    fn groups(&mut self, reg: &mut Registry) -> Result<()> {
        const FILE: &str = "groups.csv";
        for record in self.records(FILE, ':')? {
            let field = |i: usize| record.fields.get(i).map(String::as_str).unwrap_or("");
            let (name, members, path) = (field(0), field(1), field(2));
            let line = Some(record.line);
            if let Err(e) = reg.check_group_name(name, false) {
                self.report(FILE, line, format!("{e:#}; line skipped"));
                continue;
            }
            let (mut repos, unknown): (Vec<String>, Vec<String>) = members
                .split_whitespace()
                .map(String::from)
                .partition(|m| reg.repos.contains_key(m));
            if !unknown.is_empty() {
                let list: Vec<String> = unknown.iter().map(|u| format!("{u:?}")).collect();
                let reason = format!(
                    "group '{name}': unknown repo(s) {} left out of the group",
                    list.join(", ")
                );
                self.report(FILE, line, reason);
            }
            repos.sort();
            repos.dedup();
            let path = match path {
                "" => None,
                p => match check_path(p) {
                    Ok(p) => Some(p),
                    Err(reason) => {
                        let reason = format!("group '{name}': {reason}; path left out");
                        self.report(FILE, line, reason);
                        None
                    }
                },
            };
            reg.groups.insert(
                name.to_string(),
                Group {
                    repos,
                    path,
                    extra: Default::default(),
                },
            );
        }
        Ok(())
    }

    /// `<group>.context` or `auto.context`.
    fn context(&mut self, reg: &mut Registry) {
        let files = context_files(self.dir);
        let names: Vec<String> = files
            .iter()
            .filter_map(|f| f.file_name())
            .map(|f| f.to_string_lossy().into_owned())
            .collect();
        match names.as_slice() {
            [] => {}
            [file] => {
                let stem = file.strip_suffix(".context").unwrap_or(file);
                if stem == AUTO || reg.groups.contains_key(stem) {
                    reg.context = Some(stem.to_string());
                } else {
                    let reason =
                        format!("the context {stem:?} is not an imported group; no context set");
                    self.report(file, None, reason);
                }
            }
            several => {
                let reason = format!(
                    "several context files ({}) where one is expected; no context set",
                    several.join(", ")
                );
                self.report("", None, reason);
            }
        }
    }

    /// The names (first line) and values (second line) of `file`, as
    /// Python gita reads `color.csv`, `symbols.csv` and `layout.csv`.
    fn pairs(&mut self, file: &str) -> Result<Vec<Pair>> {
        let mut records = self.records(file, ',')?.into_iter();
        let (Some(keys), Some(values)) = (records.next(), records.next()) else {
            return Ok(Vec::new());
        };
        if values.fields.len() > keys.fields.len() {
            let reason = format!(
                "{} value(s) without a name in the line above left out",
                values.fields.len() - keys.fields.len()
            );
            self.report(file, Some(values.line), reason);
        }
        let mut pairs = Vec::new();
        for (i, key) in keys.fields.into_iter().enumerate() {
            match values.fields.get(i) {
                Some(value) => pairs.push(Pair {
                    key,
                    value: value.clone(),
                    key_line: keys.line,
                    value_line: values.line,
                }),
                None => {
                    let reason = format!("no value for {key:?} in the next line; left out");
                    self.report(file, Some(keys.line), reason);
                }
            }
        }
        Ok(pairs)
    }

    /// `color.csv`: situation names, then color names.
    fn colors(&mut self, settings: &mut SettingsFile) -> Result<()> {
        const FILE: &str = "color.csv";
        for p in self.pairs(FILE)? {
            let Some(situation) = Situation::parse(&p.key) else {
                let reason = format!(
                    "unknown situation {:?} left out (one of: {})",
                    p.key,
                    Situation::list()
                );
                self.report(FILE, Some(p.key_line), reason);
                continue;
            };
            match ColorName::parse(&p.value) {
                Some(color) => {
                    settings.colors.insert(situation, color);
                }
                None => {
                    let reason = format!(
                        "unknown color {:?} for '{}' left out (one of: {})",
                        p.value,
                        p.key,
                        ColorName::list()
                    );
                    self.report(FILE, Some(p.value_line), reason);
                }
            }
        }
        Ok(())
    }

    /// `symbols.csv`: symbol names, then the text of each.
    fn symbols(&mut self, settings: &mut SettingsFile) -> Result<()> {
        const FILE: &str = "symbols.csv";
        for p in self.pairs(FILE)? {
            let Some(symbol) = Symbol::parse(&p.key) else {
                let reason = format!(
                    "unknown symbol {:?} left out (one of: {})",
                    p.key,
                    Symbol::list()
                );
                self.report(FILE, Some(p.key_line), reason);
                continue;
            };
            if p.value.chars().any(char::is_control) {
                let reason = format!(
                    "the symbol for '{}' contains a control character: {:?}; left out",
                    p.key, p.value
                );
                self.report(FILE, Some(p.value_line), reason);
            } else {
                settings.symbols.insert(symbol, p.value);
            }
        }
        Ok(())
    }

    /// `layout.csv`: info items (and `symbols`), then their widths.
    fn widths(&mut self, settings: &mut SettingsFile) -> Result<()> {
        const FILE: &str = "layout.csv";
        for p in self.pairs(FILE)? {
            let Some(column) = Column::parse(&p.key) else {
                let reason = format!(
                    "unknown item {:?} left out (one of: {})",
                    p.key,
                    Column::list()
                );
                self.report(FILE, Some(p.key_line), reason);
                continue;
            };
            match p.value.trim().parse::<usize>() {
                Ok(width) if width <= MAX_WIDTH => {
                    settings.widths.insert(column, width);
                }
                _ => {
                    let reason = format!(
                        "the width of '{}' must be a whole number from 0 to {MAX_WIDTH}, not {:?}; left out",
                        p.key, p.value
                    );
                    self.report(FILE, Some(p.value_line), reason);
                }
            }
        }
        Ok(())
    }

    /// `info.csv`: the info items of `gita ll` on one line.
    fn info_items(&mut self, settings: &mut SettingsFile) -> Result<()> {
        const FILE: &str = "info.csv";
        let Some(record) = self.records(FILE, ',')?.into_iter().next() else {
            return Ok(());
        };
        let mut items: Vec<InfoItem> = Vec::new();
        for text in record.fields {
            match InfoItem::parse(&text) {
                Some(item) if items.contains(&item) => {
                    let reason = format!("info item '{text}' is listed twice; once is kept");
                    self.report(FILE, Some(record.line), reason);
                }
                Some(item) => items.push(item),
                None => {
                    let reason = format!(
                        "unknown info item {text:?} left out (one of: {})",
                        InfoItem::list()
                    );
                    self.report(FILE, Some(record.line), reason);
                }
            }
        }
        settings.info_items = items;
        Ok(())
    }
}

/// A repo of `repos.csv`, or why it cannot be imported.
fn repo(name: &str, path: &str, flags: &str) -> Result<Repo, String> {
    validate_name(name, "repo").map_err(|e| format!("{e:#}"))?;
    if RESERVED.contains(&name) {
        return Err(format!(
            "'{name}' is reserved (see `gita context`) and cannot be a repo name; `gita add` the folder to register it under another name"
        ));
    }
    let path = check_path(path).map_err(|e| format!("repo '{name}': {e}"))?;
    let flags: Vec<String> = flags.split_whitespace().map(String::from).collect();
    if let Some(flag) = flags.iter().find(|f| f.chars().any(char::is_control)) {
        return Err(format!(
            "a flag of repo '{name}' contains a control character: {flag:?}"
        ));
    }
    Ok(Repo {
        path,
        flags,
        kind: None,
        extra: Default::default(),
    })
}

/// A path of Python gita's files: absolute, as Python gita writes them.
fn check_path(path: &str) -> Result<PathBuf, String> {
    if path.is_empty() {
        return Err("no path".into());
    }
    if path.contains('\0') {
        return Err(format!("the path contains a NUL character: {path:?}"));
    }
    let p = PathBuf::from(path);
    if !p.is_absolute() {
        return Err(format!("the path is not absolute: {path:?}"));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_contexts_and_an_open_quote_are_reported() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path();
        let write = |name: &str, text: &str| fs::write(dir.join(name), text).expect("write");
        write("repos.csv", "/r/a,a,,\n/r/b,\"b,,\n/r/c,c,,\n");
        write("groups.csv", "g:a:/r\nh:a:\n");
        write("g.context", "");
        write("h.context", "");
        let imported = read(dir).expect("read");
        let names: Vec<&String> = imported.registry.repos.keys().collect();
        assert_eq!(names, ["a"]);
        assert_eq!(imported.registry.context, None);
        let at = |file: &str| dir.join(file).display().to_string();
        assert_eq!(
            imported.problems,
            [
                format!(
                    "{}:2: a quoted field is not closed before the end of the file; the rest of the file is skipped",
                    at("repos.csv")
                ),
                format!(
                    "{}: several context files (g.context, h.context) where one is expected; no context set",
                    dir.display()
                ),
            ]
        );
    }

    #[test]
    fn nothing_to_report_for_python_gitas_own_files() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path();
        let write = |name: &str, text: &str| fs::write(dir.join(name), text).expect("write");
        write("repos.csv", "/r/a,a,,\r\n\"/r/b,c\",b,bare,-c x=y\r\n");
        write("groups.csv", "g:a b:/r\r\n");
        write("auto.context", "");
        write("color.csv", "in_sync,diverged\r\nb_green,red\r\n");
        write("layout.csv", "branch,path\r\n19,0\r\n");
        write("symbols.csv", "dirty\r\nD\r\n");
        write("info.csv", "branch,path\r\n");
        let imported = read(dir).expect("read");
        assert!(imported.problems.is_empty(), "{:?}", imported.problems);
        let b = &imported.registry.repos["b"];
        assert_eq!(b.path, Path::new("/r/b,c"));
        assert_eq!(b.kind, Some(RepoKind::Bare));
        assert_eq!(b.flags, ["-c", "x=y"]);
        assert_eq!(imported.registry.groups["g"].repos, ["a", "b"]);
        assert_eq!(imported.registry.context.as_deref(), Some(AUTO));
        assert_eq!(
            imported.settings.colors[&Situation::InSync],
            ColorName::BGreen
        );
        assert_eq!(imported.settings.widths[&Column::Path], 0);
        assert_eq!(imported.settings.symbols[&Symbol::Dirty], "D");
        assert_eq!(
            imported.settings.info_items,
            [InfoItem::Branch, InfoItem::Path]
        );
    }
}
