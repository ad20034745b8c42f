//! Reads `define('NAME', 'value');` lines from the admin panel's PHP configuration, so the
//! studio and the panel share one DashScope key without copying it.
//!
//! This is not a PHP parser: it understands string constants in single or double quotes,
//! with `\'`, `\"` and `\\` escapes, and skips `//`, `#` and `/* */` comments. Anything
//! computed (concatenation, getenv) is ignored rather than guessed.

use std::collections::HashMap;

pub fn read_php_defines(source: &str) -> HashMap<String, String> {
    let code = strip_comments(source);
    let mut found = HashMap::new();
    let mut rest = code.as_str();
    while let Some(at) = find_define(rest) {
        rest = &rest[at..];
        if let Some((name, value, used)) = parse_define(rest) {
            found.insert(name, value);
            rest = &rest[used..];
        } else {
            rest = &rest["define".len()..];
        }
    }
    found
}

/// Finds `define` as a whole word outside string literals (not `undefined`, not inside
/// `'define("X", "y")'`).
fn find_define(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => i = skip_string(bytes, i),
            _ if bytes[i..].starts_with(b"define") && is_word_at(text, i, 6) => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// The index just past the string literal that starts at `start`.
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn is_word_at(text: &str, at: usize, len: usize) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let before = text[..at].chars().next_back();
    let after = text.get(at + len..).and_then(|rest| rest.chars().next());
    !before.is_some_and(is_word) && !after.is_some_and(is_word)
}

/// Parses `define ( 'NAME' , 'value' )` at the start of `text`; returns the bytes used.
fn parse_define(text: &str) -> Option<(String, String, usize)> {
    let mut pos = "define".len();
    pos += skip_space(&text[pos..]);
    pos += text[pos..].strip_prefix('(').map(|_| 1)?;
    pos += skip_space(&text[pos..]);
    let (name, used) = parse_string(&text[pos..])?;
    pos += used;
    pos += skip_space(&text[pos..]);
    pos += text[pos..].strip_prefix(',').map(|_| 1)?;
    pos += skip_space(&text[pos..]);
    let (value, used) = parse_string(&text[pos..])?;
    pos += used;
    pos += skip_space(&text[pos..]);
    text[pos..].strip_prefix(')')?;
    Some((name, value, pos + 1))
}

fn skip_space(text: &str) -> usize {
    text.len() - text.trim_start().len()
}

fn parse_string(text: &str) -> Option<(String, usize)> {
    let quote = text.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let mut value = String::new();
    let mut chars = text.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        if c == quote {
            return Some((value, i + 1));
        }
        if c == '\\' {
            let (_, next) = chars.next()?;
            if next != quote && next != '\\' {
                value.push('\\');
            }
            value.push(next);
        } else {
            value.push(c);
        }
    }
    None
}

/// Removes comments while leaving string literals (which may contain `//` or `#`) intact.
fn strip_comments(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if c == '\\' {
                out.extend(chars.next());
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match (c, chars.peek().copied()) {
            ('\'' | '"', _) => {
                quote = Some(c);
                out.push(c);
            }
            ('/', Some('/')) | ('#', _) => skip_line(&mut chars),
            ('/', Some('*')) => skip_block(&mut chars),
            _ => out.push(c),
        }
    }
    out
}

fn skip_line(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if c == '\n' {
            break;
        }
    }
}

fn skip_block(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    chars.next();
    let mut last = ' ';
    for c in chars.by_ref() {
        if last == '*' && c == '/' {
            break;
        }
        last = c;
    }
}
