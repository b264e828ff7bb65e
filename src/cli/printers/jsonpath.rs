//! A port of client-go's `util/jsonpath` (the engine behind `-o jsonpath=`,
//! `custom-columns` and `--sort-by`): the same parser (fields, `[n]`, `[a:b]`, `[*]`,
//! unions, `..`, filters `[?(@.a=="b")]`, quoted text, `{range}`/`{end}`), the same
//! evaluation (including its range bookkeeping, ported as is so templates behave as
//! they do in kubectl) and the same printing: strings raw, maps and lists as compact
//! JSON, other scalars as Go's `fmt.Print` writes them, results of one `{}` joined by a
//! space. Pure: a template and a `serde_json::Value` in, text out.

use serde_json::{Number, Value};

use super::output::{go_float, json_number, json_string};

/// Why a template could not be parsed or executed; the texts are client-go's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct JsonPathError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, JsonPathError> {
    Err(JsonPathError(msg.into()))
}

/// One `[start:end:step]` bound; `derived` marks the end of a plain `[n]`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Param {
    value: i64,
    known: bool,
    derived: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    List(Vec<Node>),
    Text(String),
    Field(String),
    Array([Param; 3]),
    Filter {
        left: Vec<Node>,
        right: Vec<Node>,
        op: String,
    },
    Int(i64),
    Float(f64),
    Bool(bool),
    Wildcard,
    Recursive,
    Union(Vec<Vec<Node>>),
    Identifier(String),
}

/// A parsed template, ready to run on any number of objects.
#[derive(Debug, Clone)]
pub struct JsonPath {
    root: Vec<Node>,
    allow_missing_keys: bool,
    output_json: bool,
}

impl JsonPath {
    /// Parses `template` as client-go's `Parse` does.
    pub fn parse(template: &str) -> Result<Self, JsonPathError> {
        let root = Parser::new(template).parse()?;
        Ok(JsonPath {
            root,
            allow_missing_keys: false,
            output_json: false,
        })
    }

    /// `AllowMissingKeys`: a missing field gives no result instead of an error (kubectl's
    /// `--allow-missing-template-keys`, on by default for `-o jsonpath`).
    pub fn allow_missing_keys(mut self, allow: bool) -> Self {
        self.allow_missing_keys = allow;
        self
    }

    /// `EnableJSONOutput` (`-o jsonpath-as-json`): all results as one indented JSON list.
    pub fn output_json(mut self, on: bool) -> Self {
        self.output_json = on;
        self
    }

    /// `FindResults`: the values each top-level piece of the template produced.
    pub fn find_results(&self, data: &Value) -> Result<Vec<Vec<Value>>, JsonPathError> {
        let mut state = State {
            allow_missing_keys: self.allow_missing_keys,
            cur: Vec::new(),
            stack: Vec::new(),
            begin_range: 0,
            in_range: 0,
            end_range: 0,
        };
        state.find_results(&self.root, data.clone())
    }

    /// `Execute`: the text the template prints for `data`.
    pub fn execute(&self, data: &Value) -> Result<String, JsonPathError> {
        let results = self.find_results(data)?;
        let mut out = String::new();
        for group in results {
            self.print_results(&mut out, group);
        }
        Ok(out)
    }

    fn print_results(&self, out: &mut String, results: Vec<Value>) {
        if self.output_json {
            let mut text = String::new();
            // `json.MarshalIndent(r, "", "    ")` of the list, then a newline.
            if let Ok(t) = super::output::to_json(&Value::Array(results)) {
                text = t;
            }
            out.push_str(&text);
            return;
        }
        let n = results.len();
        for (i, r) in results.iter().enumerate() {
            match r {
                Value::Object(_) | Value::Array(_) => compact_json(out, r),
                other => out.push_str(&go_print(other)),
            }
            if i + 1 != n {
                out.push(' ');
            }
        }
    }
}

/// Go's `json.Marshal` of a decoded value: keys sorted, no spaces, HTML escaped.
pub fn compact_json(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&json_number(n)),
        Value::String(s) => json_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                compact_json(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(out, k);
                out.push(':');
                compact_json(out, v);
            }
            out.push('}');
        }
    }
}

fn go_number(n: &Number) -> String {
    if n.is_i64() || n.is_u64() {
        n.to_string()
    } else {
        go_float(n.as_f64().unwrap_or(0.0), 'g')
    }
}

/// Go's `fmt.Sprint` of a value decoded into `interface{}` (`map[a:1 b:x]`, `[1 2]`,
/// `<nil>`): what custom-columns cells and jsonpath scalars print.
pub fn go_print(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => go_number(n),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(go_print).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{k}:{}", go_print(&map[k.as_str()])))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

/// Go's `%#v` of a decoded value, as kubectl's jsonpath error shows the object.
pub fn go_sharp_v(v: &Value) -> String {
    fn inner(v: &Value) -> String {
        match v {
            Value::Null => "interface {}(nil)".to_string(),
            Value::String(s) => format!("{s:?}"),
            Value::Array(items) => {
                let parts: Vec<String> = items.iter().map(inner).collect();
                format!("[]interface {{}}{{{}}}", parts.join(", "))
            }
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                let parts: Vec<String> = keys
                    .iter()
                    .map(|k| format!("{k:?}:{}", inner(&map[k.as_str()])))
                    .collect();
                format!("map[string]interface {{}}{{{}}}", parts.join(", "))
            }
            other => go_print(other),
        }
    }
    inner(v)
}

/// The Go type name client-go's messages show for a value.
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

// ---------------------------------------------------------------------------------
// Parser (parser.go)

const EOF: char = '\u{0}';

struct Parser {
    input: Vec<char>,
    pos: usize,
    start: usize,
    /// 1 after a `next` that read a character, 0 at the end (Go's `width`).
    width: usize,
    /// The finished top-level nodes, and the action being parsed.
    root: Vec<Node>,
}

fn is_terminator(r: char) -> bool {
    matches!(
        r,
        ' ' | '\t' | '\r' | '\n' | EOF | '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}'
    )
}

fn is_alphanumeric(r: char) -> bool {
    r == '_' || r.is_alphabetic() || r.is_numeric()
}

impl Parser {
    fn new(text: &str) -> Self {
        Parser {
            input: text.chars().collect(),
            pos: 0,
            start: 0,
            width: 0,
            root: Vec::new(),
        }
    }

    fn rest_starts_with(&self, prefix: &str) -> bool {
        prefix
            .chars()
            .enumerate()
            .all(|(k, c)| self.input.get(self.pos + k) == Some(&c))
    }

    fn consume_text(&mut self) -> String {
        let s: String = self.input[self.start..self.pos].iter().collect();
        self.start = self.pos;
        s
    }

    fn next(&mut self) -> char {
        match self.input.get(self.pos) {
            None => {
                self.width = 0;
                EOF
            }
            Some(&c) => {
                self.width = 1;
                self.pos += 1;
                c
            }
        }
    }

    fn peek(&mut self) -> char {
        let r = self.next();
        self.backup();
        r
    }

    fn backup(&mut self) {
        self.pos -= self.width;
    }

    fn at_eof(&self) -> bool {
        self.pos >= self.input.len()
    }

    /// The whole template: text outside `{}` and one list node per action.
    fn parse(mut self) -> Result<Vec<Node>, JsonPathError> {
        loop {
            // parseText
            loop {
                if self.rest_starts_with("{") {
                    if self.pos > self.start {
                        let t = self.consume_text();
                        self.root.push(Node::Text(t));
                    }
                    break;
                }
                if self.next() == EOF && self.at_eof() && self.width == 0 {
                    if self.pos > self.start {
                        let t = self.consume_text();
                        self.root.push(Node::Text(t));
                    }
                    return Ok(self.root);
                }
            }
            // parseLeftDelim
            self.pos += 1;
            self.consume_text();
            let mut cur = Vec::new();
            self.parse_inside_action(&mut cur)?;
            self.root.push(Node::List(cur));
        }
    }

    /// Parses one action's body up to and including its `}`.
    fn parse_inside_action(&mut self, cur: &mut Vec<Node>) -> Result<(), JsonPathError> {
        loop {
            if self.rest_starts_with("}") {
                self.pos += 1;
                self.consume_text();
                return Ok(());
            }
            if self.rest_starts_with("[?(") {
                self.parse_filter(cur)?;
                continue;
            }
            if self.rest_starts_with("..") {
                self.parse_recursive(cur)?;
                continue;
            }
            let r = self.next();
            match r {
                _ if self.width == 0 || r == '\r' || r == '\n' => return err("unclosed action"),
                ' ' | '@' | '$' => {
                    self.consume_text();
                }
                '[' => self.parse_array(cur)?,
                '"' | '\'' => self.parse_quote(cur, r)?,
                '.' => self.parse_field(cur),
                '+' | '-' => {
                    self.backup();
                    self.parse_number(cur)?;
                }
                c if c.is_ascii_digit() => {
                    self.backup();
                    self.parse_number(cur)?;
                }
                c if is_alphanumeric(c) => {
                    self.backup();
                    self.parse_identifier(cur);
                }
                c => {
                    return err(format!(
                        "unrecognized character in action: U+{:04X} '{c}'",
                        c as u32
                    ));
                }
            }
        }
    }

    fn parse_identifier(&mut self, cur: &mut Vec<Node>) {
        loop {
            let r = self.next();
            if is_terminator(r) || self.width == 0 {
                self.backup();
                break;
            }
        }
        let value = self.consume_text();
        match value.as_str() {
            "true" => cur.push(Node::Bool(true)),
            "false" => cur.push(Node::Bool(false)),
            _ => cur.push(Node::Identifier(value)),
        }
    }

    fn parse_recursive(&mut self, cur: &mut Vec<Node>) -> Result<(), JsonPathError> {
        if cur.last() == Some(&Node::Recursive) {
            return err("invalid multiple recursive descent");
        }
        self.pos += 2;
        self.consume_text();
        cur.push(Node::Recursive);
        let r = self.peek();
        if self.width > 0 && is_alphanumeric(r) {
            self.parse_field(cur);
        }
        Ok(())
    }

    fn parse_number(&mut self, cur: &mut Vec<Node>) -> Result<(), JsonPathError> {
        let r = self.peek();
        if r == '+' || r == '-' {
            self.next();
        }
        loop {
            let r = self.next();
            if self.width == 0 || (r != '.' && !r.is_ascii_digit()) {
                self.backup();
                break;
            }
        }
        let value = self.consume_text();
        if let Ok(i) = value.parse::<i64>() {
            cur.push(Node::Int(i));
            return Ok(());
        }
        match value.parse::<f64>() {
            Ok(f) => {
                cur.push(Node::Float(f));
                Ok(())
            }
            Err(_) => err(format!("cannot parse number {value}")),
        }
    }

    fn parse_array(&mut self, cur: &mut Vec<Node>) -> Result<(), JsonPathError> {
        loop {
            let r = self.next();
            if self.width == 0 || r == '\n' {
                return err("unterminated array");
            }
            if r == ']' {
                break;
            }
        }
        let text = self.consume_text();
        let mut text = text[1..text.len() - 1].to_string();
        if text == "*" {
            text = ":".to_string();
        }
        let parts: Vec<&str> = text.split(',').collect();
        if parts.len() > 1 {
            let mut union = Vec::new();
            for part in parts {
                union.push(parse_action(&format!("[{}]", part.trim_matches(' ')))?);
            }
            cur.push(Node::Union(union));
            return Ok(());
        }
        // A dict key: ['name'].
        if text.len() >= 2
            && text.starts_with('\'')
            && text.ends_with('\'')
            && !text[1..text.len() - 1].contains('\'')
        {
            cur.extend(parse_action(&format!(".{}", &text[1..text.len() - 1]))?);
            return Ok(());
        }
        let params = parse_slice(&text)?;
        cur.push(Node::Array(params));
        Ok(())
    }

    fn parse_filter(&mut self, cur: &mut Vec<Node>) -> Result<(), JsonPathError> {
        self.pos += 3;
        self.consume_text();
        let mut begin = false;
        let mut end = false;
        let mut pair = EOF;
        loop {
            let r = self.next();
            if self.width == 0 || r == '\n' {
                return err("unterminated filter");
            }
            match r {
                '"' | '\'' => {
                    if !begin {
                        begin = true;
                        pair = r;
                        continue;
                    }
                    if self.input[self.pos - 2] != '\\' && r == pair {
                        end = true;
                    }
                }
                ')' if begin == end => break,
                _ => {}
            }
        }
        if self.next() != ']' || self.width == 0 {
            return err("unclosed array expect ]");
        }
        let text = self.consume_text();
        let text = &text[..text.len() - 2];
        match split_filter(text) {
            None => {
                let left = parse_action(text)?;
                cur.push(Node::Filter {
                    left,
                    right: Vec::new(),
                    op: "exists".to_string(),
                });
            }
            Some((l, op, r)) => {
                let left = parse_action(l)?;
                let right = parse_action(r)?;
                cur.push(Node::Filter {
                    left,
                    right,
                    op: op.to_string(),
                });
            }
        }
        Ok(())
    }

    fn parse_quote(&mut self, cur: &mut Vec<Node>, end: char) -> Result<(), JsonPathError> {
        loop {
            let r = self.next();
            if self.width == 0 || r == '\n' {
                return err("unterminated quoted string");
            }
            if r == end && self.input[self.pos - 2] != '\\' {
                break;
            }
        }
        let value = self.consume_text();
        match unquote_extend(&value) {
            Some(s) => {
                cur.push(Node::Text(s));
                Ok(())
            }
            None => err(format!("unquote string {value} error invalid syntax")),
        }
    }

    fn parse_field(&mut self, cur: &mut Vec<Node>) {
        self.consume_text();
        // advance: up to the next terminator that is not escaped by a backslash.
        loop {
            let r = self.next();
            if self.width == 0 {
                break;
            }
            if r == '\\' {
                self.next();
            } else if is_terminator(r) {
                self.backup();
                break;
            }
        }
        let value = self.consume_text();
        if value == "*" {
            cur.push(Node::Wildcard);
        } else {
            cur.push(Node::Field(value.replace('\\', "")));
        }
    }
}

/// `parseAction`: `text` parsed as the inside of one `{}`.
fn parse_action(text: &str) -> Result<Vec<Node>, JsonPathError> {
    let mut nodes = Parser::new(&format!("{{{text}}}")).parse()?;
    match nodes.first_mut() {
        Some(Node::List(inner)) => Ok(std::mem::take(inner)),
        _ => Ok(Vec::new()),
    }
}

/// The regexp `^([^!<>=]+)([!<>=]+)(.+?)$` of parseFilter.
fn split_filter(text: &str) -> Option<(&str, &str, &str)> {
    let is_op = |c: char| matches!(c, '!' | '<' | '>' | '=');
    let op_start = text.find(is_op)?;
    if op_start == 0 {
        return None;
    }
    let rest = &text[op_start..];
    let op_len = rest.find(|c: char| !is_op(c)).unwrap_or(rest.len());
    let right = &rest[op_len..];
    if right.is_empty() {
        return None;
    }
    Some((&text[..op_start], &rest[..op_len], right))
}

/// The slice regexp `^(-?[\d]*)(:-?[\d]*)?(:-?[\d]*)?$` and the params parseArray makes
/// of it.
fn parse_slice(text: &str) -> Result<[Param; 3], JsonPathError> {
    let invalid = || JsonPathError(format!("invalid array index {text}"));
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() > 3 {
        return Err(invalid());
    }
    for (i, p) in parts.iter().enumerate() {
        let digits = p.strip_prefix('-').unwrap_or(p);
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(invalid());
        }
        if i == 0 && p.starts_with('-') && digits.is_empty() {
            // "-" alone matches the regexp and then fails Atoi.
            return err(format!("array index {p} is not a number"));
        }
    }
    let mut params = [Param::default(); 3];
    for i in 0..3 {
        match parts.get(i) {
            // Present: for i > 0 the regexp group includes the ':'.
            Some(p) if i == 0 && !p.is_empty() || i > 0 => {
                if p.is_empty() {
                    params[i].known = false;
                } else {
                    params[i].known = true;
                    params[i].value = p
                        .parse()
                        .map_err(|_| JsonPathError(format!("array index {p} is not a number")))?;
                }
            }
            _ if i == 1 => {
                params[1] = Param {
                    value: params[0].value + 1,
                    known: true,
                    derived: true,
                };
            }
            _ => {}
        }
    }
    Ok(params)
}

/// `UnquoteExtend`: Go's `strconv.Unquote`, also for single-quoted strings.
fn unquote_extend(s: &str) -> Option<String> {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    if n < 2 || chars[0] != chars[n - 1] || !matches!(chars[0], '"' | '\'') {
        return None;
    }
    let quote = chars[0];
    let body = &chars[1..n - 1];
    let mut out = String::new();
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        if c == quote {
            return None;
        }
        if c != '\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let e = *body.get(i + 1)?;
        i += 2;
        let simple = match e {
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\u{b}'),
            '\\' => Some('\\'),
            '\'' | '"' if e == quote => Some(e),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            continue;
        }
        let hex_len = match e {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            _ => 0,
        };
        if hex_len > 0 {
            let digits: String = body.get(i..i + hex_len)?.iter().collect();
            i += hex_len;
            out.push(char::from_u32(u32::from_str_radix(&digits, 16).ok()?)?);
            continue;
        }
        if ('0'..='7').contains(&e) {
            let rest: String = body.get(i..i + 2)?.iter().collect();
            i += 2;
            let v = u32::from_str_radix(&format!("{e}{rest}"), 8).ok()?;
            if v > 255 {
                return None;
            }
            out.push(char::from_u32(v)?);
            continue;
        }
        return None;
    }
    Some(out)
}

// ---------------------------------------------------------------------------------
// Evaluation (jsonpath.go)

struct State {
    allow_missing_keys: bool,
    cur: Vec<Value>,
    stack: Vec<Vec<Value>>,
    begin_range: usize,
    in_range: usize,
    end_range: usize,
}

impl State {
    fn find_results(
        &mut self,
        nodes: &[Node],
        data: Value,
    ) -> Result<Vec<Vec<Value>>, JsonPathError> {
        self.cur = vec![data];
        let mut full = Vec::new();
        for i in 0..nodes.len() {
            let cur = self.cur.clone();
            let results = self.walk(cur, &nodes[i])?;
            // An {end}: the current block is over.
            if self.end_range > 0 && self.end_range <= self.in_range {
                self.end_range -= 1;
                break;
            }
            // A {range}: run the rest of the template once per result.
            if self.begin_range > 0 {
                self.begin_range -= 1;
                self.in_range += 1;
                let n = results.len();
                for (k, value) in results.into_iter().enumerate() {
                    if k == n - 1 {
                        self.in_range -= 1;
                    }
                    full.extend(self.find_results(&nodes[i + 1..], value)?);
                }
                break;
            }
            full.push(results);
        }
        Ok(full)
    }

    fn walk(&mut self, input: Vec<Value>, node: &Node) -> Result<Vec<Value>, JsonPathError> {
        match node {
            Node::List(nodes) => self.eval_list(input, nodes),
            Node::Text(t) => Ok(vec![Value::String(t.clone())]),
            Node::Field(name) => self.eval_field(input, name),
            Node::Array(params) => eval_array(input, params),
            Node::Filter { left, right, op } => self.eval_filter(input, left, right, op),
            Node::Int(i) => Ok(vec![Value::from(*i); input.len()]),
            Node::Float(f) => Ok(vec![Value::from(*f); input.len()]),
            // client-go has no case for bool nodes: "unexpected Node".
            Node::Bool(b) => err(format!("unexpected Node {b}")),
            Node::Wildcard => Ok(input.iter().flat_map(children).collect()),
            Node::Recursive => Ok(eval_recursive(&input)),
            Node::Union(lists) => {
                let mut out = Vec::new();
                for list in lists {
                    out.extend(self.eval_list(input.clone(), list)?);
                }
                Ok(out)
            }
            Node::Identifier(name) => self.eval_identifier(input, name),
        }
    }

    fn eval_list(
        &mut self,
        input: Vec<Value>,
        nodes: &[Node],
    ) -> Result<Vec<Value>, JsonPathError> {
        let mut cur = input;
        for node in nodes {
            cur = self.walk(cur, node)?;
        }
        Ok(cur)
    }

    fn eval_identifier(
        &mut self,
        input: Vec<Value>,
        name: &str,
    ) -> Result<Vec<Value>, JsonPathError> {
        match name {
            "range" => {
                self.stack.push(self.cur.clone());
                self.begin_range += 1;
                Ok(input)
            }
            "end" => {
                if self.end_range < self.in_range {
                    self.end_range += 1;
                    return Ok(Vec::new());
                }
                match self.stack.pop() {
                    Some(cur) => {
                        self.cur = cur;
                        Ok(Vec::new())
                    }
                    None => err("not in range, nothing to end"),
                }
            }
            _ => err(format!("unrecognized identifier {name}")),
        }
    }

    fn eval_field(&mut self, input: Vec<Value>, name: &str) -> Result<Vec<Value>, JsonPathError> {
        if input.is_empty() {
            return Ok(Vec::new());
        }
        let results: Vec<Value> = input
            .iter()
            .filter_map(|v| v.as_object().and_then(|m| m.get(name)).cloned())
            .collect();
        if results.is_empty() && !self.allow_missing_keys {
            return err(format!("{name} is not found"));
        }
        Ok(results)
    }

    fn eval_filter(
        &mut self,
        input: Vec<Value>,
        left: &[Node],
        right: &[Node],
        op: &str,
    ) -> Result<Vec<Value>, JsonPathError> {
        let mut results = Vec::new();
        for value in &input {
            let Value::Array(items) = value else {
                return err(format!(
                    "{} is not array or slice and cannot be filtered",
                    go_print(value)
                ));
            };
            for item in items {
                let lefts = self.eval_list(vec![item.clone()], left);
                if op == "exists" {
                    if lefts.is_ok_and(|l| !l.is_empty()) {
                        results.push(item.clone());
                    }
                    continue;
                }
                let lefts = lefts?;
                let [l] = lefts.as_slice() else {
                    return err("can only compare one element at a time");
                };
                let rights = self.eval_list(vec![item.clone()], right)?;
                let [r] = rights.as_slice() else {
                    return err("can only compare one element at a time");
                };
                if compare(l, r, op)? {
                    results.push(item.clone());
                }
            }
        }
        Ok(results)
    }
}

/// A value's children, as `[*]`/`.*` and `..` see them (string bytes included).
fn children(v: &Value) -> Vec<Value> {
    match v {
        Value::Object(m) => m.values().cloned().collect(),
        Value::Array(items) => items.clone(),
        Value::String(s) => s.bytes().map(Value::from).collect(),
        _ => Vec::new(),
    }
}

fn eval_recursive(input: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    for value in input {
        if value.is_null() {
            continue;
        }
        let kids = children(value);
        if !kids.is_empty() {
            out.push(value.clone());
            out.extend(eval_recursive(&kids));
        }
    }
    out
}

fn eval_array(input: Vec<Value>, params: &[Param; 3]) -> Result<Vec<Value>, JsonPathError> {
    let mut result = Vec::new();
    for value in &input {
        if value.is_null() {
            continue;
        }
        let Value::Array(items) = value else {
            return err(format!("{} is not array or slice", go_type(value)));
        };
        let len = items.len() as i64;
        let mut p = *params;
        if !p[0].known {
            p[0].value = 0;
        }
        if p[0].value < 0 {
            p[0].value += len;
        }
        if !p[1].known {
            p[1].value = len;
        }
        if p[1].value < 0 || (p[1].value == 0 && p[1].derived) {
            p[1].value += len;
        }
        if p[1].value != p[0].value {
            if p[0].value >= len {
                return err(format!(
                    "array index out of bounds: index {}, length {len}",
                    p[0].value
                ));
            }
            if p[1].value > len {
                return err(format!(
                    "array index out of bounds: index {}, length {len}",
                    p[1].value - 1
                ));
            }
        }
        let (start, end) = (p[0].value.max(0) as usize, p[1].value.max(0) as usize);
        if start <= end {
            result.extend_from_slice(&items[start..end]);
        }
    }
    Ok(result)
}

/// text/template's `basicKind` classes, for the filter comparisons.
enum Basic<'a> {
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(&'a str),
}

fn basic(v: &Value) -> Result<Basic<'_>, JsonPathError> {
    Ok(match v {
        Value::Bool(b) => Basic::Bool(*b),
        Value::Number(n) if n.is_i64() => Basic::Int(n.as_i64().unwrap_or(0)),
        Value::Number(n) if n.is_u64() => Basic::Uint(n.as_u64().unwrap_or(0)),
        Value::Number(n) => Basic::Float(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => Basic::Str(s),
        _ => return err("invalid type for comparison"),
    })
}

/// text/template's `eq`/`lt` family as the forked copy in client-go has them.
fn compare(l: &Value, r: &Value, op: &str) -> Result<bool, JsonPathError> {
    use std::cmp::Ordering;
    let (a, b) = (basic(l)?, basic(r)?);
    let ord: Option<Ordering> = match (&a, &b) {
        (Basic::Bool(x), Basic::Bool(y)) => {
            if matches!(op, "==" | "!=") {
                Some(x.cmp(y))
            } else {
                return err("invalid type for comparison");
            }
        }
        (Basic::Int(x), Basic::Int(y)) => Some(x.cmp(y)),
        (Basic::Uint(x), Basic::Uint(y)) => Some(x.cmp(y)),
        (Basic::Int(x), Basic::Uint(y)) => Some(if *x < 0 {
            Ordering::Less
        } else {
            (*x as u64).cmp(y)
        }),
        (Basic::Uint(x), Basic::Int(y)) => Some(if *y < 0 {
            Ordering::Greater
        } else {
            x.cmp(&(*y as u64))
        }),
        (Basic::Float(x), Basic::Float(y)) => x.partial_cmp(y),
        (Basic::Str(x), Basic::Str(y)) => Some(x.cmp(y)),
        _ => return err("incompatible types for comparison"),
    };
    Ok(match op {
        "==" => ord == Some(Ordering::Equal),
        "!=" => ord != Some(Ordering::Equal),
        "<" => ord == Some(Ordering::Less),
        ">" => ord == Some(Ordering::Greater),
        "<=" => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
        ">=" => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
        other => return err(format!("unrecognized filter operator {other}")),
    })
}

/// cli-runtime's `JSONPathPrinter.PrintObj` error text for a failed execution.
pub fn execution_error(template: &str, e: &JsonPathError, object: &Value) -> String {
    format!(
        "error executing jsonpath {template:?}: Error executing template: {e}. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{template}\n\tobject given to jsonpath engine was:\n\t\t{}\n\n",
        go_sharp_v(object)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pods() -> Value {
        json!({"kind": "List", "items": [
            {"metadata": {"name": "queue-abc", "labels": {"app": "queue", "tier": "b"}},
             "spec": {"containers": [{"name": "main", "image": "kuard"}, {"name": "side", "image": "busybox"}]},
             "status": {"phase": "Running", "restarts": 2}},
            {"metadata": {"name": "oneshot-x7k2p"},
             "spec": {"containers": [{"name": "main", "image": "busybox"}]},
             "status": {"phase": "Succeeded", "restarts": 0, "ratio": 0.5, "ok": true}}
        ]})
    }

    fn run(t: &str) -> Result<String, JsonPathError> {
        JsonPath::parse(t)?.execute(&pods())
    }

    fn run_lenient(t: &str) -> Result<String, JsonPathError> {
        JsonPath::parse(t)?
            .allow_missing_keys(true)
            .execute(&pods())
    }

    #[test]
    fn fields_indexes_and_wildcards() {
        assert_eq!(run("{.items[0].metadata.name}").unwrap(), "queue-abc");
        assert_eq!(run("{.kind}").unwrap(), "List");
        assert_eq!(
            run("{.items[*].metadata.name}").unwrap(),
            "queue-abc oneshot-x7k2p"
        );
        assert_eq!(run("{.items[-1].metadata.name}").unwrap(), "oneshot-x7k2p");
        assert_eq!(run("{.items[0:1].metadata.name}").unwrap(), "queue-abc");
        assert_eq!(run("{.items[1:].metadata.name}").unwrap(), "oneshot-x7k2p");
        assert_eq!(
            run("{.items[0].spec.containers[*].image}").unwrap(),
            "kuard busybox"
        );
        assert_eq!(run("{.items[0]['metadata'].name}").unwrap(), "queue-abc");
        assert_eq!(
            run("{.items[0,1].status.phase}").unwrap(),
            "Running Succeeded"
        );
        assert_eq!(run("{$.items[1].status.restarts}").unwrap(), "0");
        assert_eq!(run("{.items[1].status.ratio}").unwrap(), "0.5");
        assert_eq!(run("{.items[1].status.ok}").unwrap(), "true");
    }

    #[test]
    fn text_quotes_and_maps() {
        assert_eq!(
            run("name: {.items[0].metadata.name}{\"\\n\"}").unwrap(),
            "name: queue-abc\n"
        );
        assert_eq!(run("{'a\\tb'}").unwrap(), "a\tb");
        assert_eq!(
            run("{.items[0].metadata.labels}").unwrap(),
            r#"{"app":"queue","tier":"b"}"#
        );
        assert_eq!(
            run("{.items[1].spec.containers[*]}").unwrap(),
            r#"{"image":"busybox","name":"main"}"#
        );
        assert_eq!(run("plain text").unwrap(), "plain text");
    }

    #[test]
    fn range_and_end() {
        assert_eq!(
            run("{range .items[*]}{.metadata.name}{\"\\n\"}{end}").unwrap(),
            "queue-abc\noneshot-x7k2p\n"
        );
        // client-go's range bookkeeping, kept as is: in a nested range, the text after
        // the inner {end} is only printed in the last outer iteration.
        assert_eq!(
            run(
                "{range .items[*]}[{.metadata.name}:{range .spec.containers[*]}{.name},{end}]{end}"
            )
            .unwrap(),
            "[queue-abc:main,side,[oneshot-x7k2p:main,]"
        );
        // After the last {end}, the template goes on with the outer object.
        assert_eq!(
            run("{range .items[*]}{.status.phase} {end}-{.kind}").unwrap(),
            "Running Succeeded -List"
        );
        assert_eq!(
            run("{end}").unwrap_err().to_string(),
            "not in range, nothing to end"
        );
    }

    #[test]
    fn filters() {
        assert_eq!(
            run("{.items[?(@.status.phase==\"Running\")].metadata.name}").unwrap(),
            "queue-abc"
        );
        assert_eq!(
            run("{.items[?(@.status.restarts>1)].metadata.name}").unwrap(),
            "queue-abc"
        );
        assert_eq!(
            run("{.items[?(@.metadata.labels)].metadata.name}").unwrap(),
            "queue-abc"
        );
        assert_eq!(
            run("{.items[?(@.status.phase!='Running')].metadata.name}").unwrap(),
            "oneshot-x7k2p"
        );
        assert_eq!(
            run("{.items[?(@.status.restarts==\"2\")]}")
                .unwrap_err()
                .to_string(),
            "incompatible types for comparison"
        );
        assert_eq!(
            run_lenient("{.items[?(@.status.ratio>0)]}")
                .unwrap_err()
                .to_string(),
            "can only compare one element at a time"
        );
    }

    #[test]
    fn recursive_descent() {
        assert_eq!(run("{..image}").unwrap(), "kuard busybox busybox");
        assert_eq!(run("{.items[0]..name}").unwrap(), "queue-abc main side");
        assert_eq!(
            JsonPath::parse("{....a}").unwrap_err().to_string(),
            "invalid multiple recursive descent"
        );
    }

    #[test]
    fn missing_keys_and_errors() {
        assert_eq!(run("{.nope}").unwrap_err().to_string(), "nope is not found");
        assert_eq!(run_lenient("{.nope}").unwrap(), "");
        assert_eq!(
            run("{.items[5]}").unwrap_err().to_string(),
            "array index out of bounds: index 5, length 2"
        );
        assert_eq!(
            run("{.kind[0]}").unwrap_err().to_string(),
            "string is not array or slice"
        );
        assert_eq!(
            JsonPath::parse("{.a").unwrap_err().to_string(),
            "unclosed action"
        );
        assert_eq!(
            JsonPath::parse("{.a[0}").unwrap_err().to_string(),
            "unterminated array"
        );
        assert_eq!(
            JsonPath::parse("{.a[x]}").unwrap_err().to_string(),
            "invalid array index x"
        );
        assert_eq!(
            JsonPath::parse("{\"abc}").unwrap_err().to_string(),
            "unterminated quoted string"
        );
        assert_eq!(
            JsonPath::parse("{#}").unwrap_err().to_string(),
            "unrecognized character in action: U+0023 '#'"
        );
        assert_eq!(
            run("{foo}").unwrap_err().to_string(),
            "unrecognized identifier foo"
        );
    }

    #[test]
    fn execution_error_text() {
        let e = JsonPathError("nope is not found".into());
        let text = execution_error("{.nope}", &e, &json!({"kind": "Pod", "n": [1, "x"]}));
        assert_eq!(
            text,
            "error executing jsonpath \"{.nope}\": Error executing template: nope is not found. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{.nope}\n\tobject given to jsonpath engine was:\n\t\tmap[string]interface {}{\"kind\":\"Pod\", \"n\":[]interface {}{1, \"x\"}}\n\n"
        );
    }

    #[test]
    fn json_output_mode() {
        let p = JsonPath::parse("{.items[*].metadata.name}")
            .unwrap()
            .output_json(true);
        assert_eq!(
            p.execute(&pods()).unwrap(),
            "[\n    \"queue-abc\",\n    \"oneshot-x7k2p\"\n]\n"
        );
    }

    #[test]
    fn go_printing() {
        assert_eq!(
            go_print(&json!({"b": [1, null], "a": "x"})),
            "map[a:x b:[1 <nil>]]"
        );
        assert_eq!(go_print(&json!(1e6)), "1e+06");
    }
}
