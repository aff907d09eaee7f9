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
