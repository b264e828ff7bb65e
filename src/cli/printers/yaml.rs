//! `-o yaml` exactly as kubectl writes it. kubectl turns the object's JSON into YAML with
//! sigs.k8s.io/yaml, i.e. go-yaml v2: mapping keys in go-yaml's order, sequences under a
//! key not indented, `{}`/`[]` for empty collections, strings quoted only when they would
//! read back as something else (`"6"`, `"true"`, timestamps, `""`), multi-line strings as
//! `|` blocks, and long lines folded at 80 columns. This module is a small port of the
//! parts of go-yaml's emitter that JSON values reach; it reads nothing and prints nothing.
//! Like kubectl, it leaves `metadata.managedFields` out.

use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

use super::output::OutputError;
use super::output::{MAX_DEPTH, omit_managed_fields};

/// go-yaml's default preferred line width and indentation.
const BEST_WIDTH: usize = 80;
const BEST_INDENT: usize = 2;

/// Renders `value` as kubectl's `-o yaml` does (always ending in a newline).
pub fn to_yaml(value: &Value) -> Result<String, OutputError> {
    let mut e = Emitter {
        out: String::new(),
        column: 0,
        whitespace: true,
        indention: true,
    };
    e.node(&omit_managed_fields(value), None, false, 0)?;
    // Document end: finish the last line.
    if e.column > 0 || !e.whitespace || !e.indention {
        e.put_break();
    }
    Ok(e.out)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

struct Emitter {
    out: String,
    column: usize,
    /// The last thing written was whitespace (or nothing), so no separator is needed.
    whitespace: bool,
    /// Only indentation has been written on the current line.
    indention: bool,
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_indent(&mut self, indent: usize) {
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, ind: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        for c in ind.chars() {
            self.put(c);
        }
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
    }

    /// Emits one node. `indent` is the enclosing collection's indentation (None at the
    /// root); `mapping_value` says the node is the value of a mapping entry.
    fn node(
        &mut self,
        value: &Value,
        indent: Option<usize>,
        mapping_value: bool,
        depth: usize,
    ) -> Result<(), OutputError> {
        if depth > MAX_DEPTH {
            return Err(OutputError::TooDeep { limit: MAX_DEPTH });
        }
        match value {
            Value::Object(map) if map.is_empty() => self.empty_flow("{", "}"),
            Value::Array(items) if items.is_empty() => self.empty_flow("[", "]"),
            Value::Object(map) => {
                let inner = indent.map_or(0, |i| i + BEST_INDENT);
                for (key, v) in sorted_entries(map) {
                    self.write_indent(inner);
                    self.scalar(key, Style::Plain, inner, true, true);
                    self.write_indicator(":", false, false, false);
                    self.node(v, Some(inner), true, depth + 1)?;
                }
            }
            Value::Array(items) => {
                // A sequence that is a mapping's value is not indented (go-yaml's
                // "indentless" sequence).
                let inner = match indent {
                    None => 0,
                    Some(i) if mapping_value && !self.indention => i,
                    Some(i) => i + BEST_INDENT,
                };
                for item in items {
                    self.write_indent(inner);
                    self.write_indicator("-", true, false, true);
                    self.node(item, Some(inner), false, depth + 1)?;
                }
            }
            Value::String(s) => {
                let scalar_indent = indent.map_or(BEST_INDENT, |i| i + BEST_INDENT);
                self.scalar(s, string_style(s), scalar_indent, false, true);
            }
            Value::Null => self.plain_value("null", indent),
            Value::Bool(b) => self.plain_value(if *b { "true" } else { "false" }, indent),
            Value::Number(n) => self.plain_value(&yaml_number(n), indent),
        }
        Ok(())
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.write_indicator(close, false, false, false);
    }

    fn plain_value(&mut self, text: &str, indent: Option<usize>) {
        let scalar_indent = indent.map_or(BEST_INDENT, |i| i + BEST_INDENT);
        self.scalar(text, Style::Plain, scalar_indent, false, false);
    }

    /// go-yaml's `emitScalar` + `select_scalar_style` + the writers. `resolve_str` is
    /// false for values that are not strings (numbers, booleans, null), which go-yaml
    /// always asks to be plain.
    fn scalar(
        &mut self,
        s: &str,
        requested: Style,
        indent: usize,
        simple_key: bool,
        resolve_str: bool,
    ) {
        let requested = if resolve_str && simple_key {
            // Keys go through the same string resolution as values.
            string_style(s)
        } else {
            requested
        };
        let a = analyze(s);
        let mut style = requested;
        if style == Style::Plain && (!a.block_plain_allowed || (s.is_empty() && simple_key)) {
            style = Style::SingleQuoted;
        }
        if style == Style::SingleQuoted && !a.single_quoted_allowed {
            style = Style::DoubleQuoted;
        }
        if style == Style::Literal && (!a.block_allowed || simple_key) {
            style = Style::DoubleQuoted;
        }
        let allow_breaks = !simple_key;
        match style {
            Style::Plain => self.write_plain(s, indent, allow_breaks),
            Style::SingleQuoted => self.write_single_quoted(s, indent, allow_breaks),
            Style::DoubleQuoted => self.write_double_quoted(s, indent, allow_breaks),
            Style::Literal => self.write_literal(s, indent),
        }
    }

    fn write_plain(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_is_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !next_is_space {
                    self.write_indent(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                self.indention = false;
                spaces = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single_quoted(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_is_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i + 1 != chars.len()
                    && !next_is_space
                {
                    self.write_indent(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || c == '\u{feff}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{b}' => self.put('v'),
                    '\u{c}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1b}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{a0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ => {
                        let v = c as u32;
                        let escaped = if v <= 0xff {
                            format!("x{v:02X}")
                        } else if v <= 0xffff {
                            format!("u{v:04X}")
                        } else {
                            format!("U{v:08X}")
                        };
                        for e in escaped.chars() {
                            self.put(e);
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i + 1 != chars.len()
                {
                    self.write_indent(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, s: &str, indent: usize) {
        self.write_indicator("|", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        if chars.first().is_some_and(|&c| c == ' ' || is_break(c)) {
            self.write_indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        let chomp = match chars.as_slice() {
            [] => Some("-"),
            [.., last] if !is_break(*last) => Some("-"),
            [_] => Some("+"),
            [.., prev, _] if is_break(*prev) => Some("+"),
            _ => None,
        };
        if let Some(hint) = chomp {
            self.write_indicator(hint, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in &chars {
            if is_break(c) {
                self.put_break();
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent);
                    breaks = false;
                }
                self.put(c);
                self.indention = false;
            }
        }
    }
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// go-yaml's `is_printable` (what may appear unescaped).
fn is_printable(c: char) -> bool {
    matches!(c, '\n' | ' '..='~' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
        && c != '\u{feff}'
}

/// What go-yaml's `yaml_emitter_analyze_scalar` allows for a string.
struct Analysis {
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let chars: Vec<char> = s.chars().collect();
    let mut block_indicators = s.starts_with("---") || s.starts_with("...");
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break, mut previous_space, mut previous_break) =
        (false, false, false, false);
    let (mut line_breaks, mut special_characters) = (false, false);
    let mut preceded_by_whitespace = true;
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_whitespace = chars
            .get(i + 1)
            .is_none_or(|&n| n == ' ' || n == '\t' || is_break(n));
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special_characters = true;
        }
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= i + 1 == chars.len();
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            leading_break |= i == 0;
            trailing_break |= i + 1 == chars.len();
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = c == ' ' || c == '\t' || is_break(c) || c == '\0';
    }
    let mut a = Analysis {
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special_characters {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// go-yaml's `encoder.stringv`: a string that contains a newline is a literal block; one
/// that would read back as another type (or as a base-60 float) is double-quoted;
/// anything else is asked to be plain (the emitter may still quote it).
fn string_style(s: &str) -> Style {
    if s.contains('\n') {
        Style::Literal
    } else if resolves_to_string(s) && !is_base60_float(s) {
        Style::Plain
    } else {
        Style::DoubleQuoted
    }
}

/// go-yaml v2's `resolve("", s)` reports the `!!str` tag.
fn resolves_to_string(s: &str) -> bool {
    const SPECIAL: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no",
        "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "", "~", "null", "Null",
        "NULL", ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
        "-.Inf", "-.INF",
    ];
    let Some(first) = s.chars().next() else {
        return false;
    };
    let hint = match first {
        '+' | '-' | '0'..='9' => 'S',
        'y' | 'Y' | 'n' | 'N' | 't' | 'T' | 'f' | 'F' | 'o' | 'O' | '~' => 'M',
        '.' => '.',
        _ => return true,
    };
    if SPECIAL.contains(&s) {
        return false;
    }
    match hint {
        '.' => s.parse::<f64>().is_err() || !go_float_syntax(s),
        'S' => {
            if is_timestamp(s) {
                return false;
            }
            let plain = s.replace('_', "");
            !(go_parse_int(&plain) || yaml_style_float(&plain) || binary_int(&plain))
        }
        _ => true,
    }
}

/// Whether Go's strconv.ParseFloat accepts `s` (decimal forms; what Rust's parser also
/// accepts, minus Rust-only spellings such as "inf").
fn go_float_syntax(s: &str) -> bool {
    let body = s.trim_start_matches(['+', '-']);
    !body.is_empty()
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
}

/// Go's `strconv.ParseInt(s, 0, 64)` (or ParseUint) succeeds: optional sign, then a
/// decimal, `0x`, `0o`, `0b` or leading-zero octal literal.
fn go_parse_int(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (digits, radix) =
        if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (h, 16)
        } else if let Some(b) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
            (b, 2)
        } else if let Some(o) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
            (o, 8)
        } else if body.len() > 1 && body.starts_with('0') {
            (&body[1..], 8)
        } else {
            (body, 10)
        };
    !digits.is_empty() && u64::from_str_radix(digits, radix).is_ok()
}

fn binary_int(s: &str) -> bool {
    let body = s.strip_prefix('-').unwrap_or(s);
    body.strip_prefix("0b")
        .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c == '0' || c == '1'))
}

/// go-yaml's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// go-yaml's `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() && i - start < 2 {
            i += 1;
        }
        let n = i - start;
        if n == 0 || (n == 2 && b[start] > b'5') {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// go-yaml's `parseTimestamp`: YYYY-M-D, optionally followed by a time.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let year = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if year != 4 || b.get(4) != Some(&b'-') {
        return false;
    }
    let mut i = 5;
    let num = |i: &mut usize, max: usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() && *i - start < max {
            *i += 1;
        }
        *i - start
    };
    let mon = num(&mut i, 2);
    if mon == 0 || b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    if num(&mut i, 2) == 0 {
        return false;
    }
    if i == b.len() {
        return true;
    }
    // A time part: [Tt ]H:M:S[.frac][Z|±hh:mm] (zone only with T/t).
    let sep = b[i];
    if !matches!(sep, b'T' | b't' | b' ') {
        return false;
    }
    i += 1;
    for k in 0..3 {
        if num(&mut i, 2) == 0 {
            return false;
        }
        if k < 2 {
            if b.get(i) != Some(&b':') {
                return false;
            }
            i += 1;
        }
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if num(&mut i, 9) == 0 {
            return false;
        }
    }
    if i == b.len() {
        return sep == b' ';
    }
    if sep == b' ' {
        return false;
    }
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i += 1;
            num(&mut i, 2) == 2 && b.get(i) == Some(&b':') && {
                i += 1;
                num(&mut i, 2) == 2 && i == b.len()
            }
        }
        _ => false,
    }
}

/// Mapping entries in go-yaml v2's key order (its `keyList.Less`): letters compare as
/// characters, a non-letter sorts before a letter, and runs of digits compare as numbers.
fn sorted_entries(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by(|a, b| yaml_key_cmp(a.0, b.0));
    entries
}

fn yaml_key_cmp(a: &str, b: &str) -> Ordering {
    if key_less(a, b) {
        Ordering::Less
    } else if key_less(b, a) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

fn key_less(a: &str, b: &str) -> bool {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    for i in 0..ar.len().min(br.len()) {
        if ar[i] == br[i] {
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an
                .wrapping_mul(10)
                .wrapping_add(i64::from(ar[ai] as u8 - b'0'));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn
                .wrapping_mul(10)
                .wrapping_add(i64::from(br[bi] as u8 - b'0'));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

/// A JSON number as go-yaml writes it: integers as they are, floats with Go's
/// `strconv.FormatFloat(f, 'g', -1, 64)`.
fn yaml_number(n: &Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    if f.fract() == 0.0 && f.abs() < 1e6 {
        return format!("{}", f as i64);
    }
    super::output::go_float(f, 'g')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kubectl_layout() {
        let v = json!({
            "kind": "Job",
            "apiVersion": "batch/v1",
            "metadata": {"name": "oneshot", "labels": {}, "resourceVersion": "12",
                         "creationTimestamp": "2024-05-01T11:50:00Z"},
            "spec": {"backoffLimit": 6, "template": {"spec": {"containers": [
                {"name": "main", "image": "busybox", "command": ["sh", "-c", "echo hi\nsleep 1\n"],
                 "args": [], "env": [{"name": "A", "value": "true"}, {"name": "B", "value": ""}]}
            ]}}},
            "status": {"ready": 0, "startTime": null, "conditions": [
                {"type": "Complete", "status": "True", "message": "it worked: yes"}]}
        });
        let want = r#"apiVersion: batch/v1
kind: Job
metadata:
  creationTimestamp: "2024-05-01T11:50:00Z"
  labels: {}
  name: oneshot
  resourceVersion: "12"
spec:
  backoffLimit: 6
  template:
    spec:
      containers:
      - args: []
        command:
        - sh
        - -c
        - |
          echo hi
          sleep 1
        env:
        - name: A
          value: "true"
        - name: B
          value: ""
        image: busybox
        name: main
status:
  conditions:
  - message: 'it worked: yes'
    status: "True"
    type: Complete
  ready: 0
  startTime: null
"#;
        assert_eq!(to_yaml(&v).unwrap(), want);
    }

    #[test]
    fn scalar_quoting_follows_go_yaml() {
        let cases: &[(&str, &str)] = &[
            ("plain", "plain"),
            ("6", "\"6\""),
            ("0755", "\"0755\""),
            ("1.5", "\"1.5\""),
            ("1e3", "\"1e3\""),
            ("yes", "\"yes\""),
            ("Off", "\"Off\""),
            ("~", "\"~\""),
            ("1:30", "\"1:30\""),
            ("2024-05-01", "\"2024-05-01\""),
            ("- x", "'- x'"),
            ("-c", "-c"),
            ("a #b", "'a #b'"),
            ("a#b", "a#b"),
            ("*", "'*'"),
            ("it's: x", "'it''s: x'"),
            (" lead", "' lead'"),
            ("tab\there", "\"tab\\there\""),
            ("say \"hi\"", "say \"hi\""),
            ("trailing \nline", "\"trailing \\nline\""),
            ("no newline\nat end", "|-\n  no newline\n  at end"),
            ("ünïcode", "ünïcode"),
            ("x: {}", "'x: {}'"),
            ("http://x:80/y", "http://x:80/y"),
        ];
        for (input, want) in cases {
            assert_eq!(
                to_yaml(&json!(input)).unwrap(),
                format!("{want}\n"),
                "for {input:?}"
            );
        }
    }

    #[test]
    fn long_strings_fold_at_eighty_columns() {
        let msg = "Back-off pulling image \"registry.example/team/app:1.2.3\": ErrImagePull: rpc error: code = NotFound desc = failed to resolve";
        let got = to_yaml(&json!({"status": {"message": msg}})).unwrap();
        let want = "status:\n  message: 'Back-off pulling image \"registry.example/team/app:1.2.3\": ErrImagePull:\n    rpc error: code = NotFound desc = failed to resolve'\n";
        assert_eq!(got, want);
    }

    #[test]
    fn key_order_is_go_yaml_order() {
        let mut keys = vec!["b", "a.b", "ab", "a10", "a9", "B", "a_b", "a"];
        keys.sort_by(|a, b| yaml_key_cmp(a, b));
        assert_eq!(keys, vec!["B", "a", "a.b", "a_b", "a9", "a10", "ab", "b"]);
    }

    #[test]
    fn nested_sequences_and_empty_collections() {
        let v = json!([[1, 2], {}, [], {"a": [{"b": 1}]}, null, 1.5, true]);
        let want = "- - 1\n  - 2\n- {}\n- []\n- a:\n  - b: 1\n- null\n- 1.5\n- true\n";
        assert_eq!(to_yaml(&v).unwrap(), want);
    }
}
