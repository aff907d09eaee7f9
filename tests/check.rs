//! `gita check` through the real binary: one repo per risk and a safe twin
//! for each, read by both engines (identical answers), the text lines and
//! count, the JSON shape, exit codes, `-q`, names and groups, `--fetch`,
//! `--tags`, the walk on longer histories (with and without a commit-graph,
//! and with skewed dates), the git fallback, and repos left byte-for-byte
//! unchanged.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{TestEnv, write};
use serde_json::Value;

/// `gita check --json` parsed: repo name → its object.
fn check_json(env: &TestEnv, engine: &str, args: &[&str]) -> (i32, BTreeMap<String, Value>) {
    let mut all = vec!["check", "--json"];
    all.extend_from_slice(args);
    let out = env.gita_engine(engine, &all);
    assert_eq!(out.stderr, "", "stderr of {all:?} ({engine})");
    let parsed: Value = serde_json::from_str(&out.stdout).expect("check --json is JSON");
    let map = parsed
        .as_array()
        .expect("an array")
        .iter()
        .map(|o| {
            let name = o["name"].as_str().expect("name").to_string();
            (name, o.clone())
        })
        .collect();
    (out.code, map)
}

/// The `kind`s of a list of reasons, in order.
fn kinds(reasons: &Value) -> Vec<String> {
    reasons
        .as_array()
        .expect("reasons is a list")
        .iter()
        .map(|r| r["kind"].as_str().expect("kind").to_string())
        .collect()
}

/// The reason of `kind` in a list (the first one).
fn reason<'a>(reasons: &'a Value, kind: &str) -> &'a Value {
    reasons
        .as_array()
        .expect("reasons is a list")
        .iter()
        .find(|r| r["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {reasons:#}"))
}

/// A repo in sync with its remote, plus `extra` branches pushed with upstreams.
fn synced(env: &TestEnv, name: &str) -> PathBuf {
    env.repo_with_remote(name).0
}

/// Builds one repo per risk and a safe twin for most. Returns name →
/// expected kinds (without `--tags`).
fn every_risk(env: &TestEnv) -> BTreeMap<String, Vec<&'static str>> {
    let mut want: BTreeMap<String, Vec<&'static str>> = BTreeMap::new();
    let mut expect = |name: &str, kinds: &[&'static str]| {
        want.insert(name.to_string(), kinds.to_vec());
    };

    synced(env, "safe");
    expect("safe", &[]);

    let staged = synced(env, "staged");
    write(&staged.join("new.txt"), "new\n");
    env.git(&staged, &["add", "new.txt"]);
    expect("staged", &["staged"]);

    let unstaged = synced(env, "unstaged");
    write(&unstaged.join("README.md"), "changed\n");
    expect("unstaged", &["unstaged"]);

    let untracked = synced(env, "untracked");
    write(&untracked.join("notes/todo.txt"), "x\n");
    expect("untracked", &["untracked"]);

    // Ignored files are not at risk.
    let ignored = synced(env, "ignored");
    env.commit(&ignored, ".gitignore", "*.log\n", "ignore logs");
    env.git(&ignored, &["push", "-q"]);
    write(&ignored.join("debug.log"), "x\n");
    expect("ignored", &[]);

    let stash = synced(env, "stash");
    write(&stash.join("README.md"), "stashed\n");
    env.git(&stash, &["stash", "push", "-q", "-m", "wip"]);
    expect("stash", &["stash"]);

    // Conflicts while merging a pushed branch: the merge is in progress.
    let conflict = synced(env, "conflict");
    env.git(&conflict, &["checkout", "-q", "-b", "other"]);
    env.commit(&conflict, "README.md", "other\n", "other side");
    env.git(&conflict, &["push", "-q", "-u", "origin", "other"]);
    env.git(&conflict, &["checkout", "-q", "main"]);
    env.commit(&conflict, "README.md", "main\n", "main side");
    env.git(&conflict, &["push", "-q"]);
    assert!(!env.git_ok(&conflict, &["merge", "-q", "other"]));
    expect(
        "conflict",
        &["conflicts", "staged", "unstaged", "operation"],
    );

    // A branch that is not checked out has commits on no remote.
    let unpushed = synced(env, "unpushed");
    env.git(&unpushed, &["checkout", "-q", "-b", "feature"]);
    env.commit(&unpushed, "f1.txt", "1\n", "feature one");
    env.git(&unpushed, &["push", "-q", "-u", "origin", "feature"]);
    env.commit(&unpushed, "f2.txt", "2\n", "feature two");
    env.commit(&unpushed, "f3.txt", "3\n", "feature three");
    env.git(&unpushed, &["checkout", "-q", "main"]);
    expect("unpushed", &["unpushed_commits"]);

    // The same, pushed: safe.
    let pushed = synced(env, "pushed");
    env.git(&pushed, &["checkout", "-q", "-b", "feature"]);
    env.commit(&pushed, "f1.txt", "1\n", "feature one");
    env.git(&pushed, &["push", "-q", "-u", "origin", "feature"]);
    env.git(&pushed, &["checkout", "-q", "main"]);
    expect("pushed", &[]);

    // A branch without an upstream, all of whose commits a remote has.
    let noup = synced(env, "noupstream");
    env.git(&noup, &["branch", "topic"]);
    expect("noupstream", &["no_upstream"]);

    // A branch whose upstream ref is gone.
    let gone = synced(env, "gone");
    env.git(&gone, &["checkout", "-q", "-b", "old"]);
    env.git(&gone, &["push", "-q", "-u", "origin", "old"]);
    env.git(&gone, &["checkout", "-q", "main"]);
    env.git(&gone, &["update-ref", "-d", "refs/remotes/origin/old"]);
    expect("gone", &["upstream_gone"]);

    // A repo with no remote: every commit is here only.
    env.repo("local");
    expect("local", &["unpushed_commits", "no_upstream"]);

    // A detached HEAD with a commit no branch or remote holds.
    let detached = synced(env, "detached");
    env.git(&detached, &["checkout", "-q", "--detach"]);
    env.commit(&detached, "d.txt", "d\n", "detached work");
    expect("detached", &["detached_head"]);

    // Detached at a pushed commit: safe.
    let parked = synced(env, "parked");
    env.git(&parked, &["checkout", "-q", "--detach"]);
    expect("parked", &[]);

    // Operations in progress.
    let rebase = synced(env, "rebase");
    env.git(&rebase, &["checkout", "-q", "-b", "side"]);
    env.commit(&rebase, "README.md", "side\n", "side edit");
    env.git(&rebase, &["push", "-q", "-u", "origin", "side"]);
    env.git(&rebase, &["checkout", "-q", "main"]);
    env.commit(&rebase, "README.md", "main\n", "main edit");
    env.git(&rebase, &["push", "-q"]);
    assert!(!env.git_ok(&rebase, &["rebase", "-q", "side"]));
    expect("rebase", &["conflicts", "staged", "unstaged", "operation"]);

    let bisect = synced(env, "bisect");
    env.commit(&bisect, "b.txt", "b\n", "second");
    env.git(&bisect, &["push", "-q"]);
    env.git(&bisect, &["bisect", "start", "HEAD", "HEAD~1"]);
    expect("bisect", &["operation"]);

    // Another worktree with unstaged changes; a clean one is not reported.
    let worktrees = synced(env, "worktrees");
    let dirty_wt = env.work.join("wt-dirty");
    let clean_wt = env.work.join("wt-clean");
    for wt in [&dirty_wt, &clean_wt] {
        env.git(
            &worktrees,
            &[
                "worktree",
                "add",
                "-q",
                "--detach",
                wt.to_str().expect("utf-8"),
            ],
        );
    }
    write(&dirty_wt.join("README.md"), "edited in the worktree\n");
    expect("worktrees", &["worktree"]);

    // Submodules: one with untracked files, one at a commit no remote has,
    // one clean.
    let sup = synced(env, "super");
    for sub in ["subdirty", "subahead", "subclean"] {
        let (_, bare) = env.repo_with_remote(&format!("src-{sub}"));
        let url = format!("file://{}", bare.display());
        env.git(
            &sup,
            &[
                "-c",
                "protocol.file.allow=always",
                "submodule",
                "add",
                "-q",
                &url,
                sub,
            ],
        );
    }
    env.git(&sup, &["commit", "-q", "-m", "add submodules"]);
    env.git(&sup, &["push", "-q"]);
    write(&sup.join("subdirty/scratch.txt"), "x\n");
    env.commit(&sup.join("subahead"), "s.txt", "s\n", "submodule work");
    expect("super", &["unstaged", "submodule", "submodule"]);
    for sub in ["subdirty", "subahead", "subclean"] {
        expect(&format!("src-{sub}"), &[]);
    }

    let paths: Vec<String> = want
        .keys()
        .map(|name| env.work.join(name).display().to_string())
        .collect();
    let mut args = vec!["add"];
    args.extend(paths.iter().map(String::as_str));
    env.gita(&args).ok();
    want
}

#[test]
fn every_risk_present_and_absent_with_both_engines() {
    let env = TestEnv::new();
    let want = every_risk(&env);
    let (code, gix) = check_json(&env, "gix", &[]);
    assert_eq!(code, 1);
    let (git_code, git) = check_json(&env, "git", &[]);
    assert_eq!(git_code, 1);
    let (auto_code, auto) = check_json(&env, "", &[]);
    assert_eq!(auto_code, 1);

    for (name, kinds_wanted) in &want {
        let got = kinds(&gix[name]["reasons"]);
        assert_eq!(&got, kinds_wanted, "{name}: {:#}", gix[name]);
        assert_eq!(gix[name]["at_risk"], !kinds_wanted.is_empty(), "{name}");
        assert_eq!(gix[name]["engine"], "gix", "{name}");
        assert_eq!(git[name]["engine"], "git", "{name}");
        assert_eq!(
            gix[name]["reasons"], git[name]["reasons"],
            "engines differ on {name}"
        );
        assert_eq!(gix[name]["reasons"], auto[name]["reasons"], "{name}");
    }

    // The data of each reason.
    let r = &gix["unpushed"]["reasons"];
    assert_eq!(
        reason(r, "unpushed_commits"),
        &serde_json::json!({"kind": "unpushed_commits", "branch": "feature", "count": 2, "at_least": false})
    );
    assert_eq!(gix["stash"]["reasons"][0]["count"], 1);
    assert_eq!(
        reason(&gix["noupstream"]["reasons"], "no_upstream")["branch"],
        "topic"
    );
    assert_eq!(
        reason(&gix["gone"]["reasons"], "upstream_gone"),
        &serde_json::json!({"kind": "upstream_gone", "branch": "old", "upstream": "origin/old"})
    );
    let local = &gix["local"]["reasons"];
    assert_eq!(reason(local, "unpushed_commits")["count"], 1);
    let d = reason(&gix["detached"]["reasons"], "detached_head");
    assert_eq!(d["count"], 1);
    let head = env.git(&env.work.join("detached"), &["rev-parse", "HEAD"]);
    assert_eq!(d["head"], head.trim());
    for (name, op) in [
        ("conflict", "merge"),
        ("rebase", "rebase"),
        ("bisect", "bisect"),
    ] {
        assert_eq!(
            reason(&gix[name]["reasons"], "operation")["operation"],
            op,
            "{name}"
        );
    }
    let wt = reason(&gix["worktrees"]["reasons"], "worktree");
    assert_eq!(
        wt["path"],
        env.work.join("wt-dirty").to_str().expect("utf-8")
    );
    assert_eq!(wt["error"], Value::Null);
    assert_eq!(kinds(&wt["reasons"]), ["unstaged"]);

    let subs: Vec<&Value> = gix["super"]["reasons"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|r| r["kind"] == "submodule")
        .collect();
    assert_eq!(subs[0]["path"], "subahead");
    assert_eq!(kinds(&subs[0]["reasons"]), ["head_on_no_remote"]);
    assert_eq!(subs[0]["reasons"][0]["count"], 1);
    assert_eq!(subs[1]["path"], "subdirty");
    assert_eq!(kinds(&subs[1]["reasons"]), ["untracked"]);
}

#[test]
fn text_lines_name_each_risk_and_count_the_repos() {
    let env = TestEnv::new();
    let want = every_risk(&env);
    let out = env.gita_engine("", &["check"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    let lines: Vec<&str> = out.stdout.lines().collect();
    let line = |name: &str| -> &str {
        lines
            .iter()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no line for {name} in\n{}", out.stdout))
    };
    // Safe repos have no line.
    for (name, kinds) in &want {
        let has = lines
            .iter()
            .any(|l| l.split_whitespace().next() == Some(name.as_str()));
        assert_eq!(has, !kinds.is_empty(), "{name}\n{}", out.stdout);
    }
    assert!(line("unpushed").ends_with("feature: 2 commits on no remote"));
    assert!(line("local").ends_with("main: 1 commit on no remote, no upstream"));
    assert!(line("noupstream").ends_with("topic: no upstream"));
    assert!(line("gone").ends_with("old: upstream origin/old is gone"));
    assert!(line("stash").ends_with("1 stash entry"));
    assert!(line("staged").ends_with("staged changes"));
    assert!(line("unstaged").ends_with("unstaged changes"));
    assert!(line("untracked").ends_with("untracked files"));
    assert!(line("bisect").ends_with("bisect in progress"));
    assert!(line("conflict").contains("conflicts; "));
    assert!(line("conflict").contains("merge in progress"));
    assert!(line("detached").contains("detached HEAD "));
    assert!(line("detached").ends_with(": 1 commit on no branch or remote"));
    assert!(
        line("worktrees").ends_with(&format!(
            "worktree {}: unstaged changes",
            env.work.join("wt-dirty").display()
        )),
        "{}",
        line("worktrees")
    );
    let sup = line("super");
    assert!(sup.contains("submodule subdirty: untracked files"), "{sup}");
    assert!(
        sup.contains("submodule subahead: checked-out ") && sup.contains(": 1 commit on no remote"),
        "{sup}"
    );
    // The last line counts the repos at risk among those checked.
    let total = fs::read_to_string(env.registry_path())
        .expect("registry")
        .matches("path:")
        .count();
    let at_risk = want.values().filter(|k| !k.is_empty()).count();
    assert_eq!(
        lines.last().copied(),
        Some(format!("{at_risk} of {total} repos have work only here").as_str()),
        "{}",
        out.stdout
    );
    // Same lines from the git engine.
    assert_eq!(env.gita_engine("git", &["check"]).stdout, out.stdout);
}

#[test]
fn exit_status_quiet_and_usage_errors() {
    let env = TestEnv::new();
    synced(&env, "clean");
    let (dirty, _) = env.repo_with_remote("dirty");
    write(&dirty.join("README.md"), "x\n");
    env.gita(&["add", "clean", "dirty"]).ok();
    env.gita(&["group", "add", "clean", "-n", "good"]).ok();

    // Nothing at risk: 0, with the count line.
    let out = env.gita_engine("", &["check", "clean"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "0 of 1 repo has work only here\n")
    );
    let out = env.gita_engine("", &["check", "good"]);
    assert_eq!(out.code, 0);
    // Something at risk: 1.
    let out = env.gita_engine("", &["check"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout,
        "dirty  unstaged changes\n1 of 2 repos has work only here\n"
    );
    // -q: the exit status only.
    for (args, code) in [
        (vec!["check", "-q"], 1),
        (vec!["check", "--quiet", "clean"], 0),
        (vec!["check", "-q", "dirty"], 1),
    ] {
        let out = env.gita_engine("", &args);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (code, "", ""),
            "{args:?}"
        );
    }
    // The context group applies without names.
    env.gita(&["context", "good"]).ok();
    assert_eq!(env.gita_engine("", &["check", "-q"]).code, 0);
    env.gita(&["context", "none"]).ok();

    // Usage errors: 2, nothing on stdout.
    for args in [
        vec!["check", "nosuchrepo"],
        vec!["check", "--json", "-q"],
        vec!["check", "--no-such-flag"],
    ] {
        let out = env.gita_engine("", &args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert_eq!(out.stdout, "", "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
    let out = env.gita_engine("libgit2", &["check"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("GITA_STATUS_ENGINE"), "{}", out.stderr);

    // A repo that cannot be read is reported and counts.
    fs::remove_dir_all(env.work.join("clean")).expect("remove");
    let out = env.gita_engine("", &["check", "clean"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.starts_with("clean  error: "), "{}", out.stdout);
    assert!(
        out.stdout
            .ends_with("0 of 1 repo has work only here; 1 could not be read\n"),
        "{}",
        out.stdout
    );
    let (code, json) = check_json(&env, "", &["clean"]);
    assert_eq!(code, 1);
    assert_eq!(json["clean"]["at_risk"], true);
    assert!(json["clean"]["error"].is_string());
    assert_eq!(json["clean"]["engine"], Value::Null);
    assert_eq!(json["clean"]["reasons"], serde_json::json!([]));
    assert_eq!(env.gita_engine("", &["check", "-q", "clean"]).code, 1);
}

#[test]
fn json_shape_has_every_key() {
    let env = TestEnv::new();
    synced(&env, "clean");
    let (dirty, _) = env.repo_with_remote("dirty");
    write(&dirty.join("README.md"), "x\n");
    env.gita(&["add", "clean", "dirty"]).ok();
    env.gita(&["group", "add", "dirty", "-n", "g1"]).ok();
    let out = env.gita_engine("", &["check", "--json"]);
    assert_eq!(out.code, 1);
    let parsed: Value = serde_json::from_str(&out.stdout).expect("JSON");
    let list = parsed.as_array().expect("array");
    assert_eq!(list.len(), 2, "safe repos are listed too");
    for o in list {
        let keys: Vec<&String> = o.as_object().expect("object").keys().collect();
        assert_eq!(
            keys,
            [
                "at_risk", "engine", "error", "groups", "name", "path", "reasons"
            ],
            "{o:#}"
        );
    }
    assert_eq!(
        list[1],
        serde_json::json!({
            "name": "dirty",
            "path": dirty.to_str().expect("utf-8"),
            "groups": ["g1"],
            "at_risk": true,
            "error": null,
            "engine": "gix",
            "reasons": [{"kind": "unstaged"}],
        })
    );
    assert_eq!(list[0]["at_risk"], false);
    assert_eq!(list[0]["reasons"], serde_json::json!([]));
    // The help documents every kind.
    let help = env.gita(&["help", "check"]).ok().stdout;
    for kind in [
        "conflicts",
        "staged",
        "unstaged",
        "untracked",
        "stash",
        "unpushed_commits",
        "no_upstream",
        "upstream_gone",
        "detached_head",
        "head_on_no_remote",
        "operation",
        "tag_on_no_remote",
        "worktree",
        "submodule",
    ] {
        assert!(help.contains(&format!("\"{kind}\"")), "help lacks {kind}");
    }
    assert!(help.contains("at least 100000"), "{help}");
}

#[test]
fn tags_only_with_the_option() {
    let env = TestEnv::new();
    let repo = synced(&env, "tagged");
    env.git(&repo, &["tag", "-a", "-m", "released", "v1.0"]);
    env.git(&repo, &["checkout", "-q", "-b", "spike"]);
    env.commit(&repo, "s.txt", "s\n", "spike");
    env.git(&repo, &["tag", "local-marker"]);
    env.git(&repo, &["tag", "-a", "-m", "annotated", "v1.1-rc"]);
    // A tag of a tree holds no history and is skipped.
    env.git(&repo, &["tag", "tree-tag", "HEAD^{tree}"]);
    env.git(&repo, &["checkout", "-q", "main"]);
    env.git(&repo, &["branch", "-D", "spike"]);
    env.gita(&["add", "tagged"]).ok();
    for engine in ["gix", "git"] {
        let (code, json) = check_json(&env, engine, &[]);
        assert_eq!(code, 0, "{engine}: {:#}", json["tagged"]);
        let (code, json) = check_json(&env, engine, &["--tags"]);
        assert_eq!(code, 1);
        assert_eq!(
            json["tagged"]["reasons"],
            serde_json::json!([
                {"kind": "tag_on_no_remote", "tag": "local-marker"},
                {"kind": "tag_on_no_remote", "tag": "v1.1-rc"},
            ]),
            "{engine}"
        );
    }
    let out = env.gita_engine("", &["check", "--tags"]);
    assert_eq!(
        out.stdout.lines().next(),
        Some("tagged  tags on no remote: local-marker v1.1-rc")
    );
}

#[test]
fn fetch_first_updates_what_remotes_hold() {
    let env = TestEnv::new();
    let (repo, bare) = env.repo_with_remote("stale");
    env.commit(&repo, "n.txt", "n\n", "pushed by url");
    // Pushing to the URL (not the remote name) leaves origin/main behind.
    let url = format!("file://{}", bare.display());
    env.git(&repo, &["push", "-q", &url, "main"]);
    env.gita(&["add", "stale"]).ok();
    let out = env.gita_engine("", &["check"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("main: 1 commit on no remote"),
        "{}",
        out.stdout
    );
    let out = env.gita_engine("", &["check", "--fetch"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(out.stdout, "0 of 1 repo has work only here\n");
    assert!(out.stderr.contains("1 ok"), "{}", out.stderr);
}

#[test]
fn names_and_groups_select_repos() {
    let env = TestEnv::new();
    for name in ["a", "b", "c"] {
        let (dir, _) = env.repo_with_remote(name);
        write(&dir.join("u.txt"), "u\n");
    }
    env.gita(&["add", "a", "b", "c"]).ok();
    env.gita(&["group", "add", "a", "b", "-n", "ab"]).ok();
    let names = |args: &[&str]| -> Vec<String> {
        let (_, json) = check_json(&env, "", args);
        json.keys().cloned().collect()
    };
    assert_eq!(names(&["ab"]), ["a", "b"]);
    assert_eq!(names(&["c"]), ["c"]);
    assert_eq!(names(&["ab", "c"]), ["a", "b", "c"]);
    let out = env.gita_engine("", &["check", "ab"]);
    assert!(
        out.stdout.ends_with("2 of 2 repos have work only here\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn names_from_repos_are_sanitised() {
    let env = TestEnv::new();
    let repo = synced(&env, "evil");
    // Bidi overrides are valid in ref names and could disguise the text.
    env.git(&repo, &["branch", "x\u{202e}gnp.exe"]);
    env.gita(&["add", "evil"]).ok();
    let out = env.gita_engine("", &["check", "--color", "always"]);
    assert!(out.stdout.contains("x?gnp.exe"), "{}", out.stdout);
    assert!(!out.stdout.contains('\u{202e}'));
    // Colors: the upstream color of `ll` (no_remote: white).
    assert!(out.stdout.contains("\u{1b}[37m"), "{:?}", out.stdout);
    let plain = env.gita_engine("", &["check", "--color", "always", "-C"]);
    assert!(!plain.stdout.contains('\u{1b}'), "{:?}", plain.stdout);
}

/// Runs `git fast-import` in `dir` with `stream`.
fn fast_import(env: &TestEnv, dir: &Path, stream: &str) {
    let mut cmd = Command::new("git");
    env.hermetic(&mut cmd);
    let mut child = cmd
        .current_dir(dir)
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("fast-import");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stream.as_bytes())
        .expect("feed fast-import");
    assert!(child.wait().expect("wait").success());
}

/// A commit on `branch` with mark `mark` (parent `from`), dated `time`.
fn commit_cmd(out: &mut String, branch: &str, mark: usize, from: Option<usize>, time: i64) {
    let msg = format!("c{mark}\n");
    out.push_str(&format!(
        "commit refs/heads/{branch}\nmark :{mark}\ncommitter T <t@x> {time} +0000\ndata {}\n{msg}",
        msg.len()
    ));
    if let Some(from) = from {
        out.push_str(&format!("from :{from}\n"));
    }
    out.push_str(&format!("M 644 inline f\ndata {}\n{msg}\n", msg.len()));
}

#[test]
fn the_walk_counts_like_rev_list_with_and_without_a_commit_graph() {
    let env = TestEnv::new();
    let dir = env.work.join("long");
    fs::create_dir_all(&dir).expect("mkdir");
    env.git(&dir, &["init", "-q", "-b", "main"]);
    // 400 commits on main (the "remote" history), a branch forked at 50 with
    // 30 commits of its own, a merge of main into it, and a branch at 390.
    let t0 = 1_700_000_000;
    let mut s = String::new();
    for i in 1..=400 {
        commit_cmd(
            &mut s,
            "main",
            i,
            (i > 1).then_some(i - 1),
            t0 + i as i64 * 60,
        );
    }
    for i in 1001..=1030 {
        let from = if i == 1001 { 50 } else { i - 1 };
        commit_cmd(&mut s, "old", i, Some(from), t0 + (i as i64 - 900) * 60);
    }
    s.push_str(&format!(
        "commit refs/heads/old\nmark :1031\ncommitter T <t@x> {} +0000\ndata 6\nmerge\nfrom :1030\nmerge :300\n\n",
        t0 + 500 * 60
    ));
    // Skewed dates: a local branch dated long before its parents.
    for i in 2001..=2005 {
        let from = if i == 2001 { 390 } else { i - 1 };
        commit_cmd(&mut s, "skewed", i, Some(from), 600_000_000 + i as i64);
    }
    s.push_str("reset refs/remotes/origin/main\nfrom :400\n\n");
    fast_import(&env, &dir, &s);
    env.git(&dir, &["reset", "-q", "--hard", "main"]);
    env.gita(&["add", "long"]).ok();

    let expected: BTreeMap<&str, usize> = ["old", "skewed"]
        .into_iter()
        .map(|b| {
            let n = env.git(&dir, &["rev-list", "--count", b, "--not", "--remotes"]);
            (b, n.trim().parse().expect("count"))
        })
        .collect();
    assert_eq!(expected["old"], 31);
    assert_eq!(expected["skewed"], 5);
    let counts = |engine: &str| -> BTreeMap<String, u64> {
        let (_, json) = check_json(&env, engine, &[]);
        json["long"]["reasons"]
            .as_array()
            .expect("list")
            .iter()
            .filter(|r| r["kind"] == "unpushed_commits")
            .map(|r| {
                (
                    r["branch"].as_str().expect("branch").to_string(),
                    r["count"].as_u64().expect("count"),
                )
            })
            .collect()
    };
    let want: BTreeMap<String, u64> = expected
        .iter()
        .map(|(b, n)| (b.to_string(), *n as u64))
        .collect();
    assert_eq!(counts("gix"), want, "without a commit-graph");
    assert_eq!(counts("git"), want);
    env.git(&dir, &["commit-graph", "write", "--reachable"]);
    assert_eq!(counts("gix"), want, "with a commit-graph");
}

#[test]
fn reftable_repo_is_checked_through_git() {
    let env = TestEnv::new();
    let dir = env.work.join("rt");
    fs::create_dir_all(&dir).expect("mkdir");
    env.git(&dir, &["init", "-q", "--ref-format=reftable", "-b", "main"]);
    env.commit(&dir, "a.txt", "a\n", "reftable commit");
    write(&dir.join("a.txt"), "changed\n");
    env.gita(&["add", "rt"]).ok();
    let (code, json) = check_json(&env, "", &[]);
    assert_eq!(code, 1);
    assert_eq!(json["rt"]["engine"], "git");
    assert_eq!(
        kinds(&json["rt"]["reasons"]),
        ["unstaged", "unpushed_commits", "no_upstream"]
    );
}

#[test]
fn check_leaves_repos_byte_for_byte_unchanged() {
    let env = TestEnv::new();
    every_risk(&env);
    // Stat-dirty index entries (same content, another mtime): a plain
    // `git status` would rewrite the index to refresh them.
    for name in ["safe", "stash", "unpushed", "super"] {
        common::set_mtime(&env.work.join(name).join("README.md"), -3600);
    }
    let before = common::snapshot_tree(&env.root);
    for engine in ["gix", "git", ""] {
        env.gita_engine(engine, &["check"]);
        env.gita_engine(engine, &["check", "--json", "--tags"]);
    }
    let after = common::snapshot_tree(&env.root);
    let changed: Vec<_> = before
        .keys()
        .chain(after.keys())
        .filter(|p| before.get(*p) != after.get(*p))
        .collect();
    assert!(changed.is_empty(), "files changed by check: {changed:#?}");
}

#[test]
fn more_operations_nested_submodules_and_detached_worktrees() {
    let env = TestEnv::new();
    let conflicting = |name: &str| -> PathBuf {
        let repo = synced(&env, name);
        env.git(&repo, &["checkout", "-q", "-b", "side"]);
        env.commit(&repo, "README.md", "side\n", "side edit");
        env.git(&repo, &["push", "-q", "-u", "origin", "side"]);
        env.git(&repo, &["checkout", "-q", "main"]);
        env.commit(&repo, "README.md", "main\n", "main edit");
        env.commit(&repo, "README.md", "main again\n", "main edit again");
        env.git(&repo, &["push", "-q"]);
        repo
    };
    let pick = conflicting("pick");
    assert!(!env.git_ok(&pick, &["cherry-pick", "side"]));
    let revert = conflicting("revert");
    assert!(!env.git_ok(&revert, &["revert", "--no-edit", "HEAD~1"]));

    // super → mid → inner, each pushed; an untracked file deep inside.
    let (_, inner_bare) = env.repo_with_remote("inner");
    let (mid, mid_bare) = env.repo_with_remote("mid");
    let add_sub = |dir: &Path, bare: &Path, at: &str| {
        let url = format!("file://{}", bare.display());
        env.git(
            dir,
            &[
                "-c",
                "protocol.file.allow=always",
                "submodule",
                "add",
                "-q",
                &url,
                at,
            ],
        );
        env.git(dir, &["commit", "-q", "-m", "add a submodule"]);
        env.git(dir, &["push", "-q"]);
    };
    add_sub(&mid, &inner_bare, "inner");
    let sup = synced(&env, "nest");
    add_sub(&sup, &mid_bare, "mid");
    env.git(
        &sup,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "update",
            "-q",
            "--init",
            "--recursive",
        ],
    );
    write(&sup.join("mid/inner/deep.txt"), "x\n");

    // A detached worktree with a commit no ref holds.
    let wt_repo = synced(&env, "wtrepo");
    let wt = env.work.join("wt-detached");
    env.git(
        &wt_repo,
        &[
            "worktree",
            "add",
            "-q",
            "--detach",
            wt.to_str().expect("utf-8"),
        ],
    );
    env.commit(&wt, "w.txt", "w\n", "work in a detached worktree");

    env.gita(&["add", "pick", "revert", "nest", "wtrepo"]).ok();
    let (_, gix) = check_json(&env, "gix", &[]);
    let (_, git) = check_json(&env, "git", &[]);
    let (_, auto) = check_json(&env, "", &[]);
    for name in ["pick", "revert", "wtrepo"] {
        assert_eq!(gix[name]["reasons"], git[name]["reasons"], "{name}");
    }
    // Nested submodules: gix reads them from outside the repo's folder, and
    // where it cannot (an error), git reads the repo by default. Either way
    // the reasons are git's.
    if gix["nest"]["error"].is_null() {
        assert_eq!(gix["nest"]["reasons"], git["nest"]["reasons"]);
    }
    assert_eq!(auto["nest"]["reasons"], git["nest"]["reasons"]);
    let gix = auto;
    assert_eq!(
        reason(&gix["pick"]["reasons"], "operation")["operation"],
        "cherry-pick"
    );
    assert_eq!(
        reason(&gix["revert"]["reasons"], "operation")["operation"],
        "revert"
    );
    assert_eq!(
        gix["nest"]["reasons"],
        serde_json::json!([{
            "kind": "submodule",
            "path": "mid/inner",
            "error": null,
            "reasons": [{"kind": "untracked"}],
        }]),
        "{:#}",
        gix["nest"]
    );
    let w = reason(&gix["wtrepo"]["reasons"], "worktree");
    assert_eq!(kinds(&w["reasons"]), ["detached_head"]);
    assert_eq!(w["reasons"][0]["count"], 1);
    let out = env.gita_engine("", &["check", "nest"]);
    assert_eq!(
        out.stdout,
        "nest  submodule mid/inner: untracked files\n0 of 1 repo has work only here\n"
            .replace("0 of 1", "1 of 1")
    );
}
