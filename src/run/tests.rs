//! Tests of the run layer's parts: programs, classification, retries, the
//! detached and attached runners.

use std::io;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::attached::run_attached;
use super::classify::{is_connection_drop, is_fetch_like, needs_terminal};
use super::detached::{Limits, Sink, run_detached};
use super::group::KILL_GRACE;
use super::outcome::{End, JobResult, Outcome};
use super::program::{DetachedEnv, Job, Program};
use super::retry::{BACKOFF_BASE, backoff};

fn s(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

#[test]
fn flags_go_right_after_git() {
    let p = Program::Git {
        flags: s(&["--git-dir=/x", "--work-tree=/y"]),
        args: s(&["fetch", "--prune"]),
    };
    assert_eq!(
        p.argv(),
        s(&["git", "--git-dir=/x", "--work-tree=/y", "fetch", "--prune"])
    );
}

#[test]
fn fetch_like_commands() {
    assert!(is_fetch_like(&s(&["fetch"])));
    assert!(is_fetch_like(&s(&["-c", "a.b=c", "pull", "--rebase"])));
    assert!(is_fetch_like(&s(&["--no-pager", "ls-remote"])));
    assert!(is_fetch_like(&s(&["remote", "-v", "update"])));
    assert!(!is_fetch_like(&s(&["remote", "-v"])));
    assert!(!is_fetch_like(&s(&["push"])));
    assert!(!is_fetch_like(&s(&["-C", "fetch", "status"])));
    assert!(!is_fetch_like(&[]));
    assert!(Program::Exec(s(&["git", "fetch"])).is_fetch_like());
    assert!(!Program::Shell("git fetch".into()).is_fetch_like());
}

#[test]
fn classifies_failures() {
    assert!(needs_terminal(
        "fatal: could not read Username for 'https://example.com': terminal prompts disabled\n"
    ));
    assert!(needs_terminal(
        "git@example.com: Permission denied (publickey).\n"
    ));
    assert!(needs_terminal("cat: /dev/tty: No such device or address\n"));
    assert!(!needs_terminal("fatal: not a git repository\n"));
    assert!(is_connection_drop(
        "kex_exchange_identification: read: Connection reset by peer\nfatal: Could not read from remote repository.\n"
    ));
    assert!(is_connection_drop("Connection closed by remote host\n"));
    assert!(!is_connection_drop(
        "fatal: couldn't find remote ref main\n"
    ));
    assert!(!is_connection_drop(
        "Connection closed by remote host\nHost key verification failed.\n"
    ));
}

#[test]
fn detached_env_keeps_a_user_askpass() {
    let env = DetachedEnv::for_env(|_| None);
    assert!(env.set.contains(&("GIT_ASKPASS", "false".into())));
    assert!(env.set.contains(&("GIT_TERMINAL_PROMPT", "0".into())));
    assert_eq!(env.remove, vec!["SSH_ASKPASS"]);
    let env = DetachedEnv::for_env(|k| (k == "GIT_ASKPASS").then(|| "/bin/helper".into()));
    assert!(!env.set.iter().any(|(k, _)| *k == "GIT_ASKPASS"));
}

#[test]
fn backoff_grows_with_jitter() {
    for attempt in 1..=3 {
        let d = backoff(attempt);
        let base = BACKOFF_BASE * 2u32.pow(attempt - 1);
        assert!(
            d >= base / 2 && d <= base * 3 / 2,
            "{d:?} for attempt {attempt}"
        );
    }
}

struct Collect(Vec<String>);
impl Sink for Collect {
    fn started(&mut self, _: &str) {}
    fn finished(&mut self, r: &JobResult) -> io::Result<()> {
        self.0.push(r.name.clone());
        Ok(())
    }
}

fn shell_job(name: &str, line: &str) -> Job {
    Job {
        name: name.into(),
        path: std::env::temp_dir(),
        program: Program::Shell(line.into()),
    }
}

#[test]
fn a_server_bound_keeps_a_servers_jobs_within_it_and_runs_them_all() {
    use super::detached::ServerBound;
    let tmp = tempfile::tempdir().expect("tempdir");
    let locks = |server: &str| tmp.path().join(server);
    // Each job takes one of two slots of its server's lock folder; a third
    // job of one server at once finds both taken and fails.
    let take_slot = |server: &str| {
        let dir = locks(server).display().to_string();
        format!(
            "if mkdir '{dir}/a' 2>/dev/null; then s=a; elif mkdir '{dir}/b' 2>/dev/null; then s=b; \
             else exit 9; fi; sleep 0.05; rmdir '{dir}/'$s"
        )
    };
    let mut jobs = Vec::new();
    let mut of_job = std::collections::BTreeMap::new();
    for (server, n) in [("h:443", 6), ("k:22", 4)] {
        std::fs::create_dir(locks(server)).expect("lock folder");
        for i in 0..n {
            let name = format!("{server}-{i}");
            jobs.push(shell_job(&name, &take_slot(server)));
            of_job.insert(name, vec![server.to_string()]);
        }
    }
    jobs.push(shell_job("local", "true"));
    let run = run_detached(
        jobs,
        &Limits {
            jobs: 100,
            timeout: None,
            servers: Some(ServerBound { limit: 2, of_job }),
        },
        None,
        &mut Collect(Vec::new()),
    )
    .expect("run");
    assert_eq!(run.end, End::Completed);
    assert_eq!(run.results.len(), 11);
    for r in &run.results {
        assert!(r.outcome.success(), "{}: {:?}", r.name, r.outcome);
    }
}

#[test]
fn captures_both_streams_in_order_and_exit_codes() {
    let jobs = vec![
        shell_job("a", "echo out1; echo err1 >&2; sleep 0.05; echo out2"),
        shell_job("b", "exit 3"),
        shell_job("c", "read x; test -z \"$x\""),
    ];
    let mut sink = Collect(Vec::new());
    let run = run_detached(
        jobs,
        &Limits {
            jobs: 2,
            timeout: None,
            servers: None,
        },
        None,
        &mut sink,
    )
    .expect("run");
    assert_eq!(run.end, End::Completed);
    assert_eq!(sink.0.len(), 3);
    let get = |n: &str| run.results.iter().find(|r| r.name == n).expect(n);
    let a = get("a");
    assert!(a.outcome.success());
    assert_eq!(a.stdout(), b"out1\nout2\n");
    assert_eq!(a.stderr(), b"err1\n");
    assert_eq!(get("b").outcome, Outcome::Exited(3));
    assert!(
        get("c").outcome.success(),
        "stdin is closed, so read gets EOF"
    );
}

#[test]
fn timeout_kills_the_group() {
    let jobs = vec![shell_job("slow", "sleep 5 & sleep 5; echo never")];
    let t0 = Instant::now();
    let run = run_detached(
        jobs,
        &Limits {
            jobs: 1,
            timeout: Some(Duration::from_millis(200)),
            servers: None,
        },
        None,
        &mut Collect(Vec::new()),
    )
    .expect("run");
    assert!(matches!(run.results[0].outcome, Outcome::TimedOut(_)));
    assert!(t0.elapsed() < Duration::from_secs(4));
    assert!(run.results[0].stdout().is_empty());
}

#[test]
fn a_group_that_ignores_sigterm_gets_sigkill() {
    // Ignored signals survive exec, so `sleep` ignores SIGTERM as well.
    let jobs = vec![shell_job("stubborn", "trap '' TERM; sleep 20; echo never")];
    let t0 = Instant::now();
    let run = run_detached(
        jobs,
        &Limits {
            jobs: 1,
            timeout: Some(Duration::from_millis(100)),
            servers: None,
        },
        None,
        &mut Collect(Vec::new()),
    )
    .expect("run");
    assert!(matches!(run.results[0].outcome, Outcome::TimedOut(_)));
    assert!(
        t0.elapsed() < KILL_GRACE + Duration::from_secs(2),
        "{:?}",
        t0.elapsed()
    );
}

#[test]
fn attached_timeout_stops_the_whole_group() {
    // The background sleep keeps stdout open: the shell's group must go.
    let job = shell_job("slow", "sleep 30 & sleep 30; echo never");
    let t0 = Instant::now();
    let (result, end) = run_attached(&job, Some(Duration::from_millis(200))).expect("run");
    assert!(matches!(result.outcome, Outcome::TimedOut(_)), "{result:?}");
    assert_eq!(end, End::Completed);
    assert!(t0.elapsed() < Duration::from_secs(20), "{:?}", t0.elapsed());
}

#[test]
fn attached_exit_codes_and_spawn_failures() {
    let (result, end) = run_attached(&shell_job("x", "exit 3"), None).expect("run");
    assert_eq!((result.outcome, end), (Outcome::Exited(3), End::Completed));
    let (result, _) = run_attached(&shell_job("x", "kill -TERM $$"), None).expect("run");
    assert_eq!(result.outcome, Outcome::Signaled(libc::SIGTERM));
    let job = Job {
        name: "x".into(),
        path: std::env::temp_dir(),
        program: Program::Exec(s(&["gita-test-no-such-program"])),
    };
    let (result, _) = run_attached(&job, None).expect("run");
    assert_eq!(
        result.outcome,
        Outcome::SpawnFailed(
            "gita-test-no-such-program was not found on PATH (is it installed?)".into()
        )
    );
}

#[test]
fn spawn_failure_is_a_result() {
    let job = Job {
        name: "x".into(),
        path: PathBuf::from("/nonexistent/dir/for/gita"),
        program: Program::Exec(s(&["true"])),
    };
    let run = run_detached(
        vec![job],
        &Limits {
            jobs: 1,
            timeout: None,
            servers: None,
        },
        None,
        &mut Collect(Vec::new()),
    )
    .expect("run");
    let Outcome::SpawnFailed(msg) = &run.results[0].outcome else {
        panic!("{:?}", run.results[0].outcome);
    };
    assert!(
        msg.contains("/nonexistent/dir/for/gita does not exist"),
        "{msg}"
    );
}
