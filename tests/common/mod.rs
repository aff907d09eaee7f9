//! Hermetic test harness: a temp HOME and config dir per test, git isolated
//! from the machine's config with a fixed identity and dates, and builders
//! for real repos and bare remotes. Every test runs the real `gita` binary.
#![allow(dead_code)]

use std::cell::Cell;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

/// 2024-01-01T00:00:00Z; every commit made through the harness is one hour later
/// than the previous one.
const T0: i64 = 1_704_067_200;

pub struct TestEnv {
    _tmp: TempDir,
    /// Canonical root of the temp dir.
    pub root: PathBuf,
    pub home: PathBuf,
    /// `$GITA_PROJECT_HOME`; gita's files live in `config_dir()`.
    pub project_home: PathBuf,
    /// Where repos are created and the default cwd of commands.
    pub work: PathBuf,
    tick: Cell<i64>,
}

/// A finished command.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Asserts exit 0 and returns self.
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "expected success\n{self:#?}");
        self
    }

    /// Asserts the exit code and returns self.
    #[track_caller]
    pub fn code(self, code: i32) -> Run {
        assert_eq!(self.code, code, "unexpected exit code\n{self:#?}");
        self
    }

    /// Asserts exit 1 with a one-line `gita: error:` message containing `needle`.
    #[track_caller]
    pub fn err(self, needle: &str) -> Run {
        assert_eq!(self.code, 1, "expected failure\n{self:#?}");
        assert!(
            self.stderr.starts_with("gita: error: "),
            "error not in gita's format\n{self:#?}"
        );
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\n{self:#?}"
        );
        self
    }
}

impl TestEnv {
    pub fn new() -> TestEnv {
        let tmp = tempfile::Builder::new()
            .prefix("gita-test")
            .tempdir()
            .expect("temp dir");
        let root = fs::canonicalize(tmp.path()).expect("canonical temp dir");
        let home = root.join("home");
        let project_home = root.join("project");
        let work = root.join("work");
        for d in [&home, &project_home, &work] {
            fs::create_dir_all(d).expect("mkdir");
        }
        TestEnv {
            _tmp: tmp,
            root,
            home,
            project_home,
            work,
            tick: Cell::new(0),
        }
    }

    /// gita's config dir (`$GITA_PROJECT_HOME/gita`).
    pub fn config_dir(&self) -> PathBuf {
        self.project_home.join("gita")
    }

    pub fn registry_path(&self) -> PathBuf {
        self.config_dir().join("registry.yml")
    }

    /// Contents of registry.yml ("" if missing).
    pub fn registry(&self) -> String {
        fs::read_to_string(self.registry_path()).unwrap_or_default()
    }

    /// Contents of settings.yml ("" if missing).
    pub fn settings(&self) -> String {
        fs::read_to_string(self.config_dir().join("settings.yml")).unwrap_or_default()
    }

    /// Applies the hermetic environment to a command.
    pub fn hermetic(&self, cmd: &mut Command) {
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("GITA_PROJECT_HOME", &self.project_home)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Test Bot")
            .env("GIT_AUTHOR_EMAIL", "bot@example.invalid")
            .env("GIT_COMMITTER_NAME", "Test Bot")
            .env("GIT_COMMITTER_EMAIL", "bot@example.invalid")
            .env("TZ", "UTC")
            .env("LANG", "C.UTF-8")
            .stdin(Stdio::null());
    }

    /// A `gita` command with the hermetic environment, run in `work`.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_gita"));
        self.hermetic(&mut cmd);
        cmd.current_dir(&self.work);
        cmd
    }

    /// Runs gita in `work`.
    pub fn gita(&self, args: &[&str]) -> Run {
        self.gita_in(&self.work, args)
    }

    /// Runs gita with `GITA_STATUS_ENGINE` set to `engine` ("" = default).
    pub fn gita_engine(&self, engine: &str, args: &[&str]) -> Run {
        let mut cmd = self.cmd();
        if !engine.is_empty() {
            cmd.env("GITA_STATUS_ENGINE", engine);
        }
        Run::from(cmd.args(args).output().expect("run gita"))
    }

    /// Runs git in `dir` and returns whether it succeeded.
    pub fn git_ok(&self, dir: &Path, args: &[&str]) -> bool {
        let mut cmd = Command::new("git");
        self.hermetic(&mut cmd);
        cmd.current_dir(dir)
            .args(args)
            .output()
            .expect("run git")
            .status
            .success()
    }

    /// Runs gita in `dir`.
    pub fn gita_in(&self, dir: &Path, args: &[&str]) -> Run {
        let out = self
            .cmd()
            .current_dir(dir)
            .args(args)
            .output()
            .expect("run gita");
        Run::from(out)
    }

    /// Runs git in `dir` with the next fixed date; panics on failure.
    pub fn git(&self, dir: &Path, args: &[&str]) -> String {
        let t = T0 + 3600 * self.tick.get();
        self.tick.set(self.tick.get() + 1);
        let date = format!("@{t} +0000");
        let mut cmd = Command::new("git");
        self.hermetic(&mut cmd);
        let out = cmd
            .current_dir(dir)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .args(args)
            .output()
            .expect("run git");
        assert!(
            out.status.success(),
            "git {args:?} in {} failed: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A new repo at `work/<rel>` on branch `main` with one commit.
    pub fn repo(&self, rel: &str) -> PathBuf {
        let dir = self.work.join(rel);
        fs::create_dir_all(&dir).expect("mkdir repo");
        self.git(&dir, &["init", "-q", "-b", "main"]);
        self.commit(&dir, "README.md", "hello\n", "initial commit");
        dir
    }

    /// Writes `file` and commits it.
    pub fn commit(&self, dir: &Path, file: &str, content: &str, msg: &str) {
        let path = dir.join(file);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("mkdir");
        }
        fs::write(&path, content).expect("write file");
        self.git(dir, &["add", "--", file]);
        self.git(dir, &["commit", "-q", "-m", msg]);
    }

    /// A bare repo at `root/remotes/<name>.git`.
    pub fn bare(&self, name: &str) -> PathBuf {
        let dir = self.root.join("remotes").join(format!("{name}.git"));
        fs::create_dir_all(&dir).expect("mkdir bare");
        self.git(&dir, &["init", "-q", "--bare", "-b", "main"]);
        dir
    }

    /// A repo at `work/<rel>` whose `main` tracks `origin/main` in a bare
    /// remote, in sync. Returns (work tree, bare remote).
    pub fn repo_with_remote(&self, rel: &str) -> (PathBuf, PathBuf) {
        let name = rel.replace('/', "_");
        let bare = self.bare(&name);
        let dir = self.repo(rel);
        let url = format!("file://{}", bare.display());
        self.git(&dir, &["remote", "add", "origin", &url]);
        self.git(&dir, &["push", "-q", "-u", "origin", "main"]);
        (dir, bare)
    }
}

/// Set (by CI) to make every test that would skip for lack of a program fail
/// instead, so no shell or tool test is silently left out there.
pub const REQUIRE_ALL_VAR: &str = "GITA_TEST_REQUIRE_ALL";

/// Whether `program` is found on PATH as an executable file.
pub fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            fs::metadata(dir.join(program))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

/// Whether the part of a test that needs `what` (a program, a pseudo-terminal)
/// can run. When it cannot, one line on the test's real stderr (not captured
/// by the test harness, so `cargo test` shows it) says what is skipped and
/// why; with `GITA_TEST_REQUIRE_ALL` set the test fails instead.
#[track_caller]
pub fn available(available: bool, what: &str, skipped: &str) -> bool {
    use std::io::Write as _;
    if available {
        return true;
    }
    let wanted = std::env::var_os(REQUIRE_ALL_VAR).is_some_and(|v| !v.is_empty() && v != "0");
    assert!(
        !wanted,
        "{what} is not available, and {REQUIRE_ALL_VAR} says every test must run ({skipped})"
    );
    let _ = writeln!(
        std::io::stderr(),
        "skipped: {skipped} ({what} is not installed; set {REQUIRE_ALL_VAR}=1 to fail instead)"
    );
    false
}

/// `available` for a program looked up on PATH.
#[track_caller]
pub fn have(program: &str, skipped: &str) -> bool {
    available(on_path(program), &format!("`{program}`"), skipped)
}

/// Waits for `child` (stdout and stderr piped or null) at most `limit`,
/// reading its output meanwhile; kills it and fails the test if it hangs.
#[track_caller]
pub fn wait_within(mut child: std::process::Child, limit: std::time::Duration) -> Run {
    use std::io::Read as _;
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut s);
            }
            String::from_utf8_lossy(&s).into_owned()
        })
    };
    let out_t = drain(child.stdout.take().map(|p| Box::new(p) as Box<_>));
    let err_t = drain(child.stderr.take().map(|p| Box::new(p) as Box<_>));
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the command did not finish within {limit:?}: it hangs");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: out_t.join().expect("stdout thread"),
        stderr: err_t.join().expect("stderr thread"),
    }
}

/// Repository-local git variables a caller (typically a git hook, or a git
/// alias that runs gita) may leave in the environment, each naming `repo`'s
/// files or changing how a repository is read. A label and the variables.
pub fn repo_local_settings(repo: &Path) -> Vec<(&'static str, Vec<(String, String)>)> {
    let dot_git = repo.join(".git");
    let one = |k: &str, v: &Path| vec![(k.to_string(), v.display().to_string())];
    vec![
        ("GIT_DIR", one("GIT_DIR", &dot_git)),
        ("GIT_WORK_TREE", one("GIT_WORK_TREE", repo)),
        (
            "GIT_INDEX_FILE",
            one("GIT_INDEX_FILE", &dot_git.join("index")),
        ),
        (
            "GIT_OBJECT_DIRECTORY",
            one("GIT_OBJECT_DIRECTORY", &dot_git.join("objects")),
        ),
        ("GIT_COMMON_DIR", one("GIT_COMMON_DIR", &dot_git)),
        (
            "GIT_CONFIG_PARAMETERS",
            vec![(
                "GIT_CONFIG_PARAMETERS".into(),
                "'status.showuntrackedfiles'='no' 'core.abbrev'='4'".into(),
            )],
        ),
        (
            "GIT_CONFIG_COUNT",
            vec![
                ("GIT_CONFIG_COUNT".into(), "2".into()),
                (
                    "GIT_CONFIG_KEY_0".into(),
                    "status.showUntrackedFiles".into(),
                ),
                ("GIT_CONFIG_VALUE_0".into(), "no".into()),
                ("GIT_CONFIG_KEY_1".into(), "core.abbrev".into()),
                ("GIT_CONFIG_VALUE_1".into(), "4".into()),
            ],
        ),
        ("GIT_NAMESPACE", vec![("GIT_NAMESPACE".into(), "ns".into())]),
    ]
}

/// Three registered repos r1, r2, r3 whose files, index, commits and states
/// differ: r1 and r3 are clean, r2 has an untracked file. Returns their paths.
pub fn three_distinct_repos(env: &TestEnv) -> Vec<PathBuf> {
    let dirs: Vec<PathBuf> = ["r1", "r2", "r3"].iter().map(|n| env.repo(n)).collect();
    for (i, dir) in dirs.iter().enumerate() {
        let n = i + 1;
        env.commit(
            dir,
            &format!("only-in-r{n}.txt"),
            &format!("{n}\n"),
            &format!("work in r{n}"),
        );
    }
    fs::write(dirs[1].join("untracked.txt"), "new\n").expect("write");
    let mut args = vec!["add".to_string()];
    args.extend(dirs.iter().map(|d| d.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    env.gita(&args).ok();
    dirs
}

/// A `gita` command (hermetic, in `work`) that file permissions apply to.
/// Root passes every permission check, so as root gita runs under `setpriv`
/// without the capabilities that bypass them; `None` (with a skip line, see
/// [`available`]) when that cannot be done.
#[track_caller]
pub fn gita_bound_by_permissions(env: &TestEnv, skipped: &str) -> Option<Command> {
    // SAFETY: plain syscall without arguments.
    if unsafe { libc::geteuid() } != 0 {
        return Some(env.cmd());
    }
    const DROP: &str = "--bounding-set=-dac_override,-dac_read_search";
    let works = Command::new("setpriv")
        .args([DROP, "true"])
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success());
    if !available(
        works,
        "`setpriv` (to drop root's permission bypass)",
        skipped,
    ) {
        return None;
    }
    let mut cmd = Command::new("setpriv");
    env.hermetic(&mut cmd);
    cmd.current_dir(&env.work)
        .args([DROP, env!("CARGO_BIN_EXE_gita")]);
    Some(cmd)
}

/// Gives the command the default action for the signals a test sends (the
/// test itself may have been started with some ignored, e.g. in the
/// background of a script, and ignored signals are inherited).
pub fn default_signal_actions(cmd: &mut Command) {
    use std::os::unix::process::CommandExt as _;
    // SAFETY: `signal` is async-signal-safe; the closure touches nothing else.
    unsafe {
        cmd.pre_exec(|| {
            for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
                libc::signal(sig, libc::SIG_DFL);
            }
            Ok(())
        });
    }
}

/// Writes `text` to `path`, creating its folder.
pub fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("mkdir");
    }
    fs::write(path, text).expect("write");
}

/// Sets the modification time of the file at `path` to now plus `secs`
/// (negative: in the past), instead of sleeping until the clock moves on.
pub fn set_mtime(path: &Path, secs: i64) {
    let now = std::time::SystemTime::now();
    let delta = std::time::Duration::from_secs(secs.unsigned_abs());
    let when = if secs < 0 { now - delta } else { now + delta };
    fs::File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(when))
        .expect("set mtime");
}

/// Every file under `dir` with its bytes and modification time.
pub fn snapshot_tree(
    dir: &Path,
) -> std::collections::BTreeMap<PathBuf, (Vec<u8>, std::time::SystemTime)> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("read dir") {
            let entry = entry.expect("dir entry");
            let path = entry.path();
            let meta = fs::symlink_metadata(&path).expect("metadata");
            if meta.is_dir() {
                stack.push(path);
            } else {
                let bytes = fs::read(&path).unwrap_or_default();
                out.insert(path, (bytes, meta.modified().expect("mtime")));
            }
        }
    }
    out
}
