//! The shipped completion scripts, loaded in the real shells (bash, zsh,
//! fish) with the real `gita` on PATH, checked for the candidates they
//! produce; `gita completions` against `completions/`; and `gita man`.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::TestEnv;

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("completions")
        .join(name)
}

/// A shell command run with the hermetic environment, in `work`, with the
/// `gita` under test first on PATH.
fn shell(env: &TestEnv, program: &str) -> Command {
    let mut cmd = Command::new(program);
    env.hermetic(&mut cmd);
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_gita"))
        .parent()
        .expect("bin dir")
        .to_path_buf();
    let mut path = vec![bin_dir];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    cmd.env("PATH", std::env::join_paths(path).expect("PATH"));
    cmd.current_dir(&env.work);
    cmd
}

fn run(mut cmd: Command) -> String {
    let out = cmd.output().expect("run shell");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success() && stderr.is_empty(),
        "shell failed: {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    stdout
}

/// Candidates from bash: the completion function driven through
/// `COMP_WORDS`/`COMP_CWORD`, `COMPREPLY` read back. `line` is the command
/// line up to the cursor; a trailing space starts a new word.
fn bash(env: &TestEnv, line: &str) -> Vec<String> {
    let mut words: Vec<&str> = line.split_whitespace().collect();
    if line.ends_with(' ') {
        words.push("");
    }
    let mut cmd = shell(env, "bash");
    cmd.arg("--norc")
        .arg("--noprofile")
        .arg("-c")
        .arg(
            r#"source "$1" || exit 9
shift
COMP_WORDS=("$@")
COMP_CWORD=$(( $# - 1 ))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
_gita gita "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
for c in "${COMPREPLY[@]}"; do printf '%s\n' "$c"; done"#,
        )
        .arg("bash")
        .arg(script("gita.bash"))
        .args(words);
    lines(&run(cmd))
}

/// Candidates from fish's own `complete -C`, descriptions cut off.
fn fish(env: &TestEnv, line: &str) -> Vec<String> {
    let mut cmd = shell(env, "fish");
    cmd.arg("--no-config")
        .arg("-c")
        .arg("source $argv[1]; or exit 9; complete -C $argv[2]")
        .arg(script("gita.fish"))
        .arg(line);
    lines(&run(cmd))
        .into_iter()
        .map(|l| l.split('\t').next().unwrap_or_default().to_string())
        .collect()
}

/// Candidates from zsh's completion system itself: an interactive zsh on a
/// pseudo-terminal (zpty) with compinit and the script loaded gets `line`
/// and a TAB, and prints the matches it would offer (`tests/zsh/`).
fn zsh(env: &TestEnv, line: &str) -> Vec<String> {
    let setup = format!(
        "autoload -Uz compinit && compinit -u -D && source '{}'",
        script("_gita").display()
    );
    zsh_with(env, &setup, line)
}

fn zsh_with(env: &TestEnv, setup: &str, line: &str) -> Vec<String> {
    let helpers = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/zsh");
    let mut cmd = shell(env, "timeout");
    cmd.arg("60")
        .arg("zsh")
        .arg("-f")
        .arg(helpers.join("drive.zsh"))
        .arg(helpers.join("capture.zsh"))
        .arg(setup)
        .arg(line);
    run(cmd)
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

type Shell = fn(&TestEnv, &str) -> Vec<String>;
const SHELLS: [(&str, Shell); 3] = [("bash", bash), ("zsh", zsh), ("fish", fish)];

/// The shells of `SHELLS` installed here; each missing one is reported as
/// skipped for `test`.
fn shells(test: &str) -> Vec<(&'static str, Shell)> {
    SHELLS
        .into_iter()
        .filter(|(name, _)| common::have(name, &format!("{test} in {name}")))
        .collect()
}

/// Three repos (`repo1`, `repo2`, `other`), groups `rgroup` (repo2) and
/// `team` (other, repo1), and a custom command in cmds.yml.
fn setup() -> TestEnv {
    let env = TestEnv::new();
    for name in ["repo1", "repo2", "other"] {
        env.repo(name);
    }
    env.gita(&["add", "repo1", "repo2", "other"]).ok();
    env.gita(&["group", "add", "repo2", "-n", "rgroup"]).ok();
    env.gita(&["group", "add", "other", "repo1", "-n", "team"])
        .ok();
    fs::write(
        env.config_dir().join("cmds.yml"),
        "mylog:\n  cmd: git log --oneline -3\n  help: my short log\n  allow_all: true\n",
    )
    .expect("write cmds.yml");
    env
}

#[track_caller]
fn assert_has(got: &[String], want: &[&str], what: &str) {
    for w in want {
        assert!(
            got.iter().any(|g| g == w),
            "{what}: {w:?} missing in {got:?}"
        );
    }
}

#[track_caller]
fn assert_set(got: &[String], want: &[&str], what: &str) {
    let mut got = got.to_vec();
    got.sort();
    let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(got, want, "{what}");
}

#[test]
fn subcommands_include_builtin_delegated_and_custom_commands() {
    let env = setup();
    for (name, complete) in shells("subcommands_include_builtin_delegated_and_custom_commands") {
        let got = complete(&env, "gita ");
        assert_has(
            &got,
            &["add", "rm", "group", "context", "completions", "man"],
            name,
        );
        assert_has(&got, &["ll", "fetch", "mylog"], name);
        assert!(!got.iter().any(|c| c.starts_with('-')), "{name}: {got:?}");
        let got = complete(&env, "gita gr");
        assert_set(&got, &["group"], name);
    }
}

#[test]
fn ll_completes_groups_and_repos() {
    let env = setup();
    for (name, complete) in shells("ll_completes_groups_and_repos") {
        assert_set(
            &complete(&env, "gita ll "),
            &["other", "repo1", "repo2", "rgroup", "team"],
            name,
        );
        assert_set(&complete(&env, "gita ll t"), &["team"], name);
    }
}

#[test]
fn delegated_commands_complete_repos_and_groups() {
    let env = setup();
    for (name, complete) in shells("delegated_commands_complete_repos_and_groups") {
        assert_set(&complete(&env, "gita fetch re"), &["repo1", "repo2"], name);
        assert_set(
            &complete(&env, "gita fetch "),
            &["other", "repo1", "repo2", "rgroup", "team"],
            name,
        );
        assert_set(
            &complete(&env, "gita mylog r"),
            &["repo1", "repo2", "rgroup"],
            name,
        );
    }
}

#[test]
fn repo_group_and_value_positions() {
    let env = setup();
    for (name, complete) in shells("repo_group_and_value_positions") {
        assert_set(
            &complete(&env, "gita rm "),
            &["other", "repo1", "repo2"],
            name,
        );
        // A name already on the line is not offered again.
        assert_set(&complete(&env, "gita rm repo1 "), &["other", "repo2"], name);
        assert_set(&complete(&env, "gita ls r"), &["repo1", "repo2"], name);
        assert_set(&complete(&env, "gita rename o"), &["other"], name);
        assert_set(
            &complete(&env, "gita flags set "),
            &["other", "repo1", "repo2"],
            name,
        );
        assert_set(&complete(&env, "gita group ll "), &["rgroup", "team"], name);
        assert_set(&complete(&env, "gita group rm t"), &["team"], name);
        assert_set(
            &complete(&env, "gita group rename "),
            &["rgroup", "team"],
            name,
        );
        assert_set(
            &complete(&env, "gita group add repo1 -n "),
            &["rgroup", "team"],
            name,
        );
        assert_set(&complete(&env, "gita add -g "), &["rgroup", "team"], name);
        assert_set(
            &complete(&env, "gita context "),
            &["rgroup", "team", "auto", "none"],
            name,
        );
        assert_set(
            &complete(&env, "gita color set "),
            &[
                "no_remote",
                "in_sync",
                "diverged",
                "local_ahead",
                "remote_ahead",
            ],
            name,
        );
        assert_has(
            &complete(&env, "gita color set in_sync "),
            &["red", "b_green"],
            name,
        );
        assert_set(
            &complete(&env, "gita info add "),
            &["branch", "branch_name", "commit_msg", "commit_time", "path"],
            name,
        );
        assert_set(
            &complete(&env, "gita --color "),
            &["auto", "always", "never"],
            name,
        );
        assert_set(
            &complete(&env, "gita completions "),
            &["bash", "zsh", "fish"],
            name,
        );
        assert_set(&complete(&env, "gita man gr"), &["group"], name);
        assert_set(
            &complete(&env, "gita freeze -g "),
            &["rgroup", "team"],
            name,
        );
        assert_set(&complete(&env, "gita clone x -g r"), &["rgroup"], name);
        assert_set(&complete(&env, "gita clone -C o"), &["other/"], name);
        // Flags once a dash is typed.
        assert_has(
            &complete(&env, "gita add --"),
            &["--recursive", "--group-path"],
            name,
        );
    }
}

#[test]
fn add_completes_directories() {
    let env = setup();
    fs::write(env.work.join("notes.txt"), "x").expect("write");
    fs::create_dir_all(env.work.join("repo1/sub")).expect("mkdir");
    for (name, complete) in shells("add_completes_directories") {
        let got = complete(&env, "gita add re");
        assert_set(&got, &["repo1/", "repo2/"], name);
        assert_set(&complete(&env, "gita add repo1/"), &["repo1/sub/"], name);
        assert!(
            !complete(&env, "gita add ")
                .iter()
                .any(|c| c.contains("notes")),
            "{name}: files are not offered"
        );
    }
}

#[test]
fn bash_completes_option_values_after_equals() {
    let env = setup();
    // bash splits `--color=al` into `--color`, `=`, `al`.
    assert_eq!(bash(&env, "gita --color = al"), ["always"]);
    assert_set(
        &bash(&env, "gita add -g x --group-path = re"),
        &["repo1/", "repo2/"],
        "bash",
    );
}

#[test]
fn super_and_shell_complete_names_until_the_command_starts() {
    let env = setup();
    for (name, complete) in shells("super_and_shell_complete_names_until_the_command_starts") {
        for sub in ["super", "shell"] {
            assert_set(
                &complete(&env, &format!("gita {sub} re")),
                &["repo1", "repo2"],
                name,
            );
            assert_set(
                &complete(&env, &format!("gita {sub} repo1 t")),
                &["team"],
                name,
            );
            assert_set(
                &complete(&env, &format!("gita {sub} repo1 status r")),
                &[],
                name,
            );
        }
    }
}

#[test]
fn missing_or_broken_registry_still_completes_subcommands_quietly() {
    // No config dir at all: nothing may be created by completing.
    let env = TestEnv::new();
    for (name, complete) in shells("missing_or_broken_registry_still_completes_subcommands_quietly")
    {
        let got = complete(&env, "gita ");
        assert_has(&got, &["add", "rm", "group"], name);
        assert!(complete(&env, "gita rm ").is_empty(), "{name}");
        assert_set(&complete(&env, "gita context "), &["auto", "none"], name);
    }
    assert!(!env.config_dir().exists(), "completion created files");

    // A registry that does not parse, and a broken cmds.yml.
    fs::create_dir_all(env.config_dir()).expect("mkdir");
    fs::write(env.registry_path(), "repos: [this is: not\n  valid").expect("write");
    fs::write(env.config_dir().join("cmds.yml"), ": : :\n\t- nope").expect("write");
    let before: Vec<_> = fs::read_dir(env.config_dir())
        .expect("ls")
        .map(|e| e.expect("entry").file_name())
        .collect();
    for (name, complete) in shells("missing_or_broken_registry_still_completes_subcommands_quietly")
    {
        // `run` asserts that nothing went to stderr either.
        let got = complete(&env, "gita ");
        assert_has(&got, &["add", "rm", "group"], name);
        assert!(
            got.iter()
                .all(|c| !c.contains("error") && !c.contains("warning")),
            "{name}: {got:?}"
        );
        assert!(complete(&env, "gita rm ").is_empty(), "{name}");
    }
    let after: Vec<_> = fs::read_dir(env.config_dir())
        .expect("ls")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(before, after, "completion changed the config dir");
}

#[test]
fn completion_reads_a_pending_python_gita_import_without_writing() {
    let env = TestEnv::new();
    let repo = env.repo("legacy");
    fs::create_dir_all(env.config_dir()).expect("mkdir");
    fs::write(
        env.config_dir().join("repos.csv"),
        format!("{},legacy,,\n", repo.display()),
    )
    .expect("write");
    assert_eq!(bash(&env, "gita rm le"), ["legacy"]);
    assert!(
        !env.registry_path().exists(),
        "completion imported for real"
    );
}

#[test]
fn completions_command_prints_the_shipped_scripts() {
    let env = TestEnv::new();
    for (shell, file) in [
        ("bash", "gita.bash"),
        ("zsh", "_gita"),
        ("fish", "gita.fish"),
    ] {
        let out = env.gita(&["completions", shell]).ok();
        let shipped = fs::read_to_string(script(file)).expect("read script");
        assert_eq!(out.stdout, shipped, "{shell}");
    }
    env.gita(&["completions", "tcsh"]).code(2);
}

#[test]
fn zsh_autoloads_the_script_from_fpath() {
    if !common::have("zsh", "zsh_autoloads_the_script_from_fpath") {
        return;
    }
    let env = setup();
    let dir = script("_gita").parent().expect("dir").to_path_buf();
    let setup = format!(
        "fpath=('{}' $fpath) && autoload -Uz compinit && compinit -u -D",
        dir.display()
    );
    // The first TAB after autoloading must already complete.
    assert_eq!(zsh_with(&env, &setup, "gita cont"), ["context"]);
    assert_set(
        &zsh_with(&env, &setup, "gita rm r"),
        &["repo1", "repo2"],
        "zsh",
    );
}

#[test]
fn bash_script_registers_the_function() {
    let env = TestEnv::new();
    let mut cmd = shell(&env, "bash");
    cmd.arg("--norc")
        .arg("-c")
        .arg(r#"source "$1" && complete -p gita"#)
        .arg("bash")
        .arg(script("gita.bash"));
    assert_eq!(run(cmd).trim(), "complete -F _gita gita");
}

#[test]
fn man_page_lists_every_subcommand_and_renders() {
    let env = setup();
    let page = env.gita(&["man"]).ok().stdout;
    assert!(page.contains(".TH gita 1"), "{page}");
    let top = env.gita_in(&env.work, &["--help"]).ok().stdout;
    let subs: Vec<&str> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(subs.contains(&"add") && subs.contains(&"man"), "{subs:?}");
    for sub in &subs {
        assert!(
            page.contains(&format!("gita\\-{sub}(1)")),
            "man page lacks {sub}"
        );
    }
    let fetch = env.gita(&["man", "group", "add"]).ok().stdout;
    assert!(fetch.contains(".TH gita-group-add 1"), "{fetch}");
    env.gita(&["man", "nosuch"]).err("no subcommand 'nosuch'");

    // Rendered by man(1), as a user would read it.
    let file = env.root.join("gita.1");
    fs::write(&file, &page).expect("write page");
    let mut man = Command::new("man");
    env.hermetic(&mut man);
    let out = man
        .args(["-l", "--"])
        .arg(&file)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .output();
    match out {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("NAME"), "{text}");
            assert!(text.contains("gita-group(1)"), "{text}");
        }
        Ok(out) => panic!("man(1) failed on the page: {out:?}"),
        Err(_) => {
            // The roff checks above ran; only the rendering is skipped.
            common::have("man", "rendering the man page with man(1)");
        }
    }
}

#[test]
fn the_variable_alone_does_not_turn_a_run_into_a_completion_request() {
    let env = setup();
    let out = env
        .cmd()
        .env("GITA_COMPLETE", "bash")
        .args(["ls"])
        .output()
        .expect("run gita");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "other repo1 repo2\n");
    // With `--` it is one, whatever the words.
    let out = env
        .cmd()
        .env("GITA_COMPLETE", "bash")
        .args(["--", "gita", "ls", "oth"])
        .output()
        .expect("run gita");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "other\n");
    // An unknown shell gets nothing, not an error.
    let out = env
        .cmd()
        .env("GITA_COMPLETE", "tcsh")
        .args(["--", "gita", ""])
        .output()
        .expect("run gita");
    assert!(out.status.success() && out.stdout.is_empty() && out.stderr.is_empty());
}

#[test]
fn man_pages_install_into_a_folder_that_man_finds() {
    let env = setup();
    let dir = env.root.join("share/man/man1");
    let run = env
        .gita(&["man", "--out-dir", dir.to_str().expect("utf8")])
        .ok();
    assert!(run.stdout.starts_with("wrote "), "{run:#?}");
    for page in [
        "gita.1",
        "gita-add.1",
        "gita-group.1",
        "gita-group-add.1",
        "gita-fetch.1",
    ] {
        assert!(dir.join(page).is_file(), "{page} missing");
    }
    let top = fs::read_to_string(dir.join("gita.1")).expect("read");
    for section in [
        ".SH ENVIRONMENT",
        ".SH FILES",
        ".SH \"EXIT STATUS\"",
        "GITA_PROJECT_HOME",
    ] {
        assert!(top.contains(section), "{section} missing");
    }
    // Every page the top page refers to was written.
    for sub in top
        .split("gita\\-")
        .skip(1)
        .filter_map(|rest| rest.split("(1)").next())
        .filter(|name| !name.contains(' '))
    {
        let file = dir.join(format!("gita-{}.1", sub.replace("\\-", "-")));
        assert!(
            file.is_file(),
            "{} is referred to but missing",
            file.display()
        );
    }
    env.gita(&["man", "add", "--out-dir", "x"]).code(2);
    if !common::have("man", "man_pages_install_into_a_folder_that_man_finds") {
        return;
    }
    let mut man = Command::new("man");
    env.hermetic(&mut man);
    let out = man
        .arg("-M")
        .arg(env.root.join("share/man"))
        .args(["gita-group-add"])
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .output()
        .expect("run man");
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("gita-group-add"));
}
