//! The reader: text to [`Datum`] trees that remember their source line.

use crate::error::{ErrorKind, Result, SchemeError};
use crate::value::{SRegex, Value};
use std::rc::Rc;

/// Nesting deeper than this is refused (keeps hostile input from overflowing the stack).
const MAX_NESTING: usize = 200;

/// One datum as read, with the line it started on.
#[derive(Debug, Clone)]
pub struct Datum {
    pub line: u32,
    pub kind: DatumKind,
}

#[derive(Debug, Clone)]
pub enum DatumKind {
    /// Any atom (number, string, symbol, boolean, regex, keyword, char).
    Atom(Value),
    /// A list; `tail` is the datum after the dot in `(a . b)`.
    List(Vec<Datum>, Option<Box<Datum>>),
}

impl Datum {
    /// The symbol name if this datum is a symbol.
    pub fn as_symbol(&self) -> Option<&str> {
        match &self.kind {
            DatumKind::Atom(Value::Symbol(s)) => Some(s),
            _ => None,
        }
    }

    /// Convert to a runtime value (what `quote` returns).
    pub fn to_value(&self) -> Value {
        match &self.kind {
            DatumKind::Atom(v) => v.clone(),
            DatumKind::List(items, tail) => {
                let end = tail.as_ref().map(|t| t.to_value()).unwrap_or(Value::Nil);
                items
                    .iter()
                    .rev()
                    .fold(end, |acc, d| Value::cons(d.to_value(), acc))
            }
        }
    }
}

/// Read every datum in `text`. `first_line` is the number of the first line (1 normally).
pub fn read_all(source_name: &str, text: &str, first_line: u32) -> Result<Vec<Datum>> {
    let mut r = Reader {
        src: text.as_bytes(),
        text,
        pos: 0,
        line: first_line,
        name: source_name,
    };
    let mut out = Vec::new();
    loop {
        r.skip_atmosphere()?;
        if r.pos >= r.src.len() {
            return Ok(out);
        }
        if let Some(d) = r.read(0)? {
            out.push(d);
        }
    }
}

struct Reader<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    line: u32,
    name: &'a str,
}

fn is_delimiter(c: u8) -> bool {
    c.is_ascii_whitespace() || matches!(c, b'(' | b')' | b'"' | b';' | b'\'' | b'`' | b',')
}

impl<'a> Reader<'a> {
    fn err(&self, msg: impl Into<String>) -> SchemeError {
        SchemeError::new(ErrorKind::Read, msg).at(self.name, self.line)
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.pos += 1;
        if c == b'\n' {
            self.line += 1;
        }
        Some(c)
    }

    /// Skip whitespace, `;` comments and `#| |#` block comments (`#;` is handled in `read`).
    fn skip_atmosphere(&mut self) -> Result<()> {
        while let Some(c) = self.peek() {
            if c.is_ascii_whitespace() {
                self.bump();
            } else if c == b';' {
                while let Some(c) = self.peek() {
                    if c == b'\n' {
                        break;
                    }
                    self.bump();
                }
            } else if c == b'#' && self.src.get(self.pos + 1) == Some(&b'|') {
                let start = self.line;
                self.pos += 2;
                let mut depth = 1;
                loop {
                    match self.bump() {
                        None => {
                            return Err(SchemeError::new(
                                ErrorKind::Read,
                                "unterminated block comment",
                            )
                            .at(self.name, start))
                        }
                        Some(b'|') if self.peek() == Some(b'#') => {
                            self.pos += 1;
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        Some(b'#') if self.peek() == Some(b'|') => {
                            self.pos += 1;
                            depth += 1;
                        }
                        _ => {}
                    }
                }
            } else {
                break;
            }
        }
        Ok(())
    }

    /// Read one datum; `None` when a `#;` comment swallowed the datum and nothing follows.
    fn read(&mut self, depth: usize) -> Result<Option<Datum>> {
        if depth > MAX_NESTING {
            return Err(self.err("nesting too deep"));
        }
        self.skip_atmosphere()?;
        let line = self.line;
        let Some(c) = self.peek() else {
            return Err(self.err("unexpected end of input"));
        };
        let atom = |v: Value| {
            Ok(Some(Datum {
                line,
                kind: DatumKind::Atom(v),
            }))
        };
        match c {
            b'(' | b'[' => {
                self.bump();
                self.read_list(line, if c == b'(' { b')' } else { b']' }, depth)
                    .map(Some)
            }
            b')' | b']' => Err(self.err("unexpected ')'")),
            b'\'' | b'`' | b',' => {
                self.bump();
                let name = match c {
                    b'\'' => "quote",
                    b'`' => "quasiquote",
                    _ if self.peek() == Some(b'@') => {
                        self.bump();
                        "unquote-splicing"
                    }
                    _ => "unquote",
                };
                let inner = self.read_required(depth)?;
                Ok(Some(Datum {
                    line,
                    kind: DatumKind::List(
                        vec![
                            Datum {
                                line,
                                kind: DatumKind::Atom(Value::sym(name)),
                            },
                            inner,
                        ],
                        None,
                    ),
                }))
            }
            b'"' => {
                self.bump();
                let s = self.read_string()?;
                atom(Value::Str(Rc::from(s.as_str())))
            }
            b'#' => self.read_hash(line, depth),
            _ => {
                let tok = self.read_token();
                atom(parse_atom(tok))
            }
        }
    }

    fn read_required(&mut self, depth: usize) -> Result<Datum> {
        loop {
            if let Some(d) = self.read(depth + 1)? {
                return Ok(d);
            }
        }
    }

    fn read_list(&mut self, line: u32, close: u8, depth: usize) -> Result<Datum> {
        let mut items = Vec::new();
        let mut tail = None;
        loop {
            self.skip_atmosphere()?;
            match self.peek() {
                None => {
                    return Err(SchemeError::new(
                        ErrorKind::Read,
                        "unbalanced parentheses: list not closed",
                    )
                    .at(self.name, line))
                }
                Some(c) if c == b')' || c == b']' => {
                    if c != close {
                        return Err(self.err("mismatched closing bracket"));
                    }
                    self.bump();
                    return Ok(Datum {
                        line,
                        kind: DatumKind::List(items, tail),
                    });
                }
                Some(b'.')
                    if self.src.get(self.pos + 1).is_none_or(|c| is_delimiter(*c))
                        && !items.is_empty() =>
                {
                    self.bump();
                    tail = Some(Box::new(self.read_required(depth)?));
                    self.skip_atmosphere()?;
                    if !matches!(self.peek(), Some(b')') | Some(b']')) {
                        return Err(self.err("bad dotted list"));
                    }
                }
                Some(_) => {
                    if tail.is_some() {
                        return Err(self.err("bad dotted list"));
                    }
                    if let Some(d) = self.read(depth + 1)? {
                        items.push(d);
                    }
                }
            }
        }
    }

    fn read_token(&mut self) -> &'a str {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if is_delimiter(c) || c == b'[' || c == b']' {
                break;
            }
            self.bump();
        }
        if self.pos == start {
            // A lone delimiter we do not understand: consume it so we make progress.
            self.bump();
        }
        // Token boundaries are ASCII, so this slice is on char boundaries.
        &self.text[start..self.pos]
    }

    fn read_string(&mut self) -> Result<String> {
        let start_line = self.line;
        let mut buf: Vec<u8> = Vec::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(SchemeError::new(ErrorKind::Read, "unterminated string")
                    .at(self.name, start_line));
            };
            match c {
                b'"' => break,
                b'\\' => {
                    let Some(e) = self.bump() else { continue };
                    match e {
                        b'n' => buf.push(b'\n'),
                        b't' => buf.push(b'\t'),
                        b'r' => buf.push(b'\r'),
                        b'a' => buf.push(7),
                        b'0' => buf.push(0),
                        b'x' => {
                            let mut hex = String::new();
                            while let Some(h) = self.peek() {
                                if h == b';' {
                                    self.bump();
                                    break;
                                }
                                if !h.is_ascii_hexdigit() || hex.len() >= 6 {
                                    break;
                                }
                                hex.push(h as char);
                                self.bump();
                            }
                            let ch = u32::from_str_radix(&hex, 16)
                                .ok()
                                .and_then(char::from_u32)
                                .ok_or_else(|| self.err("bad \\x escape in string"))?;
                            let mut tmp = [0u8; 4];
                            buf.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
                        }
                        b'\n' => {
                            // Line continuation: skip leading blanks of the next line.
                            while matches!(self.peek(), Some(b' ') | Some(b'\t')) {
                                self.bump();
                            }
                        }
                        other => buf.push(other),
                    }
                }
                other => buf.push(other),
            }
        }
        String::from_utf8(buf).map_err(|_| self.err("string is not valid UTF-8"))
    }

    fn read_hash(&mut self, line: u32, depth: usize) -> Result<Option<Datum>> {
        let atom = |v: Value| {
            Ok(Some(Datum {
                line,
                kind: DatumKind::Atom(v),
            }))
        };
        let next = self.src.get(self.pos + 1).copied();
        match next {
            Some(b';') => {
                self.pos += 2;
                self.read_required(depth)?;
                Ok(None)
            }
            Some(b'/') => {
                self.pos += 2;
                let body = self.read_regex_body(b'/')?;
                let flags = self.read_flags();
                let src = format!("/{body}/{flags}");
                atom(Value::Regex(Rc::new(SRegex::new(&body, &flags, Some(src)))))
            }
            Some(b'r')
                if self
                    .src
                    .get(self.pos + 2)
                    .is_some_and(|c| !c.is_ascii_alphanumeric()) =>
            {
                self.pos += 2;
                let open = self.bump().unwrap_or(b'/');
                let close = match open {
                    b'{' => b'}',
                    b'(' => b')',
                    b'[' => b']',
                    b'<' => b'>',
                    c => c,
                };
                let body = self.read_regex_body(close)?;
                let flags = self.read_flags();
                let src = format!("/{body}/{flags}");
                atom(Value::Regex(Rc::new(SRegex::new(&body, &flags, Some(src)))))
            }
            Some(b'\\') => {
                self.pos += 2;
                let start = self.pos;
                // First char is always taken, then the rest of a name like `space`.
                let first = self.text[start..]
                    .chars()
                    .next()
                    .ok_or_else(|| self.err("bad character literal"))?;
                self.pos += first.len_utf8();
                while self.peek().is_some_and(|c| c.is_ascii_alphanumeric())
                    && first.is_ascii_alphabetic()
                {
                    self.pos += 1;
                }
                let name = &self.text[start..self.pos];
                let ch = match name {
                    "space" => ' ',
                    "newline" | "linefeed" => '\n',
                    "tab" => '\t',
                    "return" => '\r',
                    "nul" | "null" => '\0',
                    n if n.chars().count() == 1 => first,
                    n => return Err(self.err(format!("unknown character name #\\{n}"))),
                };
                atom(Value::Char(ch))
            }
            Some(b'(') => Err(self.err("vectors #(...) are not supported")),
            _ => {
                let tok = self.read_token();
                match tok {
                    "#t" | "#true" => atom(Value::Bool(true)),
                    "#f" | "#false" => atom(Value::Bool(false)),
                    t if t.starts_with("#:") && t.len() > 2 => {
                        atom(Value::Keyword(Rc::from(&t[2..])))
                    }
                    t if t.starts_with("#x") || t.starts_with("#X") => {
                        i64::from_str_radix(&t[2..], 16)
                            .map(Value::Int)
                            .map_or_else(|_| Err(self.err(format!("bad number {t}"))), atom)
                    }
                    t if t.starts_with("#b") => i64::from_str_radix(&t[2..], 2)
                        .map(Value::Int)
                        .map_or_else(|_| Err(self.err(format!("bad number {t}"))), atom),
                    t if t.starts_with("#o") => i64::from_str_radix(&t[2..], 8)
                        .map(Value::Int)
                        .map_or_else(|_| Err(self.err(format!("bad number {t}"))), atom),
                    t if t.starts_with("#!") => {
                        // `#!optional`, `#!key`, `#!eof`... are outside the subset.
                        Err(self.err(format!("unsupported syntax {t}")))
                    }
                    t => Err(self.err(format!("unsupported syntax {t}"))),
                }
            }
        }
    }

    /// Regex body up to the unescaped `close`; backslashes are kept.
    fn read_regex_body(&mut self, close: u8) -> Result<String> {
        let start_line = self.line;
        let start = self.pos;
        loop {
            match self.bump() {
                None => {
                    return Err(
                        SchemeError::new(ErrorKind::Read, "unterminated regex literal")
                            .at(self.name, start_line),
                    )
                }
                Some(b'\\') => {
                    self.bump();
                }
                Some(c) if c == close => break,
                _ => {}
            }
        }
        let body = &self.src[start..self.pos - 1];
        String::from_utf8(body.to_vec()).map_err(|_| self.err("regex literal is not valid UTF-8"))
    }

    fn read_flags(&mut self) -> String {
        let mut flags = String::new();
        while let Some(c @ (b'i' | b'x' | b'u')) = self.peek() {
            flags.push(c as char);
            self.bump();
        }
        flags
    }
}

/// Numbers, keywords and symbols.
fn parse_atom(tok: &str) -> Value {
    if let Some(n) = parse_number(tok) {
        return n;
    }
    if tok.len() > 1 && tok.ends_with(':') {
        return Value::Keyword(Rc::from(&tok[..tok.len() - 1]));
    }
    Value::Symbol(Rc::from(tok))
}

/// Scheme decimal numerals: integers, decimals, exponents, and `a/b` rationals (as floats).
pub fn parse_number(tok: &str) -> Option<Value> {
    let first = tok.bytes().next()?;
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return None;
    }
    if tok == "+" || tok == "-" || tok == "." || tok == "..." {
        return None;
    }
    if let Ok(i) = tok.parse::<i64>() {
        return Some(Value::Int(i));
    }
    if let Some((a, b)) = tok.split_once('/') {
        let a = a.parse::<i64>().ok()?;
        let b = b.parse::<i64>().ok()?;
        if b == 0 {
            return None;
        }
        return Some(if a % b == 0 {
            Value::Int(a / b)
        } else {
            Value::Float(a as f64 / b as f64)
        });
    }
    // Only plain decimal syntax: Rust would also accept "inf"/"nan".
    if tok
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
        && tok.bytes().any(|c| c.is_ascii_digit())
    {
        return tok.parse::<f64>().ok().map(Value::Float);
    }
    None
}
