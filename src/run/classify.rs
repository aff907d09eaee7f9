//! Reading a command and its failure: fetch-like commands (safe to retry),
//! failures that needed a terminal (worth an attached re-run), and
//! connections the server dropped (worth a retry).

/// Whether git arguments (after `git` and any flags) name a fetch-like command.
pub fn is_fetch_like(args: &[String]) -> bool {
    subcommand_is(args, &["fetch", "pull", "ls-remote"])
}

/// Whether git arguments name a command that talks to remotes.
pub fn is_network(args: &[String]) -> bool {
    subcommand_is(args, &["fetch", "pull", "ls-remote", "push"])
}

/// Whether the git subcommand of `args` is one of `names` (`remote update`
/// counts as a fetch).
fn subcommand_is(args: &[String], names: &[&str]) -> bool {
    // Global options that take their value as the next word.
    const WITH_VALUE: &[&str] = &[
        "-C",
        "-c",
        "--git-dir",
        "--work-tree",
        "--namespace",
        "--config-env",
        "--exec-path",
    ];
    let mut words = args.iter();
    while let Some(w) = words.next() {
        if WITH_VALUE.contains(&w.as_str()) {
            words.next();
        } else if w.starts_with('-') {
            continue;
        } else {
            return match w.as_str() {
                name if names.contains(&name) => true,
                "remote" if names.contains(&"fetch") => words
                    .find(|w| !w.starts_with('-'))
                    .is_some_and(|w| w == "update"),
                _ => false,
            };
        }
    }
    false
}

/// Messages of a child that needed a terminal (credentials, ssh passphrase or
/// host key, editor, gpg pinentry) and could not get one.
pub fn needs_terminal(stderr: &str) -> bool {
    const MARKERS: &[&str] = &[
        "terminal prompts disabled",
        "could not read Username",
        "could not read Password",
        "Authentication failed for",
        "Permission denied (publickey",
        "Host key verification failed",
        "read_passphrase: can't open /dev/tty",
        "/dev/tty: No such device or address",
        "problem with the editor",
        "gpg failed to sign",
    ];
    MARKERS.iter().any(|m| stderr.contains(m))
}

/// A connection the server dropped before talking (sshd `MaxStartups`,
/// overloaded git daemons): transient, worth a retry with backoff.
pub fn is_connection_drop(stderr: &str) -> bool {
    const MARKERS: &[&str] = &[
        "kex_exchange_identification",
        "ssh_exchange_identification",
        "Connection closed by remote host",
        "Connection reset by peer",
    ];
    !needs_terminal(stderr) && MARKERS.iter().any(|m| stderr.contains(m))
}
