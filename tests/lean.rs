//! Lean clones: `--depth`, `--filter`, `--single-branch`, `--no-tags` on
//! the command line and per repo in a manifest (validated as data), and
//! `freeze --lean` recording them for the next `clone -f`.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::TestEnv;

/// A bare repo with three commits on `main`, a branch `side` and a tag; its
/// file:// URL (so that `--depth` takes effect).
fn upstream(env: &TestEnv, name: &str) -> String {
    let (dir, bare) = env.repo_with_remote(&format!("src-{name}"));
    env.commit(&dir, "a.txt", "a\n", "second");
    env.commit(&dir, "b.txt", "b\n", "third");
    env.git(&dir, &["tag", "v1"]);
    env.git(&dir, &["branch", "side"]);
    env.git(&dir, &["push", "-q", "origin", "main", "side", "v1"]);
    env.git(&bare, &["config", "uploadpack.allowFilter", "true"]);
    format!("file://{}", bare.display())
}

fn manifest(env: &TestEnv, body: &str) -> String {
    let file = env.root.join("workspace.yml");
    fs::write(&file, format!("repos:\n{body}")).expect("manifest");
    file.display().to_string()
}

fn entry(name: &str, url: &str, extra: &str) -> String {
    format!("- name: {name}\n  url: {url}\n  path: /unused/{name}\n{extra}")
}

fn git_out(env: &TestEnv, dir: &Path, args: &[&str]) -> String {
    env.git(dir, args).trim().to_string()
}

fn is_lean(env: &TestEnv, dir: &Path) -> bool {
    git_out(env, dir, &["rev-parse", "--is-shallow-repository"]) == "true"
        && git_out(env, dir, &["rev-list", "--count", "HEAD"]) == "1"
        && git_out(env, dir, &["config", "remote.origin.partialclonefilter"]) == "blob:none"
        && git_out(env, dir, &["config", "remote.origin.tagopt"]) == "--no-tags"
        && git_out(env, dir, &["tag"]).is_empty()
        && !git_out(env, dir, &["branch", "-r"]).contains("side")
}

fn is_full(env: &TestEnv, dir: &Path) -> bool {
    git_out(env, dir, &["rev-parse", "--is-shallow-repository"]) == "false"
        && git_out(env, dir, &["tag"]) == "v1"
}

#[test]
fn clone_f_with_lean_options_on_the_command_line_and_rerun() {
    let env = TestEnv::new();
    let (a, b) = (upstream(&env, "a"), upstream(&env, "b"));
    let file = manifest(
        &env,
        &(entry("a", &a, "  branch: main\n") + &entry("b", &b, "")),
    );
    let dest = env.root.join("dest");
    let d = dest.display().to_string();
    let lean = [
        "--depth",
        "1",
        "--filter=blob:none",
        "--single-branch",
        "--no-tags",
    ];
    let args: Vec<&str> = ["clone", "-f", &file, "-C", &d]
        .into_iter()
        .chain(lean)
        .collect();
    env.gita(&args).ok();
    assert!(is_lean(&env, &dest.join("a")));
    assert!(is_lean(&env, &dest.join("b")));
    // Again: nothing to clone, both registered as they are.
    let again = env.gita(&args).ok();
    assert!(
        again.stderr.contains("2 of 2 repo(s) in place"),
        "{again:#?}"
    );
}

#[test]
fn per_repo_manifest_options_and_freeze_lean_round_trip() {
    let env = TestEnv::new();
    let (a, b) = (upstream(&env, "a"), upstream(&env, "b"));
    let lean = "  clone:\n    depth: 1\n    filter: blob:none\n    single_branch: true\n    no_tags: true\n";
    let file = manifest(&env, &(entry("a", &a, lean) + &entry("b", &b, "")));
    let dest = env.root.join("dest");
    let shown = env
        .gita(&[
            "clone",
            "-n",
            "-f",
            &file,
            "-C",
            &dest.display().to_string(),
        ])
        .ok();
    assert!(
        shown
            .stdout
            .contains("[--depth=1 --filter=blob:none --single-branch --no-tags]"),
        "{shown:#?}"
    );
    env.gita(&["clone", "-f", &file, "-C", &dest.display().to_string()])
        .ok();
    assert!(is_lean(&env, &dest.join("a")));
    assert!(is_full(&env, &dest.join("b")));

    let plain = env.gita(&["freeze"]).ok().stdout;
    assert!(!plain.contains("clone:"), "{plain}");
    let frozen = env.gita(&["freeze", "--lean"]).ok().stdout;
    for line in [
        "depth: 1",
        "filter: blob:none",
        "single_branch: true",
        "no_tags: true",
    ] {
        assert_eq!(frozen.matches(line).count(), 1, "{line}\n{frozen}");
    }
    let again = env.root.join("again.yml");
    fs::write(&again, &frozen).expect("write");
    let dest2: PathBuf = env.root.join("dest2");
    env.gita(&[
        "clone",
        "-f",
        &again.display().to_string(),
        "-C",
        &dest2.display().to_string(),
    ])
    .ok();
    assert!(is_lean(&env, &dest2.join("a")));
    assert!(is_full(&env, &dest2.join("b")));
}

#[test]
fn a_manifests_lean_options_are_validated_before_anything_is_cloned() {
    let env = TestEnv::new();
    let a = upstream(&env, "a");
    let dest = env.root.join("dest");
    let d = dest.display().to_string();
    for (bad, needle) in [
        ("  clone: {filter: 'blob:limit=1m'}\n", "filter"),
        ("  clone: {filter: 'sparse:oid=HEAD:x'}\n", "filter"),
        ("  clone: {depth: 0}\n", "depth is 0"),
        ("  clone: {depth: -1}\n", "depth"),
        ("  clone: {depth: 99999999999}\n", "depth"),
        ("  clone: {upload_pack: x}\n", "upload_pack"),
    ] {
        let file = manifest(&env, &entry("a", &a, bad));
        env.gita(&["clone", "-f", &file, "-C", &d]).err(needle);
        assert!(!dest.join("a").exists(), "cloned despite {bad}");
    }
    for bad in [["--filter", "blob:limit=1"], ["--depth", "0"]] {
        let args: Vec<&str> = ["clone", "-f", "x.yml"].into_iter().chain(bad).collect();
        env.gita(&args).code(2);
    }
}

#[test]
fn one_url_clones_lean_too() {
    let env = TestEnv::new();
    let a = upstream(&env, "a");
    let dest = env.root.join("dest").display().to_string();
    let lean = ["--depth", "1", "--filter", "blob:none", "--no-tags"];
    let args: Vec<&str> = ["clone", "-C", &dest]
        .into_iter()
        .chain(lean)
        .chain([a.as_str()])
        .collect();
    env.gita(&args).ok();
    let dir = env.root.join("dest").join("src-a");
    assert_eq!(git_out(&env, &dir, &["rev-list", "--count", "HEAD"]), "1");
    assert_eq!(git_out(&env, &dir, &["tag"]), "");
}
