//! CSV as Python's `csv` module reads and writes it (its default `excel`
//! dialect with a chosen one-character delimiter): Python gita's config files
//! and its `freeze` format.
//!
//! Reading follows `csv.reader`: a field that starts with `"` is quoted and
//! may hold the delimiter, line breaks and doubled quotes (`""` for `"`); a
//! quote inside an unquoted field is an ordinary character; text after a
//! closing quote joins the field. Records end at `\n`, `\r\n` or `\r`.
//! Writing follows `csv.writer` with minimal quoting, with `\n` ending each
//! record as Python gita's `freeze` does (Python's reader takes both).

/// One record of a CSV text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The line the record starts on, from 1.
    pub line: usize,
    pub fields: Vec<String>,
    /// The text ended inside a quoted field: the last field holds the rest of
    /// the text.
    pub unterminated: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    StartRecord,
    StartField,
    InField,
    InQuoted,
    /// A `"` was read inside a quoted field: the end of the quotes, or the
    /// first half of `""`.
    QuoteInQuoted,
}

/// The records of `text`, fields split at `delim`. Blank lines give no
/// record (Python's `csv.DictReader` skips them as well).
pub fn parse(text: &str, delim: char) -> Vec<Record> {
    let mut p = Parser {
        records: Vec::new(),
        fields: Vec::new(),
        field: String::new(),
        state: State::StartRecord,
        line: 1,
        start: 1,
    };
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {
                chars.next();
                p.line_break("\r\n");
            }
            '\r' | '\n' => p.line_break(if c == '\r' { "\r" } else { "\n" }),
            c => p.char(c, delim),
        }
    }
    p.finish()
}

struct Parser {
    records: Vec<Record>,
    fields: Vec<String>,
    field: String,
    state: State,
    /// The current line, from 1.
    line: usize,
    /// The line the current record starts on.
    start: usize,
}

impl Parser {
    fn char(&mut self, c: char, delim: char) {
        if self.state == State::StartRecord {
            self.start = self.line;
            self.state = State::StartField;
        }
        self.state = match self.state {
            State::StartField if c == '"' => State::InQuoted,
            State::StartField | State::InField | State::QuoteInQuoted if c == delim => {
                self.fields.push(std::mem::take(&mut self.field));
                State::StartField
            }
            State::InQuoted if c == '"' => State::QuoteInQuoted,
            State::QuoteInQuoted if c == '"' => {
                self.field.push('"');
                State::InQuoted
            }
            State::InQuoted => {
                self.field.push(c);
                State::InQuoted
            }
            _ => {
                self.field.push(c);
                State::InField
            }
        };
    }

    /// A line break (`text` as it was written): kept inside quotes, else the
    /// end of the record (or of a blank line).
    fn line_break(&mut self, text: &str) {
        self.line += 1;
        match self.state {
            State::StartRecord => {}
            State::InQuoted => self.field.push_str(text),
            State::StartField | State::InField | State::QuoteInQuoted => self.end_record(false),
        }
    }

    fn end_record(&mut self, unterminated: bool) {
        self.fields.push(std::mem::take(&mut self.field));
        self.records.push(Record {
            line: self.start,
            fields: std::mem::take(&mut self.fields),
            unterminated,
        });
        self.state = State::StartRecord;
    }

    fn finish(mut self) -> Vec<Record> {
        match self.state {
            State::StartRecord => {}
            State::InQuoted => self.end_record(true),
            State::StartField | State::InField | State::QuoteInQuoted => self.end_record(false),
        }
        self.records
    }
}

/// Appends one record to `out` as `csv.writer` writes it with minimal
/// quoting: a field holding the delimiter, `"`, `\r` or `\n` is put in
/// quotes with its quotes doubled, and a record of one empty field is `""`.
/// The record ends with `\n`.
pub fn write_record<S: AsRef<str>>(out: &mut String, fields: &[S], delim: char) {
    for (i, field) in fields.iter().enumerate() {
        let field = field.as_ref();
        if i > 0 {
            out.push(delim);
        }
        let quote =
            field.contains([delim, '"', '\r', '\n']) || (fields.len() == 1 && field.is_empty());
        if quote {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record's line and fields.
    type Row = (usize, Vec<String>);

    fn fields(text: &str, delim: char) -> Vec<Row> {
        parse(text, delim)
            .into_iter()
            .map(|r| (r.line, r.fields))
            .collect()
    }

    fn row(line: usize, fields: &[&str]) -> Row {
        (line, fields.iter().map(|f| f.to_string()).collect())
    }

    /// The fields of each case are those Python 3's `csv.reader` gives.
    #[test]
    fn reads_as_python_does() {
        let cases: &[(&str, Vec<Row>)] = &[
            (
                "a,\"b,c\",\"d\"\"e\"\n\nx,y\n",
                vec![row(1, &["a", "b,c", "d\"e"]), row(3, &["x", "y"])],
            ),
            ("\"ab\"cd,e\n", vec![row(1, &["abcd", "e"])]),
            ("a\"b,c\n", vec![row(1, &["a\"b", "c"])]),
            ("a\rb\n", vec![row(1, &["a"]), row(2, &["b"])]),
            ("a\r\nb\r\n", vec![row(1, &["a"]), row(2, &["b"])]),
            ("\"a\r\nb\",c\r\n", vec![row(1, &["a\r\nb", "c"])]),
            (" \"a\",b\n", vec![row(1, &[" \"a\"", "b"])]),
            ("\"a\" ,b\n", vec![row(1, &["a ", "b"])]),
            ("a,\n", vec![row(1, &["a", ""])]),
            (",\n", vec![row(1, &["", ""])]),
            ("\"\"\n", vec![row(1, &[""])]),
            ("\n\n", vec![]),
            ("a,b", vec![row(1, &["a", "b"])]),
            ("\"x\ny\"\nz\n", vec![row(1, &["x\ny"]), row(3, &["z"])]),
            ("", vec![]),
        ];
        for (text, want) in cases {
            assert_eq!(&fields(text, ','), want, "{text:?}");
        }
    }

    #[test]
    fn other_delimiters() {
        assert_eq!(
            fields("g1:r1 r2:/p\n\"a:b\":r3:", ':'),
            vec![row(1, &["g1", "r1 r2", "/p"]), row(2, &["a:b", "r3", ""])]
        );
    }

    #[test]
    fn an_open_quote_runs_to_the_end() {
        let records = parse("a,b\n\"abc\nd,e\n", ',');
        assert_eq!(records.len(), 2);
        assert_eq!(records[1].line, 2);
        assert_eq!(records[1].fields, ["abc\nd,e\n"]);
        assert!(records[1].unterminated);
        assert!(!records[0].unterminated);
    }

    #[test]
    fn writes_as_python_does() {
        let mut out = String::new();
        write_record(
            &mut out,
            &["a,b", "q\"x", " lead", "tr ", "c\rd", "e\nf", "", "x y"],
            ',',
        );
        write_record(&mut out, &[""], ',');
        write_record(&mut out, &["a:b", "c,d"], ':');
        assert_eq!(
            out,
            "\"a,b\",\"q\"\"x\", lead,tr ,\"c\rd\",\"e\nf\",,x y\n\"\"\n\"a:b\":c,d\n"
        );
    }

    #[test]
    fn round_trips() {
        let rows: Vec<Vec<&str>> = vec![
            vec!["", "", ""],
            vec!["\"", ",", "\r\n", "\n\r", "\"\"x\"", "\u{1b}[31m"],
            vec![""],
            vec!["plain", "with space", "a\"b,c d"],
        ];
        let mut out = String::new();
        for r in &rows {
            write_record(&mut out, r, ',');
        }
        let back: Vec<Vec<String>> = parse(&out, ',').into_iter().map(|r| r.fields).collect();
        assert_eq!(back, rows);
    }
}
