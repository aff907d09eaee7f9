//! `gita ll` through the real binary: real repos in every state, read by both
//! status engines (identical rows), the expected row per state, the reftable
//! fallback, repos left byte-for-byte unchanged, filters, groups, JSON,
//! colors, closed pipes, snapshots of the table and the JSON, and
//! ahead/behind counts on merge-heavy, clock-skewed histories (with and
//! without a commit-graph, shallow) equal to git's and to the exact count.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{TestEnv, write};

/// The row of `name` split into whitespace-separated words.
fn row<'a>(table: &'a str, name: &str) -> Vec<&'a str> {
    table
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|w| w.first() == Some(&name))
        .unwrap_or_else(|| panic!("no row for {name} in\n{table}"))
}

/// Builds a repo per state under `work/` and registers them all. Returns
/// (name, expected branch cell, expected symbols cell).
fn every_state(env: &TestEnv) -> Vec<(String, String, String)> {
    let mut expected = Vec::new();
    let mut expect = |name: &str, branch: &str, symbols: &str| {
        expected.push((name.to_string(), branch.to_string(), symbols.to_string()));
    };

    let (_, insync_remote) = env.repo_with_remote("insync");
    expect("insync", "main", "[]");

    let (ahead, _) = env.repo_with_remote("ahead");
    env.commit(&ahead, "a.txt", "a\n", "local work");
    expect("ahead", "main", "[↑1]");

    let (behind, _) = env.repo_with_remote("behind");
    env.commit(&behind, "b.txt", "b\n", "pushed work");
    env.git(&behind, &["push", "-q"]);
    env.git(&behind, &["reset", "-q", "--hard", "HEAD~1"]);
    expect("behind", "main", "[↓1]");

    let (diverged, _) = env.repo_with_remote("diverged");
    env.commit(&diverged, "r1.txt", "1\n", "remote one");
    env.commit(&diverged, "r2.txt", "2\n", "remote two");
    env.git(&diverged, &["push", "-q"]);
    env.git(&diverged, &["reset", "-q", "--hard", "HEAD~2"]);
    env.commit(&diverged, "l.txt", "l\n", "local one");
    expect("diverged", "main", "[⇕1/2]");

    env.repo("noupstream");
    expect("noupstream", "main", "[∅]");

    let (gone, _) = env.repo_with_remote("gone");
    env.git(&gone, &["update-ref", "-d", "refs/remotes/origin/main"]);
    expect("gone", "main", "[∅]");

    let (dirty, _) = env.repo_with_remote("dirty");
    write(&dirty.join("README.md"), "changed\n");
    expect("dirty", "main", "[*]");

    let (staged, _) = env.repo_with_remote("staged");
    write(&staged.join("new.txt"), "new\n");
    env.git(&staged, &["add", "new.txt"]);
    expect("staged", "main", "[+]");

    let (untracked, _) = env.repo_with_remote("untracked");
    write(&untracked.join("scratch/notes.txt"), "x\n");
    expect("untracked", "main", "[?]");

    let (ignored, _) = env.repo_with_remote("ignored");
    env.commit(&ignored, ".gitignore", "*.log\nbuild/\n", "ignore logs");
    env.git(&ignored, &["push", "-q"]);
    write(&ignored.join("debug.log"), "x\n");
    write(&ignored.join("build/out.o"), "x\n");
    expect("ignored", "main", "[]");

    let (stash, _) = env.repo_with_remote("stash");
    write(&stash.join("README.md"), "stashed\n");
    env.git(&stash, &["stash", "push", "-q", "-m", "wip"]);
    expect("stash", "main", "[$]");

    // A linked worktree shares the stash of its repository.
    let worktree = env.work.join("worktree");
    env.git(
        &stash,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "wt",
            worktree.to_str().expect("utf-8"),
        ],
    );
    expect("worktree", "wt", "[$∅]");

    let tagged = env.repo("tagged");
    env.commit(&tagged, "two.txt", "2\n", "second");
    env.git(&tagged, &["tag", "-a", "-m", "release", "v1.0", "HEAD~1"]);
    // A lightweight tag sorting first: git describe prefers the annotated one.
    env.git(&tagged, &["tag", "a-light", "HEAD~1"]);
    env.git(&tagged, &["checkout", "-q", "--detach", "v1.0"]);
    expect("tagged", "v1.0", "[∅]");

    let detached = env.repo("detached");
    env.commit(&detached, "two.txt", "2\n", "second");
    env.git(&detached, &["checkout", "-q", "--detach", "HEAD~1"]);
    let short = env.git(&detached, &["rev-parse", "--short=7", "HEAD"]);
    expect("detached", short.trim(), "[∅]");

    let unborn = env.work.join("unborn");
    fs::create_dir_all(&unborn).expect("mkdir");
    env.git(&unborn, &["init", "-q", "-b", "main"]);
    write(&unborn.join("first.txt"), "1\n");
    env.git(&unborn, &["add", "first.txt"]);
    expect("unborn", "main", "[+∅]");

    let conflict = env.repo("conflict");
    env.git(&conflict, &["checkout", "-q", "-b", "other"]);
    env.commit(&conflict, "README.md", "other\n", "other side");
    env.git(&conflict, &["checkout", "-q", "main"]);
    env.commit(&conflict, "README.md", "main\n", "main side");
    assert!(!env.git_ok(&conflict, &["merge", "-q", "other"]));
    expect("conflict", "main", "[*+∅]");

    // `branch.main.remote = .`: the upstream is a local branch.
    let local = env.repo("localup");
    env.git(&local, &["branch", "base"]);
    env.git(&local, &["config", "branch.main.remote", "."]);
    env.git(&local, &["config", "branch.main.merge", "refs/heads/base"]);
    env.commit(&local, "x.txt", "x\n", "ahead of base");
    expect("localup", "main", "[↑1]");

    let latin1 = env.repo("latin1");
    let msg = env.root.join("latin1-msg");
    fs::write(&msg, b"caf\xe9 au lait\n").expect("write message");
    write(&latin1.join("l.txt"), "l\n");
    env.git(&latin1, &["add", "l.txt"]);
    env.git(
        &latin1,
        &[
            "-c",
            "i18n.commitEncoding=ISO-8859-1",
            "commit",
            "-q",
            "-F",
            msg.to_str().expect("utf-8"),
        ],
    );
    expect("latin1", "main", "[∅]");

    let sub_src = env.repo("subsrc");
    expect("subsrc", "main", "[∅]");
    let sub = env.repo("super");
    let url = sub_src.to_str().expect("utf-8");
    env.git(
        &sub,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            url,
            "lib",
        ],
    );
    env.git(&sub, &["commit", "-q", "-m", "add submodule"]);
    expect("super", "main", "[∅]");
    let subdirty = env.repo("subdirty");
    env.git(
        &subdirty,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            url,
            "lib",
        ],
    );
    env.git(&subdirty, &["commit", "-q", "-m", "add submodule"]);
    write(
        &subdirty.join("lib/README.md"),
        "edited inside the submodule\n",
    );
    expect("subdirty", "main", "[*∅]");

    // A work tree kept apart from its bare git dir, set up with flags.
    let bare = env.bare("dotfiles");
    let home = env.work.join("dothome");
    fs::create_dir_all(&home).expect("mkdir");
    let git_dir = format!("--git-dir={}", bare.display());
    let work_tree = format!("--work-tree={}", home.display());
    write(&home.join(".bashrc"), "alias l=ls\n");
    env.git(&home, &[&git_dir, &work_tree, "add", ".bashrc"]);
    env.git(
        &home,
        &[&git_dir, &work_tree, "commit", "-q", "-m", "dotfiles"],
    );
    write(&home.join(".bashrc"), "alias l='ls -l'\n");

    let missing = env.repo("missing");

    for name in [
        "insync",
        "ahead",
        "behind",
        "diverged",
        "noupstream",
        "gone",
        "dirty",
        "staged",
        "untracked",
        "ignored",
        "stash",
        "worktree",
        "tagged",
        "detached",
        "unborn",
        "conflict",
        "localup",
        "latin1",
        "subsrc",
        "super",
        "subdirty",
        "missing",
    ] {
        env.gita(&["add", name]).ok();
    }
    env.gita(&["add", "-b", bare.to_str().expect("utf-8")]).ok();
    let bare_name = env.gita(&["ls"]).ok().stdout;
    let bare_name = bare_name
        .split_whitespace()
        .find(|n| n.starts_with("dotfiles"))
        .expect("bare repo registered")
        .to_string();
    env.gita(&["flags", "set", &bare_name, &git_dir, &work_tree])
        .ok();
    expect(&bare_name, "main", "[*∅]");
    // A plain bare repo: no work tree, so only branch and commit.
    env.gita(&["add", "-b", insync_remote.to_str().expect("utf-8")])
        .ok();
    expect("insync.git", "main", "[∅]");

    fs::remove_dir_all(&missing).expect("remove missing repo");
    expected
}

#[test]
fn every_state_same_row_from_both_engines() {
    let env = TestEnv::new();
    let expected = every_state(&env);

    let gix = env.gita_engine("gix", &["ll"]);
    let git = env.gita_engine("git", &["ll"]);
    let auto = env.gita_engine("", &["ll"]);
    assert_eq!(
        gix.stdout, git.stdout,
        "engines differ\ngix:\n{}\ngit:\n{}",
        gix.stdout, git.stdout
    );
    assert_eq!(gix.stdout, auto.stdout);
    for out in [&gix, &git, &auto] {
        // The missing repo is an error row and makes the exit status 1.
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert_eq!(out.stderr, "");
    }

    let table = &gix.stdout;
    for (name, branch, symbols) in &expected {
        let words = row(table, name);
        assert_eq!(
            (words[1], words[2]),
            (branch.as_str(), symbols.as_str()),
            "row of {name}: {words:?}"
        );
    }
    let missing = row(table, "missing");
    assert_eq!(missing[1], "error:", "{missing:?}");
    assert!(table.contains("missing"), "{table}");
    assert_eq!(table.lines().count(), expected.len() + 1);

    // Subjects: the first paragraph, re-encoded to UTF-8.
    assert!(
        row(table, "latin1").join(" ").contains("café au lait"),
        "{table}"
    );
    assert!(
        row(table, "ahead").join(" ").contains("local work"),
        "{table}"
    );
    // The unborn branch has no commit to show.
    assert_eq!(row(table, "unborn").len(), 3);

    // JSON agrees field by field too (apart from which engine answered).
    let strip = |text: &str| -> String {
        text.lines()
            .filter(|l| !l.contains("\"engine\""))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let gix_json = env.gita_engine("gix", &["ll", "--json"]);
    let git_json = env.gita_engine("git", &["ll", "--json"]);
    assert_eq!(strip(&gix_json.stdout), strip(&git_json.stdout));
    assert!(gix_json.stdout.contains("\"engine\": \"gix\""));
    assert!(
        !gix_json.stdout.contains("\"engine\": \"git\""),
        "gix fell back:\n{}",
        gix_json.stdout
    );
    assert!(!git_json.stdout.contains("\"engine\": \"gix\""));

    // A few fields the table does not show.
    let json: Vec<serde_json::Value> = serde_json::from_str(&gix_json.stdout).expect("valid JSON");
    let obj = |name: &str| -> &serde_json::Value {
        json.iter()
            .find(|o| o["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in JSON"))
    };
    assert_eq!(obj("gone")["upstream_gone"], true);
    assert_eq!(obj("gone")["upstream"], "origin/main");
    assert_eq!(obj("gone")["ahead"], serde_json::Value::Null);
    assert_eq!(
        (
            obj("diverged")["ahead"].clone(),
            obj("diverged")["behind"].clone()
        ),
        (1.into(), 2.into())
    );
    // Exact counts say so; without counts there is nothing to bound.
    assert_eq!(obj("diverged")["counts_bounded"], false);
    assert_eq!(obj("noupstream")["counts_bounded"], serde_json::Value::Null);
    assert_eq!(obj("localup")["upstream"], "base");
    assert_eq!(obj("tagged")["detached"], true);
    assert_eq!(obj("tagged")["tag"], "v1.0");
    assert_eq!(obj("unborn")["unborn"], true);
    assert_eq!(obj("unborn")["commit_subject"], serde_json::Value::Null);
    assert_eq!(obj("stash")["stash_count"], 1);
    assert_eq!(obj("worktree")["stash_count"], 1);
    assert!(
        obj("missing")["error"]
            .as_str()
            .is_some_and(|e| e.contains("missing"))
    );
    assert_eq!(obj("missing")["branch"], serde_json::Value::Null);
    for o in &json {
        assert_eq!(o.as_object().map(|m| m.len()), Some(25), "{o}");
    }
}

#[test]
fn commit_age_reads_like_git() {
    let env = TestEnv::new();
    let repo = env.repo("aged");
    env.gita(&["add", "aged"]).ok();
    let git_age = env.git(&repo, &["log", "-1", "--format=(%cr)"]);
    let run = env.gita(&["ll"]).ok();
    assert!(
        run.stdout.trim_end().ends_with(git_age.trim()),
        "{}\nvs git: {git_age}",
        run.stdout
    );
}

#[test]
fn reftable_repo_is_read_through_the_git_fallback() {
    let env = TestEnv::new();
    let dir = env.work.join("rt");
    fs::create_dir_all(&dir).expect("mkdir");
    env.git(&dir, &["init", "-q", "--ref-format=reftable", "-b", "main"]);
    env.commit(&dir, "a.txt", "a\n", "reftable commit");
    write(&dir.join("a.txt"), "changed\n");
    write(&dir.join("new.txt"), "new\n");
    env.gita(&["add", "rt"]).ok();

    let run = env.gita(&["ll"]).ok();
    let words = row(&run.stdout, "rt");
    assert_eq!(
        &words[1..5],
        ["main", "[*?∅]", "reftable", "commit"],
        "{}",
        run.stdout
    );
    let json = env.gita(&["ll", "--json"]).ok().stdout;
    assert!(json.contains("\"engine\": \"git\""), "{json}");
    assert_eq!(env.gita_engine("git", &["ll"]).stdout, run.stdout);
}

#[test]
fn sha256_repo_is_read_through_the_git_fallback() {
    let env = TestEnv::new();
    let dir = env.work.join("sha");
    fs::create_dir_all(&dir).expect("mkdir");
    env.git(
        &dir,
        &["init", "-q", "--object-format=sha256", "-b", "main"],
    );
    env.commit(&dir, "a.txt", "a\n", "sha256 commit");
    write(&dir.join("a.txt"), "staged\n");
    env.git(&dir, &["add", "a.txt"]);
    env.gita(&["add", "sha"]).ok();
    let run = env.gita(&["ll"]).ok();
    assert_eq!(
        &row(&run.stdout, "sha")[1..5],
        ["main", "[+∅]", "sha256", "commit"],
        "{}",
        run.stdout
    );
    let json = env.gita(&["ll", "--json"]).ok().stdout;
    assert!(json.contains("\"engine\": \"git\""), "{json}");
    let head = env.git(&dir, &["rev-parse", "HEAD"]);
    assert!(
        json.contains(&format!("\"head\": \"{}\"", head.trim())),
        "{json}"
    );
    // Forcing gix shows gix's own refusal as an error row.
    let forced = env.gita_engine("gix", &["ll"]);
    assert_eq!(forced.code, 1);
    assert!(
        row(&forced.stdout, "sha")[1] == "error:",
        "{}",
        forced.stdout
    );
}

#[test]
fn ll_leaves_repos_byte_for_byte_unchanged() {
    let env = TestEnv::new();
    every_state(&env);
    // Make index entries stat-dirty (same content, another mtime): a plain
    // `git status` would rewrite the index to refresh them.
    for name in ["insync", "stash", "ahead"] {
        common::set_mtime(&env.work.join(name).join("README.md"), -3600);
    }
    let before = common::snapshot_tree(&env.root);
    for engine in ["gix", "git", ""] {
        for args in [&["ll"][..], &["ll", "--json", "-r", "origin"]] {
            let run = env.gita_engine(engine, args);
            // Only `missing` (its folder is gone) is an error row: exit 1,
            // with every other row printed.
            assert_eq!(
                run.code, 1,
                "{engine} {args:?}:\n{}{}",
                run.stdout, run.stderr
            );
            assert!(
                run.stdout.contains("insync"),
                "{engine} {args:?}: {}",
                run.stdout
            );
        }
    }
    let after = common::snapshot_tree(&env.root);
    let changed: Vec<_> = before
        .keys()
        .chain(after.keys())
        .filter(|p| before.get(*p) != after.get(*p))
        .collect();
    assert!(changed.is_empty(), "files changed by ll: {changed:#?}");
}

/// Three repos: clean, dirty+untracked, diverged with a stash; two groups.
fn small_workspace(env: &TestEnv) {
    env.repo_with_remote("clean");
    let (messy, _) = env.repo_with_remote("messy");
    write(&messy.join("README.md"), "edit\n");
    write(&messy.join("new.txt"), "new\n");
    let (busy, _) = env.repo_with_remote("busy");
    env.commit(&busy, "r.txt", "r\n", "remote side");
    env.git(&busy, &["push", "-q"]);
    env.git(&busy, &["reset", "-q", "--hard", "HEAD~1"]);
    env.commit(&busy, "l.txt", "l\n", "local side");
    write(&busy.join("l.txt"), "stash me\n");
    env.git(&busy, &["stash", "push", "-q"]);
    env.gita(&["add", "clean", "messy", "busy"]).ok();
    env.gita(&["group", "add", "clean", "messy", "-n", "front"])
        .ok();
    env.gita(&["group", "add", "busy", "-n", "back"]).ok();
}

fn names_of(table: &str) -> Vec<&str> {
    table
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect()
}

#[test]
fn filters_combine() {
    let env = TestEnv::new();
    small_workspace(&env);
    let pick = |args: &[&str]| {
        let mut all = vec!["ll"];
        all.extend_from_slice(args);
        names_of(&env.gita(&all).ok().stdout).join(" ")
    };
    assert_eq!(pick(&[]), "busy clean messy");
    assert_eq!(pick(&["--dirty"]), "messy");
    assert_eq!(pick(&["--untracked"]), "messy");
    assert_eq!(pick(&["--stashed"]), "busy");
    assert_eq!(pick(&["--ahead"]), "busy");
    assert_eq!(pick(&["--behind"]), "busy");
    assert_eq!(pick(&["--diverged"]), "busy");
    assert_eq!(pick(&["--staged"]), "");
    assert_eq!(pick(&["--no-upstream"]), "");
    assert_eq!(pick(&["--dirty", "--stashed"]), "");
    assert_eq!(pick(&["--ahead", "--stashed"]), "busy");
}

#[test]
fn groups_select_and_group_by() {
    let env = TestEnv::new();
    small_workspace(&env);
    assert_eq!(
        names_of(&env.gita(&["ll", "front"]).ok().stdout),
        ["clean", "messy"]
    );
    assert_eq!(
        names_of(&env.gita(&["ll", "busy", "clean"]).ok().stdout),
        ["busy", "clean"]
    );
    let by_group = env.gita(&["ll", "-g"]).ok().stdout;
    let layout: Vec<String> = by_group
        .lines()
        .map(|l| {
            let indent = l.len() - l.trim_start().len();
            format!("{indent}:{}", l.split_whitespace().next().unwrap_or(""))
        })
        .collect();
    assert_eq!(
        layout,
        ["0:back:", "2:busy", "0:front:", "2:clean", "2:messy"],
        "{by_group}"
    );
    let one = env.gita(&["ll", "-g", "back"]).ok().stdout;
    assert_eq!(names_of(&one), ["back:", "busy"]);
    // The context group applies when no names are given.
    env.gita(&["context", "back"]).ok();
    assert_eq!(names_of(&env.gita(&["ll"]).ok().stdout), ["busy"]);
    // An unknown name is an error with a suggestion, and nothing is printed.
    let run = env.gita_engine("", &["ll", "mesy"]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""));
    assert!(
        run.stderr.starts_with("gita: error:") && run.stderr.contains("messy"),
        "{}",
        run.stderr
    );
}

#[test]
fn compare_with_another_remote() {
    let env = TestEnv::new();
    let (repo, _) = env.repo_with_remote("fork");
    let upstream = env.bare("upstream-of-fork");
    let url = format!("file://{}", upstream.display());
    env.git(&repo, &["remote", "add", "upstream", &url]);
    env.commit(&repo, "u.txt", "u\n", "upstream work");
    env.git(&repo, &["push", "-q", "upstream", "main"]);
    env.git(&repo, &["fetch", "-q", "upstream"]);
    env.git(&repo, &["reset", "-q", "--hard", "HEAD~1"]);
    env.gita(&["add", "fork"]).ok();
    for engine in ["gix", "git"] {
        let origin = env.gita_engine(engine, &["ll"]);
        assert_eq!(row(&origin.stdout, "fork")[2], "[]", "{engine}");
        let up = env.gita_engine(engine, &["ll", "-r", "upstream"]);
        assert_eq!(
            row(&up.stdout, "fork")[2],
            "[↓1]",
            "{engine}: {}",
            up.stdout
        );
        let json = env.gita_engine(engine, &["ll", "--json", "--remote", "upstream"]);
        assert!(
            json.stdout.contains("\"upstream\": \"upstream/main\""),
            "{}",
            json.stdout
        );
        let none = env.gita_engine(engine, &["ll", "-r", "nosuch"]);
        assert_eq!(row(&none.stdout, "fork")[2], "[∅]", "{engine}");
    }
}

#[test]
fn colors_follow_flags_and_settings() {
    let env = TestEnv::new();
    small_workspace(&env);
    let plain = env.gita(&["ll"]).ok().stdout;
    assert!(!plain.contains('\x1b'));
    let colored = env.gita(&["ll", "--color", "always"]).ok().stdout;
    // clean is in sync (green), busy diverged (red).
    assert!(colored.contains("\x1b[32mmain\x1b[0m"), "{colored:?}");
    assert!(colored.contains("\x1b[31m[$⇕1/1]\x1b[0m"), "{colored:?}");
    assert!(
        !env.gita(&["ll", "--color", "always", "-C"])
            .ok()
            .stdout
            .contains('\x1b')
    );
    assert!(
        !env.gita(&["ll", "--color", "never"])
            .ok()
            .stdout
            .contains('\x1b')
    );
    env.gita(&["color", "set", "in_sync", "b_blue"]).ok();
    let custom = env.gita(&["ll", "--color", "always", "clean"]).ok().stdout;
    assert!(custom.contains("\x1b[34;1mmain"), "{custom:?}");
}

#[test]
fn info_items_symbols_and_widths_from_settings() {
    let env = TestEnv::new();
    small_workspace(&env);
    env.gita(&["info", "add", "path"]).ok();
    env.gita(&["info", "rm", "commit_time"]).ok();
    let run = env.gita(&["ll", "clean"]).ok().stdout;
    let clean = env.work.join("clean").display().to_string();
    assert_eq!(run, format!("clean main [] initial commit {clean}\n"));
    env.gita(&["info", "set-length", "commit_msg", "8", "path", "0"])
        .ok();
    let run = env.gita(&["ll", "clean"]).ok().stdout;
    assert_eq!(run, format!("clean main [] initial… {clean}\n"));
    fs::write(
        env.config_dir().join("settings.yml"),
        "symbols:\n  diverged: 'DIV'\n  stashed: 'S'\n",
    )
    .expect("write settings");
    let run = env.gita(&["ll", "busy"]).ok().stdout;
    assert!(run.starts_with("busy main [SDIV1/1] local side"), "{run}");
}

#[test]
fn closed_stdout_is_a_quiet_success() {
    let env = TestEnv::new();
    small_workspace(&env);
    // The reading end is closed before gita starts: its first write to
    // stdout meets a closed pipe.
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let child = env
        .cmd()
        .args(["ll", "--json"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn gita");
    let run = common::wait_within(child, std::time::Duration::from_secs(60));
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.stderr, "");
}

#[test]
fn bad_engine_name_is_an_error() {
    let env = TestEnv::new();
    small_workspace(&env);
    let run = env.gita_engine("libgit2", &["ll"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("GITA_STATUS_ENGINE"), "{}", run.stderr);
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if "\\.+*?()|[]{}^$".contains(c) {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect()
}

#[test]
fn table_and_json_snapshots() {
    let env = TestEnv::new();
    small_workspace(&env);
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(&regex_escape(&env.root.display().to_string()), "[ROOT]");
    settings.add_filter(r"\((\d+ [a-z]+, )?\d+ [a-z]+ ago\)", "(AGE)");
    settings.add_filter(r#""commit_age": "[^"]*""#, r#""commit_age": "AGE""#);
    settings.bind(|| {
        insta::assert_snapshot!("table", env.gita(&["ll"]).ok().stdout);
        insta::assert_snapshot!("table_by_group", env.gita(&["ll", "-g"]).ok().stdout);
        insta::assert_snapshot!("json", env.gita(&["ll", "--json"]).ok().stdout);
        insta::assert_snapshot!("help", env.gita(&["ll", "--help"]).ok().stdout);
    });
}

#[test]
fn unstaged_changes_that_keep_the_size_or_hide_behind_symlinks() {
    let env = TestEnv::new();
    let same = env.repo("samesize");
    let linked = env.repo("symdir");
    env.commit(&linked, "dir/x.txt", "x\n", "add dir");
    let exec = env.repo("exec");
    env.repo("clean");
    // An index written after its entries' files (its mtime an hour ahead):
    // they are not racily clean, so the stat data alone decides, which is
    // the fast path.
    for dir in [&same, &linked, &exec] {
        common::set_mtime(&dir.join(".git/index"), 3600);
    }
    write(&same.join("README.md"), "HELLO\n");
    // The edit lands in a later second than the commit, as it would by hand.
    common::set_mtime(&same.join("README.md"), 60);
    fs::rename(linked.join("dir"), linked.join("real")).expect("rename");
    std::os::unix::fs::symlink("real", linked.join("dir")).expect("symlink");
    let readme = exec.join("README.md");
    let mut perm = fs::metadata(&readme).expect("metadata").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
    fs::set_permissions(&readme, perm).expect("chmod");
    for name in ["samesize", "symdir", "exec", "clean"] {
        env.gita(&["add", name]).ok();
    }
    let gix = env.gita_engine("gix", &["ll"]);
    let git = env.gita_engine("git", &["ll"]);
    assert_eq!(gix.stdout, git.stdout);
    assert_eq!(row(&gix.stdout, "samesize")[2], "[*∅]", "{}", gix.stdout);
    assert_eq!(row(&gix.stdout, "symdir")[2], "[*?∅]", "{}", gix.stdout);
    assert_eq!(row(&gix.stdout, "exec")[2], "[*∅]", "{}", gix.stdout);
    assert_eq!(row(&gix.stdout, "clean")[2], "[∅]", "{}", gix.stdout);
}

#[test]
fn by_group_exit_status_counts_only_shown_repos() {
    let env = TestEnv::new();
    small_workspace(&env);
    let stray = env.repo("stray");
    env.gita(&["add", "stray"]).ok();
    fs::remove_dir_all(&stray).expect("rm");
    // `stray` is in no group, so `ll -g` does not show it and succeeds.
    let run = env.gita(&["ll", "-g"]).ok();
    assert!(!run.stdout.contains("stray"), "{run:?}");
    // Plain `ll` shows its error row and fails.
    let run = env.gita(&["ll"]).code(1);
    assert!(run.stdout.contains("stray"), "{run:?}");
}

#[test]
fn unknown_compare_remote_is_warned_about() {
    let env = TestEnv::new();
    small_workspace(&env);
    let run = env.gita(&["ll", "-r", "nosuch"]).ok();
    assert!(
        run.stderr
            .contains("gita: warning: no repo has its branch on remote 'nosuch'"),
        "{run:?}"
    );
    let run = env.gita(&["ll", "-r", "origin"]).ok();
    assert_eq!(run.stderr, "", "{run:?}");
}

/// The fields of `ll --json` that describe the repos themselves.
fn repo_facts(json: &str) -> Vec<String> {
    let rows: Vec<serde_json::Value> = serde_json::from_str(json).expect("valid JSON");
    rows.iter()
        .map(|o| {
            [
                "name",
                "error",
                "branch",
                "head",
                "dirty",
                "staged",
                "untracked",
                "stash_count",
                "commit_subject",
            ]
            .iter()
            .map(|k| format!("{k}={}", o[k]))
            .collect::<Vec<_>>()
            .join(" ")
        })
        .collect()
}

#[test]
fn repo_local_git_variables_of_the_caller_do_not_leak_into_any_repo() {
    let env = TestEnv::new();
    let dirs = common::three_distinct_repos(&env);
    for engine in ["gix", "git"] {
        let plain = env.gita_engine(engine, &["ll", "--json"]);
        assert_eq!(plain.code, 0, "{}", plain.stderr);
        let expected = repo_facts(&plain.stdout);
        assert!(expected[1].contains("untracked=true"), "{expected:?}");
        let mut leaks = Vec::new();
        for (label, vars) in common::repo_local_settings(&dirs[0]) {
            let mut cmd = env.cmd();
            cmd.env("GITA_STATUS_ENGINE", engine)
                .envs(vars.iter().map(|(k, v)| (k, v)));
            let out = cmd.args(["ll", "--json"]).output().expect("run gita");
            let stdout = String::from_utf8_lossy(&out.stdout);
            if out.status.code() != Some(0) || repo_facts(&stdout) != expected {
                leaks.push(format!(
                    "{label} ({engine}): exit {:?}\n{:#?}\n{}",
                    out.status.code(),
                    repo_facts(&stdout),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
        assert!(
            leaks.is_empty(),
            "expected {expected:#?}\n{}",
            leaks.join("\n")
        );
    }
}

#[test]
fn status_workers_ignore_repo_local_git_variables_too() {
    // Enough repos for `ll` to hand some of them to worker processes.
    let env = TestEnv::new();
    let dirs: Vec<PathBuf> = (0..14).map(|i| env.repo(&format!("w{i:02}"))).collect();
    for dir in &dirs[1..] {
        fs::write(dir.join("untracked.txt"), "x\n").expect("write");
    }
    let mut args = vec!["add".to_string()];
    args.extend(dirs.iter().map(|d| d.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    env.gita(&args).ok();
    let plain = env.gita_engine("gix", &["ll", "--json"]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    let expected = repo_facts(&plain.stdout);
    assert_eq!(expected.len(), 14);
    let out = env
        .cmd()
        .env("GITA_STATUS_ENGINE", "gix")
        .env("GIT_WORK_TREE", &dirs[0])
        .env("GIT_NAMESPACE", "ns")
        .args(["ll", "--json"])
        .output()
        .expect("run gita");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(repo_facts(&String::from_utf8_lossy(&out.stdout)), expected);
}

#[test]
fn ll_inside_a_git_hook_reads_every_repo_as_it_is() {
    // `git commit -a` runs its pre-commit hook with GIT_INDEX_FILE naming
    // the committing repo's new index.
    let env = TestEnv::new();
    let dirs = common::three_distinct_repos(&env);
    let plain = env.gita_engine("git", &["ll", "--json"]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    let hook_out = env.root.join("hook-out");
    let hook = dirs[0].join(".git/hooks/pre-commit");
    write(
        &hook,
        &format!(
            "#!/bin/sh\nfor e in gix git; do GITA_STATUS_ENGINE=$e '{}' ll --json >> '{}'; echo \"exit $?\" >> '{1}'; done\n",
            env!("CARGO_BIN_EXE_gita"),
            hook_out.display()
        ),
    );
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(&hook, fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    write(&dirs[0].join("only-in-r1.txt"), "changed\n");
    env.git(&dirs[0], &["commit", "-q", "-a", "-m", "through the hook"]);
    let text = fs::read_to_string(&hook_out).expect("hook output");
    // Two runs, each a JSON array and its exit status.
    let runs: Vec<&str> = text.split_terminator("exit 0\n").collect();
    assert_eq!(runs.len(), 2, "{text}");
    // r1 is in the middle of a commit; r2 and r3 are as they were.
    let expected = &repo_facts(&plain.stdout)[1..];
    assert_eq!(&repo_facts(runs[0])[1..], expected, "gix engine");
    assert_eq!(&repo_facts(runs[1])[1..], expected, "git engine");
}

/// Runs git in `dir` (hermetic) with `input` on stdin; panics on failure.
fn git_with_input(env: &TestEnv, dir: &Path, args: &[&str], input: &str) {
    use std::io::Write as _;
    use std::process::Stdio;
    let mut cmd = Command::new("git");
    env.hermetic(&mut cmd);
    let mut child = cmd
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run git");
    child
        .stdin
        .take()
        .expect("git stdin")
        .write_all(input.as_bytes())
        .expect("feed git");
    let out = child.wait_with_output().expect("wait for git");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A history written as a `git fast-import` stream: commits get marks
/// 1, 2, ... and explicit committer times.
#[derive(Default)]
struct History {
    stream: String,
    time: Vec<i64>,
}

impl History {
    /// Appends a commit on `branch` with `parents` (marks) at `time`;
    /// returns its mark.
    fn commit(&mut self, branch: &str, parents: &[usize], time: i64, msg: &str) -> usize {
        self.time.push(time);
        let mark = self.time.len();
        let mut s = format!(
            "commit {branch}\nmark :{mark}\ncommitter T <t@example.invalid> {time} +0000\n\
             data {}\n{msg}\n",
            msg.len()
        );
        for (i, p) in parents.iter().enumerate() {
            s.push_str(&format!("{} :{p}\n", if i == 0 { "from" } else { "merge" }));
        }
        let content = format!("{mark}\n");
        s.push_str(&format!(
            "M 100644 inline f{}\ndata {}\n{content}\n",
            mark % 7,
            content.len()
        ));
        self.stream.push_str(&s);
        mark
    }

    fn time_of(&self, mark: usize) -> i64 {
        self.time[mark - 1]
    }

    /// Points `refname` at commit `mark`.
    fn reset(&mut self, refname: &str, mark: usize) {
        self.stream
            .push_str(&format!("reset {refname}\nfrom :{mark}\n\n"));
    }
}

/// A tiny deterministic random number generator (64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

const UPSTREAM: &str = "refs/remotes/origin/main";

/// A merge-heavy history: topic branches of 1-3 commits merged into the
/// main line of `origin/main`. Every fifth topic forks up to 80 merges back
/// and is dated right after its fork point (defeating date-ordered walks
/// that stop at the first old commit); every seventh starts with a commit
/// dated two days ahead of its merge (a committer clock in the future, so
/// a parent is newer than its child). Local `main` forks `behind` merges
/// back, with one commit of its own and a merged old topic.
fn merge_heavy(merges: usize, behind: usize) -> History {
    let mut rng = Lcg(merges as u64);
    let mut h = History::default();
    let mut t: i64 = 1_600_000_000;
    let mut mainline = vec![h.commit(UPSTREAM, &[], t, "root")];
    let mut topic = |h: &mut History, mainline: &[usize], t: &mut i64, i: usize, branch: &str| {
        let old = i.is_multiple_of(5);
        let reach = if old { 80 } else { 6 };
        let base = mainline[mainline.len() - 1 - rng.below(reach.min(mainline.len()))];
        let mut tip = base;
        for k in 0..1 + rng.below(3) {
            *t += 100;
            let time = if old {
                h.time_of(base) + 60 * (k as i64 + 1)
            } else if i % 7 == 3 && k == 0 {
                *t + 2 * 86_400
            } else {
                *t
            };
            tip = h.commit(branch, &[tip], time, &format!("topic {i}.{k}"));
        }
        tip
    };
    for i in 0..merges {
        let tip = topic(&mut h, &mainline, &mut t, i, "refs/heads/topic");
        t += 100;
        let last = mainline[mainline.len() - 1];
        mainline.push(h.commit(UPSTREAM, &[last, tip], t, &format!("merge {i}")));
    }
    let fork = mainline[mainline.len() - 1 - behind];
    t += 100;
    let local = h.commit("refs/heads/main", &[fork], t, "local work");
    let old = topic(&mut h, &mainline, &mut t, 5, "refs/heads/topic");
    t += 100;
    let merged = h.commit("refs/heads/main", &[local, old], t, "local merge");
    h.reset("refs/heads/main", merged);
    h.reset(UPSTREAM, mainline[mainline.len() - 1]);
    h.stream.push_str(&format!(
        "reset refs/heads/topic\nfrom {}\n\n",
        "0".repeat(40)
    ));
    h
}

/// A repo at `work/<name>` holding `history`, with `main` tracking
/// `origin/main` and a clean work tree, registered with gita.
fn imported_repo(env: &TestEnv, name: &str, history: &History) -> PathBuf {
    let dir = env.work.join(name);
    fs::create_dir_all(&dir).expect("mkdir repo");
    env.git(&dir, &["init", "-q", "-b", "main"]);
    git_with_input(env, &dir, &["fast-import", "--quiet"], &history.stream);
    for (key, value) in [
        ("remote.origin.url", "/nonexistent/origin.git"),
        ("remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*"),
        ("branch.main.remote", "origin"),
        ("branch.main.merge", "refs/heads/main"),
    ] {
        env.git(&dir, &["config", key, value]);
    }
    env.git(&dir, &["reset", "-q", "--hard"]);
    env.gita(&["add", name]).ok();
    dir
}

/// The exact counts, from the full list of each side's commits (no early
/// stop involved).
fn true_counts(env: &TestEnv, dir: &Path, left: &str, right: &str) -> (usize, usize) {
    let list = |tip: &str| -> std::collections::HashSet<String> {
        env.git(dir, &["rev-list", tip])
            .lines()
            .map(str::to_string)
            .collect()
    };
    let (l, r) = (list(left), list(right));
    (l.difference(&r).count(), r.difference(&l).count())
}

/// `gita ll` with the gix and the git engine: identical tables, exit 0.
fn both_engines(env: &TestEnv) -> String {
    let gix = env.gita_engine("gix", &["ll"]);
    let git = env.gita_engine("git", &["ll"]);
    assert_eq!((gix.code, git.code), (0, 0), "{}{}", gix.stderr, git.stderr);
    assert_eq!(
        gix.stdout, git.stdout,
        "engines differ\ngix:\n{}\ngit:\n{}",
        gix.stdout, git.stdout
    );
    gix.stdout
}

#[test]
fn merge_heavy_skewed_history_counts_match_git_with_and_without_commit_graph() {
    let env = TestEnv::new();
    let history = merge_heavy(120, 30);
    let plain = imported_repo(&env, "plain", &history);
    let graph = imported_repo(&env, "graph", &history);
    env.git(&graph, &["commit-graph", "write", "--reachable"]);
    // A commit-graph written before the last 12 merges were fetched (and
    // before the local commits): the walk starts outside the graph.
    let partial = imported_repo(&env, "partial", &history);
    let older = env.git(&partial, &["rev-parse", &format!("{UPSTREAM}~12")]);
    git_with_input(
        &env,
        &partial,
        &["commit-graph", "write", "--stdin-commits"],
        &older,
    );
    for dir in [&graph, &partial] {
        assert!(dir.join(".git/objects/info/commit-graph").is_file());
    }
    // A shallow clone: the history ends at its boundary for both engines.
    let url = format!("file://{}", plain.display());
    env.git(
        &env.work,
        &["clone", "-q", "--depth", "40", &url, "shallow"],
    );
    let shallow = env.work.join("shallow");
    env.git(&shallow, &["reset", "-q", "--hard", "HEAD~15"]);
    env.commit(&shallow, "s.txt", "s\n", "shallow local work");
    env.gita(&["add", "shallow"]).ok();
    // A shallow boundary with the commits behind it still present: they do
    // not count (git grafts them away).
    let cut = imported_repo(&env, "cut", &history);
    let boundary = env.git(&cut, &["rev-parse", &format!("{UPSTREAM}~20")]);
    write(&cut.join(".git/shallow"), &boundary);

    let table = both_engines(&env);
    let (ahead, behind) = true_counts(&env, &plain, "main", UPSTREAM);
    assert!(ahead > 3 && behind > 60, "{ahead}/{behind}");
    for name in ["plain", "graph", "partial"] {
        assert_eq!(
            row(&table, name)[2],
            format!("[⇕{ahead}/{behind}]"),
            "{name}:\n{table}"
        );
    }
    for (name, dir, upstream) in [
        ("shallow", &shallow, "origin/main"),
        ("cut", &cut, UPSTREAM),
    ] {
        let (ahead, behind) = true_counts(&env, dir, "main", upstream);
        assert_eq!(row(&table, name)[2], format!("[⇕{ahead}/{behind}]"));
    }

    let json = env.gita_engine("gix", &["ll", "--json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    assert_eq!(json.stdout.matches("\"counts_bounded\": false").count(), 5);
    // Reading never writes: no commit-graph appears where there was none.
    assert!(!plain.join(".git/objects/info/commit-graph").exists());
}

/// Histories where a walk ordered by commit date and stopped as soon as
/// every queued commit is reached from both sides would count X (and its
/// parent Y) as ahead: the right side reaches X only through commits dated
/// long before it.
fn skewed(chain: usize) -> History {
    let mut h = History::default();
    let b = "refs/heads/scratch";
    let r = h.commit(b, &[], 1_000, "root");
    let y = h.commit(b, &[r], 90_000, "y");
    let x = h.commit(b, &[y], 100_000, "x");
    // The way from the shared commit D down to X: `chain` commits dated
    // after X (through which the walk must keep going), else two before it.
    let mut below = x;
    if chain == 0 {
        for time in [5_000, 10_000] {
            below = h.commit(b, &[below], time, "old");
        }
    } else {
        for k in 0..chain {
            below = h.commit(b, &[below], 900_000 + k as i64, "chain");
        }
    }
    let d = h.commit(b, &[below], 50_000, "d");
    let q = h.commit(b, &[r], 60_000, "q");
    let local = h.commit("refs/heads/main", &[d, x, q], 2_000_000, "local");
    let upstream = h.commit(UPSTREAM, &[d, q], 2_000_000, "upstream");
    h.reset("refs/heads/main", local);
    h.reset(UPSTREAM, upstream);
    h.stream
        .push_str(&format!("reset {b}\nfrom {}\n\n", "0".repeat(40)));
    h
}

#[test]
fn skewed_dates_do_not_stop_the_walk_early() {
    let env = TestEnv::new();
    for (name, chain) in [("stale", 0), ("chain", 60)] {
        let history = skewed(chain);
        imported_repo(&env, name, &history);
        let graph = imported_repo(&env, &format!("{name}-graph"), &history);
        env.git(&graph, &["commit-graph", "write", "--reachable"]);
        let dir = env.work.join(name);
        assert_eq!(true_counts(&env, &dir, "main", UPSTREAM), (1, 1));
    }
    let table = both_engines(&env);
    for name in ["stale", "stale-graph", "chain", "chain-graph"] {
        assert_eq!(row(&table, name)[2], "[⇕1/1]", "{name}:\n{table}");
    }
}

/// Copies the folder `from` to `to` with everything in it.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[test]
fn hundreds_of_repos_are_read_whatever_process_reads_them() {
    // Enough repos that every share of the work goes to a worker process on
    // a machine with few cores; on one with many, this process reads a share
    // too. Either way every row is there and read.
    let env = TestEnv::new();
    let seed = env.repo("seed");
    for i in 0..320 {
        copy_tree(&seed, &env.work.join("many").join(format!("r{i:03}")));
    }
    env.gita(&["add", "-r", "many"]).ok();
    let run = env.gita(&["ll", "--json"]).ok();
    let rows: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(rows.len(), 320);
    assert!(
        rows.iter()
            .all(|r| r["error"].is_null() && r["branch"] == "main"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_tracked_file_replaced_by_a_folder_is_deleted_and_looked_into_only_with_all() {
    let env = TestEnv::new();
    let (dir, _) = env.repo_with_remote("swap");
    fs::remove_file(dir.join("README.md")).expect("rm");
    write(&dir.join("README.md/inner.txt"), "x\n");
    env.gita(&["add", dir.to_str().expect("utf-8 path")]).ok();
    // git status does not look into a folder named like a tracked file ...
    let table = both_engines(&env);
    assert_eq!(row(&table, "swap")[2], "[*]", "{table}");
    // ... unless it lists every untracked file.
    env.git(&dir, &["config", "status.showUntrackedFiles", "all"]);
    let table = both_engines(&env);
    assert_eq!(row(&table, "swap")[2], "[*?]", "{table}");
}
