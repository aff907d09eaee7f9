//! The state filters (`--dirty`, `--clean`, `--behind`, …) on the commands
//! that act on repos: delegated commands, `super`, `shell`, `freeze`,
//! `check`, and `ll` with the same definition.

mod common;

use std::collections::BTreeSet;
use std::fs;

use common::{Run, TestEnv};

/// Six repos, one per state:
/// clean (in sync), messy (unstaged + untracked), lonely (staged, no upstream),
/// busy (diverged + a stash), late (behind), early (ahead).
/// Groups: front = clean, messy, lonely; back = busy, early, late.
fn states(env: &TestEnv) {
    env.repo_with_remote("clean");
    let (messy, _) = env.repo_with_remote("messy");
    fs::write(messy.join("README.md"), "edit\n").expect("write");
    fs::write(messy.join("new.txt"), "new\n").expect("write");
    let lonely = env.repo("lonely");
    fs::write(lonely.join("staged.txt"), "s\n").expect("write");
    env.git(&lonely, &["add", "staged.txt"]);
    let (busy, _) = env.repo_with_remote("busy");
    env.commit(&busy, "r.txt", "r\n", "remote side");
    env.git(&busy, &["push", "-q"]);
    env.git(&busy, &["reset", "-q", "--hard", "HEAD~1"]);
    env.commit(&busy, "l.txt", "l\n", "local side");
    fs::write(busy.join("l.txt"), "stash me\n").expect("write");
    env.git(&busy, &["stash", "push", "-q"]);
    let (late, _) = env.repo_with_remote("late");
    env.commit(&late, "r.txt", "r\n", "remote side");
    env.git(&late, &["push", "-q"]);
    env.git(&late, &["reset", "-q", "--hard", "HEAD~1"]);
    let (early, _) = env.repo_with_remote("early");
    env.commit(&early, "l.txt", "l\n", "local side");
    env.gita(&["add", "clean", "messy", "lonely", "busy", "late", "early"])
        .ok();
    env.gita(&["group", "add", "clean", "messy", "lonely", "-n", "front"])
        .ok();
    env.gita(&["group", "add", "busy", "early", "late", "-n", "back"])
        .ok();
}

/// Each filter and the repos of `states` it picks.
const EXPECTED: &[(&str, &str)] = &[
    ("--dirty", "messy"),
    ("--staged", "lonely"),
    ("--untracked", "messy"),
    ("--clean", "busy clean early late"),
    ("--stashed", "busy"),
    ("--no-stash", "clean early late lonely messy"),
    ("--ahead", "busy early"),
    ("--behind", "busy late"),
    ("--diverged", "busy"),
    ("--in-sync", "clean messy"),
    ("--no-upstream", "lonely"),
    ("--upstream", "busy clean early late messy"),
    ("--has-upstream", "busy clean early late messy"),
];

/// The repo names that prefix the lines of `out` (`name: …`), sorted.
fn prefixes(out: &str) -> String {
    let names: BTreeSet<&str> = out
        .lines()
        .filter_map(|l| l.split_once(": ").map(|(name, _)| name))
        .filter(|name| *name != "gita")
        .collect();
    names.into_iter().collect::<Vec<_>>().join(" ")
}

/// The `"name"` values of a JSON array of objects, sorted.
fn json_names(out: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(out).expect("JSON");
    let mut names: Vec<String> = value
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|o| o["name"].as_str().map(str::to_string))
        .collect();
    names.sort();
    names.join(" ")
}

/// The repos (`- name: X` before `groups:`) of a freeze manifest, sorted.
fn manifest_names(out: &str) -> String {
    let mut names: Vec<&str> = out
        .lines()
        .take_while(|l| !l.starts_with("groups:"))
        .filter_map(|l| l.strip_prefix("- name: "))
        .collect();
    names.sort_unstable();
    names.join(" ")
}

fn gita(env: &TestEnv, args: &[&str]) -> Run {
    env.gita(args).ok()
}

#[test]
fn every_filter_on_every_command() {
    let env = TestEnv::new();
    states(&env);
    for (flag, want) in EXPECTED {
        let st = gita(&env, &["st", flag]).stdout;
        assert_eq!(prefixes(&st), *want, "st {flag}");
        let sup = gita(&env, &["super", flag, "rev-parse", "--is-inside-work-tree"]).stdout;
        assert_eq!(prefixes(&sup), *want, "super {flag}");
        let sh = gita(&env, &["shell", flag, "echo", "hi"]).stdout;
        assert_eq!(prefixes(&sh), *want, "shell {flag}");
        let dry = gita(&env, &["shell", flag, "-n", "echo", "hi"]).stdout;
        assert_eq!(dry.split_whitespace().collect::<Vec<_>>().join(" "), *want);
        let frozen = gita(&env, &["freeze", flag]).stdout;
        assert_eq!(manifest_names(&frozen), *want, "freeze {flag}");
        // Every pick holds a repo at risk, so check exits 1; the JSON lists
        // every repo checked.
        let check = env.gita(&["check", "--json", flag]).code(1);
        assert_eq!(json_names(&check.stdout), *want, "check {flag}");
        let ll = gita(&env, &["ll", "--json", flag]).stdout;
        assert_eq!(json_names(&ll), *want, "ll {flag}");
    }
}

#[test]
fn filters_and_names_combine_by_and() {
    let env = TestEnv::new();
    states(&env);
    let dry = |args: &[&str]| {
        let mut all = vec!["st", "-n"];
        all.extend_from_slice(args);
        gita(&env, &all)
            .stdout
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(dry(&[]), "busy clean early late lonely messy");
    assert_eq!(dry(&["--clean", "--no-stash"]), "clean early late");
    assert_eq!(dry(&["--ahead", "--behind"]), "busy");
    assert_eq!(dry(&["--clean", "back"]), "busy early late");
    assert_eq!(dry(&["--upstream", "front"]), "clean messy");
    assert_eq!(dry(&["--behind", "late", "clean"]), "late");
    let sup = gita(
        &env,
        &["super", "--clean", "front", "--", "rev-parse", "HEAD"],
    );
    assert_eq!(prefixes(&sup.stdout), "clean");
    let frozen = gita(&env, &["freeze", "-g", "back", "--ahead"]).stdout;
    assert_eq!(manifest_names(&frozen), "busy early");
    // Contradictions are usage errors.
    env.gita(&["st", "--dirty", "--clean"]).code(2);
    env.gita(&["st", "--in-sync", "--ahead"]).code(2);
    env.gita(&["shell", "--upstream", "--no-upstream", "true"])
        .code(2);
}

#[test]
fn super_clean_switch_main() {
    let env = TestEnv::new();
    states(&env);
    let run = gita(&env, &["super", "--clean", "--", "switch", "main"]);
    assert_eq!(
        prefixes(&(run.stdout.clone() + &run.stderr)),
        "busy clean early late"
    );
    assert!(run.stderr.contains("4 ok"), "{run:#?}");
}

#[test]
fn dry_run_lists_and_runs_nothing() {
    let env = TestEnv::new();
    states(&env);
    let run = gita(&env, &["shell", "--dirty", "-n", "touch", "marker"]);
    assert_eq!(run.stdout, "messy\n");
    assert!(!env.work.join("messy/marker").exists());
    let run = gita(
        &env,
        &["super", "--dry-run", "front", "--", "tag", "marker"],
    );
    assert_eq!(run.stdout, "clean\nlonely\nmessy\n");
    assert_eq!(env.git(&env.work.join("clean"), &["tag"]), "");
    // A cmds.yml command, shell: true, creating a marker file.
    fs::create_dir_all(env.config_dir()).expect("mkdir");
    fs::write(
        env.config_dir().join("cmds.yml"),
        "mark:\n  cmd: touch marker\n  shell: true\n  allow_all: true\n",
    )
    .expect("write cmds.yml");
    let run = gita(&env, &["mark", "-n", "--behind"]);
    assert_eq!(run.stdout, "busy\nlate\n");
    assert!(!env.work.join("late/marker").exists());
    gita(&env, &["mark", "--behind"]);
    assert!(env.work.join("late/marker").exists());
    assert!(env.work.join("busy/marker").exists());
    assert!(!env.work.join("clean/marker").exists());
}

#[test]
fn empty_selection_says_so_and_runs_nothing() {
    let env = TestEnv::new();
    states(&env);
    for args in [
        &["st", "--dirty", "back"][..],
        &["shell", "--dirty", "back", "touch", "marker"],
        &["super", "--dirty", "back", "--", "tag", "marker"],
        &["freeze", "-g", "back", "--dirty"],
        &["check", "--dirty", "back"],
    ] {
        let run = gita(&env, args);
        assert_eq!(run.stdout, "", "{args:?}");
        assert_eq!(
            run.stderr, "gita: no repo matches --dirty (3 repos checked)\n",
            "{args:?}"
        );
    }
    assert!(!env.work.join("busy/marker").exists());
    let run = gita(&env, &["st", "--staged", "--stashed"]);
    assert_eq!(
        run.stderr,
        "gita: no repo matches --staged --stashed (6 repos checked)\n"
    );
}

#[test]
fn unreadable_repo_is_reported_not_run_and_fails() {
    let env = TestEnv::new();
    states(&env);
    env.repo("gone");
    gita(&env, &["add", "gone"]);
    fs::remove_dir_all(env.work.join("gone")).expect("rm gone");
    let run = env
        .gita(&["shell", "--untracked", "touch", "marker"])
        .code(1);
    assert_eq!(prefixes(&run.stdout), "");
    assert!(env.work.join("messy/marker").exists());
    assert!(
        run.stderr
            .contains("gita: warning: gone: cannot read its state, not run: "),
        "{run:#?}"
    );
    let run = env.gita(&["st", "-n", "--clean"]).code(1);
    assert_eq!(run.stdout, "busy\nclean\nearly\nlate\n");
    assert!(
        run.stderr.contains("gone: cannot read its state"),
        "{run:#?}"
    );
    // Only the unreadable repo is left: the note, and still exit 1.
    let run = env
        .gita(&["super", "--clean", "gone", "--", "status"])
        .code(1);
    assert!(
        run.stderr
            .contains("no repo matches --clean (1 repo checked, 1 unreadable)"),
        "{run:#?}"
    );
    let run = env.gita(&["freeze", "--no-upstream"]).code(1);
    assert_eq!(manifest_names(&run.stdout), "lonely");
    assert!(
        run.stderr
            .contains("gone: cannot read its state, not listed"),
        "{run:#?}"
    );
    let run = env.gita(&["check", "--json", "--in-sync"]).code(1);
    assert_eq!(json_names(&run.stdout), "clean messy");
    assert!(run.stderr.contains("not checked"), "{run:#?}");
    // ll keeps its error row.
    let run = env.gita(&["ll", "--json", "--in-sync"]).code(1);
    assert_eq!(json_names(&run.stdout), "clean gone messy");
}

#[test]
fn help_shows_the_filters() {
    let env = TestEnv::new();
    for cmd in ["st", "super", "shell", "freeze", "check", "pull"] {
        let help = gita(&env, &["help", cmd]).stdout;
        let filters = help.split_once("\nFilters:\n").map(|(_, f)| f);
        let filters = filters.unwrap_or_else(|| panic!("no Filters heading in {cmd}: {help}"));
        for flag in [
            "--dirty",
            "--clean",
            "--no-stash",
            "--in-sync",
            "--upstream",
        ] {
            assert!(filters.contains(flag), "{cmd} lacks {flag}");
        }
        assert!(help.contains("every filter given must hold (AND)"), "{cmd}");
    }
}
