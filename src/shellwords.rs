//! Command lines as a POSIX shell reads them, without expansions: splitting
//! one into words, and quoting a word so the shell reads it back unchanged.

use anyhow::{Result, bail};

/// `word` as one word for `sh`: unchanged when it holds nothing the shell
/// would interpret, else in single quotes.
pub fn shell_quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Splits a command line into words like a POSIX shell would, without
/// expansions: whitespace separates, quotes group, backslash escapes.
pub fn split_words(line: &str) -> Result<Vec<String>> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => bail!("unterminated ' quote in: {line}"),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => cur.push(c),
                            Some(c) => {
                                cur.push('\\');
                                cur.push(c);
                            }
                            None => bail!("unterminated \" quote in: {line}"),
                        },
                        Some(c) => cur.push(c),
                        None => bail!("unterminated \" quote in: {line}"),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(c) = chars.next() {
                    cur.push(c);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(
            split_words(r#"git log --format='%h %s' -n "1 2" a\ b"#).expect("split"),
            ["git", "log", "--format=%h %s", "-n", "1 2", "a b"]
        );
        assert_eq!(split_words("  ").expect("split"), Vec::<String>::new());
        assert_eq!(split_words("''").expect("split"), [""]);
        assert!(split_words("git 'oops").is_err());
    }

    #[test]
    fn quoted_words_split_back_unchanged() {
        assert_eq!(
            split_words(&shell_quote("a 'b' \\c")).expect("split"),
            ["a 'b' \\c"]
        );
    }
}
