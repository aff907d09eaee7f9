//! Commands across repos through the real binary: delegated commands, super
//! and shell; whole per-repo output, no hangs on prompts, Ctrl-C, timeouts,
//! exit codes, JSON, retries after dropped connections and per-repo flags.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::{Run, TestEnv, wait_within};

/// `n` repos named r0..r{n-1}, registered.
fn repos(env: &TestEnv, n: usize) -> Vec<PathBuf> {
    let dirs: Vec<PathBuf> = (0..n).map(|i| env.repo(&format!("r{i}"))).collect();
    let mut args = vec!["add".to_string()];
    args.extend(dirs.iter().map(|d| d.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    env.gita(&args).ok();
    dirs
}

/// Runs `cmd` (stdout/stderr piped) and fails the test instead of hanging
/// when it takes longer than `limit`.
fn run_within(mut cmd: Command, limit: Duration) -> Run {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn gita");
    wait_within(child, limit)
}

/// Lines of output grouped by their `name: ` prefix, in order.
fn by_repo(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .map(|l| {
            let (name, rest) = l
                .split_once(": ")
                .unwrap_or_else(|| panic!("unprefixed line {l:?}"));
            (name.to_string(), rest.to_string())
        })
        .collect()
}

#[test]
fn each_repos_output_is_one_contiguous_block() {
    let env = TestEnv::new();
    repos(&env, 8);
    let script =
        "for i in 1 2 3 4 5; do echo \"line $i of $(basename \"$PWD\")\"; sleep 0.03; done";
    let run = env.gita(&["shell", "-q", script]).ok();
    let lines = by_repo(&run.stdout);
    assert_eq!(lines.len(), 40, "{run:#?}");
    // Each repo's five lines are adjacent and in order.
    let mut seen = Vec::new();
    for block in lines.chunks(5) {
        let name = &block[0].0;
        assert!(
            !seen.contains(name),
            "{name} appears in two blocks:\n{}",
            run.stdout
        );
        seen.push(name.clone());
        for (i, (n, text)) in block.iter().enumerate() {
            assert_eq!(n, name, "interleaved output:\n{}", run.stdout);
            assert_eq!(text, &format!("line {} of {name}", i + 1));
        }
    }
    assert_eq!(seen.len(), 8);
    assert!(run.stderr.contains("gita: 8 ok"), "{run:#?}");
}

#[test]
fn reading_the_terminal_or_stdin_fails_fast_instead_of_hanging() {
    let env = TestEnv::new();
    repos(&env, 4);
    let mut cmd = env.cmd();
    cmd.args(["shell", "-q", "cat /dev/tty"]);
    let run = run_within(cmd, Duration::from_secs(60)).code(1);
    assert!(run.stderr.contains("4 failed"), "{run:#?}");
    assert!(run.stderr.contains("need a terminal"), "{run:#?}");

    // Waiting on stdin gets end-of-file at once.
    let mut cmd = env.cmd();
    cmd.args(["shell", "-q", "read answer; echo \"got [$answer]\""]);
    let run = run_within(cmd, Duration::from_secs(60));
    assert!(run.stdout.contains("r0: got []"), "{run:#?}");

    // A credential prompt from git itself cannot open either.
    let mut cmd = env.cmd();
    cmd.args([
        "shell",
        "-q",
        "printf 'protocol=https\\nhost=example.invalid\\n\\n' | git credential fill",
    ]);
    let run = run_within(cmd, Duration::from_secs(60)).code(1);
    assert!(run.stderr.contains("terminal prompts disabled"), "{run:#?}");
}

/// Pids of processes whose command line contains `marker`.
#[cfg(target_os = "linux")]
fn processes_with(marker: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains(marker) && !cmdline.contains("gita") {
            found.push(pid);
        }
    }
    found
}

#[test]
#[cfg(target_os = "linux")] // finds leftover processes through /proc
fn ctrl_c_kills_every_child_and_exits_130() {
    let env = TestEnv::new();
    repos(&env, 10);
    // A duration no other test uses, to find our sleeps in /proc.
    let marker = "sleep 30.4321";
    let mut cmd = env.cmd();
    // gita keeps a signal ignored if it starts with it ignored.
    common::default_signal_actions(&mut cmd);
    let child = cmd
        .args(["shell", "-q", &format!("{marker}; echo done")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn gita");
    let start = Instant::now();
    while processes_with(marker).len() < 10 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "sleeps never started"
        );
        thread::sleep(Duration::from_millis(20));
    }
    let pid = i32::try_from(child.id()).expect("pid");
    // SAFETY: sends SIGINT to the gita process this test started.
    unsafe {
        libc::kill(pid, libc::SIGINT);
    }
    let signalled = Instant::now();
    let run = wait_within(child, Duration::from_secs(20));
    assert_eq!(run.code, 130, "{run:#?}");
    assert!(signalled.elapsed() < Duration::from_secs(5), "slow to stop");
    assert!(!run.stdout.contains("done"), "{run:#?}");
    assert_eq!(
        processes_with(marker),
        Vec::<u32>::new(),
        "sleep processes were left behind"
    );
}

#[test]
fn timeout_kills_a_slow_repo_and_reports_it() {
    let env = TestEnv::new();
    repos(&env, 3);
    let script = "if [ \"$(basename \"$PWD\")\" = r1 ]; then sleep 20; fi; echo finished";
    let start = Instant::now();
    let mut cmd = env.cmd();
    cmd.args(["shell", "--timeout", "1", "-q", script]);
    let run = run_within(cmd, Duration::from_secs(60)).code(1);
    assert!(start.elapsed() < Duration::from_secs(10), "{run:#?}");
    assert!(
        run.stdout.contains("r0: finished") && run.stdout.contains("r2: finished"),
        "{run:#?}"
    );
    assert!(!run.stdout.contains("r1: finished"), "{run:#?}");
    assert!(
        run.stderr
            .contains("r1: gita: timed out after 1.0s, killed"),
        "{run:#?}"
    );
    assert!(run.stderr.contains("2 ok, 1 failed (r1)"), "{run:#?}");
}

#[test]
fn one_failing_repo_sets_the_exit_code_and_the_summary() {
    let env = TestEnv::new();
    repos(&env, 3);
    let script = "echo checking; test \"$(basename \"$PWD\")\" != r2";
    let run = env.gita(&["shell", "-q", script]).code(1);
    assert_eq!(by_repo(&run.stdout).len(), 3);
    let summary = run.stderr.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with("gita: 2 ok, 1 failed (r2) in "),
        "{run:#?}"
    );
    env.gita(&["shell", "true"]).ok();
}

#[test]
fn json_gives_one_parseable_object_per_repo() {
    let env = TestEnv::new();
    let dirs = repos(&env, 3);
    let script = "echo out; echo err >&2; test \"$(basename \"$PWD\")\" != r1";
    let run = env.gita(&["shell", "--json", "-q", script]).code(1);
    let mut objects = BTreeMap::new();
    for line in run.stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
        objects.insert(v["name"].as_str().expect("name").to_string(), v);
    }
    assert_eq!(objects.len(), 3, "{run:#?}");
    let r1 = &objects["r1"];
    assert_eq!(r1["exit_code"], 1);
    assert_eq!(r1["status"], "failed");
    assert_eq!(r1["path"], dirs[1].display().to_string());
    assert_eq!(r1["stdout"], "out\n");
    assert_eq!(r1["stderr"], "err\n");
    assert!(r1["duration_secs"].as_f64().is_some());
    assert_eq!(objects["r0"]["exit_code"], 0);
    // One target with --json is captured too.
    let run = env.gita(&["shell", "--json", "r0", "echo", "hi"]).ok();
    let v: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("JSON");
    assert_eq!(v["stdout"], "hi\n");
}

/// A `git upload-pack` wrapper that fails the first `fails` times like sshd
/// does under MaxStartups, then serves normally.
fn flaky_uploadpack(dir: &Path, fails: u32) -> PathBuf {
    let script = dir.join("flaky-upload-pack");
    let count = dir.join("attempts");
    fs::write(
        &script,
        format!(
            "#!/bin/sh\nn=$(cat '{c}' 2>/dev/null || echo 0)\necho $((n + 1)) > '{c}'\n\
             if [ \"$n\" -lt {fails} ]; then\n  \
             echo 'kex_exchange_identification: read: Connection reset by peer' >&2\n  \
             echo 'Connection reset by 127.0.0.1 port 22' >&2\n  exit 255\nfi\n\
             exec git upload-pack \"$@\"\n",
            c = count.display()
        ),
    )
    .expect("write wrapper");
    let mut perm = fs::metadata(&script).expect("stat").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
    fs::set_permissions(&script, perm).expect("chmod");
    script
}

#[test]
fn fetch_retries_after_a_dropped_connection() {
    let env = TestEnv::new();
    let (a, bare_a) = env.repo_with_remote("a");
    let (b, _) = env.repo_with_remote("b");
    env.gita(&["add", "a", "b"]).ok();
    // A new commit on a's remote, pushed from another clone.
    let other = env.root.join("other");
    env.git(
        &env.root,
        &[
            "clone",
            "-q",
            &format!("file://{}", bare_a.display()),
            "other",
        ],
    );
    env.commit(&other, "new.txt", "new\n", "remote work");
    env.git(&other, &["push", "-q", "origin", "main"]);
    let remote_head = env.git(&other, &["rev-parse", "HEAD"]);

    let wrappers = env.root.join("wrappers");
    fs::create_dir_all(&wrappers).expect("mkdir");
    // The wrapper comes in through the repo's flags, so a retry only reaches
    // it (and bumps the count) if the flags are applied on retries too.
    let flaky = flaky_uploadpack(&wrappers, 1);
    let flag = format!("remote.origin.uploadpack={}", flaky.display());
    env.gita(&["flags", "set", "a", "-c", &flag]).ok();

    let mut cmd = env.cmd();
    cmd.args(["fetch"]);
    let run = run_within(cmd, Duration::from_secs(60)).ok();
    assert!(
        run.stderr
            .contains("a: gita: the server dropped the connection; retrying"),
        "{run:#?}"
    );
    assert_eq!(env.git(&a, &["rev-parse", "origin/main"]), remote_head);
    assert_eq!(
        fs::read_to_string(wrappers.join("attempts"))
            .expect("count")
            .trim(),
        "2"
    );
    assert!(run.stderr.contains("gita: 2 ok"), "{run:#?}");
    let _ = b;

    // A remote that keeps dropping gives up after the retries, failed.
    fs::remove_file(wrappers.join("attempts")).expect("reset");
    let flaky = flaky_uploadpack(&wrappers, 100);
    let flag = format!("remote.origin.uploadpack={}", flaky.display());
    env.gita(&["flags", "set", "a", "-c", &flag]).ok();
    let mut cmd = env.cmd();
    cmd.args(["fetch"]);
    let run = run_within(cmd, Duration::from_secs(60)).code(1);
    assert_eq!(
        fs::read_to_string(wrappers.join("attempts"))
            .expect("count")
            .trim(),
        "4"
    );
    assert!(run.stderr.contains("1 ok, 1 failed (a)"), "{run:#?}");
}

#[test]
fn flags_go_right_after_git_for_every_target() {
    let env = TestEnv::new();
    // A bare repo used through --git-dir/--work-tree, as dotfiles setups do.
    let bare = env.bare("dots");
    let seed = env.repo("seed");
    env.git(
        &seed,
        &["push", "-q", &format!("file://{}", bare.display()), "main"],
    );
    let tree = env.work.join("dots-tree");
    fs::create_dir_all(&tree).expect("mkdir");
    fs::write(tree.join("README.md"), "hello\n").expect("write");
    let plain = env.repo("plain");
    env.gita(&["add", "plain"]).ok();
    env.gita(&["add", "-b", &bare.display().to_string()]).ok();
    let names = env.gita(&["ls"]).ok().stdout;
    let dots = names
        .split_whitespace()
        .find(|n| *n != "plain")
        .expect("bare repo name")
        .to_string();
    let git_dir = format!("--git-dir={}", bare.display());
    let work_tree = format!("--work-tree={}", tree.display());
    env.gita(&["flags", "set", &dots, &git_dir, &work_tree])
        .ok();
    env.git(&tree, &[&git_dir, &work_tree, "reset", "-q"]);

    // Concurrent: the flagged repo sees its git dir and work tree.
    let run = env
        .gita(&[
            "super",
            "rev-parse",
            "--absolute-git-dir",
            "--show-toplevel",
        ])
        .ok();
    assert!(
        run.stdout.contains(&format!(
            "{dots}: {}\n{dots}: {}\n",
            bare.display(),
            tree.display()
        )),
        "{run:#?}"
    );
    assert!(
        run.stdout
            .contains(&format!("plain: {}/.git\n", plain.display())),
        "{run:#?}"
    );
    // A delegated command gets them too: a clean work tree on `main`.
    let run = env.gita(&["st"]).ok();
    assert!(
        run.stdout.contains(&format!("{dots}: On branch main")),
        "{run:#?}"
    );
    assert!(
        run.stdout.contains(&format!("{dots}: nothing to commit")),
        "{run:#?}"
    );
    // A single target too, in the same shape.
    let run = env
        .gita(&["super", &dots, "rev-parse", "--show-toplevel"])
        .ok();
    assert_eq!(run.stdout, format!("{dots}: {}\n", tree.display()));
}

/// Whether `--help` text lists `name` with the description `about` (any
/// column width: it depends on the longest subcommand name).
fn help_row(help: &str, name: &str, about: &str) -> bool {
    help.lines().any(|l| {
        l.trim_start()
            .strip_prefix(name)
            .is_some_and(|rest| rest.starts_with(' ') && rest.trim_start() == about)
    })
}

#[test]
fn delegated_commands_are_real_subcommands() {
    let env = TestEnv::new();
    repos(&env, 2);
    let help = env.gita(&["--help"]).ok().stdout;
    assert!(help_row(&help, "fetch", "fetch remote update"), "{help}");
    assert!(help_row(&help, "st", "show status"), "{help}");
    let bare = env.gita(&[]).ok().stdout;
    assert!(help_row(&bare, "fetch", "fetch remote update"), "{bare}");
    // Not allow_all: names are required, a usage error otherwise.
    let run = env.gita(&["br"]).code(2);
    assert!(run.stderr.contains("<REPO|GROUP>"), "{run:#?}");
    let run = env.gita(&["br", "r0", "r1"]).ok();
    assert!(run.stdout.contains("r0: * main"), "{run:#?}");
    // Unknown names run nothing and suggest.
    env.gita(&["br", "r9"]).err("did you mean");
    // allow_all: no names = every repo.
    let run = env.gita(&["lo"]).ok();
    assert!(
        run.stdout.contains("r0: ") && run.stdout.contains("r1: "),
        "{run:#?}"
    );
}

#[test]
fn custom_commands_from_cmds_yml() {
    let env = TestEnv::new();
    repos(&env, 2);
    fs::create_dir_all(env.config_dir()).expect("mkdir");
    fs::write(
        env.config_dir().join("cmds.yml"),
        "hello:\n  cmd: echo hello from\n  help: say hello\n  allow_all: true\n\
         count:\n  cmd: git log --oneline | wc -l\n  shell: true\n  allow_all: true\n\
         st:\n  cmd: git status -s -b\n  help: short status\n  allow_all: true\n\
         here:\n  cmd: pwd\n  interactive: true\n  allow_all: true\n",
    )
    .expect("write cmds.yml");
    let help = env.gita(&["--help"]).ok().stdout;
    assert!(help_row(&help, "hello", "say hello"), "{help}");
    assert!(help_row(&help, "st", "short status"), "{help}");
    let run = env.gita(&["hello"]).ok();
    assert!(run.stdout.contains("r0: hello from\n"), "{run:#?}");
    let run = env.gita(&["count"]).ok();
    assert!(run.stdout.contains("r1: 1\n"), "{run:#?}");
    let run = env.gita(&["st"]).ok();
    assert!(run.stdout.contains("r0: ## main"), "{run:#?}");
    // Interactive: one repo at a time, attached, path first, unprefixed.
    let run = env.gita(&["here"]).ok();
    let (r0, r1) = (env.work.join("r0"), env.work.join("r1"));
    assert_eq!(
        run.stdout,
        format!("{0}\n{0}\n{1}\n{1}\n", r0.display(), r1.display())
    );
    assert!(run.stderr.contains("gita: 2 ok"), "{run:#?}");

    // A Python gita cmds.json is read when there is no cmds.yml.
    fs::remove_file(env.config_dir().join("cmds.yml")).expect("rm");
    fs::write(
        env.config_dir().join("cmds.json"),
        r#"{"head": {"cmd": "git rev-parse --abbrev-ref HEAD", "help": "branch name", "allow_all": true}}"#,
    )
    .expect("write cmds.json");
    let run = env.gita(&["head"]).ok();
    assert!(run.stdout.contains("r0: main\n"), "{run:#?}");

    // A broken cmds.yml warns but leaves gita usable.
    fs::write(env.config_dir().join("cmds.yml"), "x: [unclosed\n").expect("write");
    let run = env.gita(&["ls"]).ok();
    assert!(run.stderr.contains("cmds.yml"), "{run:#?}");
}

#[test]
fn a_typo_in_a_name_runs_nothing() {
    let env = TestEnv::new();
    let dirs = repos(&env, 3);
    env.gita(&["group", "add", "r0", "r1", "-n", "backend"])
        .ok();
    let run = env
        .gita(&["shell", "r0", "backnd", "touch", "oops"])
        .err("did you mean 'backend'");
    assert!(run.stderr.contains("nothing was run"), "{run:#?}");
    assert!(dirs.iter().all(|d| !d.join("oops").exists()));
    env.gita(&["super", "r0", "backnd", "status"])
        .err("did you mean 'backend'");
    // A real command close to a name still runs (`rm` is one edit from `r0`).
    fs::write(dirs[0].join("scratch"), "x").expect("write");
    fs::write(dirs[1].join("scratch"), "x").expect("write");
    let run = env.gita(&["shell", "backend", "rm", "scratch"]).ok();
    assert!(run.stderr.contains("gita: 2 ok"), "{run:#?}");
    assert!(!dirs[0].join("scratch").exists() && !dirs[1].join("scratch").exists());
    env.gita(&["super", "backend", "rm", "-q", "--cached", "README.md"])
        .ok();
    // Quote mode: exactly one command word after the names.
    let run = env.gita(&["shell", "-q", "r0", "echo", "x"]).code(2);
    assert!(run.stderr.contains("quote mode"), "{run:#?}");
    assert!(run.stderr.contains("Usage: gita shell"), "{run:#?}");
    // Names but no command: a usage error too.
    let run = env.gita(&["super", "r0", "r1"]).code(2);
    assert!(run.stderr.contains("missing the command"), "{run:#?}");
}

#[test]
fn one_repo_prints_the_same_shape_as_many() {
    let env = TestEnv::new();
    let dirs = repos(&env, 2);
    // shell, super and a delegated command: every line prefixed with the
    // name, as in a run across several repos, and the summary on stderr.
    let run = env.gita(&["shell", "r1", "echo", "plain"]).ok();
    assert_eq!(run.stdout, "r1: plain\n");
    assert!(run.stderr.starts_with("gita: 1 ok in "), "{run:#?}");
    let many = env.gita(&["shell", "r0", "r1", "echo", "plain"]).ok();
    assert!(many.stdout.contains(&run.stdout), "{many:#?}");
    let run = env
        .gita(&["super", "r1", "rev-parse", "--abbrev-ref", "HEAD"])
        .ok();
    assert_eq!(run.stdout, "r1: main\n");
    let run = env.gita(&["st", "r1"]).ok();
    assert_eq!(
        run.stdout,
        "r1: On branch main\nr1: nothing to commit, working tree clean\n"
    );
    // A failing repo: its stderr prefixed too, the exit status 1.
    let run = env.gita(&["shell", "r1", "echo oops >&2; exit 3"]).code(1);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("r1: oops\ngita: 0 ok, 1 failed (r1) in "),
        "{run:#?}"
    );
    // Interactive commands stay attached: the path first, then the
    // command's own output, unprefixed.
    let run = env.gita(&["super", "r1", "log", "-1", "--format=%s"]).ok();
    assert_eq!(
        run.stdout,
        format!("{}\ninitial commit\n", dirs[1].display())
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn closed_stdout_ends_quietly() {
    let env = TestEnv::new();
    repos(&env, 6);
    let mut child = env
        .cmd()
        .args(["shell", "-q", "seq 1 20000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut out = child.stdout.take().expect("stdout");
    let mut first = [0u8; 16];
    out.read_exact(&mut first).expect("some output");
    drop(out);
    let run = wait_within(child, Duration::from_secs(60));
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(!run.stderr.contains("error"), "{run:#?}");
}

#[test]
fn repos_that_need_a_terminal_are_rerun_attached_one_at_a_time() {
    // `script` gives gita a pseudo-terminal; the lines piped into it are what
    // the "user types" at the prompts.
    let pty_works = Command::new("script")
        .args(["-qec", "true", "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success());
    if !common::available(
        pty_works,
        "util-linux `script` with a pseudo-terminal",
        "repos_that_need_a_terminal_are_rerun_attached_one_at_a_time",
    ) {
        return;
    }
    let env = TestEnv::new();
    repos(&env, 3);
    let gita = env!("CARGO_BIN_EXE_gita");
    let on_terminal = |gita_args: &str, typed: &[u8]| {
        let inner = format!("{gita} {gita_args}");
        let mut cmd = Command::new("script");
        env.hermetic(&mut cmd);
        cmd.current_dir(&env.work)
            .args(["-qec", &inner, "/dev/null"])
            .stdin(Stdio::piped());
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn script");
        {
            use std::io::Write as _;
            let mut stdin = child.stdin.take().expect("stdin");
            stdin.write_all(typed).expect("type answers");
        }
        let run = wait_within(child, Duration::from_secs(60));
        assert_eq!(run.code, 0, "{run:#?}");
        run.stdout.replace('\r', "")
    };
    let prompt = "'read x </dev/tty && echo \"got $x\"'";
    let out = on_terminal(&format!("shell -q {prompt}"), b"one\ntwo\nthree\n");
    assert!(out.contains("3 repos need a terminal"), "{out}");
    // Re-run in name order, each attached (path first, unprefixed output).
    let expected = format!(
        "{}\ngot one\n{}\ngot two\n{}\ngot three\n",
        env.work.join("r0").display(),
        env.work.join("r1").display(),
        env.work.join("r2").display()
    );
    assert!(out.contains(&expected), "{out}");
    assert!(out.contains("gita: 3 ok"), "{out}");
    // One repo the same way.
    let out = on_terminal(&format!("shell -q r1 {prompt}"), b"four\n");
    assert!(out.contains("1 repo need a terminal"), "{out}");
    let expected = format!("{}\ngot four\n", env.work.join("r1").display());
    assert!(out.contains(&expected), "{out}");
    assert!(out.contains("gita: 1 ok"), "{out}");
}

#[test]
fn a_missing_repo_folder_fails_that_repo_only() {
    let env = TestEnv::new();
    let dirs = repos(&env, 3);
    fs::remove_dir_all(&dirs[1]).expect("rm repo");
    let run = env.gita(&["st"]).code(1);
    assert!(run.stdout.contains("r0: On branch main"), "{run:#?}");
    assert!(run.stdout.contains("r2: On branch main"), "{run:#?}");
    assert!(
        run.stderr.contains(&format!(
            "r1: gita: the repo folder {} does not exist",
            dirs[1].display()
        )),
        "{run:#?}"
    );
    assert!(run.stderr.contains("2 ok, 1 failed (r1)"), "{run:#?}");
}

#[test]
fn the_jobs_limit_comes_from_the_flag_or_settings() {
    let env = TestEnv::new();
    repos(&env, 3);
    let log = env.root.join("log");
    let script = format!(
        "echo start >> '{0}'; sleep 0.5; echo end >> '{0}'",
        log.display()
    );
    let max_running = || {
        let text = fs::read_to_string(&log).expect("log");
        fs::remove_file(&log).expect("reset log");
        let (mut now, mut max) = (0, 0);
        for line in text.lines() {
            now += if line == "start" { 1 } else { -1 };
            max = max.max(now);
        }
        max
    };
    env.gita(&["shell", "-q", &script]).ok();
    assert_eq!(max_running(), 3, "default: all three at once");
    fs::write(env.config_dir().join("settings.yml"), "jobs: 1\n").expect("settings");
    env.gita(&["shell", "-q", &script]).ok();
    assert_eq!(max_running(), 1, "jobs: 1 in settings.yml");
    env.gita(&["shell", "-j", "2", "-q", &script]).ok();
    assert_eq!(max_running(), 2, "-j overrides the setting");
    env.gita(&["shell", "-j", "0", "-q", "true"]).code(2);
}

#[test]
fn a_background_process_holding_the_output_open_does_not_stall_the_run() {
    // Like an ssh ControlPersist master started by a fetch: it outlives the
    // command and keeps its stdout/stderr open.
    let env = TestEnv::new();
    repos(&env, 2);
    let start = Instant::now();
    let mut cmd = env.cmd();
    cmd.args(["shell", "-q", "sleep 4 & echo started"]);
    let run = run_within(cmd, Duration::from_secs(60)).ok();
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert!(
        run.stdout.contains("r0: started") && run.stdout.contains("r1: started"),
        "{run:#?}"
    );
}

/// `gita` with the hermetic environment plus `vars`, stdout and exit code.
fn gita_with(env: &TestEnv, vars: &[(String, String)], args: &[&str]) -> (Option<i32>, String) {
    let out = env
        .cmd()
        .envs(vars.iter().map(|(k, v)| (k, v)))
        .args(args)
        .output()
        .expect("run gita");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn repo_local_git_variables_of_the_caller_do_not_leak_into_any_repo() {
    let env = TestEnv::new();
    let dirs = common::three_distinct_repos(&env);
    let commands: &[&[&str]] = &[
        // `log` is interactive: one repo after the other, attached.
        &["super", "r1", "r2", "r3", "log", "-1", "--format=%h %s"],
        &["super", "r2", "status", "--short", "--branch"],
        // Concurrent and captured.
        &[
            "super", "-j", "1", "r1", "r2", "r3", "status", "--short", "--branch",
        ],
        &["super", "-j", "1", "r2", "r3", "ls-remote", "."],
    ];
    let expected: Vec<(Option<i32>, String)> = commands
        .iter()
        .map(|args| gita_with(&env, &[], args))
        .collect();
    assert!(expected[0].1.contains("work in r2"), "{expected:?}");
    assert!(expected[3].1.contains("refs/heads/main"), "{expected:?}");
    let mut leaks = Vec::new();
    for (label, vars) in common::repo_local_settings(&dirs[0]) {
        for (args, want) in commands.iter().zip(&expected) {
            let got = gita_with(&env, &vars, args);
            if &got != want {
                leaks.push(format!("{label}, {args:?}: {got:?}"));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "expected {expected:#?}\n{}",
        leaks.join("\n")
    );
}

#[test]
fn shell_commands_see_no_repo_local_git_variables_but_the_users_own() {
    let env = TestEnv::new();
    let dirs = common::three_distinct_repos(&env);
    let mut vars: Vec<(String, String)> = common::repo_local_settings(&dirs[0])
        .into_iter()
        .flat_map(|(_, v)| v)
        .collect();
    for name in [
        "GIT_PREFIX",
        "GIT_IMPLICIT_WORK_TREE",
        "GIT_GRAFT_FILE",
        "GIT_SHALLOW_FILE",
    ] {
        vars.push((name.into(), dirs[0].display().to_string()));
    }
    for name in ["GIT_CEILING_DIRECTORIES", "GIT_SSH_COMMAND"] {
        vars.push((name.into(), "kept".into()));
    }
    let script = "env | grep '^GIT_' | sort";
    for args in [&["shell", "r2", script][..], &["shell", "-q", script]] {
        let (code, out) = gita_with(&env, &vars, args);
        assert_eq!(code, Some(0), "{out}");
        for line in out.lines().filter(|l| l.contains("GIT_")) {
            let name = line
                .split_once("GIT_")
                .and_then(|(_, rest)| rest.split_once('='))
                .map(|(n, _)| format!("GIT_{n}"))
                .unwrap_or_default();
            assert!(
                [
                    "GIT_CONFIG_GLOBAL",
                    "GIT_CONFIG_NOSYSTEM",
                    "GIT_AUTHOR_NAME",
                    "GIT_AUTHOR_EMAIL",
                    "GIT_COMMITTER_NAME",
                    "GIT_COMMITTER_EMAIL",
                    "GIT_CEILING_DIRECTORIES",
                    "GIT_SSH_COMMAND",
                    // Set by gita for the concurrent phase.
                    "GIT_TERMINAL_PROMPT",
                    "GIT_ASKPASS",
                    "GIT_EDITOR",
                ]
                .contains(&name.as_str()),
                "{name} reached the command:\n{out}"
            );
        }
        assert!(out.contains("GIT_SSH_COMMAND=kept"), "{out}");
        assert!(out.contains("GIT_CONFIG_GLOBAL=/dev/null"), "{out}");
        // gita adds the repo's parent to the user's ceiling directories.
        assert!(out.contains(":kept\n"), "{out}");
    }
}

/// Runs `cmd` with `args`: the exit code and everything it printed.
fn code_and_text(mut cmd: Command, args: &[&str]) -> (Option<i32>, String) {
    let out = cmd.args(args).output().expect("run gita");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

/// Commands that use the folder of repo r1: `ll` with each status engine
/// (the message is in the table), `super` and `shell` attached and concurrent.
const USES_R1: &[(&str, &[&str])] = &[
    ("", &["ll"]),
    ("git", &["ll"]),
    ("gix", &["ll"]),
    ("", &["super", "r1", "status"]),
    ("", &["super", "r0", "r1", "status"]),
    ("", &["shell", "r1", "true"]),
    ("", &["shell", "r0", "r1", "true"]),
];

#[test]
fn a_repo_folder_that_cannot_be_entered_is_named_as_the_problem() {
    use std::os::unix::fs::PermissionsExt as _;
    let env = TestEnv::new();
    let dirs = repos(&env, 2);
    let test = "a_repo_folder_that_cannot_be_entered_is_named_as_the_problem";
    if common::gita_bound_by_permissions(&env, test).is_none() {
        return;
    }
    fs::set_permissions(&dirs[1], fs::Permissions::from_mode(0o000)).expect("chmod");
    let want = format!(
        "cannot enter the repo folder {}: permission denied",
        dirs[1].display()
    );
    let mut wrong = Vec::new();
    for (engine, args) in USES_R1 {
        let Some(mut cmd) = common::gita_bound_by_permissions(&env, test) else {
            return;
        };
        cmd.env("GITA_STATUS_ENGINE", engine);
        let (code, text) = code_and_text(cmd, args);
        if code != Some(1) || !text.contains(&want) || text.contains("installed") {
            wrong.push(format!("{engine} {args:?}: {code:?}\n{text}"));
        }
    }
    fs::set_permissions(&dirs[1], fs::Permissions::from_mode(0o755)).expect("chmod back");
    assert!(wrong.is_empty(), "want {want:?}\n{}", wrong.join("\n"));
}

#[test]
fn a_repo_folder_that_is_a_file_is_named_as_the_problem() {
    let env = TestEnv::new();
    let dirs = repos(&env, 2);
    fs::remove_dir_all(&dirs[1]).expect("rm repo");
    fs::write(&dirs[1], "not a folder\n").expect("write file");
    let want = format!("the repo folder {} is not a directory", dirs[1].display());
    let mut wrong = Vec::new();
    for (engine, args) in USES_R1 {
        let mut cmd = env.cmd();
        cmd.env("GITA_STATUS_ENGINE", engine);
        let (code, text) = code_and_text(cmd, args);
        if code != Some(1) || !text.contains(&want) {
            wrong.push(format!("{engine} {args:?}: {code:?}\n{text}"));
        }
    }
    assert!(wrong.is_empty(), "want {want:?}\n{}", wrong.join("\n"));
}

#[test]
fn a_missing_git_program_is_named_as_the_problem() {
    let env = TestEnv::new();
    repos(&env, 2);
    let empty = env.root.join("empty-path");
    fs::create_dir_all(&empty).expect("mkdir");
    let want = "git was not found on PATH (is it installed?)";
    let mut wrong = Vec::new();
    let runs: &[(&str, &[&str])] = &[
        ("git", &["ll"]),
        ("", &["super", "r1", "status"]),
        ("", &["super", "r0", "r1", "status"]),
    ];
    for (engine, args) in runs {
        let mut cmd = env.cmd();
        cmd.env("GITA_STATUS_ENGINE", engine).env("PATH", &empty);
        let (code, text) = code_and_text(cmd, args);
        if code != Some(1) || !text.contains(want) || text.contains("folder") {
            wrong.push(format!("{engine} {args:?}: {code:?}\n{text}"));
        }
    }
    assert!(wrong.is_empty(), "want {want:?}\n{}", wrong.join("\n"));
}

/// Starts `args`, reads the first line gita prints (the repo's path), closes
/// the pipe and only then lets the repo's command write: it waits for the
/// file `flag`. Returns the finished run (stdout is not read).
fn close_stdout_after_the_path(env: &TestEnv, args: &[&str], flag: &Path) -> Run {
    let mut child = env
        .cmd()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn gita");
    let mut out = child.stdout.take().expect("stdout");
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while byte[0] != b'\n' {
        out.read_exact(&mut byte).expect("the path line");
        line.push(byte[0]);
    }
    assert!(
        String::from_utf8_lossy(&line).starts_with(&env.work.display().to_string()),
        "{line:?}"
    );
    drop(out);
    fs::write(flag, "").expect("flag");
    wait_within(child, Duration::from_secs(60))
}

/// Starts `args` with stdout piped, closes the pipe before anything is
/// written and only then lets the repo's command write: it waits for the
/// file `flag`.
fn close_stdout_at_once(env: &TestEnv, args: &[&str], flag: &Path) -> Run {
    let mut child = env
        .cmd()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn gita");
    drop(child.stdout.take());
    fs::write(flag, "").expect("flag");
    wait_within(child, Duration::from_secs(60))
}

#[test]
fn runs_into_a_closed_pipe_end_quietly() {
    let env = TestEnv::new();
    let dirs = repos(&env, 2);
    let flag = env.root.join("reader-gone");
    let wait = format!("while [ ! -e '{}' ]; do sleep 0.02; done", flag.display());
    let plenty = "seq 1 100000";
    env.git(
        &dirs[1],
        &["config", "alias.late-log", &format!("!{wait}; git log")],
    );
    fs::write(
        env.config_dir().join("cmds.yml"),
        format!(
            "late:\n  cmd: \"{wait}; echo \\\"$PWD\\\" >> ran; {plenty}\"\n  shell: true\n  interactive: true\n\
             latelog:\n  cmd: git late-log\n  interactive: true\n"
        ),
    )
    .expect("write cmds.yml");
    let line = format!("{wait}; {plenty}");
    // Captured, one repo: the block meets the closed pipe.
    let captured: &[&[&str]] = &[&["super", "r1", "late-log"], &["shell", "r1", &line]];
    for args in captured {
        let _ = fs::remove_file(&flag);
        let run = close_stdout_at_once(&env, args, &flag);
        assert_eq!(run.code, 0, "{args:?}: {run:#?}");
        assert_eq!(run.stderr, "", "{args:?}: {run:#?}");
    }
    // Attached (interactive commands): the command meets it.
    let attached: &[&[&str]] = &[
        &["latelog", "r1"],
        // Several repos one at a time: the first meets the closed pipe and
        // the rest are not run.
        &["late", "r0", "r1"],
    ];
    for args in attached {
        let _ = fs::remove_file(&flag);
        let run = close_stdout_after_the_path(&env, args, &flag);
        assert_eq!(run.code, 0, "{args:?}: {run:#?}");
        assert_eq!(run.stderr, "", "{args:?}: {run:#?}");
    }
    assert!(dirs[0].join("ran").exists());
    assert!(!dirs[1].join("ran").exists(), "r1 ran after stdout closed");
}

/// Kills, when dropped, every process whose command line holds the marker
/// (see [`processes_with`]): a failing test leaves nothing running.
#[cfg(target_os = "linux")]
struct KillMarked(&'static str);

#[cfg(target_os = "linux")]
impl Drop for KillMarked {
    fn drop(&mut self) {
        for pid in processes_with(self.0) {
            if let Ok(pid) = i32::try_from(pid) {
                // SAFETY: plain syscall on a process this test started.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
        }
    }
}

/// Waits until `n` processes with `marker` run (a hang guard of 20s).
#[cfg(target_os = "linux")]
fn wait_for_processes(marker: &str, n: usize) {
    let start = Instant::now();
    while processes_with(marker).len() < n {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the command never started"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

/// Leftovers of `marker` after gita exited: processes killed by SIGKILL may
/// take a moment to disappear from /proc.
#[cfg(target_os = "linux")]
fn leftovers(marker: &str) -> Vec<u32> {
    let start = Instant::now();
    loop {
        let found = processes_with(marker);
        if found.is_empty() || start.elapsed() > Duration::from_secs(2) {
            return found;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// A command line that starts a background `sleep` of its own and waits on
/// a second one, both carrying `marker` (a duration no other test uses).
fn two_sleeps(marker: &str) -> String {
    format!("{marker} & {marker}; echo never")
}

/// Makes `gita hold <names>` an interactive custom command (run attached)
/// that runs the shell command line `line` (without single quotes).
fn hold_command(env: &TestEnv, line: &str) {
    fs::create_dir_all(env.config_dir()).expect("mkdir");
    fs::write(
        env.config_dir().join("cmds.yml"),
        format!("hold:\n  cmd: '{line}'\n  shell: true\n  interactive: true\n"),
    )
    .expect("write cmds.yml");
}

#[test]
#[cfg(target_os = "linux")] // finds leftover processes through /proc
fn a_signal_to_gita_alone_stops_a_one_repo_run_and_its_whole_group() {
    let env = TestEnv::new();
    repos(&env, 2);
    let marker = "sleep 1004.321";
    let _cleanup = KillMarked(marker);
    hold_command(&env, &two_sleeps(marker));
    let line = two_sleeps(marker);
    // Captured, and attached (an interactive command).
    let runs: [&[&str]; 2] = [&["shell", "r1", &line], &["hold", "r1"]];
    for (args, sig) in runs.iter().flat_map(|args| {
        [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT].map(|sig| (args, sig))
    }) {
        let mut cmd = env.cmd();
        common::default_signal_actions(&mut cmd);
        let child = cmd
            .args(args.iter())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn gita");
        wait_for_processes(marker, 2);
        // To gita's pid only, as `kill` does; not to its process group.
        // SAFETY: plain syscall on the gita process this test started.
        unsafe {
            libc::kill(i32::try_from(child.id()).expect("pid"), sig);
        }
        let run = wait_within(child, Duration::from_secs(20));
        assert_eq!(run.code, 128 + sig, "{args:?}, signal {sig}: {run:#?}");
        assert!(run.stderr.contains("interrupted"), "{run:#?}");
        assert!(!run.stdout.contains("never"), "{run:#?}");
        let left = leftovers(marker);
        assert_eq!(left, Vec::<u32>::new(), "{args:?}, after signal {sig}");
    }
}

#[test]
#[cfg(target_os = "linux")] // finds leftover processes through /proc
fn a_signal_to_gita_stops_every_concurrent_run_and_its_whole_group() {
    let env = TestEnv::new();
    repos(&env, 3);
    let marker = "sleep 1005.321";
    let _cleanup = KillMarked(marker);
    for sig in [libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
        let mut cmd = env.cmd();
        common::default_signal_actions(&mut cmd);
        let child = cmd
            .args(["shell", "-q", &two_sleeps(marker)])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn gita");
        wait_for_processes(marker, 6);
        // SAFETY: plain syscall on the gita process this test started.
        unsafe {
            libc::kill(i32::try_from(child.id()).expect("pid"), sig);
        }
        let run = wait_within(child, Duration::from_secs(20));
        assert_eq!(run.code, 128 + sig, "signal {sig}: {run:#?}");
        assert!(
            run.stderr.contains("every running command was stopped"),
            "{run:#?}"
        );
        assert_eq!(leftovers(marker), Vec::<u32>::new(), "after signal {sig}");
    }
}

#[test]
#[cfg(target_os = "linux")] // finds leftover processes through /proc
fn a_timeout_stops_a_one_repo_run_and_its_whole_group() {
    // Inside `$(…)` the caller reads to the end of gita's output: a process
    // left behind holding it would keep the caller waiting.
    let env = TestEnv::new();
    repos(&env, 2);
    let marker = "sleep 1006.321";
    let _cleanup = KillMarked(marker);
    hold_command(&env, &two_sleeps(marker));
    let gita = env!("CARGO_BIN_EXE_gita");
    let captured = format!("shell --timeout 2 r1 '{}'", two_sleeps(marker));
    let attached = "hold --timeout 2 r1".to_string();
    for (args, out, note) in [
        (
            captured,
            String::new(),
            "r1: gita: timed out after 2.0s, killed",
        ),
        (
            attached,
            env.work.join("r1").display().to_string(),
            "gita: r1: timed out after 2.0s, killed",
        ),
    ] {
        let script = format!("out=$('{gita}' {args}); echo \"status $? [$out]\"");
        let mut cmd = Command::new("bash");
        env.hermetic(&mut cmd);
        cmd.current_dir(&env.work).args(["-c", &script]);
        let run = run_within(cmd, Duration::from_secs(60)).ok();
        assert_eq!(run.stdout, format!("status 1 [{out}]\n"), "{args}");
        assert!(run.stderr.contains(note), "{args}: {run:#?}");
        assert_eq!(leftovers(marker), Vec::<u32>::new(), "{args}");
    }
}

#[test]
#[cfg(target_os = "linux")] // finds leftover processes through /proc
fn a_one_repo_run_on_a_terminal_is_stopped_whole() {
    // An interactive command's group is the terminal's foreground: Ctrl-C
    // typed there reaches it, and a signal to gita or a timeout stops all
    // of it. A captured run leaves the terminal to gita: Ctrl-C reaches gita,
    // which stops the command's group.
    let pty_works = Command::new("script")
        .args(["-qec", "true", "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success());
    if !common::available(
        pty_works,
        "util-linux `script` with a pseudo-terminal",
        "a_one_repo_run_on_a_terminal_is_stopped_whole",
    ) {
        return;
    }
    let env = TestEnv::new();
    let dirs = repos(&env, 2);
    let marker = "sleep 1007.321";
    let _cleanup = KillMarked(marker);
    let gita = env!("CARGO_BIN_EXE_gita");
    // `$PPID` of the shell command is gita. The sleeps ignore SIGHUP, so
    // that the terminal's hangup when `script` ends cannot stop them.
    let line = format!(
        "trap \"\" HUP; echo $PPID > gita.pid; {}",
        two_sleeps(marker)
    );
    hold_command(&env, &line);
    let on_terminal = |gita_args: &str| {
        let mut cmd = Command::new("script");
        env.hermetic(&mut cmd);
        common::default_signal_actions(&mut cmd);
        cmd.current_dir(&env.work)
            .args(["-qec", &format!("{gita} {gita_args}"), "/dev/null"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn script")
    };
    let pid_file = dirs[1].join("gita.pid");

    // Ctrl-C typed on the terminal, attached and captured.
    for args in ["hold r1".to_string(), format!("shell r1 '{line}'")] {
        let mut child = on_terminal(&args);
        wait_for_processes(marker, 2);
        {
            use std::io::Write as _;
            let mut stdin = child.stdin.take().expect("stdin");
            stdin.write_all(b"\x03").expect("type Ctrl-C");
        }
        let run = wait_within(child, Duration::from_secs(20));
        assert_eq!(run.code, 130, "{args}: {run:#?}");
        assert_eq!(leftovers(marker), Vec::<u32>::new(), "{args}: after Ctrl-C");
    }

    // SIGTERM to gita alone.
    let _ = fs::remove_file(&pid_file);
    let child = on_terminal("hold r1");
    wait_for_processes(marker, 2);
    let gita_pid: i32 = fs::read_to_string(&pid_file)
        .expect("pid file")
        .trim()
        .parse()
        .expect("pid");
    // SAFETY: plain syscall on the gita process this test started.
    unsafe {
        libc::kill(gita_pid, libc::SIGTERM);
    }
    let run = wait_within(child, Duration::from_secs(20));
    assert_eq!(run.code, 143, "{run:#?}");
    assert_eq!(leftovers(marker), Vec::<u32>::new(), "after SIGTERM");

    // A timeout.
    let child = on_terminal("hold --timeout 1 r1");
    let run = wait_within(child, Duration::from_secs(20));
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(
        run.stdout.contains("timed out after 1.0s, killed"),
        "{run:#?}"
    );
    assert_eq!(leftovers(marker), Vec::<u32>::new(), "after the timeout");
}

/// The command line clap's tip names, without `gita` (see `src/tip.rs`).
fn tip_line(stderr: &str) -> Vec<String> {
    let marker = "put it after the names and '--': 'gita ";
    let start = stderr
        .find(marker)
        .unwrap_or_else(|| panic!("no tip in {stderr:?}"))
        + marker.len();
    let rest = &stderr[start..];
    let end = rest.find("'\n").expect("end of the tip");
    rest[..end].split(' ').map(str::to_string).collect()
}

#[test]
fn words_after_double_dash_are_appended_to_a_delegated_command() {
    let env = TestEnv::new();
    let dirs = repos(&env, 2);
    env.commit(&dirs[1], "second.txt", "2\n", "second commit");
    let one_line_log = env.git(&dirs[1], &["log", "--oneline"]);
    assert_eq!(one_line_log.lines().count(), 2);

    // An option the command does not take is a usage error whose tip works.
    let run = env.gita(&["log", "r1", "--oneline"]).code(2);
    assert!(
        run.stderr
            .starts_with("error: unexpected argument '--oneline'"),
        "{run:#?}"
    );
    let tip = tip_line(&run.stderr);
    assert_eq!(tip, ["log", "r1", "--", "--oneline"]);
    let tip: Vec<&str> = tip.iter().map(String::as_str).collect();
    let run = env.gita(&tip).ok();
    // `log` is interactive: the path first, then the one-line log.
    assert_eq!(run.stdout, format!("{}\n{one_line_log}", dirs[1].display()));
    // Also when the option comes before the names, with a value (`-n` is
    // gita's --dry-run, so git's --max-count stands for it).
    let run = env
        .gita(&["log", "--max-count", "1", "r1", "--format=%s"])
        .code(2);
    let tip = tip_line(&run.stderr);
    assert_eq!(tip, ["log", "r1", "--", "--max-count", "1", "--format=%s"]);
    let tip: Vec<&str> = tip.iter().map(String::as_str).collect();
    let run = env.gita(&tip).ok();
    assert_eq!(
        run.stdout,
        format!("{}\nsecond commit\n", dirs[1].display())
    );
    let run = env.gita(&["fetch", "--prune"]).code(2);
    assert_eq!(tip_line(&run.stderr), ["fetch", "--", "--prune"]);
    env.gita(&["fetch", "--", "--prune"]).ok();

    // Captured commands get them too, in every repo named.
    let run = env
        .gita(&["lo", "r0", "r1", "--", "-1", "--format=%s"])
        .ok();
    assert!(run.stdout.contains("r0: initial commit\n"), "{run:#?}");
    assert!(run.stdout.contains("r1: second commit\n"), "{run:#?}");
    assert_eq!(run.stdout.lines().count(), 2, "{run:#?}");

    // cmds.yml commands: words appended as they are, or shell-quoted.
    fs::write(
        env.config_dir().join("cmds.yml"),
        "say:\n  cmd: echo said\n  allow_all: true\n\
         each:\n  cmd: printf '%s|'\n  shell: true\n  allow_all: true\n",
    )
    .expect("write cmds.yml");
    let run = env.gita(&["say", "r0", "--", "a  b", "$HOME"]).ok();
    assert_eq!(run.stdout, "r0: said a  b $HOME\n");
    let run = env
        .gita(&["each", "r0", "--", "a  b", "it's", "$HOME", ";", "false"])
        .ok();
    assert_eq!(run.stdout, "r0: a  b|it's|$HOME|;|false|\n");
}

/// A stand-in for ssh that runs the remote command here, after noting how
/// many of its kind run at that moment (one file per running copy).
fn counting_ssh(env: &TestEnv) -> (PathBuf, PathBuf) {
    let active = env.root.join("active");
    let log = env.root.join("counts.log");
    fs::create_dir_all(&active).expect("mkdir active");
    let script = env.root.join("bin").join("countssh");
    fs::create_dir_all(script.parent().expect("bin")).expect("mkdir bin");
    let body = format!(
        "#!/bin/sh\n\
         [ \"$1\" = -G ] && exit 1\n\
         host=$1\n\
         for last; do :; done\n\
         : >'{a}'/$host.$$\n\
         ls '{a}' | grep -c \"^$host\\.\" | sed \"s/^/$host /\" >>'{l}'\n\
         sleep 0.3\n\
         rm -f '{a}'/$host.$$\n\
         exec sh -c \"$last\"\n",
        a = active.display(),
        l = log.display()
    );
    fs::write(&script, body).expect("write countssh");
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).expect("chmod");
    (script, log)
}

#[test]
fn network_runs_send_at_most_64_repos_at_once_to_one_server_by_default() {
    let env = TestEnv::new();
    let (ssh, log) = counting_ssh(&env);
    let (_, bare) = env.repo_with_remote("seed");
    let parent = env.root.join("many");
    // 70 repos on server a, 6 on server b, all cloned from one bare repo.
    let mut dirs = Vec::new();
    for (host, n) in [("a.example", 70), ("b.example", 6)] {
        for i in 0..n {
            let dir = parent.join(format!("{host}-{i}"));
            env.git(
                &env.root,
                &[
                    "clone",
                    "-q",
                    &format!("file://{}", bare.display()),
                    &dir.display().to_string(),
                ],
            );
            let url = format!("ssh://{host}{}", bare.display());
            env.git(&dir, &["remote", "set-url", "origin", &url]);
            dirs.push(dir);
        }
    }
    env.gita(&["add", "-r", &parent.display().to_string()]).ok();
    let mut cmd = env.cmd();
    cmd.env("GIT_SSH_COMMAND", &ssh)
        .env("GIT_SSH_VARIANT", "simple");
    cmd.args(["fetch"]);
    let out = run_within(cmd, Duration::from_secs(120));
    assert_eq!(out.code, 0, "{out:#?}");
    let text = fs::read_to_string(&log).expect("counts log");
    let mut most: BTreeMap<&str, usize> = BTreeMap::new();
    let mut fetches = 0;
    for line in text.lines() {
        let (host, n) = line.split_once(' ').expect("host count");
        let n: usize = n.trim().parse().expect("count");
        let m = most.entry(host).or_default();
        *m = (*m).max(n);
        fetches += 1;
    }
    assert_eq!(fetches, 76, "{text}");
    assert!(most["a.example"] <= 64, "{most:?}");
    assert!(most["b.example"] <= 6, "{most:?}");

    // An explicit -j is the one bound, whatever the servers.
    fs::write(&log, "").expect("clear log");
    let mut cmd = env.cmd();
    cmd.env("GIT_SSH_COMMAND", &ssh)
        .env("GIT_SSH_VARIANT", "simple");
    cmd.args(["fetch", "-j", "20"]);
    let out = run_within(cmd, Duration::from_secs(120));
    assert_eq!(out.code, 0, "{out:#?}");
    let text = fs::read_to_string(&log).expect("counts log");
    let most = text
        .lines()
        .filter_map(|l| l.split_once(' ')?.1.trim().parse::<usize>().ok())
        .max();
    assert!(most.is_some_and(|m| m <= 20), "{text}");
}
