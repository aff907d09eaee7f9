//! SSH connection reuse against a real sshd on 127.0.0.1: one connection
//! per destination when on, one per repo when off or left alone, masters
//! that die or cannot open, Ctrl-C, and `clone -f` over ssh.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::{TestEnv, wait_within};

/// A real sshd for one test: its own host key, config and client key,
/// listening on a free port of 127.0.0.1, logging every login to a file;
/// killed on drop.
struct Sshd {
    child: Child,
    port: u16,
    dir: PathBuf,
    log: PathBuf,
}

impl Sshd {
    /// None (the test skips) when sshd or ssh-keygen is missing.
    fn start(env: &TestEnv) -> Option<Sshd> {
        let sshd = ["/usr/sbin/sshd", "/usr/local/sbin/sshd"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
            .or_else(|| common::on_path("sshd").then(|| PathBuf::from("sshd")));
        if !common::available(sshd.is_some(), "`sshd`", "ssh connection reuse")
            || !common::have("ssh-keygen", "ssh connection reuse")
        {
            return None;
        }
        let dir = env.root.join("sshd");
        fs::create_dir_all(&dir).expect("mkdir sshd");
        for key in ["host_key", "client_key"] {
            let ok = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(dir.join(key))
                .stdin(Stdio::null())
                .status()
                .expect("run ssh-keygen");
            assert!(ok.success(), "ssh-keygen failed");
        }
        let client_pub = fs::read_to_string(dir.join("client_key.pub")).expect("client key");
        fs::write(dir.join("authorized_keys"), client_pub).expect("authorized_keys");
        // SAFETY: getuid has no preconditions.
        if unsafe { libc::getuid() } == 0 {
            // sshd started by root separates privileges into this folder.
            fs::create_dir_all("/run/sshd").expect("mkdir /run/sshd");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let d = dir.display();
        // SHLVL=1: bash as the account's shell skips ~/.bashrc in sessions,
        // as a git host's shell does; the tests' sessions stay quick.
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nPidFile none\n\
             UsePAM no\nStrictModes no\nAuthorizedKeysFile {d}/authorized_keys\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\n\
             PermitRootLogin prohibit-password\nLogLevel VERBOSE\nMaxSessions 8\n\
             SetEnv SHLVL=1\n"
        );
        fs::write(dir.join("sshd_config"), config).expect("sshd_config");
        let host_pub = fs::read_to_string(dir.join("host_key.pub")).expect("host key");
        fs::write(
            dir.join("known_hosts"),
            format!("[127.0.0.1]:{port} {host_pub}"),
        )
        .expect("known_hosts");
        let log = dir.join("sshd.log");
        let child = Command::new(sshd.expect("sshd"))
            .args(["-D", "-f"])
            .arg(dir.join("sshd_config"))
            .arg("-E")
            .arg(&log)
            .stdin(Stdio::null())
            .spawn()
            .expect("start sshd");
        let server = Sshd {
            child,
            port,
            dir,
            log,
        };
        let start = Instant::now();
        while !server.log_text().contains("Server listening") {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "sshd did not start: {}",
                server.log_text()
            );
            thread::sleep(Duration::from_millis(20));
        }
        Some(server)
    }

    fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Logins so far.
    fn logins(&self) -> usize {
        self.log_text().matches("Accepted publickey").count()
    }

    /// The ssh command the clients use, with `known_hosts` as known hosts.
    fn ssh_command_with(&self, known_hosts: &Path) -> String {
        format!(
            "ssh -F /dev/null -i {} -o IdentitiesOnly=yes -o UserKnownHostsFile={} \
             -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes",
            self.dir.join("client_key").display(),
            known_hosts.display()
        )
    }

    fn ssh_command(&self) -> String {
        self.ssh_command_with(&self.dir.join("known_hosts"))
    }

    fn url(&self, bare: &Path) -> String {
        format!("ssh://127.0.0.1:{}{}", self.port, bare.display())
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `n` registered repos whose origin is a bare repo served by `sshd`, each
/// with one commit the repo has not fetched yet.
fn ssh_repos(env: &TestEnv, sshd: &Sshd, n: usize) -> Vec<PathBuf> {
    ssh_repos_named(env, sshd, "r", n)
}

/// As [`ssh_repos`], named `{prefix}0`, `{prefix}1`, ….
fn ssh_repos_named(env: &TestEnv, sshd: &Sshd, prefix: &str, n: usize) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for i in 0..n {
        let name = format!("{prefix}{i}");
        let (dir, bare) = env.repo_with_remote(&name);
        let other = env.root.join(format!("other-{name}"));
        env.git(
            &env.root,
            &[
                "clone",
                "-q",
                &format!("file://{}", bare.display()),
                &other.display().to_string(),
            ],
        );
        env.commit(&other, "new.txt", "new\n", "upstream change");
        env.git(&other, &["push", "-q", "origin", "main"]);
        env.git(&dir, &["remote", "set-url", "origin", &sshd.url(&bare)]);
        env.gita(&["add", &dir.display().to_string()]).ok();
        dirs.push(dir);
    }
    dirs
}

/// A gita command that uses `ssh_command`, and the folder its control
/// sockets go in (`$XDG_RUNTIME_DIR`, short enough for gita to use it).
fn gita(env: &TestEnv, ssh_command: &str) -> (Command, tempfile::TempDir) {
    let runtime = tempfile::Builder::new()
        .prefix("g")
        .tempdir_in("/tmp")
        .expect("runtime dir");
    let mut cmd = env.cmd();
    cmd.env("GIT_SSH_COMMAND", ssh_command)
        .env("XDG_RUNTIME_DIR", runtime.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    (cmd, runtime)
}

fn run(mut cmd: Command, args: &[&str]) -> common::Run {
    let child = cmd.args(args).spawn().expect("spawn gita");
    wait_within(child, Duration::from_secs(120))
}

fn is_empty(dir: &Path) -> bool {
    fs::read_dir(dir)
        .map(|mut d| d.next().is_none())
        .unwrap_or(true)
}

fn fetched(env: &TestEnv, dirs: &[PathBuf]) -> bool {
    dirs.iter()
        .all(|d| env.git(d, &["rev-parse", "origin/main"]) != env.git(d, &["rev-parse", "main"]))
}

#[test]
fn fetch_and_pull_share_one_connection_per_host() {
    let env = TestEnv::new();
    let Some(sshd) = Sshd::start(&env) else {
        return;
    };
    let dirs = ssh_repos(&env, &sshd, 5);
    let (cmd, runtime) = gita(&env, &sshd.ssh_command());
    run(cmd, &["fetch"]).ok();
    assert_eq!(sshd.logins(), 1, "{}", sshd.log_text());
    assert!(fetched(&env, &dirs));
    assert!(
        is_empty(runtime.path()),
        "the socket folder was left behind"
    );

    let (cmd, _runtime) = gita(&env, &sshd.ssh_command());
    run(cmd, &["pull", "--", "-q", "--ff-only"]).ok();
    assert_eq!(sshd.logins(), 2, "{}", sshd.log_text());
    assert!(dirs.iter().all(|d| d.join("new.txt").is_file()));
    assert!(is_empty(runtime.path()));
}

#[test]
fn more_concurrent_repos_than_a_connection_carries_open_more_masters() {
    let env = TestEnv::new();
    let Some(sshd) = Sshd::start(&env) else {
        return;
    };
    // The server allows 8 sessions per connection; 12 repos at once need two.
    let dirs = ssh_repos(&env, &sshd, 12);
    let (cmd, runtime) = gita(&env, &sshd.ssh_command());
    run(cmd, &["fetch", "-j", "12"]).ok();
    assert_eq!(sshd.logins(), 2, "{}", sshd.log_text());
    assert!(fetched(&env, &dirs));
    assert!(is_empty(runtime.path()));
}

#[test]
fn a_proxyjump_host_shares_one_connection_through_its_jump() {
    let env = TestEnv::new();
    let Some(sshd) = Sshd::start(&env) else {
        return;
    };
    let dirs = ssh_repos(&env, &sshd, 3);
    let d = sshd.dir.display();
    let config = sshd.dir.join("ssh_config");
    fs::write(
        &config,
        format!(
            "Host jump target\n  HostName 127.0.0.1\n  Port {port}\n\
             Host target\n  ProxyJump jump\n\
             Host *\n  IdentityFile {d}/client_key\n  IdentitiesOnly yes\n  \
             UserKnownHostsFile {d}/known_hosts\n  GlobalKnownHostsFile /dev/null\n  \
             StrictHostKeyChecking yes\n",
            port = sshd.port
        ),
    )
    .expect("ssh config");
    for dir in &dirs {
        let bare = env.root.join("remotes").join(format!(
            "{}.git",
            dir.file_name().expect("name").to_string_lossy()
        ));
        env.git(
            dir,
            &[
                "remote",
                "set-url",
                "origin",
                &format!("target:{}", bare.display()),
            ],
        );
    }
    let (cmd, runtime) = gita(&env, &format!("ssh -F {}", config.display()));
    run(cmd, &["fetch"]).ok();
    // The jump host and the target through it: two logins for all repos.
    assert_eq!(sshd.logins(), 2, "{}", sshd.log_text());
    assert!(fetched(&env, &dirs));
    assert!(is_empty(runtime.path()));
}

#[test]
fn a_lone_repo_on_a_host_connects_directly() {
    let env = TestEnv::new();
    let Some(sshd) = Sshd::start(&env) else {
        return;
    };
    let log = env.root.join("ssh-debug.log");
    let traced = format!(
        "{} -o LogLevel=DEBUG1 -E {}",
        sshd.ssh_command(),
        log.display()
    );
    let dirs = ssh_repos(&env, &sshd, 1);
    let (cmd, runtime) = gita(&env, &traced);
    run(cmd, &["fetch"]).ok();
    assert!(fetched(&env, &dirs));
    assert_eq!(sshd.logins(), 1, "{}", sshd.log_text());
    let text = fs::read_to_string(&log).unwrap_or_default();
    assert!(
        !text.contains("multiplex"),
        "one repo went through a master:\n{text}"
    );
    assert!(is_empty(runtime.path()));

    // A second repo on the same host: now they share a master (the log
    // tells a master from a direct connection).
    let _ = fs::remove_file(&log);
    ssh_repos_named(&env, &sshd, "s", 1);
    let (cmd, _runtime) = gita(&env, &traced);
    run(cmd, &["fetch"]).ok();
    let text = fs::read_to_string(&log).unwrap_or_default();
    assert!(text.contains("multiplex"), "no master was opened:\n{text}");
}

#[test]
fn without_reuse_each_repo_connects() {
    let env = TestEnv::new();
    let Some(sshd) = Sshd::start(&env) else {
        return;
    };
    let dirs = ssh_repos(&env, &sshd, 4);
    let (cmd, runtime) = gita(&env, &sshd.ssh_command());
    run(cmd, &["fetch", "--no-ssh-reuse"]).ok();
    assert_eq!(sshd.logins(), 4, "{}", sshd.log_text());
    assert!(fetched(&env, &dirs));

    fs::write(env.config_dir().join("settings.yml"), "ssh_reuse: false\n").expect("settings");
    let (cmd, _runtime) = gita(&env, &sshd.ssh_command());
    run(cmd, &["fetch"]).ok();
    assert_eq!(sshd.logins(), 8, "{}", sshd.log_text());
    assert!(is_empty(runtime.path()));
}

#[test]
fn a_setup_that_multiplexes_or_wraps_ssh_is_left_alone() {
    let env = TestEnv::new();
    let Some(sshd) = Sshd::start(&env) else {
        return;
    };
    ssh_repos(&env, &sshd, 3);
    // The user's own ControlPath (no master there: each connects directly).
    let own = format!(
        "{} -o ControlMaster=no -o ControlPath={}/none-%C",
        sshd.ssh_command(),
        env.root.display()
    );
    let (cmd, runtime) = gita(&env, &own);
    run(cmd, &["fetch"]).ok();
    assert_eq!(sshd.logins(), 3, "{}", sshd.log_text());

    let wrapper = env.root.join("wrapper.sh");
    fs::write(
        &wrapper,
        format!("#!/bin/sh\nexec {} \"$@\"\n", sshd.ssh_command()),
    )
    .expect("wrapper");
    fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    let (mut cmd, _runtime) = gita(&env, "");
    cmd.env_remove("GIT_SSH_COMMAND").env("GIT_SSH", &wrapper);
    run(cmd, &["fetch"]).ok();
    assert_eq!(sshd.logins(), 6, "{}", sshd.log_text());
    assert!(is_empty(runtime.path()));
}

#[test]
fn clone_f_over_ssh_shares_one_connection() {
    let env = TestEnv::new();
    let Some(sshd) = Sshd::start(&env) else {
        return;
    };
    let mut manifest = String::from("repos:\n");
    for name in ["a", "b", "c"] {
        let (_, bare) = env.repo_with_remote(name);
        manifest.push_str(&format!(
            "- name: {name}\n  url: {}\n  path: /unused/{name}\n",
            sshd.url(&bare)
        ));
    }
    let file = env.root.join("workspace.yml");
    fs::write(&file, manifest).expect("manifest");
    let dest = env.root.join("dest");
    let (cmd, runtime) = gita(&env, &sshd.ssh_command());
    let file = file.display().to_string();
    let dest_s = dest.display().to_string();
    run(cmd, &["clone", "-f", &file, "-C", &dest_s]).ok();
    assert_eq!(sshd.logins(), 1, "{}", sshd.log_text());
    for name in ["a", "b", "c"] {
        assert!(
            dest.join(name).join("README.md").is_file(),
            "{name} not cloned"
        );
    }
    assert!(is_empty(runtime.path()));
}

#[test]
fn a_master_that_dies_mid_run_leaves_the_rest_connecting_directly() {
    let env = TestEnv::new();
    let Some(sshd) = Sshd::start(&env) else {
        return;
    };
    let dirs = ssh_repos(&env, &sshd, 4);
    // The first repo kills the master its fetch went through.
    let marker = env.root.join("killed");
    let cmds = format!(
        "killmaster:\n  cmd: >-\n    git fetch -q && if [ ! -e {m} ]; then touch {m};\n    \
         pid=$($GIT_SSH_COMMAND -O check -p {port} 127.0.0.1 2>&1 | sed -n 's/.*pid=\\([0-9]*\\).*/\\1/p');\n    \
         kill -9 $pid; fi\n  shell: true\n  network: true\n  allow_all: true\n",
        m = marker.display(),
        port = sshd.port
    );
    fs::create_dir_all(env.config_dir()).expect("config dir");
    fs::write(env.config_dir().join("cmds.yml"), cmds).expect("cmds.yml");
    let (cmd, runtime) = gita(&env, &sshd.ssh_command());
    run(cmd, &["killmaster", "-j", "1"]).ok();
    assert!(marker.exists());
    assert!(fetched(&env, &dirs));
    assert!(sshd.logins() > 1, "{}", sshd.log_text());
    assert!(is_empty(runtime.path()));
}

#[test]
fn a_master_that_cannot_open_falls_back_to_separate_connections() {
    let env = TestEnv::new();
    let Some(sshd) = Sshd::start(&env) else {
        return;
    };
    ssh_repos(&env, &sshd, 2);
    // The host key is unknown: the master cannot open without a prompt, and
    // neither can the repos' own connections.
    let unknown = env.root.join("empty_known_hosts");
    fs::write(&unknown, "").expect("known_hosts");
    let (cmd, runtime) = gita(&env, &sshd.ssh_command_with(&unknown));
    let out = run(cmd, &["fetch"]).code(1);
    assert!(
        out.stderr
            .contains("cannot open a shared ssh connection to 127.0.0.1"),
        "{out:#?}"
    );
    assert!(out.stderr.contains("need a terminal"), "{out:#?}");
    assert_eq!(sshd.logins(), 0);
    assert!(is_empty(runtime.path()));
}

/// Processes whose command line contains `needle`.
#[cfg(target_os = "linux")]
fn processes_with(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in fs::read_dir("/proc").into_iter().flatten().flatten() {
        if let Ok(cmdline) = fs::read(entry.path().join("cmdline")) {
            let line = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if line.contains(needle) {
                found.push(line);
            }
        }
    }
    found
}

#[test]
#[cfg(target_os = "linux")] // finds leftover processes through /proc
fn ctrl_c_leaves_no_ssh_process_and_no_socket_folder() {
    let env = TestEnv::new();
    let Some(sshd) = Sshd::start(&env) else {
        return;
    };
    ssh_repos(&env, &sshd, 3);
    let marks = env.root.join("marks");
    fs::create_dir_all(&marks).expect("mkdir");
    let cmds = format!(
        "slow:\n  cmd: git fetch -q && touch {}/$(basename \"$PWD\") && sleep 30.2468\n  \
         shell: true\n  network: true\n  allow_all: true\n",
        marks.display()
    );
    fs::create_dir_all(env.config_dir()).expect("config dir");
    fs::write(env.config_dir().join("cmds.yml"), cmds).expect("cmds.yml");
    let (mut cmd, runtime) = gita(&env, &sshd.ssh_command());
    common::default_signal_actions(&mut cmd);
    let child = cmd.arg("slow").spawn().expect("spawn gita");
    let start = Instant::now();
    while fs::read_dir(&marks).map(|d| d.count()).unwrap_or(0) < 3 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "fetches never finished"
        );
        thread::sleep(Duration::from_millis(20));
    }
    assert!(!is_empty(runtime.path()), "no socket folder while running");
    let pid = i32::try_from(child.id()).expect("pid");
    // SAFETY: sends SIGINT to the gita process this test started.
    unsafe {
        libc::kill(pid, libc::SIGINT);
    }
    let out = wait_within(child, Duration::from_secs(30));
    assert_eq!(out.code, 130, "{out:#?}");
    assert!(
        is_empty(runtime.path()),
        "the socket folder was left behind"
    );
    let left = processes_with(&runtime.path().display().to_string());
    assert!(left.is_empty(), "ssh processes left behind: {left:?}");
}
