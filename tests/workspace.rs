//! `gita freeze` and `gita clone` through the real binary with local bare
//! remotes (`file://` urls): manifests in both formats, round trips, re-runs,
//! partial states, bad urls and dry runs.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::TestEnv;

/// Two repos with remotes (one on a pushed `feature` branch), one without a
/// remote, a group, all registered.
fn workspace(env: &TestEnv) -> (PathBuf, PathBuf, PathBuf) {
    let (api, _) = env.repo_with_remote("src/api");
    let (web, _) = env.repo_with_remote("src/web");
    env.git(&web, &["checkout", "-q", "-b", "feature"]);
    env.commit(&web, "f.txt", "feature\n", "feature work");
    env.git(&web, &["push", "-q", "-u", "origin", "feature"]);
    let local = env.repo("src/local");
    env.gita(&["add", "-r", "src"]).ok();
    env.gita(&["group", "add", "api", "web", "-n", "net", "-p", "src"])
        .ok();
    (api, web, local)
}

fn url(env: &TestEnv, name: &str) -> String {
    format!(
        "file://{}",
        env.root
            .join("remotes")
            .join(format!("{name}.git"))
            .display()
    )
}

#[test]
fn freeze_yaml_lists_every_repo_and_group() {
    let env = TestEnv::new();
    let (api, web, local) = workspace(&env);
    let run = env.gita(&["freeze"]).ok();
    let expected = format!(
        "# gita workspace manifest: recreate it with `gita clone -f <this file>`
repos:
- name: api
  url: {}
  path: {}
  branch: main
- name: local
  url: ''
  path: {}
  branch: main
- name: web
  url: {}
  path: {}
  branch: feature
groups:
- name: net
  path: {}
  repos:
  - api
  - web
",
        url(&env, "src_api"),
        api.display(),
        local.display(),
        url(&env, "src_web"),
        web.display(),
        env.work.join("src").display()
    );
    assert_eq!(run.stdout, expected);
    assert_eq!(run.stderr, "");
}

#[test]
fn freeze_csv_is_python_gitas_format() {
    let env = TestEnv::new();
    let (api, web, _) = workspace(&env);
    env.gita(&["flags", "set", "api", "-c", "core.quotepath=off"])
        .ok();
    let run = env.gita(&["freeze", "--format", "csv"]).ok();
    assert_eq!(
        run.stdout,
        format!(
            "{},api,{},,-c core.quotepath=off,main\n{},web,{},,,feature\n,net,{},api|web\n",
            url(&env, "src_api"),
            api.display(),
            url(&env, "src_web"),
            web.display(),
            env.work.join("src").display()
        )
    );
    assert!(
        run.stderr.contains("not in the CSV (no remote url") && run.stderr.contains("local"),
        "{run:?}"
    );
}

#[test]
fn freeze_respects_group_and_context() {
    let env = TestEnv::new();
    workspace(&env);
    let by_group = env.gita(&["freeze", "-g", "net"]).ok().stdout;
    assert!(by_group.contains("name: api") && by_group.contains("name: web"));
    assert!(!by_group.contains("name: local"), "{by_group}");
    env.gita(&["context", "net"]).ok();
    assert_eq!(env.gita(&["freeze"]).ok().stdout, by_group);
    env.gita(&["freeze", "-g", "nett"])
        .err("unknown group 'nett'; did you mean 'net'?");
}

/// Freezes, then forgets the registry (a new machine): returns the manifest path.
fn freeze_to_file(env: &TestEnv, format: &str) -> PathBuf {
    let text = env.gita(&["freeze", "--format", format]).ok().stdout;
    let file = env.root.join(format!("manifest.{format}"));
    fs::write(&file, text).expect("write manifest");
    env.gita(&["clear"]).ok();
    file
}

fn branch_of(env: &TestEnv, dir: &Path) -> String {
    env.git(dir, &["symbolic-ref", "--short", "HEAD"])
        .trim()
        .to_string()
}

#[test]
fn clone_from_yaml_into_an_empty_folder() {
    let env = TestEnv::new();
    workspace(&env);
    let file = freeze_to_file(&env, "yaml");
    let dest = env.root.join("newbox");
    let run = env
        .gita(&[
            "clone",
            "-f",
            file.to_str().expect("utf8"),
            "-C",
            "../newbox",
        ])
        .ok();
    // The repo without a remote cannot be cloned: noted, the rest done, and
    // nothing failed.
    assert!(
        run.stderr.contains("note: local: no url recorded"),
        "{run:?}"
    );
    assert_eq!(env.gita(&["ls"]).ok().stdout, "api web\n");
    assert_eq!(
        env.gita(&["ls", "web"]).ok().stdout.trim(),
        dest.join("web").display().to_string()
    );
    assert_eq!(branch_of(&env, &dest.join("web")), "feature");
    assert_eq!(branch_of(&env, &dest.join("api")), "main");
    assert_eq!(env.gita(&["group", "ll", "net"]).ok().stdout, "api web\n");
    // No temp folders are left behind.
    let mut entries: Vec<String> = fs::read_dir(&dest)
        .expect("read")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(entries, ["api", "web"]);
}

#[test]
fn clone_preserving_paths_and_rerun_changes_nothing() {
    let env = TestEnv::new();
    let (api, web, local) = workspace(&env);
    let file = freeze_to_file(&env, "yaml");
    // A new machine: the work trees are gone (the remotes stay).
    fs::remove_dir_all(&api).expect("rm");
    fs::remove_dir_all(&web).expect("rm");
    let run = env
        .gita(&["clone", "-f", "-p", file.to_str().expect("utf8")])
        .ok();
    assert!(run.stderr.contains("3 of 3 repo(s) in place"), "{run:?}");
    assert_eq!(env.gita(&["ls"]).ok().stdout, "api local web\n");
    assert_eq!(branch_of(&env, &web), "feature");
    assert!(local.join(".git").is_dir());
    // Running it again clones nothing and changes nothing.
    let before = env.registry();
    let head = env.git(&web, &["rev-parse", "HEAD"]);
    let again = env
        .gita(&["clone", "-f", "-p", file.to_str().expect("utf8")])
        .ok();
    assert_eq!(again.stdout, "", "{again:?}");
    assert_eq!(env.registry(), before);
    assert_eq!(env.git(&web, &["rev-parse", "HEAD"]), head);
}

#[test]
fn csv_round_trip_clones_the_same_workspace() {
    let env = TestEnv::new();
    workspace(&env);
    let file = freeze_to_file(&env, "csv");
    env.gita(&[
        "clone",
        "-f",
        file.to_str().expect("utf8"),
        "-C",
        "../csvbox",
    ])
    .ok();
    assert_eq!(env.gita(&["ls"]).ok().stdout, "api web\n");
    assert_eq!(branch_of(&env, &env.root.join("csvbox/web")), "feature");
    assert_eq!(env.gita(&["group", "ll", "net"]).ok().stdout, "api web\n");
}

#[test]
fn python_gita_manifest_clones() {
    let env = TestEnv::new();
    let (_, alpha_remote) = env.repo_with_remote("alpha");
    let (beta, _) = env.repo_with_remote("beta");
    env.git(&beta, &["checkout", "-q", "-b", "feature"]);
    env.git(&beta, &["push", "-q", "origin", "feature"]);
    let remotes = alpha_remote.parent().expect("remotes dir");
    let text =
        include_str!("data/python-freeze.csv").replace("@REMOTES@", &remotes.display().to_string());
    let file = env.root.join("py.csv");
    fs::write(&file, text).expect("write");
    env.gita(&["clone", "-f", file.to_str().expect("utf8"), "-C", "../py"])
        .ok();
    assert_eq!(env.gita(&["ls"]).ok().stdout, "alpha beta\n");
    assert_eq!(branch_of(&env, &env.root.join("py/beta")), "feature");
    assert_eq!(
        env.gita(&["group", "ll", "mygroup"]).ok().stdout,
        "alpha beta\n"
    );
}

#[test]
fn partial_state_is_completed() {
    let env = TestEnv::new();
    workspace(&env);
    let file = freeze_to_file(&env, "yaml");
    let dest = env.root.join("half");
    // One repo already cloned by hand, the other left as an interrupted clone.
    fs::create_dir_all(&dest).expect("mkdir");
    env.git(&dest, &["clone", "-q", &url(&env, "src_api"), "api"]);
    let stale = dest.join(".web.gita-partial");
    fs::create_dir_all(stale.join(".git")).expect("mkdir");
    fs::write(stale.join("junk"), "half a clone").expect("write");
    // `local` has no url: a note, not a failure.
    env.gita(&["clone", "-f", file.to_str().expect("utf8"), "-C", "../half"])
        .ok();
    assert!(!stale.exists(), "the interrupted clone was not cleaned up");
    assert_eq!(branch_of(&env, &dest.join("web")), "feature");
    assert_eq!(env.gita(&["ls"]).ok().stdout, "api web\n");
}

#[test]
fn bad_url_fails_only_that_repo_and_foreign_folders_are_untouched() {
    let env = TestEnv::new();
    let (_, good) = env.repo_with_remote("good");
    let manifest = format!(
        "repos:
- name: good
  url: file://{}
  path: /nowhere/good
- name: broken
  url: file:///definitely/not/here.git
  path: /nowhere/broken
- name: occupied
  url: file://{}
  path: /nowhere/occupied
",
        good.display(),
        good.display()
    );
    let file = env.root.join("m.yml");
    fs::write(&file, manifest).expect("write");
    let dest = env.root.join("mixed");
    fs::create_dir_all(dest.join("occupied")).expect("mkdir");
    fs::write(dest.join("occupied/mine.txt"), "keep me").expect("write");
    let run = env
        .gita(&[
            "clone",
            "-f",
            file.to_str().expect("utf8"),
            "-C",
            "../mixed",
        ])
        .code(1);
    assert!(run.stderr.contains("broken"), "{run:?}");
    assert!(
        run.stderr.contains("occupied") && run.stderr.contains("left untouched"),
        "{run:?}"
    );
    assert_eq!(env.gita(&["ls"]).ok().stdout, "good\n");
    assert_eq!(
        fs::read_to_string(dest.join("occupied/mine.txt")).expect("read"),
        "keep me"
    );
    assert!(!dest.join("broken").exists());
}

#[test]
fn dry_run_touches_nothing() {
    let env = TestEnv::new();
    workspace(&env);
    let file = freeze_to_file(&env, "yaml");
    let before = env.registry();
    let run = env
        .gita(&[
            "clone",
            "-n",
            "-f",
            file.to_str().expect("utf8"),
            "-C",
            "../dry",
        ])
        .ok();
    let dry = env.root.join("dry");
    assert!(
        run.stdout.contains(&format!(
            "clone web {} -> {} (branch feature)",
            url(&env, "src_web"),
            dry.join("web").display()
        )),
        "{run:?}"
    );
    assert!(
        run.stdout.contains("skip local: no url recorded"),
        "{run:?}"
    );
    assert!(run.stdout.contains("group net: api web"), "{run:?}");
    assert!(!dry.exists());
    assert_eq!(env.registry(), before);
}

#[test]
fn clone_one_url_registers_it_in_a_group() {
    let env = TestEnv::new();
    let (_, remote) = env.repo_with_remote("solo");
    let u = format!("file://{}", remote.display());
    fs::create_dir_all(env.root.join("elsewhere")).expect("mkdir");
    let dry = env.gita(&["clone", "-n", &u, "-C", "../elsewhere"]).ok();
    let target = env.root.join("elsewhere/solo");
    assert_eq!(dry.stdout, format!("git clone {u} {}\n", target.display()));
    assert!(!target.exists());
    env.gita(&["clone", &u, "-C", "../elsewhere", "-g", "fresh"])
        .ok();
    assert_eq!(env.gita(&["ls"]).ok().stdout, "solo\n");
    assert_eq!(env.gita(&["group", "ll", "fresh"]).ok().stdout, "solo\n");
    assert!(target.join("README.md").is_file());
    // Cloning it again registers nothing new and fails nothing.
    env.gita(&["clone", &u, "-C", "../elsewhere"]).ok();
    assert_eq!(env.gita(&["ls"]).ok().stdout, "solo\n");
    // git's own message comes first, then gita's one line.
    let failed = env.gita(&["clone", "file:///no/such/repo.git"]).code(1);
    assert!(
        failed
            .stderr
            .ends_with("gita: error: git clone file:///no/such/repo.git failed (see git's message above); nothing was registered\n"),
        "{failed:?}"
    );
    env.gita(&["clone", "-f", "missing.yml"])
        .err("cannot read manifest");
}

#[test]
fn manifest_names_cannot_escape_the_target_folder() {
    let env = TestEnv::new();
    let (_, good) = env.repo_with_remote("good");
    for name in ["../escape", "/tmp/absolute", "a/../../b"] {
        let manifest = format!(
            "repos:\n- name: {name}\n  url: file://{}\n  path: /x\n",
            good.display()
        );
        let file = env.root.join("evil.yml");
        fs::write(&file, manifest).expect("write");
        env.gita(&["clone", "-f", file.to_str().expect("utf8"), "-C", "../box"])
            .err("cannot be an absolute path or contain empty, '.' or '..' parts");
    }
    assert!(!env.root.join("escape").exists());
    assert!(!env.root.join("box").join("..").join("escape").exists());
    assert_eq!(env.registry(), "");
}

#[test]
fn unknown_branch_is_reported_and_the_clone_kept() {
    let env = TestEnv::new();
    let (_, remote) = env.repo_with_remote("r");
    let file = env.root.join("m.yml");
    fs::write(
        &file,
        format!(
            "repos:\n- name: r\n  url: file://{}\n  path: /x\n  branch: nosuch\n",
            remote.display()
        ),
    )
    .expect("write");
    let run = env
        .gita(&["clone", "-f", file.to_str().expect("utf8"), "-C", "../box"])
        .code(1);
    assert!(
        run.stderr.contains("could not check out 'nosuch'"),
        "{run:?}"
    );
    assert!(!run.stdout.contains("cloned into"), "{run:?}");
    assert_eq!(env.gita(&["ls"]).ok().stdout, "r\n");
}

#[test]
fn freeze_lists_a_missing_folder_with_a_warning() {
    let env = TestEnv::new();
    let (api, _, _) = workspace(&env);
    fs::remove_dir_all(&api).expect("rm");
    let run = env.gita(&["freeze"]).ok();
    assert!(
        run.stdout.contains(&format!(
            "- name: api\n  url: ''\n  path: {}\n",
            api.display()
        )),
        "{run:?}"
    );
    assert!(
        run.stderr.contains(&format!(
            "gita: warning: api: folder {} is missing",
            api.display()
        )),
        "{run:?}"
    );
}

#[test]
fn clone_from_manifest_one_job_at_a_time() {
    let env = TestEnv::new();
    workspace(&env);
    let file = freeze_to_file(&env, "csv");
    let run = env
        .gita(&[
            "clone",
            "-f",
            file.to_str().expect("utf8"),
            "-C",
            "../serial",
            "-j",
            "1",
        ])
        .ok();
    assert!(run.stderr.contains("2 of 2 repo(s) in place"), "{run:?}");
    assert_eq!(env.gita(&["ls"]).ok().stdout, "api web\n");
    env.gita(&["clone", "-f", file.to_str().expect("utf8"), "-j", "0"])
        .code(2);
}

#[test]
fn csv_round_trips_names_and_paths_with_commas_quotes_spaces_and_newlines() {
    let env = TestEnv::new();
    let mut dirs = Vec::new();
    for (folder, remote) in [("odd, \"dir\" x", "odd"), ("two\nlines", "two")] {
        let dir = env.repo(folder);
        let bare = env.bare(remote);
        let url = format!("file://{}", bare.display());
        env.git(&dir, &["remote", "add", "origin", &url]);
        env.git(&dir, &["push", "-q", "-u", "origin", "main"]);
        env.gita(&["add", dir.to_str().expect("utf8")]).ok();
        dirs.push(dir);
    }
    let name = "my, \"odd\" repo";
    env.gita(&["rename", "odd, \"dir\" x", name]).ok();
    env.gita(&["group", "add", name, "two_lines", "-n", "a \"g\", b"])
        .ok();
    let before = env.gita(&["freeze"]).ok().stdout;
    let csv = env.gita(&["freeze", "--format", "csv"]).ok().stdout;
    let file = env.root.join("manifest.csv");
    fs::write(&file, &csv).expect("write manifest");

    if common::have("python3", "reading gita's CSV with Python's csv module") {
        // Python gita's `clone -f` reads the file this way.
        let script = "import csv, json, sys\n\
                      print(json.dumps(list(csv.reader(open(sys.argv[1])))))";
        let out = std::process::Command::new("python3")
            .args(["-c", script])
            .arg(&file)
            .output()
            .expect("run python3");
        assert!(out.status.success(), "{out:?}");
        let rows: Vec<Vec<String>> = serde_json::from_slice(&out.stdout).expect("json");
        let url = |remote: &str| {
            format!(
                "file://{}",
                env.root
                    .join("remotes")
                    .join(format!("{remote}.git"))
                    .display()
            )
        };
        let path = |dir: &Path| dir.display().to_string();
        let expected = vec![
            vec![
                url("odd"),
                name.into(),
                path(&dirs[0]),
                "".into(),
                "".into(),
                "main".into(),
            ],
            vec![
                url("two"),
                "two_lines".into(),
                path(&dirs[1]),
                "".into(),
                "".into(),
                "main".into(),
            ],
            vec![
                "".into(),
                "a \"g\", b".into(),
                "".into(),
                format!("{name}|two_lines"),
            ],
        ];
        assert_eq!(rows, expected, "{csv}");
    }

    // A new machine: the work trees and the registry are gone.
    env.gita(&["clear"]).ok();
    for dir in &dirs {
        fs::remove_dir_all(dir).expect("rm");
    }
    env.gita(&["clone", "-f", "-p", file.to_str().expect("utf8")])
        .ok();
    assert_eq!(env.gita(&["freeze"]).ok().stdout, before);
    assert_eq!(
        env.gita(&["group", "ll", "a \"g\", b"]).ok().stdout,
        format!("{name} two_lines\n")
    );
    for dir in &dirs {
        assert_eq!(branch_of(&env, dir), "main");
    }
}
