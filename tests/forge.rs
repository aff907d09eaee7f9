//! `gita discover` and `gita clone --from` through the real binary against
//! a local HTTP server that answers in each forge's documented shapes
//! (GitHub, GitLab, Gitea/Forgejo), with clone URLs pointing at local bare
//! repos (`file://`), so the whole path from listing to registered repos
//! runs offline: pagination, filters, tokens, redirects, rate limits,
//! errors, re-runs.

mod common;

use std::fs;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{Run, TestEnv};
use serde_json::{Value, json};

// ---- a small HTTP server --------------------------------------------------

/// A request as the server saw it.
#[derive(Debug, Clone)]
struct Req {
    /// Path and query, as sent.
    target: String,
    headers: Vec<(String, String)>,
}

impl Req {
    fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    fn query(&self, key: &str) -> Option<String> {
        let (_, q) = self.target.split_once('?')?;
        q.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == key).then(|| v.to_string())
        })
    }

    fn page(&self) -> usize {
        self.query("page").and_then(|p| p.parse().ok()).unwrap_or(1)
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the server sends back.
enum Reply {
    Http {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// These bytes as they are, then the connection is closed.
    Raw(Vec<u8>),
    /// Nothing for this long, then the connection is closed.
    Silence(Duration),
}

fn reply(status: u16, headers: &[(&str, String)], body: impl Into<Vec<u8>>) -> Reply {
    Reply::Http {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        body: body.into(),
    }
}

fn ok_json(value: &Value, headers: &[(&str, String)]) -> Reply {
    reply(200, headers, value.to_string())
}

fn not_found() -> Reply {
    reply(404, &[], r#"{"message":"Not Found"}"#)
}

type Handler = dyn Fn(&Req, &str) -> Reply + Send + Sync;

/// An HTTP/1.1 server on a free loopback port, one thread per connection,
/// every connection closed after one answer. Stopped when dropped.
struct Server {
    addr: SocketAddr,
    /// `http://HOST:PORT`.
    base: String,
    log: Arc<Mutex<Vec<Req>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start(ip: &str, handler: impl Fn(&Req, &str) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind((ip, 0)).expect("bind a loopback port");
        let addr = listener.local_addr().expect("local addr");
        let base = format!("http://{addr}");
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let thread = {
            let (log, stop, base) = (Arc::clone(&log), Arc::clone(&stop), base.clone());
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let (log, handler, base) =
                        (Arc::clone(&log), Arc::clone(&handler), base.clone());
                    std::thread::spawn(move || serve(conn, &log, &*handler, &base));
                }
            })
        };
        Server {
            addr,
            base,
            log,
            stop,
            thread: Some(thread),
        }
    }

    fn requests(&self) -> Vec<Req> {
        self.log.lock().expect("log").clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(conn: TcpStream, log: &Mutex<Vec<Req>>, handler: &Handler, base: &str) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(conn.try_clone().expect("clone stream").take(64 * 1024));
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return; // the wake-up connection
    }
    let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let req = Req { target, headers };
    log.lock().expect("log").push(req.clone());
    let mut conn = conn;
    match handler(&req, base) {
        Reply::Http {
            status,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\nContent-Type: application/json\r\n",
                body.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(&body);
        }
        Reply::Raw(bytes) => {
            let _ = conn.write_all(&bytes);
        }
        Reply::Silence(d) => std::thread::sleep(d),
    }
    let _ = conn.flush();
}

// ---- forge data -----------------------------------------------------------

/// A bare repo with one commit at `root/forge/<path>.git`; its file URL.
fn upstream(env: &TestEnv, path: &str) -> String {
    let seed = env.repo(&format!("seed/{path}"));
    let bare = env.root.join("forge").join(format!("{path}.git"));
    fs::create_dir_all(bare.parent().expect("parent")).expect("mkdir");
    env.git(&env.root, &["clone", "-q", "--bare", s(&seed), s(&bare)]);
    fs::remove_dir_all(env.work.join("seed")).expect("rm seed");
    format!("file://{}", bare.display())
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

/// A GitHub repository object (the fields of the list endpoints).
fn gh(owner: &str, name: &str, url: &str) -> Value {
    json!({
        "id": 1, "name": name, "full_name": format!("{owner}/{name}"),
        "private": false, "visibility": "public", "fork": false, "archived": false,
        "topics": [], "default_branch": "main",
        "clone_url": url, "ssh_url": url,
    })
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

/// GitHub's pages of `repos`, `per` a page, with `Link` next/last.
fn gh_page(req: &Req, base: &str, repos: &[Value], per: usize) -> Reply {
    let page = req.page();
    let pages = repos.len().div_ceil(per).max(1);
    let items: Vec<Value> = repos
        .iter()
        .skip((page - 1) * per)
        .take(per)
        .cloned()
        .collect();
    let path = req.path();
    let mut links = Vec::new();
    if page < pages {
        links.push(format!(
            r#"<{base}{path}?per_page=100&page={}>; rel="next""#,
            page + 1
        ));
        links.push(format!(
            r#"<{base}{path}?per_page=100&page={pages}>; rel="last""#
        ));
    }
    let headers: Vec<(&str, String)> = if links.is_empty() {
        Vec::new()
    } else {
        vec![("Link", links.join(", "))]
    };
    ok_json(&Value::Array(items), &headers)
}

const TOKEN: &str = "ghp_SECRETtoken0123456789";

/// Asserts that the token is in no output and no file gita wrote.
#[track_caller]
fn assert_no_token(env: &TestEnv, runs: &[&Run]) {
    for run in runs {
        assert!(
            !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
            "{run:#?}"
        );
    }
    let mut stack = vec![env.project_home.clone(), env.root.join("ws")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = fs::read(&p) {
                assert!(
                    !String::from_utf8_lossy(&bytes).contains(TOKEN),
                    "the token is in {}",
                    p.display()
                );
            }
        }
    }
}

/// `gita ARGS` with extra environment variables.
fn gita_env(env: &TestEnv, vars: &[(&str, &str)], args: &[&str]) -> Run {
    let mut cmd = env.cmd();
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.args(args).output().expect("run gita");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn names_in(manifest: &str) -> Vec<String> {
    manifest
        .lines()
        .filter_map(|l| l.strip_prefix("- name: "))
        .map(str::to_string)
        .collect()
}

// ---- GitHub ---------------------------------------------------------------

/// The upstream state of the `acme` organisation, changeable between runs.
#[derive(Default)]
struct Acme {
    repos: Vec<Value>,
    /// Old name → the repo object it now answers with (a rename).
    renamed: Vec<(String, Value)>,
}

fn github_acme(env: &TestEnv) -> (Server, Arc<Mutex<Acme>>) {
    let acme = Arc::new(Mutex::new(Acme::default()));
    {
        let mut a = acme.lock().expect("acme");
        a.repos.push(gh("acme", "api", &upstream(env, "acme/api")));
        a.repos.push(gh("acme", "web", &upstream(env, "acme/web")));
        a.repos.push(with(
            gh("acme", "old", &upstream(env, "acme/old")),
            "archived",
            json!(true),
        ));
        a.repos.push(with(
            gh("acme", "forked", &upstream(env, "acme/forked")),
            "fork",
            json!(true),
        ));
    }
    let state = Arc::clone(&acme);
    let server = Server::start("127.0.0.1", move |req, base| {
        let a = state.lock().expect("acme");
        match req.path() {
            "/api/v3/orgs/acme/repos" => gh_page(req, base, &a.repos, 2),
            p if p.starts_with("/api/v3/repos/acme/") => {
                let name = &p["/api/v3/repos/acme/".len()..];
                if let Some((_, now)) = a.renamed.iter().find(|(old, _)| old == name) {
                    // GitHub answers a renamed repo's old name with a redirect.
                    let id = now["name"].as_str().unwrap_or("");
                    reply(
                        301,
                        &[("Location", format!("{base}/api/v3/repositories/{id}"))],
                        "",
                    )
                } else if let Some(r) = a.repos.iter().find(|r| r["name"] == name) {
                    ok_json(r, &[])
                } else {
                    not_found()
                }
            }
            p if p.starts_with("/api/v3/repositories/") => {
                let id = &p["/api/v3/repositories/".len()..];
                match a.repos.iter().find(|r| r["name"] == id) {
                    Some(r) => ok_json(r, &[]),
                    None => not_found(),
                }
            }
            _ => not_found(),
        }
    });
    (server, acme)
}

fn api(server: &Server) -> String {
    format!("{}/api/v3", server.base)
}

#[test]
fn github_org_is_discovered_page_by_page_and_cloned() {
    let env = TestEnv::new();
    let (server, _) = github_acme(&env);
    let token = [("GITHUB_ENTERPRISE_TOKEN", TOKEN)];
    let discover = gita_env(
        &env,
        &token,
        &["discover", "github:acme", "--api-url", &api(&server)],
    )
    .ok();
    assert_eq!(names_in(&discover.stdout), ["api", "web"], "{discover:#?}");
    assert!(
        discover.stdout.starts_with("# gita workspace manifest"),
        "{discover:#?}"
    );
    assert!(
        discover.stderr.contains("4 repo(s) listed, 2 selected; not selected: 1 archived (--archived includes them), 1 forks (--forks includes them)"),
        "{discover:#?}"
    );
    // Both pages were read, the second one concurrently from rel="last";
    // every request carried the token, as a bearer token.
    let reqs = server.requests();
    assert!(reqs.iter().any(|r| r.page() == 2), "{reqs:#?}");
    assert!(
        reqs.iter()
            .all(|r| r.header("authorization") == Some(&format!("Bearer {TOKEN}"))),
        "{reqs:#?}"
    );
    assert!(
        reqs.iter()
            .all(|r| r.query("per_page").as_deref() == Some("100")),
        "{reqs:#?}"
    );
    // Nothing was cloned or registered.
    assert_eq!(env.registry(), "");
    assert!(!env.root.join("ws").exists());

    let all = gita_env(
        &env,
        &token,
        &[
            "discover",
            "github:acme",
            "--api-url",
            &api(&server),
            "--archived",
            "--forks",
            "--exclude",
            "w*",
        ],
    )
    .ok();
    assert_eq!(names_in(&all.stdout), ["api", "forked", "old"], "{all:#?}");

    let clone = gita_env(
        &env,
        &token,
        &[
            "clone",
            "--from",
            "github:acme",
            "--api-url",
            &api(&server),
            "-C",
            "../ws",
            "-g",
            "acme",
        ],
    )
    .ok();
    assert!(
        clone
            .stderr
            .contains("2 of 2 repo(s) in place and registered"),
        "{clone:#?}"
    );
    assert_eq!(env.gita(&["ls"]).ok().stdout, "api web\n");
    assert_eq!(env.gita(&["group", "ll", "acme"]).ok().stdout, "api web\n");
    assert!(env.root.join("ws/api/README.md").is_file());
    assert!(!env.root.join("ws/old").exists() && !env.root.join("ws/forked").exists());
    assert_no_token(&env, &[&discover, &all, &clone]);
}

#[test]
fn a_rerun_clones_what_is_new_and_reports_what_changed_upstream() {
    let env = TestEnv::new();
    let (server, acme) = github_acme(&env);
    let args = [
        "clone",
        "--from",
        "github:acme",
        "--api-url",
        &api(&server),
        "-C",
        "../ws",
        "-g",
        "acme",
    ];
    let first = env.gita(&args).ok();
    assert!(first.stderr.contains("2 of 2"), "{first:#?}");
    // A repo of another owner in the same folder is not compared.
    let (_, other) = env.repo_with_remote("mine");
    env.git(
        &env.root,
        &[
            "clone",
            "-q",
            &format!("file://{}", other.display()),
            s(&env.root.join("ws/mine")),
        ],
    );
    env.gita(&["add", s(&env.root.join("ws/mine"))]).ok();

    {
        let mut a = acme.lock().expect("acme");
        let new = gh("acme", "cli", &upstream(&env, "acme/cli"));
        // web is gone; api is renamed to api2 (same URL on disk: the
        // forge serves it under the new name); old stays archived.
        a.repos.retain(|r| r["name"] != "web" && r["name"] != "api");
        let api2 = gh("acme", "api2", &upstream(&env, "acme/api2"));
        a.renamed.push(("api".into(), api2.clone()));
        a.repos.push(api2);
        a.repos.push(new);
    }
    let again = env.gita(&args).ok();
    // Only the new repo was cloned; nothing was deleted or unregistered.
    assert!(env.root.join("ws/cli/README.md").is_file(), "{again:#?}");
    assert!(!env.root.join("ws/api2").exists(), "{again:#?}");
    assert!(env.root.join("ws/web").is_dir() && env.root.join("ws/api").is_dir());
    assert_eq!(env.gita(&["ls"]).ok().stdout, "api cli mine web\n");
    assert_eq!(
        env.gita(&["group", "ll", "acme"]).ok().stdout,
        "api cli web\n"
    );
    let api_dir = env.root.join("ws/api");
    assert!(
        again.stderr.contains(&format!(
            "gita: github:acme: api ({}) was renamed upstream to api2; not cloned again; to follow it: git -C {} remote set-url origin file://",
            api_dir.display(),
            api_dir.display()
        )),
        "{again:#?}"
    );
    assert!(
        again.stderr.contains(&format!(
            "gita: github:acme: web ({}) is no longer listed and GitHub does not know web: removed upstream, or hidden from this token; kept and still registered",
            env.root.join("ws/web").display()
        )),
        "{again:#?}"
    );
    assert!(!again.stderr.contains("mine"), "{again:#?}");

    // Archived upstream: reported, kept.
    {
        let mut a = acme.lock().expect("acme");
        for r in a.repos.iter_mut().filter(|r| r["name"] == "cli") {
            r["archived"] = json!(true);
        }
    }
    let third = env.gita(&args).ok();
    assert!(
        third.stderr.contains(&format!(
            "cli ({}) is archived upstream; kept and still registered",
            env.root.join("ws/cli").display()
        )),
        "{third:#?}"
    );
    assert_eq!(env.gita(&["ls"]).ok().stdout, "api cli mine web\n");
}

#[test]
fn many_repos_are_listed_in_seconds() {
    let env = TestEnv::new();
    let url = upstream(&env, "big/r");
    let repos: Arc<Vec<Value>> = Arc::new(
        (0..5000)
            .map(|i| gh("big", &format!("r{i:04}"), &url))
            .collect(),
    );
    let server = Server::start("127.0.0.1", move |req, base| match req.path() {
        "/api/v3/orgs/big/repos" => gh_page(req, base, &repos, 100),
        _ => not_found(),
    });
    let start = Instant::now();
    let run = env
        .gita(&["discover", "github:big", "--api-url", &api(&server)])
        .ok();
    let took = start.elapsed();
    let names = names_in(&run.stdout);
    assert_eq!(names.len(), 5000, "{}", run.stderr);
    assert_eq!(names.first().map(String::as_str), Some("r0000"));
    assert_eq!(names.last().map(String::as_str), Some("r4999"));
    assert_eq!(server.requests().len(), 50);
    assert!(
        took < Duration::from_secs(20),
        "listing 5000 repos took {took:?}"
    );
}

#[test]
fn an_owner_without_repos_is_an_empty_manifest() {
    let env = TestEnv::new();
    let server = Server::start("127.0.0.1", |req, _| match req.path() {
        "/api/v3/orgs/empty/repos" => ok_json(&json!([]), &[]),
        _ => not_found(),
    });
    let run = env
        .gita(&["discover", "github:empty", "--api-url", &api(&server)])
        .ok();
    assert_eq!(
        run.stdout,
        "# gita workspace manifest: recreate it with `gita clone -f <this file>`\nrepos: []\n"
    );
    assert!(
        run.stderr.contains(
            "gita: note: github:empty has no repos visible to gita; the manifest is empty"
        ),
        "{run:#?}"
    );
    let clone = env
        .gita(&[
            "clone",
            "--from",
            "github:empty",
            "--api-url",
            &api(&server),
            "-C",
            "../ws",
        ])
        .ok();
    assert!(clone.stderr.contains("0 of 0 repo(s)"), "{clone:#?}");
}

#[test]
fn a_user_is_listed_when_no_organisation_has_the_name() {
    let env = TestEnv::new();
    let url = upstream(&env, "alice/dots");
    let server = Server::start("127.0.0.1", move |req, base| match req.path() {
        "/api/v3/users/alice/repos" => gh_page(req, base, &[gh("alice", "dots", &url)], 100),
        _ => not_found(),
    });
    let run = env
        .gita(&["discover", "github:alice", "--api-url", &api(&server)])
        .ok();
    assert_eq!(names_in(&run.stdout), ["dots"]);
    let missing = env.gita(&["discover", "github:nobody", "--api-url", &api(&server)]).err(&format!(
        "github:nobody: no GitHub organisation or user \"nobody\" at {} (404; private ones need a token: set GH_ENTERPRISE_TOKEN or GITHUB_ENTERPRISE_TOKEN (or forge_token_commands.127.0.0.1 in settings.yml))",
        server.base
    ));
    assert_eq!(missing.stderr.lines().count(), 1, "{missing:#?}");
}

// ---- tokens and hosts -----------------------------------------------------

#[test]
fn the_token_never_follows_a_redirect_to_another_host() {
    let env = TestEnv::new();
    let url = upstream(&env, "acme/api");
    let other = Server::start("127.0.0.2", move |req, base| match req.path() {
        "/moved/orgs/acme/repos" => gh_page(req, base, &[gh("acme", "api", &url)], 100),
        _ => not_found(),
    });
    let target = other.base.clone();
    let server = Server::start("127.0.0.1", move |req, _| match req.path() {
        "/api/v3/orgs/acme/repos" => reply(
            307,
            &[(
                "Location",
                format!("{target}/moved/orgs/acme/repos?per_page=100"),
            )],
            "",
        ),
        _ => not_found(),
    });
    let run = gita_env(
        &env,
        &[("GITHUB_ENTERPRISE_TOKEN", TOKEN)],
        &["discover", "github:acme", "--api-url", &api(&server)],
    )
    .ok();
    assert_eq!(names_in(&run.stdout), ["api"]);
    let first = server.requests();
    assert_eq!(
        first[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    let redirected = other.requests();
    assert_eq!(redirected.len(), 1, "{redirected:#?}");
    assert_eq!(
        redirected[0].header("authorization"),
        None,
        "{redirected:#?}"
    );
    assert_no_token(&env, &[&run]);

    // A redirect away from https/loopback is not followed at all.
    let away = Server::start("127.0.0.1", |_, _| {
        reply(
            302,
            &[("Location", "http://example.com/steal".to_string())],
            "",
        )
    });
    let refused = gita_env(&env, &[("GITHUB_ENTERPRISE_TOKEN", TOKEN)], &["discover", "github:acme", "--api-url", &api(&away)])
        .err("redirected /api/v3/orgs/acme/repos to http://example.com, which is not https; not followed");
    assert_no_token(&env, &[&refused]);
}

#[test]
fn tokens_come_from_the_right_variable_or_settings_command() {
    let env = TestEnv::new();
    let server = Server::start("127.0.0.1", |req, _| match req.path() {
        "/api/v3/orgs/acme/repos" | "/api/v4/groups/grp/projects" | "/api/v1/orgs/org/repos" => {
            ok_json(&json!([]), &[])
        }
        _ => not_found(),
    });
    let auth_of_last = || {
        server
            .requests()
            .last()
            .and_then(|r| r.header("authorization").map(str::to_string))
    };
    // A github.com token is not sent to another GitHub host.
    gita_env(
        &env,
        &[("GITHUB_TOKEN", TOKEN), ("GH_TOKEN", TOKEN)],
        &["discover", "github:acme", "--api-url", &api(&server)],
    )
    .ok();
    assert_eq!(auth_of_last(), None);
    // Nor is the `github` settings command; the host's command is used.
    fs::create_dir_all(env.config_dir()).expect("mkdir");
    fs::write(
        env.config_dir().join("settings.yml"),
        format!("forge_token_commands:\n  github: echo wrong\n  gitlab: echo {TOKEN}\n"),
    )
    .expect("write");
    let run = env
        .gita(&["discover", "github:acme", "--api-url", &api(&server)])
        .ok();
    assert_eq!(auth_of_last(), None);
    fs::write(
        env.config_dir().join("settings.yml"),
        format!("forge_token_commands:\n  github: echo wrong\n  127.0.0.1: echo {TOKEN}\n"),
    )
    .expect("write");
    let by_host = env
        .gita(&["discover", "github:acme", "--api-url", &api(&server)])
        .ok();
    assert_eq!(auth_of_last(), Some(format!("Bearer {TOKEN}")));
    // GitLab: GITLAB_TOKEN as a bearer token; Gitea and Forgejo: `token`.
    gita_env(
        &env,
        &[("GITLAB_TOKEN", "gl-1")],
        &[
            "discover",
            "gitlab:grp",
            "--api-url",
            &format!("{}/api/v4", server.base),
        ],
    )
    .ok();
    assert_eq!(auth_of_last(), Some("Bearer gl-1".to_string()));
    gita_env(
        &env,
        &[("GITEA_TOKEN", "gt-1")],
        &[
            "discover",
            "gitea:org",
            "--api-url",
            &format!("{}/api/v1", server.base),
        ],
    )
    .ok();
    assert_eq!(auth_of_last(), Some("token gt-1".to_string()));
    gita_env(
        &env,
        &[("GITEA_TOKEN", "gt-1"), ("FORGEJO_TOKEN", "fj-1")],
        &[
            "discover",
            "forgejo:org",
            "--api-url",
            &format!("{}/api/v1", server.base),
        ],
    )
    .ok();
    assert_eq!(auth_of_last(), Some("token fj-1".to_string()));
    // A failing command is an error that names it, not the output.
    fs::write(
        env.config_dir().join("settings.yml"),
        "forge_token_commands:\n  127.0.0.1: echo secret-out; exit 3\n",
    )
    .expect("write");
    let failed = env
        .gita(&["discover", "github:acme", "--api-url", &api(&server)])
        .err("forge_token_commands.127.0.0.1 in settings.yml");
    assert!(!failed.stderr.contains("secret-out"), "{failed:#?}");
    assert_no_token(&env, &[&run, &by_host]);
    // settings.yml is read, never rewritten with the command.
    assert!(env.settings().contains("exit 3"));
}

#[test]
fn api_errors_are_one_line_each() {
    let env = TestEnv::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let server = Server::start("127.0.0.1", move |req, _| match req.path() {
        "/api/v3/orgs/badauth/repos" => reply(401, &[], r#"{"message":"Bad credentials"}"#),
        "/api/v3/orgs/private/repos" => reply(403, &[], r#"{"message":"Resource not accessible"}"#),
        "/api/v3/orgs/broken/repos" => reply(200, &[], r#"[{"name":"a","clone_url":"#),
        "/api/v3/orgs/object/repos" => ok_json(&json!({"message": "hello"}), &[]),
        "/api/v3/orgs/down/repos" => reply(502, &[], "bad gateway"),
        "/api/v3/orgs/flaky/repos" => {
            if counter.fetch_add(1, Ordering::SeqCst) < 2 {
                reply(503, &[], "")
            } else {
                ok_json(&json!([]), &[])
            }
        }
        "/api/v3/orgs/cut/repos" => {
            Reply::Raw(b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n[{\"name\":".to_vec())
        }
        "/api/v3/orgs/slow/repos" => Reply::Silence(Duration::from_secs(3)),
        "/api/v3/orgs/huge/repos" => Reply::Raw(
            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n[", 1u64 << 40).into_bytes(),
        ),
        _ => not_found(),
    });
    let a = api(&server);
    let var = [("GITHUB_ENTERPRISE_TOKEN", TOKEN)];
    let mut runs = Vec::new();
    for (owner, vars, needle) in [
        (
            "badauth",
            &var[..],
            "github:badauth: GitHub refused the token from GITHUB_ENTERPRISE_TOKEN (401 Unauthorized: \"Bad credentials\"); renew it, or unset it for public repos",
        ),
        (
            "badauth",
            &[][..],
            "github:badauth: GitHub wants a token to list \"badauth\" (401 Unauthorized: \"Bad credentials\"); set GH_ENTERPRISE_TOKEN or GITHUB_ENTERPRISE_TOKEN",
        ),
        (
            "private",
            &var[..],
            "github:private: GitHub denied the listing of \"private\" with the token from GITHUB_ENTERPRISE_TOKEN (403 Forbidden: \"Resource not accessible\")",
        ),
        (
            "broken",
            &[][..],
            "github:broken: GitHub API sent malformed JSON for /api/v3/orgs/broken/repos (page 1): EOF while parsing",
        ),
        (
            "object",
            &[][..],
            "GitHub API sent an object for /api/v3/orgs/object/repos (page 1) where a list of repositories belongs",
        ),
        (
            "down",
            &[][..],
            "/api/v3/orgs/down/repos: 502 Bad Gateway (4 attempts); try again later",
        ),
        (
            "cut",
            &[][..],
            "/api/v3/orgs/cut/repos: the answer was cut off",
        ),
        (
            "huge",
            &[][..],
            "sent more than 32 MiB for /api/v3/orgs/huge/repos; gita reads no larger answer",
        ),
    ] {
        let run = gita_env(
            &env,
            vars,
            &["discover", &format!("github:{owner}"), "--api-url", &a],
        )
        .err(needle);
        assert_eq!(run.stderr.lines().count(), 1, "{run:#?}");
        assert_eq!(run.stdout, "", "{run:#?}");
        runs.push(run);
    }
    // Server errors are retried with backoff: two 503s, then the answer.
    let flaky = env
        .gita(&["discover", "github:flaky", "--api-url", &a])
        .ok();
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    // A server that does not answer in time is retried, then reported.
    let slow = env
        .gita(&[
            "discover",
            "github:slow",
            "--api-url",
            &a,
            "--api-timeout",
            "0.3",
        ])
        .err("/api/v3/orgs/slow/repos: no answer within 0.3 s (4 attempts)");
    runs.extend([flaky, slow]);
    assert_no_token(&env, &runs.iter().collect::<Vec<_>>());
}

fn epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

#[test]
fn rate_limits_say_when_they_reset_and_are_waited_for_on_request() {
    let env = TestEnv::new();
    let limited = Arc::new(AtomicBool::new(true));
    let reset_in = Arc::new(AtomicUsize::new(3600));
    let (flag, reset) = (Arc::clone(&limited), Arc::clone(&reset_in));
    let server = Server::start("127.0.0.1", move |req, _| {
        if req.path() != "/api/v3/orgs/acme/repos" {
            return not_found();
        }
        if flag.swap(false, Ordering::SeqCst) {
            let at = epoch() + reset.load(Ordering::SeqCst) as u64;
            return reply(
                403,
                &[
                    ("x-ratelimit-limit", "60".into()),
                    ("x-ratelimit-remaining", "0".into()),
                    ("x-ratelimit-reset", at.to_string()),
                ],
                r#"{"message":"API rate limit exceeded"}"#,
            );
        }
        ok_json(&json!([]), &[])
    });
    let run = env
        .gita(&["discover", "github:acme", "--api-url", &api(&server)])
        .err("GitHub rate limit of 60 requests used up (403 Forbidden) without a token (set GH_ENTERPRISE_TOKEN or GITHUB_ENTERPRISE_TOKEN");
    assert!(
        run.stderr
            .contains(" UTC (in 60 min), re-run with --wait-rate-limit to wait for it"),
        "{run:#?}"
    );
    assert_eq!(run.stderr.lines().count(), 1, "{run:#?}");
    assert_eq!(server.requests().len(), 1, "a rate limit is not retried");
    // Asked to wait: it waits for the reset, then goes on.
    limited.store(true, Ordering::SeqCst);
    reset_in.store(1, Ordering::SeqCst);
    let start = Instant::now();
    let waited = env
        .gita(&[
            "discover",
            "github:acme",
            "--api-url",
            &api(&server),
            "--wait-rate-limit",
        ])
        .ok();
    assert!(
        waited
            .stderr
            .contains("GitHub rate limit reached; waiting until"),
        "{waited:#?}"
    );
    assert!(start.elapsed() >= Duration::from_secs(1));
    // GitLab's 429 with Retry-After is a rate limit too.
    let gl = Server::start("127.0.0.1", |_, _| {
        reply(
            429,
            &[("Retry-After", "7200".into())],
            r#"{"message":"429 Too Many Requests"}"#,
        )
    });
    env.gita(&[
        "discover",
        "gitlab:grp",
        "--api-url",
        &format!("{}/api/v4", gl.base),
        "--wait-rate-limit",
    ])
    .err("GitLab rate limit used up (429 Too Many Requests) without a token");
}

// ---- GitLab ---------------------------------------------------------------

fn gl(path: &str, url: &str) -> Value {
    json!({
        "id": 7, "path_with_namespace": path, "visibility": "public", "archived": false,
        "http_url_to_repo": url, "ssh_url_to_repo": url, "topics": ["rust"], "default_branch": "main",
    })
}

#[test]
fn gitlab_subgroups_keep_the_folder_tree() {
    let env = TestEnv::new();
    let projects: Vec<Value> = vec![
        gl("grp/top", &upstream(&env, "grp/top")),
        gl("grp/sub/mid", &upstream(&env, "grp/sub/mid")),
        with(
            gl("grp/sub/deep/leaf", &upstream(&env, "grp/sub/deep/leaf")),
            "topics",
            json!(["go"]),
        ),
        with(
            gl("grp/sub/private", &upstream(&env, "grp/sub/private")),
            "visibility",
            json!("private"),
        ),
        with(
            gl("grp/fork", &upstream(&env, "grp/fork")),
            "forked_from_project",
            json!({"id": 1}),
        ),
    ];
    let server = Server::start("127.0.0.1", move |req, _| {
        if req.path() != "/api/v4/groups/grp/projects"
            || req.query("include_subgroups").as_deref() != Some("true")
        {
            return not_found();
        }
        let page = req.page();
        let items: Vec<Value> = projects
            .iter()
            .skip((page - 1) * 2)
            .take(2)
            .cloned()
            .collect();
        let next = if page < 3 {
            (page + 1).to_string()
        } else {
            String::new()
        };
        ok_json(
            &Value::Array(items),
            &[
                ("x-total-pages", "3".into()),
                ("x-total", "5".into()),
                ("x-next-page", next),
            ],
        )
    });
    let base = format!("{}/api/v4", server.base);
    let d = env
        .gita(&["discover", "gitlab:grp", "--api-url", &base])
        .ok();
    assert_eq!(
        names_in(&d.stdout),
        [
            "grp/sub/deep/leaf",
            "grp/sub/mid",
            "grp/sub/private",
            "grp/top"
        ],
        "{d:#?}"
    );
    let pages: Vec<usize> = server.requests().iter().map(Req::page).collect();
    assert!(pages.contains(&2) && pages.contains(&3), "{pages:?}");
    let public = env
        .gita(&[
            "discover",
            "gitlab:grp",
            "--api-url",
            &base,
            "--visibility",
            "public",
            "--topic",
            "rust",
            "--include",
            "grp/sub/*",
        ])
        .ok();
    assert_eq!(names_in(&public.stdout), ["grp/sub/mid"], "{public:#?}");

    env.gita(&[
        "clone",
        "--from",
        "gitlab:grp",
        "--api-url",
        &base,
        "-C",
        "../ws",
        "--exclude",
        "*private",
    ])
    .ok();
    assert!(env.root.join("ws/grp/sub/deep/leaf/README.md").is_file());
    assert_eq!(
        env.gita(&["ls"]).ok().stdout,
        "grp/sub/deep/leaf grp/sub/mid grp/top\n"
    );
    assert_eq!(
        env.gita(&["ls", "grp/sub/mid"]).ok().stdout.trim(),
        s(&env.root.join("ws/grp/sub/mid"))
    );
}

// ---- Gitea and Forgejo ----------------------------------------------------

fn gitea(name: &str, url: &str) -> Value {
    json!({
        "id": 3, "name": name, "full_name": format!("bob/{name}"), "private": false, "internal": false,
        "fork": false, "archived": false, "mirror": false, "topics": [],
        "clone_url": url, "ssh_url": format!("{url}-ssh"), "default_branch": "main",
    })
}

#[test]
fn gitea_and_forgejo_users_are_paged_by_their_total_count() {
    let env = TestEnv::new();
    let repos: Vec<Value> = vec![
        gitea("one", &upstream(&env, "bob/one")),
        gitea("two", &upstream(&env, "bob/two")),
        with(
            gitea("three", &upstream(&env, "bob/three")),
            "private",
            json!(true),
        ),
    ];
    let server = Server::start("127.0.0.1", move |req, _| {
        if req.path() != "/api/v1/users/bob/repos" || req.query("limit").as_deref() != Some("50") {
            return not_found();
        }
        // A server whose maximum page size is 2 (below the default 50).
        let items: Vec<Value> = repos
            .iter()
            .skip((req.page() - 1) * 2)
            .take(2)
            .cloned()
            .collect();
        ok_json(&Value::Array(items), &[("x-total-count", "3".into())])
    });
    let base = format!("{}/api/v1", server.base);
    for kind in ["gitea", "forgejo"] {
        let run = env
            .gita(&[
                "discover",
                &format!("{kind}:bob"),
                "--api-url",
                &base,
                "--protocol",
                "https",
            ])
            .ok();
        assert_eq!(names_in(&run.stdout), ["one", "three", "two"], "{run:#?}");
        let private = env
            .gita(&[
                "discover",
                &format!("{kind}:bob"),
                "--api-url",
                &base,
                "--visibility",
                "private",
            ])
            .ok();
        assert_eq!(names_in(&private.stdout), ["three"], "{private:#?}");
    }
    // The org endpoint is asked first; a 404 there means a user.
    let paths: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.path().to_string())
        .collect();
    assert!(
        paths.contains(&"/api/v1/orgs/bob/repos".to_string()),
        "{paths:?}"
    );
    env.gita(&[
        "clone",
        "--from",
        "gitea:bob",
        "--api-url",
        &base,
        "-C",
        "../ws",
        "--protocol",
        "https",
        "-j",
        "1",
    ])
    .ok();
    assert_eq!(env.gita(&["ls"]).ok().stdout, "one three two\n");
}

// ---- what gets cloned ------------------------------------------------------

#[test]
fn the_protocol_follows_the_ssh_setup_unless_given() {
    let env = TestEnv::new();
    let url = upstream(&env, "bob/one");
    let server = Server::start("127.0.0.1", move |req, _| match req.path() {
        "/api/v1/orgs/bob/repos" => ok_json(
            &json!([gitea("one", &url)]),
            &[("x-total-count", "1".into())],
        ),
        _ => not_found(),
    });
    let base = format!("{}/api/v1", server.base);
    let url_line = |run: &Run| {
        run.stdout
            .lines()
            .find(|l| l.contains("url:"))
            .map(str::to_string)
            .unwrap_or_default()
    };
    let https = env
        .gita(&["discover", "gitea:bob", "--api-url", &base])
        .ok();
    assert!(!url_line(&https).ends_with("-ssh"), "{https:#?}");
    let agent = gita_env(
        &env,
        &[("SSH_AUTH_SOCK", "/tmp/agent.sock")],
        &["discover", "gitea:bob", "--api-url", &base],
    )
    .ok();
    assert!(url_line(&agent).ends_with("-ssh"), "{agent:#?}");
    fs::create_dir_all(env.home.join(".ssh")).expect("mkdir");
    fs::write(env.home.join(".ssh/id_ed25519"), "key").expect("write");
    let key = env
        .gita(&["discover", "gitea:bob", "--api-url", &base])
        .ok();
    assert!(url_line(&key).ends_with("-ssh"), "{key:#?}");
    let forced = env
        .gita(&[
            "discover",
            "gitea:bob",
            "--api-url",
            &base,
            "--protocol",
            "https",
        ])
        .ok();
    assert!(!url_line(&forced).ends_with("-ssh"), "{forced:#?}");
}

#[test]
fn bad_names_and_urls_are_skipped_and_occupied_folders_left_alone() {
    let env = TestEnv::new();
    let good = upstream(&env, "acme/good");
    let taken = upstream(&env, "acme/taken");
    let mark = env.root.join("pwned");
    let repos = vec![
        gh("acme", "good", &good),
        gh("acme", "taken", &taken),
        gh("acme", "..", &good),
        gh("acme", "-rf", &good),
        gh(
            "acme",
            "evil",
            &format!("ext::sh -c touch% {}", mark.display()),
        ),
        json!({"full_name": "acme/nameless"}),
        json!({"name": 5}),
    ];
    let server = Server::start("127.0.0.1", move |req, base| match req.path() {
        "/api/v3/orgs/acme/repos" => gh_page(req, base, &repos, 100),
        _ => not_found(),
    });
    let occupied = env.root.join("ws/taken");
    fs::create_dir_all(&occupied).expect("mkdir");
    fs::write(occupied.join("mine.txt"), "keep me").expect("write");
    let run = env
        .gita(&[
            "clone",
            "--from",
            "github:acme",
            "--api-url",
            &api(&server),
            "-C",
            "../ws",
        ])
        .code(1);
    for needle in [
        "skipped \"..\": a repo name cannot be an absolute path or contain empty, '.' or '..' parts",
        "skipped \"-rf\": a repo name cannot start with '-'",
        "skipped \"evil\": url \"ext::sh",
        "skipped: entry 6 of page 1: it has no name",
        "skipped: entry 7 of page 1: invalid type",
        "taken: ",
        "left untouched",
    ] {
        assert!(run.stderr.contains(needle), "{needle}\n{run:#?}");
    }
    assert_eq!(
        fs::read_to_string(occupied.join("mine.txt")).expect("read"),
        "keep me"
    );
    assert!(!mark.exists());
    assert_eq!(env.gita(&["ls"]).ok().stdout, "good\n");
}

#[test]
fn usage_and_source_errors() {
    let env = TestEnv::new();
    env.gita(&["clone", "--include", "x", "https://example.com/a.git"])
        .code(2);
    env.gita(&["clone", "--from", "github:x", "https://example.com/a.git"])
        .code(2);
    env.gita(&["clone", "--from", "github:x", "-f"]).code(2);
    env.gita(&["discover"]).code(2);
    env.gita(&["discover", "github:x", "--visibility", "secret"])
        .code(2);
    env.gita(&["discover", "bitbucket:x"])
        .err("unknown forge \"bitbucket\"");
    env.gita(&["discover", "github:a/b"])
        .err("\"a/b\" is not a GitHub owner name");
    env.gita(&["discover", "gitea:bob"])
        .err("name the server, gitea:HOST/OWNER (or give --api-url)");
    env.gita(&[
        "discover",
        "github:x",
        "--api-url",
        "http://example.com/api/v3",
    ])
    .err("plain http is allowed only for loopback hosts");
    env.gita(&[
        "discover",
        "github:x",
        "--api-url",
        "https://user:pw@example.com/api/v3",
    ])
    .err("put no user or password in it");
    assert_eq!(env.registry(), "");
}

#[test]
fn the_tokens_own_user_lists_its_private_repos_too() {
    let env = TestEnv::new();
    let public = upstream(&env, "alice/public");
    let secret = upstream(&env, "alice/secret");
    let server = Server::start("127.0.0.1", move |req, base| {
        let authed = req.header("authorization") == Some(&format!("Bearer {TOKEN}"));
        match req.path() {
            "/api/v3/user" if authed => ok_json(&json!({"login": "Alice"}), &[]),
            "/api/v3/user/repos"
                if authed && req.query("affiliation").as_deref() == Some("owner") =>
            {
                gh_page(
                    req,
                    base,
                    &[
                        gh("alice", "public", &public),
                        with(
                            gh("alice", "secret", &secret),
                            "visibility",
                            json!("private"),
                        ),
                    ],
                    100,
                )
            }
            "/api/v3/users/alice/repos" => {
                gh_page(req, base, &[gh("alice", "public", &public)], 100)
            }
            _ => not_found(),
        }
    });
    let anonymous = env
        .gita(&["discover", "github:alice", "--api-url", &api(&server)])
        .ok();
    assert_eq!(names_in(&anonymous.stdout), ["public"]);
    let own = gita_env(
        &env,
        &[("GH_ENTERPRISE_TOKEN", TOKEN)],
        &[
            "discover",
            "github:alice",
            "--api-url",
            &api(&server),
            "--visibility",
            "private",
        ],
    )
    .ok();
    assert_eq!(names_in(&own.stdout), ["secret"], "{own:#?}");
    assert_no_token(&env, &[&anonymous, &own]);
}
