//! Which repos can share a connection, and with which master: the grouping
//! of a run's repos by ssh destination.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;

use super::url::{self, Target};
use crate::run::program::{Job, Program};

/// Sessions one master carries at once: below OpenSSH's default
/// `MaxSessions` (10), which the server enforces per connection.
pub const SESSIONS_PER_MASTER: usize = 8;
/// Masters per destination at most; more concurrent repos than these carry
/// wait for a free session.
pub const MASTERS_PER_DESTINATION: usize = 8;

/// The git configuration a repo's connection depends on.
const CONFIG_KEYS: &str =
    r"^(remote\..*\.(url|pushurl)|url\..*\.insteadof|core\.sshcommand|ssh\.variant)$";

/// One destination: the same ssh command reaching the same place with the
/// same effective configuration.
#[derive(Debug, Clone)]
pub struct Group {
    /// The ssh program and the options after it (the user's command, split).
    pub program: String,
    pub rest: String,
    pub target: Target,
    /// How many masters to open.
    pub shards: usize,
}

/// Which repos go through which destination's masters.
#[derive(Debug, Default)]
pub struct Plan {
    pub groups: Vec<Group>,
    pub job_group: BTreeMap<String, usize>,
}

/// Where one job's git connects: its remote URLs (after `insteadOf`
/// rewrites) and the ssh command git would use for them.
#[derive(Debug, Clone, Default)]
pub struct Reach {
    urls: Vec<String>,
    /// `core.sshCommand`, unless `GIT_SSH_COMMAND` overrides it.
    command: Option<String>,
    /// `ssh.variant` names a client other than OpenSSH.
    other_variant: bool,
}

impl Reach {
    /// The servers its URLs connect to (see [`url::server`]), each once.
    pub fn servers(&self) -> Vec<String> {
        let mut servers: Vec<String> = self.urls.iter().filter_map(|u| url::server(u)).collect();
        servers.sort();
        servers.dedup();
        servers
    }
}

/// Each job's [`Reach`], read from its git configuration (in-process when
/// it can be); `urls` names the URL a job clones from instead. None for a
/// job whose configuration cannot be read.
pub fn reaches(jobs: &[Job], urls: &BTreeMap<String, String>) -> Vec<Option<Reach>> {
    // Jobs that clone a URL all see the configuration outside any repo:
    // read once.
    let outside = if urls.is_empty() {
        None
    } else {
        config_through_git(Path::new("/"), &[])
    };
    crate::parallel::map(jobs, crate::parallel::GIT_READERS, |job| {
        match urls.get(&job.name) {
            Some(url) => Some(reach_from(outside.clone()?, Some(url))),
            None => reach(job),
        }
    })
}

/// Groups `jobs` by ssh destination, given each one's [`Reach`] (in the
/// same order). `limit` is the run's concurrency. None when no repo can
/// share a connection.
pub fn plan(jobs: &[Job], reaches: &[Option<Reach>], limit: usize) -> Option<Plan> {
    if crate::env::var("GIT_SSH").is_some()
        || crate::env::var("GIT_SSH_VARIANT").is_some_and(|v| v != "ssh" && v != "auto")
    {
        return None;
    }
    let user_command = crate::env::var("GIT_SSH_COMMAND").map(|v| v.to_string_lossy().into_owned());
    let found: Vec<Option<(String, Target)>> = reaches
        .iter()
        .map(|r| destination(r.as_ref()?, user_command.as_deref()))
        .collect();
    // A destination only one repo connects to gets no master, not even
    // `ssh -G`: a master would only add a process and a wait before the
    // same single connection. So every group has two repos or more.
    let mut count: BTreeMap<&(String, Target), usize> = BTreeMap::new();
    for dest in found.iter().flatten() {
        *count.entry(dest).or_default() += 1;
    }
    let distinct: Vec<(String, Target)> = count
        .iter()
        .filter(|(_, n)| **n >= 2)
        .map(|(dest, _)| (*dest).clone())
        .collect();
    let keys = crate::parallel::map(&distinct, crate::parallel::GIT_READERS, |(cmd, target)| {
        resolved_config(cmd, target)
    });
    let key_of: BTreeMap<&(String, Target), Option<String>> = distinct.iter().zip(keys).collect();
    let mut plan = Plan::default();
    let mut index: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut members: Vec<usize> = Vec::new();
    for (job, dest) in jobs.iter().zip(&found) {
        let Some(dest) = dest else { continue };
        let Some(Some(key)) = key_of.get(dest) else {
            continue;
        };
        let Some((program, rest)) = url::plain_ssh(&dest.0) else {
            continue;
        };
        let g = *index
            .entry((dest.0.clone(), key.clone()))
            .or_insert_with(|| {
                plan.groups.push(Group {
                    program: program.to_string(),
                    rest: rest.to_string(),
                    target: dest.1.clone(),
                    shards: 0,
                });
                members.push(0);
                plan.groups.len() - 1
            });
        members[g] += 1;
        plan.job_group.insert(job.name.clone(), g);
    }
    for (group, n) in plan.groups.iter_mut().zip(members) {
        group.shards = n
            .min(limit)
            .div_ceil(SESSIONS_PER_MASTER)
            .clamp(1, MASTERS_PER_DESTINATION);
    }
    (!plan.groups.is_empty()).then_some(plan)
}

/// The remote URLs and ssh settings of one job.
fn reach(job: &Job) -> Option<Reach> {
    let flags: &[String] = match &job.program {
        Program::Git { flags, .. } => flags,
        _ => &[],
    };
    // In-process for a plain repo (no git process per repo on the way to
    // every fetch); through git when per-repo flags change where git looks.
    let entries = match flags
        .is_empty()
        .then(|| config_in_process(&job.path))
        .flatten()
    {
        Some(entries) => entries,
        None => config_through_git(&job.path, flags)?,
    };
    Some(reach_from(entries, None))
}

/// The [`Reach`] that configuration `entries` give, for the repo's own
/// remotes or, with `url`, for that URL alone.
fn reach_from(entries: Vec<(String, String)>, url: Option<&String>) -> Reach {
    let mut found = Reach::default();
    let mut urls: Vec<String> = url.into_iter().cloned().collect();
    let mut rules = Vec::new();
    for (key, value) in entries {
        let folded = key.to_ascii_lowercase();
        if folded == "core.sshcommand" {
            found.command.get_or_insert(value);
        } else if folded == "ssh.variant" {
            found.other_variant |= value != "ssh" && value != "auto";
        } else if folded.starts_with("url.") && folded.ends_with(".insteadof") {
            // The base keeps its case: only the variable name is folded.
            let base = &key["url.".len()..key.len() - ".insteadof".len()];
            rules.push((base.to_string(), value));
        } else if url.is_none() {
            urls.push(value);
        }
    }
    found.urls = urls.iter().map(|u| url::rewrite(u, &rules)).collect();
    found
}

/// The ssh command and target one job's git would use, when it connects to
/// exactly one ssh destination.
fn destination(reach: &Reach, user_command: Option<&str>) -> Option<(String, Target)> {
    if reach.other_variant {
        return None;
    }
    let mut targets: Vec<Target> = reach
        .urls
        .iter()
        .filter_map(|u| url::ssh_target(u))
        .collect();
    targets.sort();
    targets.dedup();
    let command = user_command
        .map(str::to_string)
        .or_else(|| reach.command.clone())
        .unwrap_or_else(|| "ssh".into());
    match targets.as_slice() {
        [only] => Some((command, only.clone())),
        _ => None,
    }
}

/// The configuration entries a connection depends on (see `CONFIG_KEYS`),
/// as `git config --get-regexp` lists them: key, value.
fn config_through_git(dir: &Path, flags: &[String]) -> Option<Vec<(String, String)>> {
    let out = crate::git::command(dir, flags)
        .args(["config", "-z", "--get-regexp", CONFIG_KEYS])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    Some(
        String::from_utf8_lossy(&out.stdout)
            .split('\0')
            .filter_map(|entry| entry.split_once('\n'))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

/// The same entries read in-process with gix (the repo's, global and system
/// configuration, includes followed); `None` when gix cannot open the repo.
fn config_in_process(dir: &Path) -> Option<Vec<(String, String)>> {
    let repo = gix::open(dir).ok()?;
    let snapshot = repo.config_snapshot();
    let file = snapshot.plumbing();
    let text = |v: &gix::bstr::BString| String::from_utf8_lossy(v.as_ref()).into_owned();
    let mut out = Vec::new();
    for section in file.sections_by_name("remote").into_iter().flatten() {
        for key in ["url", "pushurl"] {
            for v in section.values(key) {
                out.push((format!("remote.{key}"), text(&v)));
            }
        }
    }
    for section in file.sections_by_name("url").into_iter().flatten() {
        let Some(base) = section.header().subsection_name() else {
            continue;
        };
        for v in section.values("insteadOf") {
            out.push((format!("url.{base}.insteadof"), text(&v)));
        }
    }
    for key in ["core.sshCommand", "ssh.variant"] {
        if let Some(v) = file.string(key) {
            out.push((key.to_string(), text(&v)));
        }
    }
    Some(out)
}

/// The destination's effective ssh configuration (`ssh -G`), unless gita
/// must leave it alone: not a plain ssh command, or it multiplexes already.
fn resolved_config(command: &str, target: &Target) -> Option<String> {
    let out = ssh_g(command, target, &[])?;
    let multiplexes = out.lines().any(|l| {
        matches!(
            l.split_once(' '),
            Some(("controlmaster", v)) if v != "false"
        ) || matches!(l.split_once(' '), Some(("controlpath", v)) if v != "none")
    });
    (!multiplexes).then_some(out)
}

/// `ssh -G` for `target` through the user's command, with `extra` options
/// first; its output.
pub(super) fn ssh_g(command: &str, target: &Target, extra: &[String]) -> Option<String> {
    let (program, rest) = url::plain_ssh(command)?;
    let extra: Vec<String> = extra
        .iter()
        .map(|o| crate::shellwords::shell_quote(o))
        .collect();
    let line = format!("{program} {} {rest} -G \"$@\"", extra.join(" "));
    let out = std::process::Command::new("sh")
        .args(["-c", &line, "gita-ssh"])
        .args(target.args())
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}
