//! `ll`'s cache of unchanged repos, through the real binary: a row comes
//! from the cache only while nothing it was read from changed, and right
//! after every kind of change the gix engine's row (cache on) equals the git
//! engine's. Whether a row came from the cache is told by deleting the HEAD
//! commit's object after the cache was written: the cache does not watch
//! objects (an object never changes), so a cached row still shows, while a
//! full reading fails and shows an error row.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{TestEnv, write};

/// Waits until every file written so far is older than the cache's racy
/// margin (2 s), so that the next `ll` may keep what it reads.
fn settle() {
    std::thread::sleep(Duration::from_millis(2300));
}

/// The cache folder of the test environment (`$HOME/.cache/gita/status`).
fn cache_dir(env: &TestEnv) -> PathBuf {
    env.root.join("home/.cache/gita/status")
}

/// The entry files in the cache.
fn entries(env: &TestEnv) -> Vec<PathBuf> {
    match fs::read_dir(cache_dir(env)) {
        Ok(dir) => dir
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// `gita ll` with the gix engine (and the cache) and with the git engine:
/// identical tables and exit statuses. Returns the table.
fn same_rows(env: &TestEnv, args: &[&str]) -> String {
    let mut ll = vec!["ll"];
    ll.extend_from_slice(args);
    let gix = env.gita_engine("gix", &ll);
    let git = env.gita_engine("git", &ll);
    assert_eq!(
        gix.stdout, git.stdout,
        "rows differ\ngix (cached):\n{}\ngit:\n{}",
        gix.stdout, git.stdout
    );
    assert_eq!((gix.code, git.code), (0, 0), "{}{}", gix.stderr, git.stderr);
    gix.stdout
}

/// The words of `name`'s row.
fn row(table: &str, name: &str) -> Vec<String> {
    table
        .lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .find(|w| w.first().map(String::as_str) == Some(name))
        .unwrap_or_else(|| panic!("no row for {name} in\n{table}"))
}

/// The symbols cell of `name`'s row.
fn symbols(table: &str, name: &str) -> String {
    row(table, name)[2].clone()
}

/// Deletes the loose object of HEAD's commit (see the module comment).
fn delete_head_object(env: &TestEnv, dir: &Path) {
    let id = env.git(dir, &["rev-parse", "HEAD"]);
    let id = id.trim();
    let path = dir.join(".git/objects").join(&id[..2]).join(&id[2..]);
    fs::remove_file(&path).unwrap_or_else(|e| panic!("remove {}: {e}", path.display()));
}

/// A repo with a nested tracked folder, an ignore file and an untracked
/// folder holding only ignored files, in sync with its remote.
fn rich_repo(env: &TestEnv, name: &str) -> PathBuf {
    let (dir, _) = env.repo_with_remote(name);
    env.commit(&dir, "src/lib/code.txt", "code\n", "code");
    env.commit(&dir, ".gitignore", "*.log\nbuild/\n", "ignores");
    env.git(&dir, &["push", "-q"]);
    write(&dir.join("logs/run.log"), "log\n");
    write(&dir.join("build/out.o"), "obj\n");
    fs::create_dir_all(dir.join("empty")).expect("mkdir");
    env.gita(&["add", dir.to_str().expect("utf-8 path")]).ok();
    dir
}

#[test]
fn a_row_is_served_from_the_cache_only_while_its_repo_is_unchanged() {
    let env = TestEnv::new();
    let dir = rich_repo(&env, "probe");
    settle();
    let before = same_rows(&env, &[]);
    assert_eq!(symbols(&before, "probe"), "[]");
    assert_eq!(entries(&env).len(), 1, "one entry for the one repo");

    // Served from the cache: the missing object is not noticed.
    delete_head_object(&env, &dir);
    let cached = env.gita_engine("gix", &["ll"]);
    assert_eq!(cached.code, 0, "{}", cached.stderr);
    assert_eq!(cached.stdout, before);

    // Without the cache, or after any change, the repo is read again.
    let mut cmd = env.cmd();
    cmd.env("GITA_STATUS_ENGINE", "gix")
        .env("GITA_STATUS_CACHE", "off")
        .arg("ll");
    let out = cmd.output().expect("run gita");
    assert_eq!(out.status.code(), Some(1), "a full reading fails");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("error"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    write(&dir.join("empty/new.txt"), "new\n");
    let changed = env.gita_engine("gix", &["ll"]);
    assert_eq!(changed.code, 1, "the change is seen: {}", changed.stdout);
}

#[test]
fn a_repo_changed_in_the_last_moments_is_not_cached() {
    let env = TestEnv::new();
    let dir = rich_repo(&env, "fresh");
    // No settling: the files are younger than the racy margin.
    same_rows(&env, &[]);
    assert!(entries(&env).is_empty(), "{:?}", entries(&env));
    delete_head_object(&env, &dir);
    let out = env.gita_engine("gix", &["ll"]);
    assert_eq!(
        out.code, 1,
        "read in full, so the loss shows: {}",
        out.stdout
    );
}

#[test]
fn every_kind_of_change_right_after_the_cache_was_written_shows() {
    let env = TestEnv::new();
    // (repo, symbols before, change, symbols after)
    type Change = Box<dyn Fn(&TestEnv, &Path)>;
    let mut cases: Vec<(&str, &str, Change, &str)> = Vec::new();
    let same_size_edit: Change = Box::new(|_, d| write(&d.join("README.md"), "hellO\n"));
    cases.push(("samesize", "[]", same_size_edit, "[*]"));
    // Same size and the old mtime put back: only the ctime tells.
    cases.push((
        "mtimeback",
        "[]",
        Box::new(|_, d| {
            let path = d.join("src/lib/code.txt");
            let old = fs::metadata(&path)
                .and_then(|m| m.modified())
                .expect("mtime");
            write(&path, "cod3\n");
            fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|f| f.set_modified(old))
                .expect("set mtime");
        }),
        "[*]",
    ));
    cases.push((
        "toplevel",
        "[]",
        Box::new(|_, d| write(&d.join("new.txt"), "x\n")),
        "[?]",
    ));
    cases.push((
        "nested",
        "[]",
        Box::new(|_, d| write(&d.join("src/lib/new.txt"), "x\n")),
        "[?]",
    ));
    cases.push((
        "inempty",
        "[]",
        Box::new(|_, d| write(&d.join("empty/deeper/new.txt"), "x\n")),
        "[?]",
    ));
    cases.push((
        "beside_ignored",
        "[]",
        Box::new(|_, d| write(&d.join("logs/notes.txt"), "x\n")),
        "[?]",
    ));
    cases.push((
        "ignored_more",
        "[]",
        Box::new(|_, d| write(&d.join("build/more.o"), "x\n")),
        "[]",
    ));
    cases.push((
        "nested_repo",
        "[]",
        Box::new(|env, d| {
            env.git(&d.join("empty"), &["init", "-q"]);
        }),
        "[?]",
    ));
    cases.push((
        "unignore",
        "[]",
        Box::new(|_, d| write(&d.join(".gitignore"), "*.log\n")),
        "[*?]",
    ));
    cases.push((
        "exclude",
        "[?]",
        Box::new(|_, d| write(&d.join(".git/info/exclude"), "stray.txt\n")),
        "[]",
    ));
    cases.push((
        "stage",
        "[]",
        Box::new(|env, d| {
            write(&d.join("README.md"), "staged\n");
            env.git(d, &["add", "README.md"]);
        }),
        "[+]",
    ));
    cases.push((
        "commit",
        "[]",
        Box::new(|env, d| env.commit(d, "c.txt", "c\n", "a new subject")),
        "[↑1]",
    ));
    cases.push((
        "fetched",
        "[]",
        Box::new(|env, d| {
            env.commit(d, "f.txt", "f\n", "pushed");
            env.git(d, &["push", "-q"]);
            env.git(d, &["reset", "-q", "--hard", "HEAD~1"]);
        }),
        "[↓1]",
    ));
    cases.push((
        "packed",
        "[]",
        Box::new(|env, d| {
            env.git(d, &["pack-refs", "--all"]);
            env.git(d, &["update-ref", "refs/remotes/origin/main", "HEAD~1"]);
        }),
        "[↑1]",
    ));
    cases.push((
        "stash",
        "[]",
        Box::new(|env, d| {
            write(&d.join("README.md"), "stashed\n");
            env.git(d, &["stash", "-q"]);
        }),
        "[$]",
    ));
    cases.push((
        "branch",
        "[]",
        Box::new(|env, d| {
            env.git(d, &["checkout", "-q", "-b", "topic"]);
        }),
        "[∅]",
    ));
    cases.push((
        "upstream_unset",
        "[]",
        Box::new(|env, d| {
            env.git(d, &["branch", "--unset-upstream"]);
        }),
        "[∅]",
    ));
    cases.push((
        "no_untracked",
        "[?]",
        Box::new(|env, d| {
            env.git(d, &["config", "status.showUntrackedFiles", "no"]);
        }),
        "[]",
    ));
    cases.push((
        "included",
        "[?]",
        Box::new(|env, _| {
            write(
                &env.root.join("includes/extra.config"),
                "[status]\n\tshowUntrackedFiles = no\n",
            )
        }),
        "[]",
    ));
    cases.push((
        "included_if",
        "[?]",
        Box::new(|env, _| {
            write(
                &env.root.join("includes/when-on-main.config"),
                "[status]\n\tshowUntrackedFiles = no\n",
            )
        }),
        "[]",
    ));
    cases.push((
        "included_home",
        "[?]",
        Box::new(|env, _| {
            write(
                &env.home.join("from-home.config"),
                "[status]\n\tshowUntrackedFiles = no\n",
            )
        }),
        "[]",
    ));
    cases.push((
        "chmod",
        "[]",
        Box::new(|_, d| {
            use std::os::unix::fs::PermissionsExt as _;
            let path = d.join("README.md");
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
        }),
        "[*]",
    ));
    cases.push((
        "deleted",
        "[]",
        Box::new(|_, d| fs::remove_file(d.join("src/lib/code.txt")).expect("rm")),
        "[*]",
    ));
    cases.push((
        "symlinked",
        "[]",
        Box::new(|_, d| {
            let path = d.join("README.md");
            fs::remove_file(&path).expect("rm");
            std::os::unix::fs::symlink("src/lib/code.txt", &path).expect("symlink");
        }),
        "[*]",
    ));
    cases.push((
        "untracked_again",
        "[]",
        Box::new(|env, d| {
            env.git(d, &["rm", "-q", "--cached", "README.md"]);
        }),
        "[+?]",
    ));
    cases.push((
        "dir_for_file",
        "[]",
        Box::new(|_, d| {
            fs::remove_file(d.join("README.md")).expect("rm");
            write(&d.join("README.md/inner.txt"), "x\n");
        }),
        "[*]",
    ));
    // Detached HEADs show the tag at HEAD: a new loose tag (also in a tag
    // folder that already exists) or a deleted packed one shows.
    cases.push((
        "detached_new_tag",
        "[∅]",
        Box::new(|env, d| {
            env.git(d, &["tag", "v9"]);
        }),
        "[∅]",
    ));
    cases.push((
        "detached_nested_tag",
        "[∅]",
        Box::new(|env, d| {
            env.git(d, &["tag", "release/v2"]);
        }),
        "[∅]",
    ));
    cases.push((
        "detached_packed_tag",
        "[∅]",
        Box::new(|env, d| {
            env.git(d, &["tag", "-d", "v1"]);
        }),
        "[∅]",
    ));
    // A submodule that is not checked out is cached; checking it out shows.
    cases.push((
        "submodule",
        "[]",
        Box::new(|env, d| {
            let sub = d.join("sub");
            env.git(&sub, &["init", "-q", "-b", "main"]);
            env.commit(&sub, "s.txt", "s\n", "in the submodule");
        }),
        "[*]",
    ));

    for (name, _, _, _) in &cases {
        let dir = rich_repo(&env, name);
        if *name == "submodule" {
            let head = env.git(&dir, &["rev-parse", "HEAD"]);
            let info = format!("160000,{},sub", head.trim());
            env.git(&dir, &["update-index", "--add", "--cacheinfo", &info]);
            write(
                &dir.join(".gitmodules"),
                "[submodule \"sub\"]\n\tpath = sub\n\turl = https://example.invalid/sub.git\n",
            );
            env.git(&dir, &["add", ".gitmodules"]);
            env.git(&dir, &["commit", "-q", "-m", "add a submodule"]);
            env.git(&dir, &["push", "-q"]);
            fs::create_dir_all(dir.join("sub")).expect("mkdir");
        }
        if name.starts_with("detached") {
            env.git(&dir, &["checkout", "-q", "--detach"]);
            env.git(&dir, &["tag", "release/v1", "HEAD~1"]);
        }
        if *name == "detached_packed_tag" {
            env.git(&dir, &["tag", "v1"]);
            env.git(&dir, &["pack-refs", "--all"]);
        }
        match *name {
            "exclude" | "no_untracked" | "included" | "included_if" | "included_home" => {
                write(&dir.join("stray.txt"), "x\n");
            }
            _ => {}
        }
        if *name == "included" {
            // Included from a file that does not exist yet, in a folder the
            // cache does not otherwise watch.
            let target = env.root.join("includes/extra.config");
            fs::create_dir_all(env.root.join("includes")).expect("mkdir");
            let target = target.to_str().expect("utf-8 path");
            env.git(&dir, &["config", "include.path", target]);
        }
        if *name == "included_home" {
            // Included from the home folder, written `~/…`.
            env.git(&dir, &["config", "include.path", "~/from-home.config"]);
        }
        if *name == "included_if" {
            // The same, under a condition (on branch main).
            fs::create_dir_all(env.root.join("includes")).expect("mkdir");
            let target = env.root.join("includes/when-on-main.config");
            let target = target.to_str().expect("utf-8 path");
            env.git(&dir, &["config", "includeIf.onbranch:main.path", target]);
        }
    }
    settle();
    let before = same_rows(&env, &[]);
    for (name, was, _, _) in &cases {
        assert_eq!(&symbols(&before, name), was, "{name} before\n{before}");
    }
    assert_eq!(entries(&env).len(), cases.len(), "every repo has an entry");
    for (name, _, change, _) in &cases {
        change(&env, &env.work.join(name));
    }
    let after = same_rows(&env, &[]);
    for (name, _, _, now) in &cases {
        assert_eq!(&symbols(&after, name), now, "{name} after\n{after}");
    }
    assert!(
        row(&after, "commit").join(" ").contains("a new subject"),
        "{after}"
    );
    assert_eq!(row(&after, "branch")[1], "topic", "{after}");
    for name in [
        "detached_new_tag",
        "detached_nested_tag",
        "detached_packed_tag",
    ] {
        assert_ne!(
            row(&before, name)[1],
            row(&after, name)[1],
            "{name}\n{after}"
        );
    }

    // Settled again, the new states are cached and served as they are.
    settle();
    let cached = same_rows(&env, &[]);
    assert_eq!(cached, after);
    let again = same_rows(&env, &[]);
    assert_eq!(again, after);
}

#[test]
fn a_change_to_the_user_configuration_shows() {
    let env = TestEnv::new();
    let global = env.root.join("home/gitconfig");
    write(&global, "[user]\n\tname = Test\n");
    let dir = rich_repo(&env, "stray");
    write(&dir.join("stray.txt"), "x\n");
    settle();
    let ll = |global: &Path| {
        let mut cmd = env.cmd();
        cmd.env("GIT_CONFIG_GLOBAL", global)
            .env("GITA_STATUS_ENGINE", "gix")
            .arg("ll");
        let out = cmd.output().expect("run gita");
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(symbols(&ll(&global), "stray"), "[?]");
    assert_eq!(entries(&env).len(), 1);
    // An excludes file named in the user's configuration, created after.
    let excludes = env.root.join("home/excludes");
    write(
        &global,
        &format!("[core]\n\texcludesFile = {}\n", excludes.display()),
    );
    assert_eq!(symbols(&ll(&global), "stray"), "[?]");
    settle();
    assert_eq!(symbols(&ll(&global), "stray"), "[?]");
    write(&excludes, "stray.txt\n");
    assert_eq!(symbols(&ll(&global), "stray"), "[]");
}

#[test]
fn a_broken_or_foreign_cache_is_ignored_and_entries_are_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let env = TestEnv::new();
    rich_repo(&env, "one");
    settle();
    let table = same_rows(&env, &[]);
    let files = entries(&env);
    assert_eq!(files.len(), 1);
    let mode = fs::metadata(&files[0]).expect("entry").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let dir_mode = fs::metadata(cache_dir(&env))
        .expect("dir")
        .permissions()
        .mode();
    assert_eq!(dir_mode & 0o777, 0o700);
    for garbage in ["", "{", "[1,2,3]", "{\"format\":1}", "\u{0}\u{1}"] {
        fs::write(&files[0], garbage).expect("write");
        assert_eq!(same_rows(&env, &[]), table, "with entry {garbage:?}");
    }
    // XDG_CACHE_HOME moves the cache.
    let moved = env.root.join("xdg-cache");
    let mut cmd = env.cmd();
    cmd.env("XDG_CACHE_HOME", &moved).arg("ll");
    let out = cmd.output().expect("run gita");
    assert_eq!(out.status.code(), Some(0));
    assert!(moved.join("gita/status").is_dir());

    // A cache folder others may write to is not used (nor written to).
    // The entry is a good one (the last run wrote it), and would serve the
    // row if the folder were trusted.
    let entry = fs::read(&files[0]).expect("entry");
    fs::set_permissions(cache_dir(&env), fs::Permissions::from_mode(0o777)).expect("chmod");
    let dir = env.work.join("one");
    delete_head_object(&env, &dir);
    let out = env.gita_engine("gix", &["ll"]);
    assert_eq!(out.code, 1, "read in full: {}", out.stdout);
    assert_eq!(fs::read(&files[0]).expect("entry"), entry, "left as it was");
    fs::set_permissions(cache_dir(&env), fs::Permissions::from_mode(0o700)).expect("chmod");
    let out = env.gita_engine("gix", &["ll"]);
    assert_eq!(
        out.code, 0,
        "served from the trusted folder: {}",
        out.stdout
    );
    assert_eq!(out.stdout, table);
}
