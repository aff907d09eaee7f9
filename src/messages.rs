//! gita's one voice on stderr: every warning, note and message to the user
//! goes through these macros, so each is one line, starts with `gita: `,
//! shows text from files and repos sanitized, and never panics or fails a
//! command when stderr is closed.

use std::fmt::Arguments;
use std::io::Write as _;

/// Writes `gita: <label><text>` as one sanitized line; errors are ignored
/// (a closed stderr must not change what a command does).
pub fn emit(label: &str, text: Arguments<'_>) {
    let line = crate::print::sanitize(&text.to_string());
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "gita: {label}{line}");
}

/// Writes a line that already has its `gita: ` form (the summary of a
/// run), with the same guarantees.
pub fn line(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", crate::print::sanitize(text));
}

/// `gita: warning: …` — something is wrong but the command goes on.
#[macro_export]
macro_rules! warning {
    ($($arg:tt)*) => { $crate::messages::emit("warning: ", format_args!($($arg)*)) };
}

/// `gita: note: …` — worth knowing, nothing is wrong.
#[macro_export]
macro_rules! note {
    ($($arg:tt)*) => { $crate::messages::emit("note: ", format_args!($($arg)*)) };
}

/// `gita: …` — what happened (a report line that is not output).
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => { $crate::messages::emit("", format_args!($($arg)*)) };
}

/// `gita: error: …` — the command failed; printed once, by `main`.
#[macro_export]
macro_rules! error_line {
    ($($arg:tt)*) => { $crate::messages::emit("error: ", format_args!($($arg)*)) };
}
