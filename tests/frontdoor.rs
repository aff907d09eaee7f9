//! A new user's first steps and a Python gita user's habits: the first run,
//! version flags, options that cannot be combined, suggestions that fit the
//! mistake, clone messages, and symbols that are never cut.

mod common;

use common::TestEnv;

#[test]
fn ll_with_nothing_registered_says_how_to_start() {
    let env = TestEnv::new();
    let run = env.gita(&["ll"]).ok();
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("start with `gita add <folder>`"),
        "{run:#?}"
    );
    // JSON stays machine-readable and quiet.
    let run = env.gita(&["ll", "--json"]).ok();
    assert_eq!(run.stdout.trim(), "[]");
    assert_eq!(run.stderr, "");
}

#[test]
fn every_version_flag_prints_the_version() {
    let env = TestEnv::new();
    for flag in ["-v", "-V", "--version"] {
        let run = env.gita(&[flag]).ok();
        assert!(run.stdout.starts_with("gita "), "{flag}: {run:#?}");
    }
}

#[test]
fn options_that_do_not_combine_are_usage_errors() {
    let env = TestEnv::new();
    env.repo("a");
    env.gita(&["add", "a"]).ok();
    let run = env.gita(&["ll", "--json", "-g"]).code(2);
    assert!(run.stderr.contains("cannot be used with"), "{run:#?}");
}

#[test]
fn suggestions_fit_the_mistake() {
    let env = TestEnv::new();
    env.repo("api");
    env.gita(&["add", "api"]).ok();
    let run = env.gita(&["rm", "nosuch"]).err("unknown repo 'nosuch'");
    assert!(run.stderr.contains("(see `gita ls`)"), "{run:#?}");
    assert!(!run.stderr.contains("group ls"), "{run:#?}");
    let run = env
        .gita(&["group", "rm", "nosuch"])
        .err("unknown group 'nosuch'");
    assert!(run.stderr.contains("no groups are registered"), "{run:#?}");
}

#[test]
fn cloning_under_a_changed_name_says_the_name() {
    let env = TestEnv::new();
    let (_, bare) = env.repo_with_remote("api");
    // A repo named `api` is registered already.
    env.repo("other/api");
    env.gita(&["add", "other/api"]).ok();
    let url = format!("file://{}", bare.display());
    std::fs::create_dir_all(env.work.join("new")).expect("mkdir");
    let run = env.gita(&["clone", &url, "-C", "new"]).ok();
    assert!(
        run.stderr.contains("as 'new/api' ('api' is taken"),
        "{run:#?}"
    );
    assert_eq!(env.gita(&["ls"]).ok().stdout, "api new/api\n");
}

#[test]
fn symbols_are_never_cut_by_a_configured_width() {
    let env = TestEnv::new();
    let (dir, _) = env.repo_with_remote("busy");
    env.commit(&dir, "r1.txt", "1\n", "remote one");
    env.commit(&dir, "r2.txt", "2\n", "remote two");
    env.commit(&dir, "r3.txt", "3\n", "remote three");
    env.git(&dir, &["push", "-q"]);
    env.git(&dir, &["reset", "-q", "--hard", "HEAD~3"]);
    env.commit(&dir, "l.txt", "l\n", "local one");
    std::fs::write(dir.join("README.md"), "changed\n").expect("write");
    std::fs::write(dir.join("new.txt"), "new\n").expect("write");
    env.git(&dir, &["stash", "push", "-q", "--", "README.md"]);
    std::fs::write(dir.join("README.md"), "changed again\n").expect("write");
    env.gita(&["add", "busy"]).ok();
    // Python gita's default widths: symbols 5.
    env.gita(&["info", "set-length", "symbols", "5"]).ok();
    let out = env.gita(&["ll"]).ok().stdout;
    assert!(out.contains("[*$?⇕1/3]"), "{out}");
    assert!(!out.contains('…'), "{out}");
}

#[test]
fn python_gitas_custom_command_options_are_accepted() {
    let env = TestEnv::new();
    env.repo("a");
    env.repo("b");
    env.gita(&["add", "a", "b"]).ok();
    std::fs::write(
        env.config_dir().join("cmds.json"),
        r#"{"head": {"cmd": "git rev-parse --abbrev-ref HEAD", "help": "branch name",
             "allow_all": true, "disable_async": false, "shell": false, "comment": "mine"}}"#,
    )
    .expect("write cmds.json");
    let run = env.gita(&["head"]).ok();
    assert!(run.stdout.contains("a: main\n"), "{run:#?}");
    assert!(
        run.stderr
            .contains("custom command `head`: ignoring comment (known: cmd, help, allow_all, disable_async, shell, network)"),
        "{run:#?}"
    );
    // Every color name of Python gita's `color set`.
    for color in ["underline", "end", "b_white", "purple"] {
        env.gita(&["color", "set", "in_sync", color]).ok();
    }
}
