//! Runs one job attached to the terminal: stdin, stdout and stderr are
//! gita's, and the user's environment is kept (see `DetachedEnv` for what
//! the concurrent phase changes). The child leads a process group of its own,
//! so that a timeout or a terminating signal sent to gita stops all of it (a
//! shell command's own children included). When gita runs in the foreground
//! of its terminal and not in a pipeline, that group becomes the terminal's
//! foreground group for the run, as a shell does with a job: prompts, pagers
//! and editors work, and Ctrl-C, Ctrl-\ and Ctrl-Z reach the command. In a
//! pipeline or in the background the command cannot take the terminal:
//! reading from it fails instead of stopping the command.

use std::io;
use std::os::unix::process::{CommandExt as _, ExitStatusExt as _};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use tokio::sync::mpsc::UnboundedReceiver;

use super::group::{self, Deadline, KILL_GRACE, StopSignals};
use super::outcome::{End, JobResult, Outcome};
use super::program::Job;

/// Runs `job` attached (see the module docs). The run ends with
/// [`End::Signal`] when gita received SIGINT, SIGTERM, SIGHUP or SIGQUIT (the
/// child's whole group was stopped first).
pub fn run_attached(job: &Job, timeout: Option<Duration>) -> Result<(JobResult, End)> {
    let rt = group::runtime()?;
    rt.block_on(attached(job, timeout))
}

async fn attached(job: &Job, timeout: Option<Duration>) -> Result<(JobResult, End)> {
    let mut signals = StopSignals::new()?;
    let start = Instant::now();
    let done = |outcome, end| (JobResult::new(job, outcome, Vec::new(), start, 1), end);
    if let Some(problem) = crate::git::folder_problem(&job.path) {
        return Ok(done(Outcome::SpawnFailed(problem), End::Completed));
    }
    let terminal = Terminal::to_hand_over();
    let (waiter, mut events) = ChildWaiter::start()?;
    let pid = match spawn(job, terminal.as_ref()) {
        Ok(pid) => pid,
        Err(msg) => return Ok(done(Outcome::SpawnFailed(msg), End::Completed)),
    };
    waiter.watch(pid);
    let deadline = group::deadline(timeout);
    let (outcome, end) = follow(pid, &mut events, &mut signals, terminal.as_ref(), deadline).await;
    if let Some(terminal) = &terminal {
        terminal.take_back_from(pid);
    }
    Ok(done(outcome, end))
}

/// Starts the child as the leader of a new process group (given the
/// terminal, its foreground group); its pid, or why it could not start.
fn spawn(job: &Job, terminal: Option<&Terminal>) -> Result<libc::pid_t, String> {
    let mut std_cmd = job.command();
    let tty = terminal.map(Terminal::raw_fd);
    // SAFETY: the closure makes only async-signal-safe system calls.
    unsafe {
        std_cmd.pre_exec(move || lead_own_group(tty));
    }
    let pid = match std_cmd.spawn() {
        Ok(child) => i32::try_from(child.id()).ok(),
        Err(e) => return Err(job.spawn_error(&e)),
    };
    // `spawn` returns once the child has exec'd: it leads its group now.
    pid.filter(|p| *p > 1)
        .ok_or_else(|| "the child has no usable process id".to_string())
}

/// Follows the child until it ends, gita receives a terminating signal or
/// the deadline passes; stops it whole in the last two cases.
async fn follow(
    pid: libc::pid_t,
    events: &mut UnboundedReceiver<ChildEvent>,
    signals: &mut StopSignals,
    terminal: Option<&Terminal>,
    deadline: Deadline,
) -> (Outcome, End) {
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(ChildEvent::Exited(status)) => {
                    if matches!(status.signal(), Some(libc::SIGINT | libc::SIGQUIT)) {
                        // Ctrl-C or Ctrl-\ on the terminal: what the command
                        // left of its group (a shell's background jobs
                        // ignore both) is stopped too.
                        stop_leftovers(pid).await;
                    }
                    return (Outcome::from_status(status), End::Completed);
                }
                Some(ChildEvent::Stopped(sig)) => {
                    // Without the terminal, whoever stopped the child
                    // continues it; a timeout or a signal still ends it.
                    if let Some(terminal) = terminal {
                        suspend_with_child(pid, sig, terminal);
                    }
                }
                Some(ChildEvent::Failed(e)) => {
                    group::signal_group(pid, libc::SIGKILL);
                    let msg = format!("cannot wait for the child: {e}");
                    return (Outcome::SpawnFailed(msg), End::Completed);
                }
                None => {
                    group::signal_group(pid, libc::SIGKILL);
                    let msg = "lost track of the child".to_string();
                    return (Outcome::SpawnFailed(msg), End::Completed);
                }
            },
            sig = signals.recv() => {
                group::stop_group(pid, reaped(events)).await;
                return (Outcome::Interrupted, End::Signal(sig));
            }
            _ = group::until_deadline(deadline) => {
                group::stop_group(pid, reaped(events)).await;
                let limit = deadline.map(|(_, t)| t).unwrap_or_default();
                return (Outcome::TimedOut(limit), End::Completed);
            }
        }
    }
}

/// Resolves once the waiter saw the child end (or is gone).
async fn reaped(events: &mut UnboundedReceiver<ChildEvent>) {
    while let Some(event) = events.recv().await {
        if !matches!(event, ChildEvent::Stopped(_)) {
            return;
        }
    }
}

/// Stops what is left of the process group `pgid` after its leader was
/// reaped.
async fn stop_leftovers(pgid: libc::pid_t) {
    group::stop_group(pgid, async {
        let _ = tokio::time::timeout(KILL_GRACE * 2, group::group_gone(pgid)).await;
    })
    .await;
}

/// In the attached child before exec: lead a new process group and, given
/// the terminal, become its foreground group; without it, reading from or
/// setting up the terminal must fail rather than stop the command.
fn lead_own_group(tty: Option<i32>) -> io::Result<()> {
    // SAFETY: async-signal-safe system calls on this process only.
    unsafe {
        if libc::setpgid(0, 0) == -1 {
            return Err(io::Error::last_os_error());
        }
        match tty {
            Some(fd) => {
                // A background group asking for the terminal gets SIGTTOU
                // unless the signal is blocked.
                let mut block: libc::sigset_t = std::mem::zeroed();
                let mut old: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut block);
                libc::sigaddset(&mut block, libc::SIGTTOU);
                libc::sigprocmask(libc::SIG_BLOCK, &block, &mut old);
                let rc = libc::tcsetpgrp(fd, libc::getpid());
                libc::sigprocmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
                if rc == -1 {
                    return Err(io::Error::last_os_error());
                }
            }
            None => {
                libc::signal(libc::SIGTTIN, libc::SIG_IGN);
                libc::signal(libc::SIGTTOU, libc::SIG_IGN);
            }
        }
    }
    Ok(())
}

/// gita's controlling terminal, while gita's process group is its foreground
/// group.
struct Terminal {
    tty: std::fs::File,
    /// gita's process group.
    pgrp: libc::pid_t,
}

impl Terminal {
    /// The terminal to hand to an attached child: gita's process group is in
    /// its foreground, and none of stdin, stdout and stderr is a pipe or a
    /// socket. In a pipeline (`gita super api log | less`) the other commands
    /// share gita's process group and would lose the terminal.
    fn to_hand_over() -> Option<Terminal> {
        use std::os::unix::fs::OpenOptionsExt as _;
        let piped = [libc::STDIN_FILENO, libc::STDOUT_FILENO, libc::STDERR_FILENO]
            .into_iter()
            .any(is_pipe_or_socket);
        if piped {
            return None;
        }
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY | libc::O_CLOEXEC)
            .open("/dev/tty")
            .ok()?;
        // SAFETY: plain queries.
        let pgrp = unsafe { libc::getpgrp() };
        let terminal = Terminal { tty, pgrp };
        terminal.in_foreground().then_some(terminal)
    }

    fn raw_fd(&self) -> i32 {
        use std::os::fd::AsRawFd as _;
        self.tty.as_raw_fd()
    }

    fn foreground(&self) -> libc::pid_t {
        // SAFETY: plain query on an open descriptor.
        unsafe { libc::tcgetpgrp(self.raw_fd()) }
    }

    fn in_foreground(&self) -> bool {
        self.foreground() == self.pgrp
    }

    /// Makes `pgrp` the foreground group (SIGTTOU blocked meanwhile: gita
    /// may be in the background when it asks).
    fn give_to(&self, pgrp: libc::pid_t) {
        // SAFETY: signal mask changes of this thread around one ioctl.
        unsafe {
            let mut block: libc::sigset_t = std::mem::zeroed();
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut block);
            libc::sigaddset(&mut block, libc::SIGTTOU);
            libc::pthread_sigmask(libc::SIG_BLOCK, &block, &mut old);
            libc::tcsetpgrp(self.raw_fd(), pgrp);
            libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        }
    }

    /// Gives the terminal back to gita's group if the child's group `pgid`
    /// still holds it.
    fn take_back_from(&self, pgid: libc::pid_t) {
        if self.foreground() == pgid {
            self.give_to(self.pgrp);
        }
    }
}

fn is_pipe_or_socket(fd: i32) -> bool {
    // SAFETY: fstat fills a plain struct; failure leaves it unused.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        libc::fstat(fd, &mut st) == 0
            && matches!(st.st_mode & libc::S_IFMT, libc::S_IFIFO | libc::S_IFSOCK)
    }
}

/// The child, holding the terminal, stopped with `sig` (Ctrl-Z, a stop
/// signal): gita's own process group, the shell's job, stops the same way,
/// with the terminal back in it. When the job is continued, the terminal
/// goes back to the child (if gita is in the foreground again) and the
/// child's group continues.
fn suspend_with_child(pid: libc::pid_t, sig: i32, terminal: &Terminal) {
    terminal.take_back_from(pid);
    // SAFETY: plain syscall; 0 addresses gita's own process group.
    unsafe {
        libc::kill(0, sig);
    }
    if terminal.in_foreground() {
        terminal.give_to(pid);
    } else {
        // Continued in the background (`bg`): the child may stop again for
        // the terminal; don't spin if gita's stop cannot take effect.
        std::thread::sleep(Duration::from_millis(50));
    }
    group::signal_group(pid, libc::SIGCONT);
}

/// What the waiter thread saw happen to the attached child.
#[derive(Debug)]
enum ChildEvent {
    Stopped(i32),
    Exited(ExitStatus),
    /// waitpid failed.
    Failed(io::Error),
}

/// A thread that waits for the attached child, stops included (which the
/// async runtime's child handling does not report).
struct ChildWaiter {
    pid: std::sync::mpsc::Sender<libc::pid_t>,
}

impl ChildWaiter {
    /// Starts the thread before the child exists, so that a failure to start
    /// it leaves no child behind.
    fn start() -> Result<(ChildWaiter, UnboundedReceiver<ChildEvent>)> {
        let (pid_tx, pid_rx) = std::sync::mpsc::channel::<libc::pid_t>();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("gita-wait".into())
            .spawn(move || {
                let Ok(pid) = pid_rx.recv() else { return };
                loop {
                    let mut status = 0;
                    // SAFETY: waits for our own child; `status` is a valid out-pointer.
                    let rc = unsafe { libc::waitpid(pid, &mut status, libc::WUNTRACED) };
                    let event = if rc == -1 {
                        let e = io::Error::last_os_error();
                        if e.kind() == io::ErrorKind::Interrupted {
                            continue;
                        }
                        ChildEvent::Failed(e)
                    } else if libc::WIFSTOPPED(status) {
                        ChildEvent::Stopped(libc::WSTOPSIG(status))
                    } else if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
                        ChildEvent::Exited(ExitStatus::from_raw(status))
                    } else {
                        continue;
                    };
                    let last = !matches!(event, ChildEvent::Stopped(_));
                    if tx.send(event).is_err() || last {
                        return;
                    }
                }
            })
            .context("cannot start a thread to wait for the command")?;
        Ok((ChildWaiter { pid: pid_tx }, rx))
    }

    fn watch(self, pid: libc::pid_t) {
        let _ = self.pid.send(pid);
    }
}
