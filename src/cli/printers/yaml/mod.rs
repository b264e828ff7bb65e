//! `-o yaml` exactly as kubectl writes it. kubectl turns the object's JSON into YAML with
//! sigs.k8s.io/yaml, i.e. go-yaml v2: mapping keys in go-yaml's order, sequences under a
//! key not indented, `{}`/`[]` for empty collections, strings quoted only when they would
//! read back as something else (`"6"`, `"true"`, timestamps, `""`), multi-line strings as
//! `|` blocks, and long lines folded at 80 columns. This module is a small port of the
//! parts of go-yaml's emitter that JSON values reach; it reads nothing and prints nothing.
//! Like kubectl, it leaves `metadata.managedFields` out.

use serde_json::{Number, Value};

mod keys;
mod resolve;
mod scalar;

use super::output::OutputError;
use super::output::{MAX_DEPTH, omit_managed_fields};
use keys::sorted_entries;
use scalar::{analyze, is_break, is_printable};

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
                    // Keys are strings and go through the same resolution as values.
                    self.scalar(key, string_style(key), inner, true);
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
                self.scalar(s, string_style(s), scalar_indent, false);
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
        self.scalar(text, Style::Plain, scalar_indent, false);
    }

    /// go-yaml's `select_scalar_style` + the writers: `requested` is what the encoder
    /// asked for (plain for numbers, booleans and null; [`string_style`] for strings),
    /// downgraded when the text cannot be written that way. Keys (`simple_key`) are
    /// never folded and never blocks.
    fn scalar(&mut self, s: &str, requested: Style, indent: usize, simple_key: bool) {
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

/// go-yaml's `encoder.stringv`: a string that contains a newline is a literal block; one
/// that would read back as another type (or as a base-60 float) is double-quoted;
/// anything else is asked to be plain (the emitter may still quote it).
fn string_style(s: &str) -> Style {
    if s.contains('\n') {
        Style::Literal
    } else if resolve::reads_back_as_string(s) {
        Style::Plain
    } else {
        Style::DoubleQuoted
    }
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
    fn nested_sequences_and_empty_collections() {
        let v = json!([[1, 2], {}, [], {"a": [{"b": 1}]}, null, 1.5, true]);
        let want = "- - 1\n  - 2\n- {}\n- []\n- a:\n  - b: 1\n- null\n- 1.5\n- true\n";
        assert_eq!(to_yaml(&v).unwrap(), want);
    }
}
