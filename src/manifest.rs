//! The workspace manifest written by `gita freeze` and read by `gita clone
//! -f`: our YAML format (stable key order) and Python gita's freeze CSV
//! (`url,name,path,type,flags,branch` rows, then `,group,path,r1|r2` rows).

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use crate::csv;
use crate::keys::RepoKind;
use crate::lean::Lean;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(default)]
    pub repos: Vec<ManifestRepo>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<ManifestGroup>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestRepo {
    pub name: String,
    /// Fetch URL of the branch's remote (else `origin`, else the first
    /// remote); empty when the repo has no remote.
    #[serde(default)]
    pub url: String,
    pub path: PathBuf,
    /// Branch checked out, the tag or commit of a detached HEAD; empty if unknown.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub branch: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<RepoKind>,
    /// How lean a clone to make (`gita freeze --lean` records it).
    #[serde(default, skip_serializing_if = "Lean::is_empty")]
    pub clone: Lean,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestGroup {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    #[serde(default)]
    pub repos: Vec<String>,
}

/// A manifest format: gita's YAML, or Python gita's freeze CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Yaml,
    Csv,
}

impl Manifest {
    /// Our YAML format.
    pub fn to_yaml(&self) -> Result<String> {
        Ok(format!(
            "# gita workspace manifest: recreate it with `gita clone -f <this file>`\n{}",
            crate::store::to_text(self)?
        ))
    }

    /// Python gita's freeze CSV, quoted as Python's `csv` module quotes (so
    /// any name and path reads back the same). Repos without a URL cannot
    /// be expressed in it (Python gita reads an empty URL as a group row)
    /// and are left out; the caller reports them.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        for r in self.repos.iter().filter(|r| !r.url.is_empty()) {
            let path = r.path.display().to_string();
            let flags = r.flags.join(" ");
            let kind = r.kind.map_or("", RepoKind::as_str);
            csv::write_record(
                &mut out,
                &[&r.url, &r.name, &path, kind, &flags, &r.branch],
                ',',
            );
        }
        for g in &self.groups {
            let path = g
                .path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            csv::write_record(&mut out, &["", &g.name, &path, &g.repos.join("|")], ',');
        }
        out
    }

    /// Reads either format, detected from the text: a YAML mapping with a
    /// `repos` key is ours, anything else is taken as CSV.
    pub fn parse(text: &str, origin: &Path) -> Result<(Manifest, Format)> {
        let looks_yaml = serde_norway::from_str::<serde_norway::Value>(text)
            .ok()
            .and_then(|v| v.as_mapping().map(|m| m.contains_key("repos")))
            .unwrap_or(false);
        if looks_yaml {
            let m: Manifest = crate::store::parse(text, origin)?;
            m.validate(origin)?;
            return Ok((m, Format::Yaml));
        }
        let m = Manifest::from_csv(text, origin)?;
        m.validate(origin)?;
        Ok((m, Format::Csv))
    }

    /// Fields are taken as written, as Python gita's `clone -f` takes them.
    fn from_csv(text: &str, origin: &Path) -> Result<Manifest> {
        let mut m = Manifest::default();
        for record in csv::parse(text, ',') {
            let row = &record.fields;
            let field = |k: usize| row.get(k).map(String::as_str).unwrap_or("");
            if record.unterminated {
                bail!(
                    "{}:{}: a quoted field is not closed before the end of the file",
                    origin.display(),
                    record.line
                );
            }
            if row.len() < 3 {
                bail!(
                    "{}:{}: not a gita manifest row (expected url,name,path,type,flags,branch): {:?}",
                    origin.display(),
                    record.line,
                    row.join(",")
                );
            }
            if field(0).is_empty() {
                m.groups.push(ManifestGroup {
                    name: field(1).to_string(),
                    path: Some(PathBuf::from(field(2))).filter(|p| !p.as_os_str().is_empty()),
                    repos: field(3)
                        .split('|')
                        .filter(|r| !r.is_empty())
                        .map(String::from)
                        .collect(),
                });
            } else {
                m.repos.push(ManifestRepo {
                    url: field(0).to_string(),
                    name: field(1).to_string(),
                    path: PathBuf::from(field(2)),
                    clone: Lean::default(),
                    kind: match field(3) {
                        "" => None,
                        text => Some(RepoKind::parse(text).ok_or_else(|| {
                            anyhow::anyhow!(
                                "{}:{}: repo '{}': type {text:?} is unknown (known: {})",
                                origin.display(),
                                record.line,
                                field(1),
                                RepoKind::list()
                            )
                        })?),
                    },
                    flags: field(4).split_whitespace().map(String::from).collect(),
                    branch: field(5).to_string(),
                });
            }
        }
        Ok(m)
    }

    fn validate(&self, origin: &Path) -> Result<()> {
        let mut seen = std::collections::BTreeSet::new();
        for r in &self.repos {
            crate::names::validate_name(&r.name, "repo")
                .map_err(|e| anyhow::anyhow!("{}: {e:#}", origin.display()))?;
            if !seen.insert(r.name.as_str()) {
                bail!("{}: repo '{}' is listed twice", origin.display(), r.name);
            }
            if r.path.as_os_str().is_empty() {
                bail!("{}: repo '{}' has no path", origin.display(), r.name);
            }
            let field = |what: &str, result: Result<()>| {
                result.map_err(|e| {
                    anyhow::anyhow!("{}: repo '{}': {what}: {e:#}", origin.display(), r.name)
                })
            };
            if !r.url.is_empty() {
                field("url", crate::trust::check_url(&r.url))?;
            }
            if !r.branch.is_empty() {
                field("branch", crate::trust::check_ref(&r.branch))?;
            }
            field("clone", r.clone.check())?;
        }
        for g in &self.groups {
            crate::names::validate_name(&g.name, "group")
                .map_err(|e| anyhow::anyhow!("{}: {e:#}", origin.display()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        Manifest {
            repos: vec![ManifestRepo {
                name: "api".into(),
                url: "file:///r/api.git".into(),
                path: "/w/api".into(),
                branch: "main".into(),
                flags: vec!["-c".into(), "a=b".into()],
                kind: None,
                clone: Lean::default(),
            }],
            groups: vec![ManifestGroup {
                name: "g".into(),
                path: Some("/w".into()),
                repos: vec!["api".into()],
            }],
        }
    }

    #[test]
    fn yaml_round_trip() {
        let m = sample();
        let text = m.to_yaml().expect("yaml");
        let (back, format) = Manifest::parse(&text, Path::new("m.yml")).expect("parse");
        assert_eq!(format, Format::Yaml);
        assert_eq!(back, m);
    }

    #[test]
    fn csv_round_trip() {
        let m = sample();
        let text = m.to_csv();
        assert_eq!(
            text,
            "file:///r/api.git,api,/w/api,,-c a=b,main\n,g,/w,api\n"
        );
        let (back, format) = Manifest::parse(&text, Path::new("m.csv")).expect("parse");
        assert_eq!(format, Format::Csv);
        assert_eq!(back, m);
    }

    #[test]
    fn csv_quotes_names_and_paths_that_need_it() {
        let mut m = sample();
        m.repos[0].name = "my, \"odd\" repo".into();
        m.repos[0].path = "/w/a,\"b\" c\r\nd ".into();
        m.groups[0].repos = vec![m.repos[0].name.clone()];
        let text = m.to_csv();
        assert_eq!(
            text,
            "file:///r/api.git,\"my, \"\"odd\"\" repo\",\"/w/a,\"\"b\"\" c\r\nd \",,-c a=b,main\n\
             ,g,/w,\"my, \"\"odd\"\" repo\"\n"
        );
        let (back, _) = Manifest::parse(&text, Path::new("m.csv")).expect("parse");
        assert_eq!(back, m);
    }

    #[test]
    fn csv_open_quote_is_an_error() {
        let err = Manifest::parse("u,a,/a\nu,\"b,/b\n", Path::new("x")).expect_err("bad");
        assert!(
            err.to_string()
                .contains("x:2: a quoted field is not closed"),
            "{err}"
        );
    }

    #[test]
    fn csv_garbage_is_an_error() {
        let err = Manifest::parse("hello world\n", Path::new("x")).expect_err("bad");
        assert!(
            err.to_string().contains("x:1: not a gita manifest row"),
            "{err}"
        );
    }
}
