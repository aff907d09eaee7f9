//! The single writer for runs across repos: each finished repo's output is
//! written whole, every line prefixed with `name: `, under the stdout and
//! stderr locks; a live progress line on stderr when it is a terminal; the
//! final summary; `--json` lines for scripts; the path line before a run
//! attached to the terminal.

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::detached::Sink;
use super::outcome::{Chunk, JobResult, Outcome, Stream};
use crate::print::sanitize;

/// Clears the progress line (carriage return + erase line).
const CLEAR_LINE: &str = "\r\x1b[2K";

/// Output mode of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Prefixed blocks.
    Text,
    /// One JSON object per repo and line.
    Json,
}

/// Prints finished jobs as they arrive and counts them for the progress line.
pub struct Writer {
    mode: Mode,
    /// Terminal width when stderr is a terminal: the progress line is drawn.
    progress_width: Option<usize>,
    total: usize,
    running: BTreeSet<String>,
    done: usize,
    failed: usize,
    start: Instant,
    drawn: bool,
}

impl Writer {
    /// `stderr_tty` turns the progress line on.
    pub fn new(mode: Mode, total: usize, stderr_tty: bool) -> Writer {
        Writer {
            mode,
            progress_width: stderr_tty.then(|| terminal_width().unwrap_or(80)),
            total,
            running: BTreeSet::new(),
            done: 0,
            failed: 0,
            start: Instant::now(),
            drawn: false,
        }
    }

    /// Erases the progress line, if drawn (before anything else writes to
    /// the terminal).
    pub fn clear_progress(&mut self) {
        if self.drawn {
            let mut err = io::stderr().lock();
            let _ = write!(err, "{CLEAR_LINE}");
            let _ = err.flush();
            self.drawn = false;
        }
    }

    fn draw_progress(&mut self, err: &mut impl Write) {
        let Some(width) = self.progress_width else {
            return;
        };
        let line = progress_line(
            self.done,
            self.total,
            self.failed,
            &self.running,
            self.start.elapsed(),
            width,
        );
        let _ = write!(err, "{CLEAR_LINE}{line}");
        let _ = err.flush();
        self.drawn = true;
    }
}

impl Sink for Writer {
    fn started(&mut self, name: &str) {
        // Drawn by the next tick: runs that end quickly show no progress.
        self.running.insert(name.to_string());
    }

    fn finished(&mut self, result: &JobResult) -> io::Result<()> {
        self.running.remove(&result.name);
        self.done += 1;
        if !result.outcome.success() {
            self.failed += 1;
        }
        // Both locks for the whole block, stderr first: nothing else can
        // write between its lines.
        let mut err = io::stderr().lock();
        let mut out = io::stdout().lock();
        let was_drawn = self.drawn;
        if was_drawn {
            let _ = write!(err, "{CLEAR_LINE}");
            self.drawn = false;
        }
        match self.mode {
            Mode::Text => {
                for (stream, bytes) in render_block(result) {
                    match stream {
                        Stream::Out => out.write_all(&bytes)?,
                        Stream::Err => {
                            // Keep stdout's part of the block ahead of it.
                            out.flush()?;
                            let _ = err.write_all(&bytes);
                        }
                    }
                }
            }
            Mode::Json => {
                let line = json_line(result).map_err(io::Error::other)?;
                out.write_all(line.as_bytes())?;
                out.write_all(b"\n")?;
            }
        }
        out.flush()?;
        drop(out);
        if was_drawn && !self.running.is_empty() {
            self.draw_progress(&mut err);
        }
        Ok(())
    }

    fn tick(&mut self) {
        let mut err = io::stderr().lock();
        self.draw_progress(&mut err);
    }

    fn wants_ticks(&self) -> bool {
        self.progress_width.is_some()
    }
}

/// A job's output as pieces for stdout and stderr, in arrival order, every
/// line prefixed with `name: ` (sanitized; the output itself is the
/// command's and passes as it is) and the block ending in a newline; a line
/// saying why it failed (timeout, signal, cannot run) is appended.
pub fn render_block(result: &JobResult) -> Vec<(Stream, Vec<u8>)> {
    let prefix = format!("{}: ", sanitize(&result.name));
    let mut pieces = prefix_lines(&prefix, &result.chunks);
    if let Some(note) = failure_note(&result.outcome) {
        pieces.push((Stream::Err, format!("{prefix}gita: {note}\n").into_bytes()));
    }
    pieces
}

/// Why a job failed when its own output may not say: killed by a signal,
/// timed out, could not start (sanitized).
pub fn failure_note(outcome: &Outcome) -> Option<String> {
    match outcome {
        Outcome::Exited(_) | Outcome::Interrupted => None,
        Outcome::Signaled(s) => Some(format!("killed by signal {s}")),
        Outcome::TimedOut(t) => Some(format!("timed out after {}, killed", secs(*t))),
        Outcome::SpawnFailed(msg) => Some(sanitize(msg)),
    }
}

/// Prefixes every line of each stream with `prefix`, keeping chunk order; a
/// stream whose last line has no newline gets one.
pub fn prefix_lines(prefix: &str, chunks: &[Chunk]) -> Vec<(Stream, Vec<u8>)> {
    let mut pieces: Vec<(Stream, Vec<u8>)> = Vec::new();
    let mut at_line_start = [true, true];
    for chunk in chunks {
        let idx = chunk.stream as usize;
        let mut buf = Vec::with_capacity(chunk.data.len() + prefix.len());
        for &b in &chunk.data {
            if at_line_start[idx] {
                buf.extend_from_slice(prefix.as_bytes());
                at_line_start[idx] = false;
            }
            buf.push(b);
            if b == b'\n' {
                at_line_start[idx] = true;
            }
        }
        match pieces.last_mut() {
            Some((s, prev)) if *s == chunk.stream => prev.extend_from_slice(&buf),
            _ => pieces.push((chunk.stream, buf)),
        }
    }
    for stream in [Stream::Out, Stream::Err] {
        if !at_line_start[stream as usize] {
            match pieces.iter_mut().rev().find(|(s, _)| *s == stream) {
                Some((_, bytes)) => bytes.push(b'\n'),
                None => pieces.push((stream, b"\n".to_vec())),
            }
        }
    }
    pieces
}

#[derive(Serialize)]
struct JsonResult<'a> {
    name: &'a str,
    path: String,
    /// `ok`, `failed`, `timeout`, `signal`, `interrupted` or `error`.
    status: &'static str,
    exit_code: Option<i32>,
    duration_secs: f64,
    attempts: u32,
    stdout: String,
    stderr: String,
}

/// One repo's result as a single line of JSON.
pub fn json_line(result: &JobResult) -> serde_json::Result<String> {
    let status = match &result.outcome {
        Outcome::Exited(0) => "ok",
        Outcome::Exited(_) => "failed",
        Outcome::TimedOut(_) => "timeout",
        Outcome::Signaled(_) => "signal",
        Outcome::Interrupted => "interrupted",
        Outcome::SpawnFailed(_) => "error",
    };
    let mut stderr = String::from_utf8_lossy(&result.stderr()).into_owned();
    if let Outcome::SpawnFailed(msg) = &result.outcome {
        stderr.push_str(msg);
    }
    serde_json::to_string(&JsonResult {
        name: &result.name,
        path: result.path.display().to_string(),
        status,
        exit_code: result.outcome.code(),
        duration_secs: (result.duration.as_secs_f64() * 1000.0).round() / 1000.0,
        attempts: result.attempts,
        stdout: String::from_utf8_lossy(&result.stdout()).into_owned(),
        stderr,
    })
}

/// `gita: 7 ok, 1 failed (b) in 1.2s`.
pub fn summary_line(ok: &[String], failed: &[String], elapsed: Duration) -> String {
    let mut line = format!("gita: {} ok", ok.len());
    if !failed.is_empty() {
        let mut names: Vec<String> = failed.iter().map(|n| sanitize(n)).collect();
        names.sort();
        line.push_str(&format!(", {} failed ({})", names.len(), names.join(", ")));
    }
    line.push_str(&format!(" in {}", secs(elapsed)));
    line
}

/// `[3/10] 1 failed · running: a, b, c…`, cut to `width` columns.
pub fn progress_line(
    done: usize,
    total: usize,
    failed: usize,
    running: &BTreeSet<String>,
    elapsed: Duration,
    width: usize,
) -> String {
    let mut line = format!("[{done}/{total}] {}", secs(elapsed));
    if failed > 0 {
        line.push_str(&format!(" · {failed} failed"));
    }
    if !running.is_empty() {
        let names: Vec<String> = running.iter().map(|n| sanitize(n)).collect();
        line.push_str(&format!(" · running: {}", names.join(", ")));
    }
    let max = width.saturating_sub(1).max(10);
    if line.chars().count() > max {
        let mut cut: String = line.chars().take(max - 1).collect();
        cut.push('…');
        cut
    } else {
        line
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

/// The line before a run attached to the terminal: the repo's path (as
/// Python gita prints it).
pub fn path_line(path: &std::path::Path) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{}", sanitize(&path.to_string_lossy()))?;
    out.flush()
}

/// Whether stdout is a pipe or socket whose reading end is gone (`gita …
/// | head -1` after `head` exited).
pub fn stdout_closed() -> bool {
    let mut fd = libc::pollfd {
        fd: libc::STDOUT_FILENO,
        events: libc::POLLOUT,
        revents: 0,
    };
    // SAFETY: one valid pollfd, and a zero timeout: returns at once.
    let ready = unsafe { libc::poll(&mut fd, 1, 0) };
    ready == 1 && fd.revents & (libc::POLLERR | libc::POLLHUP) != 0
}

fn terminal_width() -> Option<usize> {
    terminal_size::terminal_size_of(io::stderr())
        .map(|(w, _)| usize::from(w.0))
        .filter(|w| *w > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn chunk(stream: Stream, s: &str) -> Chunk {
        Chunk {
            stream,
            data: s.as_bytes().to_vec(),
        }
    }

    fn text(pieces: &[(Stream, Vec<u8>)]) -> Vec<(Stream, String)> {
        pieces
            .iter()
            .map(|(s, b)| (*s, String::from_utf8_lossy(b).into_owned()))
            .collect()
    }

    #[test]
    fn prefixes_lines_across_chunks() {
        let chunks = [
            chunk(Stream::Out, "one\ntw"),
            chunk(Stream::Out, "o\nthree"),
            chunk(Stream::Err, "warn\n"),
            chunk(Stream::Out, " more\n"),
        ];
        assert_eq!(
            text(&prefix_lines("r: ", &chunks)),
            vec![
                (Stream::Out, "r: one\nr: two\nr: three".to_string()),
                (Stream::Err, "r: warn\n".to_string()),
                (Stream::Out, " more\n".to_string()),
            ]
        );
    }

    #[test]
    fn terminates_unfinished_lines() {
        let chunks = [chunk(Stream::Out, "a"), chunk(Stream::Err, "b")];
        assert_eq!(
            text(&prefix_lines("x: ", &chunks)),
            vec![
                (Stream::Out, "x: a\n".to_string()),
                (Stream::Err, "x: b\n".to_string())
            ]
        );
        assert!(prefix_lines("x: ", &[]).is_empty());
    }

    fn result(outcome: Outcome) -> JobResult {
        JobResult {
            name: "repo".into(),
            path: PathBuf::from("/src/repo"),
            outcome,
            chunks: vec![chunk(Stream::Out, "hi\n"), chunk(Stream::Err, "oops\n")],
            duration: Duration::from_millis(1234),
            attempts: 1,
        }
    }

    #[test]
    fn block_explains_timeouts() {
        let block = render_block(&result(Outcome::TimedOut(Duration::from_secs(2))));
        assert_eq!(
            text(&block).last().map(|(_, t)| t.clone()),
            Some("repo: gita: timed out after 2.0s, killed\n".to_string())
        );
    }

    #[test]
    fn json_has_every_field() {
        let line = json_line(&result(Outcome::Exited(2))).expect("json");
        let v: serde_json::Value = serde_json::from_str(&line).expect("parse");
        assert_eq!(v["name"], "repo");
        assert_eq!(v["path"], "/src/repo");
        assert_eq!(v["status"], "failed");
        assert_eq!(v["exit_code"], 2);
        assert_eq!(v["duration_secs"], 1.234);
        assert_eq!(v["stdout"], "hi\n");
        assert_eq!(v["stderr"], "oops\n");
        let v: serde_json::Value =
            serde_json::from_str(&json_line(&result(Outcome::Interrupted)).expect("json"))
                .expect("parse");
        assert!(v["exit_code"].is_null());
    }

    #[test]
    fn summary_names_failures_sorted() {
        let ok = vec!["a".to_string(), "c".to_string()];
        let failed = vec!["z".to_string(), "b".to_string()];
        assert_eq!(
            summary_line(&ok, &failed, Duration::from_millis(1500)),
            "gita: 2 ok, 2 failed (b, z) in 1.5s"
        );
        assert_eq!(summary_line(&ok, &[], Duration::ZERO), "gita: 2 ok in 0.0s");
    }

    #[test]
    fn names_are_sanitized() {
        let mut r = result(Outcome::SpawnFailed("no \x1b[2J git".into()));
        r.name = "r\x1b[31m".into();
        assert_eq!(
            text(&render_block(&r)),
            vec![
                (Stream::Out, "r?[31m: hi\n".to_string()),
                (Stream::Err, "r?[31m: oops\n".to_string()),
                (Stream::Err, "r?[31m: gita: no ?[2J git\n".to_string()),
            ]
        );
        let failed = vec!["b\x1b]0;x\x07".to_string()];
        assert_eq!(
            summary_line(&[], &failed, Duration::ZERO),
            "gita: 0 ok, 1 failed (b?]0;x?) in 0.0s"
        );
        let running: BTreeSet<String> = ["\u{202e}a\tb".to_string()].into();
        assert_eq!(
            progress_line(0, 1, 0, &running, Duration::ZERO, 80),
            "[0/1] 0.0s · running: ?a b"
        );
    }

    #[test]
    fn progress_line_fits_the_width() {
        let running: BTreeSet<String> = ["alpha", "beta", "gamma"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let line = progress_line(3, 10, 1, &running, Duration::from_secs(2), 200);
        assert_eq!(line, "[3/10] 2.0s · 1 failed · running: alpha, beta, gamma");
        let short = progress_line(3, 10, 1, &running, Duration::from_secs(2), 21);
        assert_eq!(short.chars().count(), 20);
        assert!(short.ends_with('…'));
    }
}
