//! Writing to stdout without panicking on a closed pipe: `outln!` returns an
//! `io::Result`, and `main` turns a broken pipe into a quiet exit 0.

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
