//! Importing Python gita's CSV files on first use, once, without touching them.

mod common;

use std::fs;

use common::TestEnv;

fn write_python_files(env: &TestEnv) -> Vec<(String, Vec<u8>)> {
    let a = env.repo("a");
    let b = env.repo("team/b");
    let dir = env.config_dir();
    fs::create_dir_all(&dir).expect("mkdir");
    let files = vec![
        (
            "repos.csv".to_string(),
            format!(
                "{},a,,\n{},b,,--git-dir=x --work-tree=y\n\"/gone/with,comma\",ghost,,\n",
                a.display(),
                b.display()
            ),
        ),
        (
            "groups.csv".to_string(),
            format!("team:a b:{}\nsolo:b:\n", env.work.join("team").display()),
        ),
        ("team.context".to_string(), String::new()),
        (
            "color.csv".to_string(),
            "no_remote,in_sync,diverged,local_ahead,remote_ahead\nwhite,b_green,red,purple,yellow\n"
                .to_string(),
        ),
        ("info.csv".to_string(), "branch,path\n".to_string()),
        (
            "symbols.csv".to_string(),
            "dirty,staged\nD,S\n".to_string(),
        ),
        (
            "layout.csv".to_string(),
            "branch,symbols,branch_name,commit_msg,commit_time,path\n19,5,27,0,0,30\n".to_string(),
        ),
    ];
    for (name, text) in &files {
        fs::write(dir.join(name), text).expect("write");
    }
    files
        .into_iter()
        .map(|(n, t)| (n, t.into_bytes()))
        .collect()
}

#[test]
fn python_files_are_imported_once_and_left_untouched() {
    let env = TestEnv::new();
    let files = write_python_files(&env);

    let first = env.gita(&["ls"]).ok();
    assert_eq!(first.stdout, "a b ghost\n");
    assert!(
        first
            .stderr
            .contains("imported 3 repo(s) and 2 group(s) from Python gita's files"),
        "{first:?}"
    );
    // Said once: the second run reads registry.yml.
    let second = env.gita(&["ls"]).ok();
    assert_eq!(second.stderr, "");

    assert_eq!(env.gita(&["group", "ll", "team"]).ok().stdout, "a b\n");
    assert_eq!(env.gita(&["context"]).ok().stdout, "team: a b\n");
    assert_eq!(
        env.gita(&["flags"]).ok().stdout,
        "b: --git-dir=x --work-tree=y\n"
    );
    assert_eq!(env.gita(&["ls", "ghost"]).ok().stdout, "/gone/with,comma\n");
    assert_eq!(
        env.gita(&["info"]).ok().stdout,
        "In use: branch,path\nUnused: branch_name,commit_msg,commit_time\n"
    );
    let settings = env.settings();
    for needle in [
        "in_sync: b_green",
        "dirty: D",
        "staged: S",
        "branch_name: 27",
    ] {
        assert!(settings.contains(needle), "{needle} missing:\n{settings}");
    }

    for (name, bytes) in files {
        assert_eq!(
            fs::read(env.config_dir().join(&name)).expect("read"),
            bytes,
            "{name} was modified"
        );
    }
}

#[test]
fn import_happens_before_the_first_write() {
    let env = TestEnv::new();
    write_python_files(&env);
    env.repo("c");
    let run = env.gita(&["add", "c"]).ok();
    assert!(run.stderr.contains("imported 3 repo(s)"), "{run:?}");
    assert_eq!(env.gita(&["ls"]).ok().stdout, "a b c ghost\n");
}

#[test]
fn auto_context_is_imported() {
    let env = TestEnv::new();
    let a = env.repo("a");
    let dir = env.config_dir();
    fs::create_dir_all(&dir).expect("mkdir");
    fs::write(dir.join("repos.csv"), format!("{},a,,\n", a.display())).expect("write");
    fs::write(dir.join("groups.csv"), format!("g:a:{}\n", a.display())).expect("write");
    fs::write(dir.join("auto.context"), "").expect("write");
    assert_eq!(env.gita_in(&a, &["context"]).ok().stdout, "g (auto): a\n");
}

/// No control character (an escape starts a terminal sequence) in what gita
/// printed.
#[track_caller]
fn assert_no_controls(run: &common::Run) {
    for text in [&run.stdout, &run.stderr] {
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "control characters printed\n{run:#?}"
        );
    }
}

/// Writes Python gita's files into the config dir; returns them for a
/// check that they are left as they were.
fn write_files(env: &TestEnv, files: &[(&str, String)]) -> Vec<(String, Vec<u8>)> {
    let dir = env.config_dir();
    fs::create_dir_all(&dir).expect("mkdir");
    for (name, text) in files {
        fs::write(dir.join(name), text).expect("write");
    }
    files
        .iter()
        .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
        .collect()
}

#[track_caller]
fn assert_untouched(env: &TestEnv, files: Vec<(String, Vec<u8>)>) {
    for (name, bytes) in files {
        assert_eq!(
            fs::read(env.config_dir().join(&name)).expect("read"),
            bytes,
            "{name} was modified"
        );
    }
}

#[test]
fn invalid_repos_and_groups_are_reported_by_line_and_left_out() {
    let env = TestEnv::new();
    let a = env.repo("a").display().to_string();
    let b = env.repo("b").display().to_string();
    let x = env.repo("x").display().to_string();
    // As Python's csv.writer writes them: `\r\n` line ends, quotes as needed.
    let repos = [
        format!("{a},a,,"),
        format!("{x},../../x,,"),
        format!("{x},/abs,,"),
        format!("{x},-rf,,"),
        format!("{x},auto,,"),
        format!("{x},\"new\r\nline\",,"),
        format!("{x},tab\there,,"),
        format!("{x},esc\u{1b}[31mred,,"),
        "relative/path,rel,,".to_string(),
        format!("{b},b,,--git-dir=x --work-tree=y"),
        format!("{a},a,,"),
        format!("{x},weird,svn,"),
        format!("{x},ctl,,-c x=\u{1b}[5m"),
    ];
    let groups = [
        "a:a:".to_string(),
        "auto:a:".to_string(),
        "evil\u{1b}[2J:a:".to_string(),
        format!("team:a b ghost ../../x:{}", env.work.display()),
        "rel:a:relative".to_string(),
        "team:b:".to_string(),
    ];
    let files = write_files(
        &env,
        &[
            ("repos.csv", repos.join("\r\n") + "\r\n"),
            ("groups.csv", groups.join("\r\n") + "\r\n"),
            ("ghost.context", String::new()),
        ],
    );

    let run = env.gita(&["ls"]).ok();
    assert_no_controls(&run);
    assert_eq!(run.stdout, "a b weird\n");
    let repos_csv = env.config_dir().join("repos.csv").display().to_string();
    let groups_csv = env.config_dir().join("groups.csv").display().to_string();
    for (file, line, reason) in [
        (
            &repos_csv,
            2,
            "a repo name cannot be an absolute path or contain empty, '.' or '..' parts: \"../../x\"; line skipped",
        ),
        (&repos_csv, 3, "a repo name cannot be an absolute path"),
        (&repos_csv, 4, "a repo name cannot start with '-'"),
        (&repos_csv, 5, "'auto' is reserved"),
        (
            &repos_csv,
            6,
            "a repo name cannot contain control characters",
        ),
        (
            &repos_csv,
            8,
            "a repo name cannot contain control characters",
        ),
        (
            &repos_csv,
            9,
            "a repo name cannot contain control characters",
        ),
        (&repos_csv, 10, "repo 'rel': the path is not absolute"),
        (&repos_csv, 12, "repo 'a' is already on line 1"),
        (
            &repos_csv,
            13,
            "repo 'weird': unknown type \"svn\" left out",
        ),
        (
            &repos_csv,
            14,
            "a flag of repo 'ctl' contains a control character",
        ),
        (
            &groups_csv,
            1,
            "cannot use 'a' as a group name: a repo has that name",
        ),
        (&groups_csv, 2, "'auto' is reserved"),
        (
            &groups_csv,
            3,
            "a group name cannot contain control characters",
        ),
        (
            &groups_csv,
            4,
            "group 'team': unknown repo(s) \"ghost\", \"../../x\" left out",
        ),
        (&groups_csv, 5, "group 'rel': the path is not absolute"),
        (&groups_csv, 6, "a group named 'team' already exists"),
    ] {
        let want = format!("gita: warning: {file}:{line}: {reason}");
        assert!(run.stderr.contains(&want), "{want}\n{}", run.stderr);
    }
    assert!(
        run.stderr
            .contains("the context \"ghost\" is not an imported group"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("imported 3 repo(s) and 2 group(s) from Python gita's files"),
        "{}",
        run.stderr
    );

    assert_eq!(env.gita(&["group", "ls"]).ok().stdout, "rel team\n");
    assert_eq!(env.gita(&["group", "ll", "team"]).ok().stdout, "a b\n");
    assert_eq!(
        env.gita(&["group", "ll"]).ok().stdout,
        format!("rel: \n  - a\nteam: {}\n  - a\n  - b\n", env.work.display())
    );
    assert_eq!(
        env.gita(&["flags"]).ok().stdout,
        "b: --git-dir=x --work-tree=y\n"
    );
    assert_eq!(env.gita(&["context"]).ok().stdout, "Context is not set\n");
    assert_untouched(&env, files);
}

#[test]
fn invalid_settings_are_reported_and_left_out() {
    let env = TestEnv::new();
    let a = env.repo("a");
    let files = write_files(
        &env,
        &[
            ("repos.csv", format!("{},a,,\r\n", a.display())),
            (
                "color.csv",
                "in_sync,diverged,bogus,remote_ahead\r\n\u{1b}[5m,b_red,red,purple\r\n".into(),
            ),
            ("info.csv", "branch,\u{1b}[31m,path,branch\r\n".into()),
            (
                "symbols.csv",
                "dirty,staged,weird\r\n\u{1b}[31m,S,W\r\n".into(),
            ),
            (
                "layout.csv",
                "branch,path,commit_msg,nonsense,symbols\r\n99999999999,abc,10,5,1001\r\n".into(),
            ),
        ],
    );

    let run = env.gita(&["color"]).ok();
    assert_no_controls(&run);
    assert_eq!(
        run.stdout
            .lines()
            .filter(|l| l.contains(": "))
            .collect::<Vec<_>>(),
        [
            "no_remote   : white",
            "in_sync     : green",
            "diverged    : b_red",
            "local_ahead : purple",
            "remote_ahead: purple",
        ]
    );
    let file = |name: &str| env.config_dir().join(name).display().to_string();
    for (name, line, reason) in [
        (
            "color.csv",
            2,
            "unknown color \"\\u{1b}[5m\" for 'in_sync' left out",
        ),
        ("color.csv", 1, "unknown situation \"bogus\" left out"),
        ("symbols.csv", 1, "unknown symbol \"weird\" left out"),
        (
            "symbols.csv",
            2,
            "the symbol for 'dirty' contains a control character",
        ),
        (
            "layout.csv",
            2,
            "the width of 'branch' must be a whole number from 0 to 1000, not \"99999999999\"",
        ),
        (
            "layout.csv",
            2,
            "the width of 'path' must be a whole number from 0 to 1000, not \"abc\"",
        ),
        (
            "layout.csv",
            2,
            "the width of 'symbols' must be a whole number from 0 to 1000, not \"1001\"",
        ),
        ("layout.csv", 1, "unknown item \"nonsense\" left out"),
        ("info.csv", 1, "unknown info item \"\\u{1b}[31m\" left out"),
        ("info.csv", 1, "info item 'branch' is listed twice"),
    ] {
        let want = format!("gita: warning: {}:{line}: {reason}", file(name));
        assert!(run.stderr.contains(&want), "{want}\n{}", run.stderr);
    }

    let info = env.gita(&["info"]).ok();
    assert_eq!(
        info.stdout,
        "In use: branch,path\nUnused: branch_name,commit_msg,commit_time\n"
    );
    let settings = env.settings();
    assert!(settings.contains("staged: S"), "{settings}");
    assert!(settings.contains("commit_msg: 10"), "{settings}");
    for absent in ["99999999999", "weird", "bogus", "nonsense", "\\e", "\u{1b}"] {
        assert!(!settings.contains(absent), "{absent} in\n{settings}");
    }
    assert_no_controls(&env.gita(&["ll"]).ok());
    assert_untouched(&env, files);
}

#[test]
fn changes_after_the_import_are_pointed_out_once_and_merged_on_demand() {
    let env = TestEnv::new();
    write_python_files(&env);
    env.gita(&["ls"]).ok();
    // Registered with gita since the import: never dropped by a merge.
    env.repo("mine");
    env.gita(&["add", "mine"]).ok();
    // Python gita adds a repo and a group member afterwards.
    let c = env.repo("c");
    let dir = env.config_dir();
    let mut repos = fs::read_to_string(dir.join("repos.csv")).expect("read");
    repos.push_str(&format!("{},c,,\n", c.display()));
    fs::write(dir.join("repos.csv"), &repos).expect("write");
    let mut groups = fs::read_to_string(dir.join("groups.csv")).expect("read");
    groups = groups.replace("solo:b:", "solo:b c:");
    fs::write(dir.join("groups.csv"), &groups).expect("write");
    let csvs: Vec<(String, Vec<u8>)> = ["repos.csv", "groups.csv"]
        .iter()
        .map(|n| (n.to_string(), fs::read(dir.join(n)).expect("read")))
        .collect();

    let first = env.gita(&["ls"]).ok();
    assert_eq!(first.stdout, "a b ghost mine\n", "{first:#?}");
    assert!(
        first.stderr.contains("Python gita's files changed since gita imported them (groups.csv, repos.csv); run `gita import`"),
        "{first:#?}"
    );
    // Said once.
    let second = env.gita(&["ls"]).ok();
    assert_eq!(second.stderr, "", "{second:#?}");

    let registry = env.registry();
    let dry = env.gita(&["import", "-n"]).ok();
    assert!(dry.stdout.contains("would have added repo c: "), "{dry:#?}");
    assert!(
        dry.stdout.contains("would have group solo: added c"),
        "{dry:#?}"
    );
    assert_eq!(env.registry(), registry, "the dry run changed the registry");

    let run = env.gita(&["import"]).ok();
    assert!(run.stdout.contains("added repo c: "), "{run:#?}");
    assert_eq!(env.gita(&["ls"]).ok().stdout, "a b c ghost mine\n");
    let group = env.gita(&["group", "ll", "solo"]).ok().stdout;
    assert_eq!(group, "b c\n");
    // Nothing more to merge, no more notices, the CSV files untouched.
    let again = env.gita(&["import"]).ok();
    assert!(again.stdout.starts_with("Nothing to merge"), "{again:#?}");
    let ll = env.gita(&["ll"]).code(1); // `ghost` has no folder
    assert!(!ll.stderr.contains("changed since"), "{ll:#?}");
    assert_untouched(&env, csvs);
}

#[test]
fn import_without_python_files_is_an_error() {
    let env = TestEnv::new();
    env.gita(&["import"]).err("no Python gita files");
}
