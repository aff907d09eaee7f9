//! One-way import of Python gita's files (`repos.csv`, `groups.csv`,
//! `*.context`, `color.csv`, `info.csv`, `symbols.csv`, `layout.csv`) into a
//! registry and settings. The CSV files are only read, never changed, so a
//! user can run both tools for a while.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::registry::{Group, Registry, Repo};
use crate::settings::SettingsFile;
use crate::{csv, store};

const FILES: [&str; 6] = [
    "repos.csv",
    "groups.csv",
    "color.csv",
    "info.csv",
    "symbols.csv",
    "layout.csv",
];

/// Whether `dir` holds any of Python gita's files.
pub fn has_python_files(dir: &Path) -> bool {
    FILES.iter().any(|f| dir.join(f).is_file()) || context_file(dir).is_some()
}

fn context_file(dir: &Path) -> Option<PathBuf> {
    let entries = fs::read_dir(dir).ok()?;
    entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "context"))
        .min()
}

/// Reads Python gita's files in `dir`.
pub fn import(dir: &Path) -> Result<(Registry, SettingsFile)> {
    let mut reg = Registry::default();
    for row in read_csv(&dir.join("repos.csv"), ',')? {
        let field = |i: usize| row.get(i).map(String::as_str).unwrap_or("");
        let (path, name) = (field(0), field(1));
        if path.is_empty() || name.is_empty() {
            continue;
        }
        let kind = Some(field(2).to_string()).filter(|t| !t.is_empty());
        let flags = field(3).split_whitespace().map(String::from).collect();
        reg.repos.insert(
            name.to_string(),
            Repo {
                path: PathBuf::from(path),
                flags,
                kind,
            },
        );
    }
    for row in read_csv(&dir.join("groups.csv"), ':')? {
        let Some(name) = row.first().filter(|n| !n.is_empty()) else {
            continue;
        };
        let mut repos: Vec<String> = row
            .get(1)
            .map(|r| r.split_whitespace().map(String::from).collect())
            .unwrap_or_default();
        repos.sort();
        repos.dedup();
        let path = row.get(2).filter(|p| !p.is_empty()).map(PathBuf::from);
        reg.groups.insert(name.clone(), Group { repos, path });
    }
    if let Some(ctx) = context_file(dir) {
        let stem = ctx
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !stem.is_empty() && (stem == "auto" || reg.groups.contains_key(&stem)) {
            reg.context = Some(stem);
        }
    }

    let mut settings = SettingsFile::default();
    if let Some(map) = header_csv(&dir.join("color.csv"))? {
        settings.colors.extend(map);
    }
    if let Some(map) = header_csv(&dir.join("symbols.csv"))? {
        settings.symbols.extend(map);
    }
    if let Some(map) = header_csv(&dir.join("layout.csv"))? {
        for (k, v) in map {
            let width = v.trim().parse().with_context(|| {
                format!(
                    "{}: width of '{k}' is not a number: {v:?}",
                    dir.join("layout.csv").display()
                )
            })?;
            settings.widths.insert(k, width);
        }
    }
    if let Some(row) = read_csv(&dir.join("info.csv"), ',')?.into_iter().next() {
        let items: Vec<String> = row
            .into_iter()
            .filter(|i| crate::settings::ALL_INFO_ITEMS.contains(&i.as_str()))
            .collect();
        settings.info_items = items;
    }
    Ok((reg, settings))
}

/// A two-row CSV (header, values) as pairs.
fn header_csv(path: &Path) -> Result<Option<Vec<(String, String)>>> {
    let rows = read_csv(path, ',')?;
    let (Some(keys), Some(values)) = (rows.first(), rows.get(1)) else {
        return Ok(None);
    };
    Ok(Some(
        keys.iter().cloned().zip(values.iter().cloned()).collect(),
    ))
}

/// Rows of a CSV file as Python's `csv` module reads it. Missing file = no rows.
fn read_csv(path: &Path, delim: char) -> Result<Vec<Vec<String>>> {
    Ok(store::read_text(path)?
        .map(|text| {
            csv::parse(&text, delim)
                .into_iter()
                .map(|r| r.fields)
                .collect()
        })
        .unwrap_or_default())
}
