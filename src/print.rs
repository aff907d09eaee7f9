//! Writing to stdout without panicking on a closed pipe: `outln!` returns an
//! `io::Result`, and `main` turns a broken pipe into a quiet exit 0. Text
//! that came from a file or a repo goes through [`sanitize`] on its way to
//! the terminal.

/// Like `println!`, but returns `std::io::Result<()>` instead of panicking.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}

/// Like `print!`, but returns `std::io::Result<()>`.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut lock = std::io::stdout().lock();
        write!(lock, $($arg)*).and_then(|()| lock.flush())
    }};
}

/// Whether an error chain was caused by writing into a closed pipe.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Makes text that came from a file or a repo (names, paths, branches,
/// subjects, values of settings) safe to print: control characters, which
/// include the escape that starts terminal sequences, and bidi overrides,
/// which can make text read differently from what it is, become `?`; tabs
/// become spaces.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' => ' ',
            c if c.is_control() => '?',
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' => '?',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn sanitize_leaves_no_control_characters() {
        assert_eq!(
            sanitize("a\x1b[31mb\tc\nd\u{9b}e\u{202e}f é"),
            "a?[31mb c?d?e?f é"
        );
    }
}
