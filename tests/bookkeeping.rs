//! The bookkeeping commands through the real binary: add, rm, rename, ls,
//! clear, group, context, flags, color, info, version, errors and the
//! registry file's safety under concurrency and corruption.

mod common;

use std::fs;

use common::TestEnv;

fn names(env: &TestEnv) -> String {
    env.gita(&["ls"]).ok().stdout.trim_end().to_string()
}

#[test]
fn add_one_repo_and_list_it() {
    let env = TestEnv::new();
    let repo = env.repo("alpha");
    let run = env.gita(&["add", "alpha"]).ok();
    assert_eq!(run.stdout, "Found 1 new repo(s).\n");
    assert_eq!(names(&env), "alpha");
    let path = env.gita(&["ls", "alpha"]).ok().stdout;
    assert_eq!(path.trim_end(), repo.display().to_string());
    assert_eq!(
        env.registry(),
        format!(
            "repos:\n  alpha:\n    path: {}\ngroups: {{}}\n",
            repo.display()
        )
    );
    // Adding again changes nothing.
    let again = env.gita(&["add", "alpha"]).ok();
    assert_eq!(again.stdout, "No new repos found!\n");
}

#[test]
fn add_recursive_names_same_basename_apart() {
    let env = TestEnv::new();
    env.repo("src/a/lib");
    env.repo("src/b/lib");
    env.repo("src/tool");
    // A hidden folder is not searched.
    env.repo("src/.cache/hidden");
    env.gita(&["add", "-r", "src"]).ok();
    assert_eq!(names(&env), "a/lib b/lib tool");
    // A later repo whose basename is taken gets its parent folder too.
    env.repo("other/tool");
    env.gita(&["add", "other/tool"]).ok();
    assert_eq!(names(&env), "a/lib b/lib other/tool tool");
}

#[test]
fn add_auto_group_builds_folder_hierarchy() {
    let env = TestEnv::new();
    env.repo("ws/team1/api");
    env.repo("ws/team1/web");
    env.repo("ws/team2/db");
    let run = env.gita(&["add", "-a", "ws"]).ok();
    assert!(run.stdout.contains("Found 3 new repo(s)."), "{run:?}");
    assert!(run.stdout.contains("Created 3 new group(s)."), "{run:?}");
    assert_eq!(
        env.gita(&["group", "ls"]).ok().stdout,
        "ws ws-team1 ws-team2\n"
    );
    assert_eq!(env.gita(&["group", "ll", "ws"]).ok().stdout, "api db web\n");
    assert_eq!(
        env.gita(&["group", "ll", "ws-team1"]).ok().stdout,
        "api web\n"
    );
    let ll = env.gita(&["group", "ll"]).ok().stdout;
    let team2 = env.work.join("ws/team2");
    assert!(
        ll.contains(&format!("ws-team2: {}\n  - db\n", team2.display())),
        "{ll}"
    );
}

#[test]
fn add_with_group_creates_it_and_sets_path() {
    let env = TestEnv::new();
    env.repo("p/one");
    env.repo("p/two");
    let run = env
        .gita(&["add", "-r", "p", "-g", "mine", "--group-path", "p"])
        .ok();
    assert!(run.stdout.contains("Created group mine."), "{run:?}");
    assert_eq!(env.gita(&["group", "ll", "mine"]).ok().stdout, "one two\n");
    let reg = env.registry();
    assert!(
        reg.contains(&format!("path: {}\n", env.work.join("p").display())),
        "{reg}"
    );
    // An already registered repo joins an existing group too.
    env.gita(&["group", "add", "one", "-n", "other"]).ok();
    env.gita(&["add", "p/two", "-g", "other"]).ok();
    assert_eq!(env.gita(&["group", "ll", "other"]).ok().stdout, "one two\n");
}

#[test]
fn add_skip_submodule() {
    let env = TestEnv::new();
    let sub_src = env.repo("subsrc");
    let parent = env.repo("parent");
    env.git(
        &parent,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            sub_src.to_str().expect("utf8"),
            "sub",
        ],
    );
    env.gita(&["add", "-r", "-s", "parent"]).ok();
    assert_eq!(names(&env), "parent");
    env.gita(&["add", "-r", "parent"]).ok();
    assert_eq!(names(&env), "parent sub");
}

#[test]
fn add_bare_repo() {
    let env = TestEnv::new();
    let bare = env.bare("store");
    let path = bare.to_str().expect("utf8");
    env.gita(&["add", path])
        .err("it is a bare repository: add it with -b");
    env.gita(&["add", "-b", path]).ok();
    assert!(env.registry().contains("type: bare"), "{}", env.registry());
    assert_eq!(names(&env), "store.git");
}

#[test]
fn add_dry_run_changes_nothing() {
    let env = TestEnv::new();
    let repo = env.repo("dry");
    let run = env.gita(&["add", "-n", "dry"]).ok();
    assert_eq!(
        run.stdout,
        format!("Found 1 new repo(s).\ndry: {}\n", repo.display())
    );
    assert!(!env.config_dir().exists(), "dry run created the config dir");
}

#[test]
fn add_rejects_bad_paths_and_changes_nothing() {
    let env = TestEnv::new();
    env.repo("good");
    fs::create_dir_all(env.work.join("plain")).expect("mkdir");
    env.gita(&["add", "good", "missing"])
        .err("no such folder: missing");
    env.gita(&["add", "good", "plain"])
        .err("not a git repository");
    assert_eq!(env.registry(), "");
    env.gita(&["add", "-g", "auto", "good"])
        .err("'auto' is reserved");
    assert_eq!(names(&env), "");
}

#[test]
fn missing_folder_stays_registered() {
    let env = TestEnv::new();
    let repo = env.repo("gone");
    env.gita(&["add", "gone"]).ok();
    fs::remove_dir_all(&repo).expect("rm");
    assert_eq!(names(&env), "gone");
    env.gita(&["rename", "gone", "still"]).ok();
    assert_eq!(names(&env), "still");
}

#[test]
fn rm_removes_from_groups_and_rejects_unknown() {
    let env = TestEnv::new();
    env.repo("frontend");
    env.repo("backend");
    env.gita(&["add", "frontend", "backend"]).ok();
    env.gita(&["group", "add", "frontend", "backend", "-n", "all"])
        .ok();
    let before = env.registry();
    env.gita(&["rm", "frontnd"])
        .err("unknown repo 'frontnd'; did you mean 'frontend'?");
    env.gita(&["rm", "backend", "nope"])
        .err("unknown repo 'nope'");
    assert_eq!(env.registry(), before, "a failed rm changed the registry");
    env.gita(&["rm", "backend"]).ok();
    assert_eq!(names(&env), "frontend");
    assert_eq!(env.gita(&["group", "ll", "all"]).ok().stdout, "frontend\n");
    assert!(
        env.work.join("backend/.git").is_dir(),
        "rm touched the folder"
    );
}

#[test]
fn rename_follows_groups_and_refuses_clashes() {
    let env = TestEnv::new();
    env.repo("a");
    env.repo("b");
    env.gita(&["add", "a", "b"]).ok();
    env.gita(&["group", "add", "a", "-n", "g"]).ok();
    env.gita(&["rename", "a", "b"])
        .err("a repo named 'b' already exists");
    env.gita(&["rename", "a", "g"]).err("a group has that name");
    env.gita(&["rename", "x", "y"]).err("unknown repo 'x'");
    env.gita(&["rename", "a", "z"]).ok();
    assert_eq!(names(&env), "b z");
    assert_eq!(env.gita(&["group", "ll", "g"]).ok().stdout, "z\n");
}

#[test]
fn clear_forgets_everything() {
    let env = TestEnv::new();
    env.repo("a");
    env.gita(&["add", "a", "-g", "g"]).ok();
    env.gita(&["context", "g"]).ok();
    env.gita(&["clear"]).ok();
    assert_eq!(names(&env), "");
    assert_eq!(env.gita(&["group", "ls"]).ok().stdout, "\n");
    assert_eq!(env.gita(&["context"]).ok().stdout, "Context is not set\n");
    assert!(env.work.join("a/.git").is_dir());
}

#[test]
fn group_commands() {
    let env = TestEnv::new();
    for r in ["r1", "r2", "r3"] {
        env.repo(r);
    }
    env.gita(&["add", "r1", "r2", "r3"]).ok();
    env.gita(&["group", "add", "r1", "r2", "-n", "g1", "-p", "."])
        .ok();
    env.gita(&["group", "add", "r3", "-n", "g1"]).ok();
    assert_eq!(env.gita(&["group", "ll", "g1"]).ok().stdout, "r1 r2 r3\n");
    let ll = env.gita(&["group"]).ok().stdout;
    assert_eq!(
        ll,
        format!("g1: {}\n  - r1\n  - r2\n  - r3\n", env.work.display())
    );
    env.gita(&["group", "rmrepo", "r2", "-n", "g1"]).ok();
    assert_eq!(env.gita(&["group", "ll", "g1"]).ok().stdout, "r1 r3\n");
    env.gita(&["group", "add", "r1", "-n", "r2"])
        .err("a repo has that name");
    env.gita(&["group", "add", "r1", "-n", "none"])
        .err("reserved");
    env.gita(&["group", "add", "rx", "-n", "g2"])
        .err("unknown repo 'rx'");
    env.gita(&["group", "rmrepo", "r1", "-n", "g9"])
        .err("unknown group 'g9'");
    env.gita(&["group", "rename", "g1", "g2"]).ok();
    assert_eq!(env.gita(&["group", "ls"]).ok().stdout, "g2\n");
    env.gita(&["group", "add", "r2", "-n", "g3"]).ok();
    env.gita(&["group", "rename", "g2", "g3"])
        .err("a group named 'g3' already exists");
    env.gita(&["group", "rm", "g2", "g3"]).ok();
    assert_eq!(env.gita(&["group", "ls"]).ok().stdout, "\n");
    env.gita(&["group", "rm", "g2"]).err("unknown group 'g2'");
}

#[test]
fn context_set_show_follow_and_clear() {
    let env = TestEnv::new();
    env.repo("a");
    env.repo("b");
    env.gita(&["add", "a", "b"]).ok();
    assert_eq!(env.gita(&["context"]).ok().stdout, "Context is not set\n");
    env.gita(&["context", "nogroup"])
        .err("unknown group 'nogroup'");
    env.gita(&["group", "add", "a", "-n", "ga"]).ok();
    env.gita(&["context", "ga"]).ok();
    assert_eq!(env.gita(&["context"]).ok().stdout, "ga: a\n");
    // Renaming the context group moves the context.
    env.gita(&["group", "rename", "ga", "gb"]).ok();
    assert_eq!(env.gita(&["context"]).ok().stdout, "gb: a\n");
    // Removing it clears the context.
    env.gita(&["group", "rm", "gb"]).ok();
    assert_eq!(env.gita(&["context"]).ok().stdout, "Context is not set\n");
    env.gita(&["group", "add", "a", "-n", "ga"]).ok();
    env.gita(&["context", "ga"]).ok();
    env.gita(&["context", "none"]).ok();
    assert_eq!(env.gita(&["context"]).ok().stdout, "Context is not set\n");
}

#[test]
fn context_auto_picks_nearest_group_by_folder() {
    let env = TestEnv::new();
    env.repo("top/inner/x");
    env.repo("top/y");
    env.gita(&["add", "-a", "top"]).ok();
    env.gita(&["context", "auto"]).ok();
    let inner = env.work.join("top/inner/x");
    assert_eq!(
        env.gita_in(&inner, &["context"]).ok().stdout,
        "top-inner (auto): x\n"
    );
    assert_eq!(
        env.gita_in(&env.work.join("top/y"), &["context"])
            .ok()
            .stdout,
        "top (auto): x y\n"
    );
    assert_eq!(
        env.gita_in(&env.home, &["context"]).ok().stdout,
        "auto: none detected!\n"
    );
}

#[test]
fn flags_set_list_and_clear() {
    let env = TestEnv::new();
    env.repo("a");
    env.gita(&["add", "a"]).ok();
    env.gita(&["flags", "set", "a", "--git-dir=/x/.git", "-c", "k=v"])
        .ok();
    assert_eq!(
        env.gita(&["flags"]).ok().stdout,
        "a: --git-dir=/x/.git -c k=v\n"
    );
    assert_eq!(
        env.gita(&["flags", "ll"]).ok().stdout,
        "a: --git-dir=/x/.git -c k=v\n"
    );
    env.gita(&["flags", "set", "zz", "-x"])
        .err("unknown repo 'zz'");
    env.gita(&["flags", "set", "a"]).ok();
    assert_eq!(env.gita(&["flags"]).ok().stdout, "");
}

#[test]
fn color_set_list_reset() {
    let env = TestEnv::new();
    let ll = env.gita(&["color"]).ok().stdout;
    assert!(ll.contains("in_sync     : green\n"), "{ll}");
    assert!(!ll.contains('\x1b'), "colors on a pipe: {ll:?}");
    env.gita(&["color", "set", "in_sync", "b_cyan"]).ok();
    assert!(env.settings().contains("in_sync: b_cyan"));
    assert!(
        env.gita(&["color", "ll"])
            .ok()
            .stdout
            .contains("in_sync     : b_cyan\n")
    );
    let colored = env.gita(&["--color", "always", "color"]).ok().stdout;
    assert!(colored.contains("\x1b[36;1mb_cyan\x1b[0m"), "{colored:?}");
    env.gita(&["color", "set", "in_sync", "pink"]).code(2);
    env.gita(&["color", "set", "sideways", "red"]).code(2);
    env.gita(&["color", "reset"]).ok();
    assert!(env.settings().contains("in_sync: green"));
}

#[test]
fn info_items_and_lengths() {
    let env = TestEnv::new();
    assert_eq!(
        env.gita(&["info"]).ok().stdout,
        "In use: branch,commit_msg,commit_time\nUnused: branch_name,path\n"
    );
    assert!(
        !env.config_dir().exists(),
        "a read-only command created files"
    );
    env.gita(&["info", "add", "path"]).ok();
    env.gita(&["info", "rm", "commit_time"]).ok();
    assert_eq!(
        env.gita(&["info", "ll"]).ok().stdout,
        "In use: branch,commit_msg,path\nUnused: branch_name,commit_time\n"
    );
    env.gita(&["info", "add", "nonsense"]).code(2);
    let out = env.gita(&["info", "set-length"]).ok().stdout;
    assert!(out.starts_with("Settings are in "), "{out}");
    assert!(env.settings().contains("branch_name: 27"));
    env.gita(&["info", "set-length", "path", "12", "symbols", "0"])
        .ok();
    let s = env.settings();
    assert!(s.contains("path: 12") && s.contains("symbols: 0"), "{s}");
    env.gita(&["info", "set-length", "path"])
        .err("ITEM WIDTH pairs");
    env.gita(&["info", "set-length", "path", "wide"])
        .err("must be a whole number");
    env.gita(&["info", "set-length", "path", "1001"])
        .err("must be a whole number from 0 to 1000");
    env.gita(&["info", "set-length", "bogus", "3"])
        .err("unknown item 'bogus'");
}

#[test]
fn version_and_usage_errors() {
    let env = TestEnv::new();
    let v = env.gita(&["-v"]).ok().stdout;
    assert_eq!(v, format!("gita {}\n", env!("CARGO_PKG_VERSION")));
    assert_eq!(env.gita(&["--version"]).ok().stdout, v);
    let bad = env.gita(&["add"]).code(2);
    assert!(bad.stderr.contains("Usage:"), "{bad:?}");
    env.gita(&["no-such-command"]).code(2);
    let help = env.gita(&[]).ok().stdout;
    assert!(help.contains("Usage: gita"), "{help}");
}

#[test]
fn read_only_commands_create_nothing() {
    let env = TestEnv::new();
    for args in [
        &["ls"][..],
        &["group"],
        &["group", "ls"],
        &["context"],
        &["flags"],
        &["color"],
        &["info"],
    ] {
        env.gita(args).ok();
    }
    assert!(!env.config_dir().exists());
}

#[test]
fn closed_stdout_pipe_exits_quietly() {
    let env = TestEnv::new();
    for i in 0..50 {
        env.repo(&format!("r{i:02}"));
    }
    env.gita(&["add", "-r", "."]).ok();
    // `gita group ll` writes many lines; the reader goes away at once.
    for i in 0..50 {
        env.gita(&[
            "group",
            "add",
            &format!("r{i:02}"),
            "-n",
            &format!("g{i:02}"),
        ])
        .ok();
    }
    let mut child = env
        .cmd()
        .args(["group", "ll"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn corrupt_registry_is_reported_and_left_untouched() {
    let env = TestEnv::new();
    env.repo("a");
    fs::create_dir_all(env.config_dir()).expect("mkdir");
    let bad = "repos:\n  a:\n    path: [unclosed\n";
    fs::write(env.registry_path(), bad).expect("write");
    for args in [&["ls"][..], &["add", "a"], &["rm", "a"], &["group", "ls"]] {
        let run = env.gita(args).code(1);
        assert!(
            run.stderr
                .starts_with(&format!("gita: error: {}:", env.registry_path().display())),
            "{run:?}"
        );
        assert!(run.stderr.contains("cannot parse"), "{run:?}");
        assert!(!run.stderr.contains("panicked"), "{run:?}");
    }
    assert_eq!(
        fs::read(env.registry_path()).expect("read"),
        bad.as_bytes(),
        "the corrupt file was modified"
    );
}

#[test]
fn corrupt_settings_is_reported_with_line() {
    let env = TestEnv::new();
    fs::create_dir_all(env.config_dir()).expect("mkdir");
    let path = env.config_dir().join("settings.yml");
    let bad = "colors:\n  in_sync: green\n info_items: [\n";
    fs::write(&path, bad).expect("write");
    let run = env.gita(&["color", "set", "in_sync", "red"]).code(1);
    assert!(
        run.stderr
            .starts_with(&format!("gita: error: {}:3:", path.display())),
        "{run:?}"
    );
    assert_eq!(fs::read_to_string(&path).expect("read"), bad);
}

#[test]
fn sixteen_concurrent_adds_all_land() {
    let env = TestEnv::new();
    let repos: Vec<_> = (0..16).map(|i| env.repo(&format!("c{i:02}"))).collect();
    let children: Vec<_> = repos
        .iter()
        .map(|r| {
            env.cmd()
                .arg("add")
                .arg(r)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let expected: Vec<String> = (0..16).map(|i| format!("c{i:02}")).collect();
    assert_eq!(names(&env), expected.join(" "));
    // The file is valid YAML that lists all 16 paths.
    let reg = env.registry();
    for r in &repos {
        assert!(reg.contains(&format!("path: {}\n", r.display())), "{reg}");
    }
    let leftovers: Vec<_> = fs::read_dir(env.config_dir())
        .expect("read dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
}

#[test]
fn xdg_config_home_is_used_without_project_home() {
    let env = TestEnv::new();
    env.repo("a");
    let xdg = env.root.join("xdg");
    let out = env
        .cmd()
        .env_remove("GITA_PROJECT_HOME")
        .env("XDG_CONFIG_HOME", &xdg)
        .args(["add", "a"])
        .output()
        .expect("run");
    assert!(out.status.success());
    assert!(xdg.join("gita/registry.yml").is_file());
    // Without either, the platform dir under HOME is used.
    let out = env
        .cmd()
        .env_remove("GITA_PROJECT_HOME")
        .args(["add", "a"])
        .output()
        .expect("run");
    assert!(out.status.success());
    assert!(env.home.join(".config/gita/registry.yml").is_file());
}

#[test]
fn repo_without_git_dir_never_acts_on_the_enclosing_repo() {
    let env = TestEnv::new();
    let outer = env.repo("outer");
    let child = env.repo("outer/child");
    env.repo("other");
    env.gita(&["add", "outer/child", "other"]).ok();
    fs::remove_dir_all(child.join(".git")).expect("rm .git");
    let outer_line = format!("{}\n", outer.display());

    let ll = env.gita(&["ll"]).code(1);
    let row = ll
        .stdout
        .lines()
        .find(|l| l.starts_with("child"))
        .expect("child row");
    assert!(row.contains("not a git repository"), "{ll:?}");

    for args in [
        &["super", "child", "rev-parse", "--show-toplevel"][..],
        &["shell", "child", "other", "git rev-parse --show-toplevel"],
        &["st", "child", "other"],
    ] {
        let run = env.gita(args);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert!(
            !run.stdout.contains(&outer_line),
            "{args:?} ran in the enclosing repo: {run:?}"
        );
        assert!(
            !run.stdout.contains("child: On branch"),
            "{args:?}: {run:?}"
        );
    }
}

#[test]
fn folder_names_that_need_care_become_valid_names() {
    let env = TestEnv::new();
    env.repo("odd/with space");
    env.repo("odd/-dash");
    env.gita(&["add", "-r", "odd"]).ok();
    assert_eq!(names(&env), "_-dash with space");
    env.gita(&["rename", "with space", "spaced out"]).ok();
    env.gita(&["rename", "spaced out", "with space"]).ok();
    env.gita(&["group", "add", "with space", "-n", "g"]).ok();
    assert_eq!(env.gita(&["group", "ll", "g"]).ok().stdout, "with space\n");
    // The workspace round-trips through freeze and a clone dry run.
    let manifest = env.gita(&["freeze"]).ok().stdout;
    let file = env.root.join("m.yml");
    fs::write(&file, manifest).expect("write");
    env.gita(&["clone", "-n", "-f", file.to_str().expect("utf8")])
        .ok();
    env.gita(&["rename", "_-dash", "../up"])
        .err("cannot be an absolute path or contain empty, '.' or '..' parts");
}

#[test]
fn add_with_a_group_named_like_a_new_repo() {
    let env = TestEnv::new();
    env.repo("p/beta");
    env.repo("p/alpha");
    let run = env.gita(&["add", "-g", "beta", "p/beta", "p/alpha"]).ok();
    assert!(
        run.stdout.contains("Added 2 repo(s) to the beta group."),
        "{run:?}"
    );
    assert_eq!(names(&env), "alpha p/beta");
    assert_eq!(
        env.gita(&["group", "ll", "beta"]).ok().stdout,
        "alpha p/beta\n"
    );
}

#[test]
fn add_a_file_path_says_so() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let file = repo.join("README.md");
    env.gita(&["add", file.to_str().expect("utf8")])
        .err("not a folder");
}

/// No control character (an escape starts a terminal sequence, a bell rings)
/// in what gita printed.
#[track_caller]
fn assert_no_controls(run: &common::Run) {
    for text in [&run.stdout, &run.stderr] {
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "control characters printed\n{run:#?}"
        );
    }
}

#[test]
fn names_paths_and_settings_from_edited_files_print_no_escapes() {
    let env = TestEnv::new();
    let good = env.repo("good");
    let odd = env.repo("odd\u{1b}[2Jdir");
    fs::create_dir_all(env.config_dir()).expect("mkdir");
    // YAML's "\e" is ESC and "\a" is BEL.
    let registry = format!(
        "repos:
  \"r\\e[31m\":
    path: \"{}\"
  good:
    path: {}
    flags: [-c, \"gita.test=\\e[5m\"]
  \"gone\\e[5m\":
    path: \"/nowhere/\\e]0;title\\a\"
groups:
  \"g\\e[1m\":
    repos: [\"gone\\e[5m\", good, \"r\\e[31m\"]
    path: \"{}\\e[1m\"
context: \"g\\e[1m\"
",
        odd.display().to_string().replace('\u{1b}', "\\e"),
        good.display(),
        env.work.display()
    );
    fs::write(env.registry_path(), registry).expect("write registry");
    // A settings file with names gita does not know is refused, and the
    // message that says so prints no escapes either.
    let settings = env.config_dir().join("settings.yml");
    for text in [
        "info_items: [branch, \"\\e[31mx\"]\n",
        "colors:\n  in_sync: \"\\e[5m\"\n",
        "symbols:\n  \"\\e[5m\": x\n",
    ] {
        fs::write(&settings, text).expect("write settings");
        for args in [&["color"][..], &["info"], &["ll"]] {
            assert_no_controls(&env.gita(args).err("cannot parse: "));
        }
    }
    fs::remove_file(&settings).expect("rm settings");

    let ls = env.gita(&["ls"]).ok();
    assert_eq!(ls.stdout, "gone?[5m good r?[31m\n");
    let path = env.gita(&["ls", "r\u{1b}[31m"]).ok();
    assert_eq!(
        path.stdout,
        format!("{}\n", odd.display()).replace('\u{1b}', "?")
    );
    let context = env.gita(&["context"]).ok();
    assert_eq!(context.stdout, "g?[1m: gone?[5m good r?[31m\n");
    let group_ll = env.gita(&["group", "ll"]).ok();
    assert!(group_ll.stdout.contains("  - r?[31m\n"), "{group_ll:?}");
    let runs = [
        ls,
        path,
        context,
        group_ll,
        env.gita(&["group", "ls"]).ok(),
        env.gita(&["flags"]).ok(),
        env.gita(&["group", "ll", "g\u{1b}[1m"]).ok(),
        env.gita(&["color"]).ok(),
        env.gita(&["info"]).ok(),
        // One repo's folder is gone: ll and the run fail there.
        env.gita(&["ll"]).code(1),
        env.gita(&["ll", "-g"]).code(1),
        env.gita(&["super", "branch", "--show-current"]).code(1),
        env.gita(&["ls", "r\u{1b}[3"]).err("did you mean 'r?[31m'?"),
    ];
    for run in &runs {
        assert_no_controls(run);
    }
    let run = &runs[11];
    assert!(run.stderr.contains("1 failed (gone?[5m)"), "{run:?}");
    assert!(run.stdout.contains("r?[31m: main\n"), "{run:?}");
}
