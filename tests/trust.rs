//! What gita promises about files: a manifest is data (it cannot make gita
//! or git run a program, nor slip an option onto a command line); gita's own
//! files are written through symlinks, keep what gita does not understand,
//! are saved whatever happens to stdout, and are read with bounds (regular
//! files, size, nesting, numbers).

mod common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use common::{TestEnv, wait_within};

/// A bare remote with one commit on `main` and a branch `dev`; its file URL.
fn remote(env: &TestEnv, name: &str) -> String {
    let (dir, bare) = env.repo_with_remote(&format!("seed-{name}"));
    env.git(&dir, &["push", "-q", "origin", "main:dev"]);
    fs::remove_dir_all(&dir).expect("rm seed");
    format!("file://{}", bare.display())
}

fn write(path: &Path, text: &str) -> PathBuf {
    fs::write(path, text).expect("write");
    path.to_path_buf()
}

/// Runs `gita ARGS` with output captured, failing the test if it hangs.
fn gita_within(env: &TestEnv, args: &[&str]) -> common::Run {
    let child = env
        .cmd()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_within(child, Duration::from_secs(30))
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

// ---- manifests are data -------------------------------------------------

#[test]
fn manifest_flags_are_shown_not_registered_and_never_run() {
    let env = TestEnv::new();
    let url = remote(&env, "api");
    let mark = env.root.join("pwned");
    let manifest = write(
        &env.root.join("m.yml"),
        &format!(
            "repos:\n- name: api\n  url: {url}\n  path: /x/api\n  flags: [-c, 'core.fsmonitor=touch {}; false']\n",
            mark.display()
        ),
    );
    // The dry run shows the flags and says they are not registered.
    let dry = env
        .gita(&["clone", "-f", s(&manifest), "-C", "../ws", "-n"])
        .ok();
    assert!(
        dry.stdout
            .contains("[flags not registered without --with-flags: -c core.fsmonitor=touch"),
        "{dry:#?}"
    );
    // Asking for them is refused with the reason; nothing is cloned.
    let refused = env
        .gita(&["clone", "-f", s(&manifest), "-C", "../ws", "--with-flags"])
        .err("refusing the manifest's flags");
    assert!(refused.stderr.contains("core.fsmonitor"), "{refused:#?}");
    assert!(!env.root.join("ws/api").exists());
    assert_eq!(env.registry(), "");

    // Without the option the repo is cloned and registered without flags.
    let run = env.gita(&["clone", "-f", s(&manifest), "-C", "../ws"]).ok();
    assert!(run.stderr.contains("were not registered"), "{run:#?}");
    assert!(env.root.join("ws/api/.git").is_dir());
    assert!(!env.registry().contains("flags"), "{}", env.registry());
    env.gita(&["ll"]).ok();
    env.gita(&["st"]).ok();
    assert!(!mark.exists(), "a manifest made gita run a program");
}

#[test]
fn manifest_flags_that_run_nothing_are_registered_when_asked() {
    let env = TestEnv::new();
    let url = remote(&env, "api");
    let manifest = write(
        &env.root.join("m.yml"),
        &format!(
            "repos:\n- name: api\n  url: {url}\n  path: /x/api\n  flags: [-c, user.name=Someone, --no-pager]\n"
        ),
    );
    env.gita(&["clone", "-f", s(&manifest), "-C", "../ws", "--with-flags"])
        .ok();
    let reg = env.registry();
    assert!(
        reg.contains("user.name=Someone") && reg.contains("--no-pager"),
        "{reg}"
    );
}

#[test]
fn every_kind_of_program_running_flag_is_refused() {
    let env = TestEnv::new();
    let url = remote(&env, "api");
    for flags in [
        "[-c, core.sshCommand=evil]",
        "[-c, core.pager=evil]",
        "[-c, core.hooksPath=/tmp]",
        "[-c, include.path=/tmp/other]",
        "[-c, 'alias.st=!evil']",
        "[-c, filter.x.smudge=evil]",
        "[-c, credential.helper=evil]",
        "[-c, protocol.ext.allow=always]",
        "[-c, 'url.ext::x.insteadOf=file']",
        "[-C, /elsewhere]",
        "[--exec-path=/tmp]",
        "[--git-dir=/tmp]",
        "[status]",
    ] {
        let manifest = write(
            &env.root.join("m.yml"),
            &format!("repos:\n- name: api\n  url: {url}\n  path: /x/api\n  flags: {flags}\n"),
        );
        env.gita(&["clone", "-f", s(&manifest), "-C", "../ws", "--with-flags"])
            .err("refusing the manifest's flags");
        assert!(!env.root.join("ws/api").exists(), "{flags}");
    }
    assert_eq!(env.registry(), "");
}

#[test]
fn manifest_branches_are_ref_names_never_options() {
    let env = TestEnv::new();
    let url = remote(&env, "api");
    for branch in [
        "--orphan=evil",
        "--pathspec-from-file=/etc/passwd",
        "-b",
        "a..b",
    ] {
        for (file, text) in [
            (
                "m.yml",
                format!(
                    "repos:\n- name: api\n  url: {url}\n  path: /x/api\n  branch: '{branch}'\n"
                ),
            ),
            ("m.csv", format!("{url},api,/x/api,,,{branch}\n")),
        ] {
            let manifest = write(&env.root.join(file), &text);
            let run = env
                .gita(&["clone", "-f", s(&manifest), "-C", "../ws"])
                .err("is not a valid branch name");
            assert!(!run.stdout.contains("root:"), "{run:#?}");
            assert!(!env.root.join("ws/api").exists(), "{file} {branch}");
        }
    }
    // A real branch is checked out as before.
    let manifest = write(
        &env.root.join("m.yml"),
        &format!("repos:\n- name: api\n  url: {url}\n  path: /x/api\n  branch: dev\n"),
    );
    env.gita(&["clone", "-f", s(&manifest), "-C", "../ws"]).ok();
    let head = env.git(
        &env.root.join("ws/api"),
        &["symbolic-ref", "--short", "HEAD"],
    );
    assert_eq!(head.trim(), "dev");
}

#[test]
fn manifest_urls_of_program_running_transports_are_refused() {
    let env = TestEnv::new();
    let mark = env.root.join("pwned");
    for url in [
        format!("ext::sh -c touch% {}", mark.display()),
        "fd::7".to_string(),
        "evil://host/repo".to_string(),
        "-uhelp".to_string(),
        "ssh://-oProxyCommand=touch%20x/r".to_string(),
    ] {
        let manifest = write(
            &env.root.join("m.yml"),
            &format!("repos:\n- name: api\n  url: '{url}'\n  path: /x/api\n"),
        );
        env.gita(&["clone", "-f", s(&manifest), "-C", "../ws"])
            .err("is refused");
        env.gita(&["clone", "-f", s(&manifest), "-C", "../ws", "-n"])
            .err("is refused");
    }
    let manifest = write(
        &env.root.join("m.yml"),
        "repos:\n- name: api\n  url: /x\n  path: /x/api\n  type: weird\n",
    );
    env.gita(&["clone", "-f", s(&manifest)])
        .err("unknown variant `weird`, expected `bare`");
    assert!(!mark.exists());
    assert_eq!(env.registry(), "");
}

// ---- gita's own files --------------------------------------------------

#[test]
fn writes_go_through_symlinks_to_their_targets() {
    let env = TestEnv::new();
    env.repo("a");
    env.repo("b");
    let dotfiles = env.root.join("dotfiles");
    fs::create_dir_all(&dotfiles).expect("mkdir");
    fs::create_dir_all(env.config_dir()).expect("mkdir");
    write(&dotfiles.join("registry.yml"), "");
    // A relative link, as dotfile managers make.
    symlink("../../dotfiles/registry.yml", env.registry_path()).expect("link");
    write(&dotfiles.join("settings.yml"), "");
    let settings = env.config_dir().join("settings.yml");
    symlink(dotfiles.join("settings.yml"), &settings).expect("link");

    env.gita(&["add", "a", "b"]).ok();
    env.gita(&["info", "set-length", "branch", "30"]).ok();
    for (link, target) in [
        (env.registry_path(), dotfiles.join("registry.yml")),
        (settings, dotfiles.join("settings.yml")),
    ] {
        let meta = fs::symlink_metadata(&link).expect("stat");
        assert!(
            meta.file_type().is_symlink(),
            "{} was replaced",
            link.display()
        );
        assert!(fs::read_to_string(&target).expect("read").contains(
            if link.ends_with("registry.yml") {
                "path:"
            } else {
                "branch: 30"
            }
        ));
    }
    // Nothing was left in either folder.
    let leftovers: Vec<_> = fs::read_dir(&dotfiles)
        .expect("ls")
        .map(|e| e.expect("entry").file_name())
        .filter(|n| n.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_dangling_symlink_is_an_error_and_stays_a_link() {
    let env = TestEnv::new();
    env.repo("a");
    fs::create_dir_all(env.config_dir()).expect("mkdir");
    let target = env.root.join("gone/registry.yml");
    symlink(&target, env.registry_path()).expect("link");
    let run = env.gita(&["add", "a"]).err("which does not exist");
    // Nothing is announced for a change that was not saved.
    assert!(!run.stdout.contains("Found"), "{run:#?}");
    assert!(
        fs::symlink_metadata(env.registry_path())
            .expect("stat")
            .file_type()
            .is_symlink()
    );
    assert!(!target.exists());
    env.gita(&["ls"]).err("which does not exist");
}

#[test]
fn a_closed_stdout_does_not_cancel_the_save() {
    let env = TestEnv::new();
    env.repo("ws/a");
    env.repo("ws/b");
    // The reading end is closed before gita starts: every write to stdout
    // fails with a broken pipe.
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let child = env
        .cmd()
        .args(["add", "-a", "ws"])
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let run = wait_within(child, Duration::from_secs(60));
    assert_eq!(run.code, 0, "{run:#?}");
    let reg = env.registry();
    assert!(reg.contains("  a:") && reg.contains("  b:"), "{reg}");
    assert!(reg.contains("ws:"), "the auto group was lost: {reg}");
}

#[test]
fn unknown_keys_survive_a_rewrite() {
    let env = TestEnv::new();
    let a = env.repo("a");
    fs::create_dir_all(env.config_dir()).expect("mkdir");
    write(
        &env.registry_path(),
        &format!(
            "repos:\n  a:\n    path: {}\n    note: my own words\ngroups:\n  g:\n    repos: [a]\n    owner: me\nfuture_key:\n  nested: [1, 2]\n",
            a.display()
        ),
    );
    write(
        &env.config_dir().join("settings.yml"),
        "theme: dark\njobs: 8\n",
    );
    env.gita(&["rename", "a", "b"]).ok();
    env.gita(&["group", "add", "b", "-n", "h"]).ok();
    env.gita(&["info", "set-length", "path", "40"]).ok();
    let reg = env.registry();
    for key in ["note: my own words", "owner: me", "future_key:", "nested:"] {
        assert!(reg.contains(key), "lost {key}: {reg}");
    }
    assert!(reg.contains("  b:"), "{reg}");
    let settings = env.settings();
    assert!(
        settings.contains("theme: dark") && settings.contains("path: 40"),
        "{settings}"
    );
}

#[test]
fn duplicate_keys_are_an_error_naming_the_line() {
    let env = TestEnv::new();
    let a = env.repo("a");
    env.repo("c");
    fs::create_dir_all(env.config_dir()).expect("mkdir");
    let text = format!(
        "repos:\n  a:\n    path: {0}\n  b:\n    path: {0}\n  a:\n    path: /elsewhere\n",
        a.display()
    );
    write(&env.registry_path(), &text);
    env.gita(&["ls"])
        .err("registry.yml:6: cannot parse: key \"a\" appears twice (first at line 2)");
    env.gita(&["add", "c"]).err("appears twice");
    assert_eq!(env.registry(), text, "the file was rewritten");
}

#[test]
fn temp_files_of_a_killed_write_are_removed() {
    let env = TestEnv::new();
    env.repo("a");
    fs::create_dir_all(env.config_dir()).expect("mkdir");
    let stale = write(
        &env.config_dir().join(".registry.yml.4242.tmp"),
        "repos: {}\n",
    );
    let other = write(&env.config_dir().join(".registry.yml.mine.tmp"), "keep\n");
    env.gita(&["add", "a"]).ok();
    assert!(!stale.exists(), "a leftover temp file stayed");
    assert!(other.exists(), "a file that is not gita's was removed");
}

#[test]
fn config_files_must_be_small_regular_files() {
    let env = TestEnv::new();
    fs::create_dir_all(env.config_dir()).expect("mkdir");
    let reg = env.registry_path();

    symlink("/dev/zero", &reg).expect("link");
    let run = gita_within(&env, &["ls"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(
        run.stderr
            .contains("is a character device, not a regular file"),
        "{run:#?}"
    );
    fs::remove_file(&reg).expect("rm");

    let fifo = Path::new(&reg);
    let made = std::process::Command::new("mkfifo")
        .arg(fifo)
        .status()
        .is_ok_and(|s| s.success());
    if made {
        let run = gita_within(&env, &["ls"]);
        assert_eq!(run.code, 1, "{run:#?}");
        assert!(run.stderr.contains("is a FIFO"), "{run:#?}");
        fs::remove_file(&reg).expect("rm");
    }

    fs::create_dir(&reg).expect("mkdir");
    env.gita(&["ls"]).err("is a folder, not a regular file");
    fs::remove_dir(&reg).expect("rmdir");

    // 17 MiB of comments: over the size bound.
    let big = "#".repeat(1 << 20) + "\n";
    write(&reg, &big.repeat(17));
    env.gita(&["ls"]).err("larger than 16 MiB");

    // 200 KB of nested brackets: refused at once, by line.
    write(&reg, &format!("repos: {{}}\nx: {}", "[".repeat(200_000)));
    let run = gita_within(&env, &["ls"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(
        run.stderr
            .contains("registry.yml:2: cannot parse: collections nested more than 64"),
        "{run:#?}"
    );

    // A manifest gets the same bounds.
    let manifest = env.root.join("m.yml");
    symlink("/dev/zero", &manifest).expect("link");
    let run = gita_within(&env, &["clone", "-f", s(&manifest)]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(
        run.stderr
            .contains("is a character device, not a regular file"),
        "{run:#?}"
    );
}

#[test]
fn numbers_a_user_can_set_are_bounded() {
    let env = TestEnv::new();
    env.repo_with_remote("a");
    env.gita(&["add", "a"]).ok();
    for width in ["18446744073709551615", "10000000000", "1001", "1e3"] {
        env.gita(&["info", "set-length", "branch", width])
            .err("must be a whole number from 0 to 1000");
    }
    env.gita(&["info", "set-length", "branch", "-1"]).code(2);
    env.gita(&["info", "set-length", "branch", "1000"]).ok();
    env.gita(&["ll"]).ok();
    // A hand-edited settings.yml is checked too, and ll neither panics nor hangs.
    write(
        &env.config_dir().join("settings.yml"),
        "widths:\n  branch: 18446744073709551615\n",
    );
    env.gita(&["ll"])
        .err("widths.branch is 18446744073709551615");
    // The command that fixes it still works.
    env.gita(&["info", "set-length", "branch", "20"]).ok();
    env.gita(&["ll"]).ok();
    write(&env.config_dir().join("settings.yml"), "jobs: 0\n");
    env.gita(&["ll"]).err("jobs is 0");
    fs::remove_file(env.config_dir().join("settings.yml")).expect("rm");
    for bad in [
        &["fetch", "-j", "0"][..],
        &["fetch", "-j", "99999999999999999999"],
        &["fetch", "--timeout", "1e300"],
        &["fetch", "--timeout", "nan"],
        &["clone", "-f", "x", "-j", "0"],
    ] {
        env.gita(bad).code(2);
    }
}

#[test]
fn a_relative_project_home_is_an_error() {
    let env = TestEnv::new();
    let run = env
        .cmd()
        .env("GITA_PROJECT_HOME", "relative/dir")
        .arg("ls")
        .output()
        .expect("run");
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("GITA_PROJECT_HOME must be an absolute path"),
        "{stderr}"
    );
    assert!(!env.work.join("relative").exists());
}

#[test]
fn a_manifest_dry_run_prints_no_escape_sequences() {
    let env = TestEnv::new();
    let url = remote(&env, "api");
    let manifest = write(
        &env.root.join("m.yml"),
        &format!(
            "repos:\n- name: api\n  url: {url}\n  path: \"/x/\\e[31mred\"\ngroups:\n- name: g\n  repos: [\"api\", \"\\e]0;title\\a\"]\n"
        ),
    );
    let run = env.gita(&["clone", "-f", s(&manifest), "-p", "-n"]).ok();
    assert!(run.stdout.contains("group g: api ?]0;title?"), "{run:#?}");
    assert!(
        !run.stdout.contains('\x1b') && !run.stderr.contains('\x1b'),
        "{run:#?}"
    );
}

#[test]
fn reserved_words_are_not_repo_names() {
    let env = TestEnv::new();
    env.repo("a");
    env.gita(&["add", "a"]).ok();
    for word in ["auto", "none"] {
        env.gita(&["rename", "a", word]).err("is reserved");
    }
}
