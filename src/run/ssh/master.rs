//! The master connections of a run: a private socket folder, one
//! foreground `ssh -M -N` child per destination and shard (its own session,
//! never prompting), which job goes through which master, and the cleanup
//! that ends them all and removes the folder, whatever ends the run.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::plan::{Plan, SESSIONS_PER_MASTER, ssh_g};
use crate::run::program::DetachedEnv;
use crate::shellwords::shell_quote;

/// How long a master may take to connect and authenticate.
const CONNECT_TIMEOUT_SECS: u64 = 10;
/// Longest control socket path: below the Unix socket limit (104 bytes on
/// some systems), with room for the 17-byte temporary suffix ssh adds.
const MAX_SOCKET_PATH: usize = 86;
/// Longest `$XDG_RUNTIME_DIR` used for the socket folder (`/run/user/UID`
/// fits); a longer one leaves too little room, and /tmp is used.
const MAX_RUNTIME_DIR: usize = 20;

/// What a job does about its connection.
#[derive(Debug, PartialEq)]
pub enum Take {
    /// Connect on its own (not part of any group, or no master is open).
    Direct,
    /// Through a master: the `GIT_SSH_COMMAND` to give it.
    Through(OsString),
    /// Every master of its destination carries all it may: start later.
    Wait,
}

struct Shard {
    /// The client command that goes through this master.
    client: OsString,
    socket: PathBuf,
    child: Option<Child>,
    ready: bool,
    active: usize,
}

struct GroupState {
    host: String,
    shards: Vec<Shard>,
}

/// The open masters of a run; dropping it ends them and removes the folder.
pub struct Masters {
    dir: PathBuf,
    groups: Vec<GroupState>,
    job_group: BTreeMap<String, usize>,
    running: BTreeMap<String, (usize, usize)>,
}

impl Masters {
    /// Makes the socket folder and starts every master (without waiting for
    /// them: see [`Masters::wait_ready`]). None when no folder can be made.
    pub fn start(plan: Plan, env: &DetachedEnv) -> Option<Masters> {
        let dir = socket_dir()?;
        let mut masters = Masters {
            dir,
            groups: Vec::new(),
            job_group: plan.job_group,
            running: BTreeMap::new(),
        };
        for (g, group) in plan.groups.iter().enumerate() {
            let base = format!("{}/{g}-%C", masters.dir.display());
            let option = format!("ControlPath={base}");
            let resolved = ssh_g(
                &format!("{} {}", group.program, group.rest),
                &group.target,
                &["-o".into(), option],
            )
            .and_then(|out| {
                out.lines()
                    .find_map(|l| l.strip_prefix("controlpath ").map(str::to_string))
            });
            let mut shards = Vec::new();
            for k in 0..group.shards {
                let Some(resolved) = &resolved else { break };
                let socket = PathBuf::from(format!("{resolved}-{k}"));
                if socket.as_os_str().len() > MAX_SOCKET_PATH {
                    break;
                }
                let pattern = shell_quote(&format!("{base}-{k}"));
                let (program, rest) = (&group.program, &group.rest);
                let client =
                    format!("{program} -o ControlMaster=no -o ControlPath={pattern} {rest}");
                let log = masters.dir.join(format!("{g}-{k}.log"));
                let child = spawn_master(program, rest, &pattern, &group.target.args(), &log, env);
                shards.push(Shard {
                    client: client.trim_end().into(),
                    socket,
                    child,
                    ready: false,
                    active: 0,
                });
            }
            masters.groups.push(GroupState {
                host: group.target.host.clone(),
                shards,
            });
        }
        Some(masters)
    }

    /// Waits until every master is connected or has failed; failed ones are
    /// ended, and their destinations named in a note.
    pub async fn wait_ready(&mut self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(CONNECT_TIMEOUT_SECS + 5);
        loop {
            let mut waiting = false;
            for shard in self.groups.iter_mut().flat_map(|g| g.shards.iter_mut()) {
                if shard.ready || shard.child.is_none() {
                    continue;
                }
                if shard.socket.exists() {
                    shard.ready = true;
                } else if shard
                    .child
                    .as_mut()
                    .is_some_and(|c| !matches!(c.try_wait(), Ok(None)))
                {
                    shard.child = None;
                } else {
                    waiting = true;
                }
            }
            if !waiting || tokio::time::Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        for group in &mut self.groups {
            for shard in group.shards.iter_mut().filter(|s| !s.ready) {
                if let Some(child) = shard.child.take() {
                    end_all(vec![child]);
                }
            }
            if !group.shards.iter().any(|s| s.ready) {
                crate::note!(
                    "cannot open a shared ssh connection to {}; its repos connect one by one",
                    group.host
                );
            }
        }
    }

    /// How `job` connects, taking a session of a master when it goes through one.
    pub fn take(&mut self, job: &str) -> Take {
        let Some(&g) = self.job_group.get(job) else {
            return Take::Direct;
        };
        let Some(group) = self.groups.get_mut(g) else {
            return Take::Direct;
        };
        for shard in group.shards.iter_mut().filter(|s| s.ready) {
            // A master that died (killed, or the server went away): the
            // repos still to come connect on their own.
            if shard
                .child
                .as_mut()
                .is_none_or(|c| !matches!(c.try_wait(), Ok(None)))
            {
                shard.ready = false;
                shard.child = None;
                let _ = std::fs::remove_file(&shard.socket);
            }
        }
        let best = group
            .shards
            .iter_mut()
            .enumerate()
            .filter(|(_, s)| s.ready)
            .min_by_key(|(_, s)| s.active);
        match best {
            None => Take::Direct,
            Some((_, s)) if s.active >= SESSIONS_PER_MASTER => Take::Wait,
            Some((k, s)) => {
                s.active += 1;
                self.running.insert(job.to_string(), (g, k));
                Take::Through(s.client.clone())
            }
        }
    }

    /// Gives back the session `job` took; the destination it belongs to.
    pub fn release(&mut self, job: &str) -> Option<usize> {
        let (g, k) = self.running.remove(job)?;
        let shard = self.groups.get_mut(g)?.shards.get_mut(k)?;
        shard.active = shard.active.saturating_sub(1);
        Some(g)
    }

    /// The destination `job` connects through, if any.
    pub fn group_of(&self, job: &str) -> Option<usize> {
        self.job_group.get(job).copied()
    }
}

impl Drop for Masters {
    fn drop(&mut self) {
        let children: Vec<Child> = self
            .groups
            .iter_mut()
            .flat_map(|g| g.shards.iter_mut())
            .filter_map(|s| s.child.take())
            .collect();
        end_all(children);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A new private folder (mode 0700) for the control sockets, with a short
/// path: in `$XDG_RUNTIME_DIR` when that is short, else in /tmp.
fn socket_dir() -> Option<PathBuf> {
    use std::os::unix::fs::DirBuilderExt as _;
    let parent = crate::env::runtime_dir()
        .filter(|d| d.as_os_str().len() <= MAX_RUNTIME_DIR && d.is_dir())
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    for attempt in 0..16u32 {
        let name = format!(
            "gita-{:08x}",
            (crate::backoff::random_u64() ^ u64::from(attempt)) as u32
        );
        let dir = parent.join(name);
        if std::fs::DirBuilder::new().mode(0o700).create(&dir).is_ok() {
            return Some(dir);
        }
    }
    None
}

/// Starts one master in a session of its own, ending with gita (on Linux,
/// even when gita is killed), never prompting, its messages in `log`.
fn spawn_master(
    program: &str,
    rest: &str,
    pattern: &str,
    target: &[String],
    log: &Path,
    env: &DetachedEnv,
) -> Option<Child> {
    let line = format!(
        "exec {program} -o ControlMaster=yes -o ControlPath={pattern} -o ControlPersist=no \
         -o BatchMode=yes -o ConnectTimeout={CONNECT_TIMEOUT_SECS} {rest} -N \"$@\""
    );
    let log = std::fs::File::create(log).ok()?;
    let mut cmd = Command::new("sh");
    cmd.args(["-c", &line, "gita-ssh"])
        .args(target)
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log);
    env.apply(&mut cmd);
    // SAFETY: setsid and prctl are async-signal-safe and touch no memory of
    // the parent.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(std::io::Error::last_os_error());
            }
            #[cfg(target_os = "linux")]
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    cmd.spawn().ok()
}

/// Ends masters: SIGTERM to each one's session, SIGKILL to those that
/// linger, all reaped.
fn end_all(mut children: Vec<Child>) {
    let pgid = |c: &Child| i32::try_from(c.id()).unwrap_or(0);
    for child in &children {
        crate::run::group::signal_group(pgid(child), libc::SIGTERM);
    }
    for _ in 0..50 {
        children.retain_mut(|c| matches!(c.try_wait(), Ok(None)));
        if children.is_empty() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    for mut child in children {
        crate::run::group::signal_group(pgid(&child), libc::SIGKILL);
        let _ = child.kill();
        let _ = child.wait();
    }
}
