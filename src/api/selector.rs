//! Label selectors: the string syntax kubectl's `-l` and the API's `labelSelector`
//! accept (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<1`,
//! comma-separated, all must hold), the structured `LabelSelector` of a Job's
//! `spec.selector`, and matching a label set.
//!
//! Pure: parsing and matching only. Keys and values are checked with Kubernetes' label
//! rules (names.rs), so a selector that Kubernetes refuses is refused here too.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::names::{validate_label_key, validate_label_value};

/// How one requirement compares a label's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `a=b`
    Equals,
    /// `a==b` (kept apart from `=` only to print it back as written)
    DoubleEquals,
    /// `a!=b`: also holds when the label is absent.
    NotEquals,
    /// `a in (x,y)`
    In,
    /// `a notin (x,y)`: also holds when the label is absent.
    NotIn,
    /// `a`
    Exists,
    /// `!a`
    DoesNotExist,
    /// `a>1`: the label must be present and an integer greater than the value.
    GreaterThan,
    /// `a<1`
    LessThan,
}

/// One `key op values` term of a selector.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Requirement {
    key: String,
    op: Operator,
    /// For `in`/`notin` a set (sorted, no duplicates), as Kubernetes parses it.
    values: Vec<String>,
}

impl Requirement {
    /// Builds a requirement with Kubernetes' checks (`NewRequirement`): a valid key,
    /// valid values, and the number of values the operator needs.
    pub fn new(key: &str, op: Operator, mut values: Vec<String>) -> Result<Self, RequirementError> {
        if matches!(op, Operator::In | Operator::NotIn) {
            values.sort();
            values.dedup();
        }
        let key_errs = validate_label_key(key);
        if !key_errs.is_empty() {
            return Err(RequirementError::Key {
                key: key.to_string(),
                reason: key_errs.join("; "),
            });
        }
        let count_ok = match op {
            Operator::In | Operator::NotIn => !values.is_empty(),
            Operator::Equals | Operator::DoubleEquals | Operator::NotEquals => values.len() == 1,
            Operator::Exists | Operator::DoesNotExist => values.is_empty(),
            Operator::GreaterThan | Operator::LessThan => values.len() == 1,
        };
        if !count_ok {
            let reason = match op {
                Operator::In | Operator::NotIn => {
                    "for 'in', 'notin' operators, values set can't be empty"
                }
                Operator::Equals | Operator::DoubleEquals | Operator::NotEquals => {
                    "exact-match compatibility requires one single value"
                }
                Operator::Exists | Operator::DoesNotExist => {
                    "values set must be empty for exists and does not exist"
                }
                Operator::GreaterThan | Operator::LessThan => {
                    "for 'Gt', 'Lt' operators, exactly one value is required"
                }
            };
            return Err(RequirementError::Values {
                key: key.to_string(),
                reason: reason.to_string(),
            });
        }
        for v in &values {
            if matches!(op, Operator::GreaterThan | Operator::LessThan) {
                if v.parse::<i64>().is_err() {
                    return Err(RequirementError::Values {
                        key: key.to_string(),
                        reason: format!(
                            "for 'Gt', 'Lt' operators, the value must be an integer, not {v:?}"
                        ),
                    });
                }
                continue;
            }
            let errs = validate_label_value(v);
            if !errs.is_empty() {
                return Err(RequirementError::Value {
                    value: v.clone(),
                    reason: errs.join("; "),
                });
            }
        }
        Ok(Requirement {
            key: key.to_string(),
            op,
            values,
        })
    }

    /// The label key this requirement looks at.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The comparison.
    pub fn operator(&self) -> Operator {
        self.op
    }

    /// The values (sorted for `in`/`notin`).
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// Kubernetes' `Requirement.Matches`.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.key);
        match self.op {
            Operator::Equals | Operator::DoubleEquals | Operator::In => {
                value.is_some_and(|v| self.values.iter().any(|x| x == v))
            }
            Operator::NotEquals | Operator::NotIn => {
                value.is_none_or(|v| !self.values.iter().any(|x| x == v))
            }
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                let Some(have) = value.and_then(|v| v.parse::<i64>().ok()) else {
                    return false;
                };
                let Some(want) = self.values.first().and_then(|v| v.parse::<i64>().ok()) else {
                    return false;
                };
                if self.op == Operator::GreaterThan {
                    have > want
                } else {
                    have < want
                }
            }
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.op == Operator::DoesNotExist {
            f.write_str("!")?;
        }
        f.write_str(&self.key)?;
        let op = match self.op {
            Operator::Exists | Operator::DoesNotExist => return Ok(()),
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::In => " in ",
            Operator::NotIn => " notin ",
            Operator::GreaterThan => ">",
            Operator::LessThan => "<",
        };
        f.write_str(op)?;
        let mut values = self.values.clone();
        values.sort();
        let joined = values.join(",");
        if matches!(self.op, Operator::In | Operator::NotIn) {
            write!(f, "({joined})")
        } else {
            f.write_str(&joined)
        }
    }
}

/// Why a requirement is refused (without the selector text around it).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequirementError {
    #[error("invalid label key {key:?}: {reason}")]
    Key { key: String, reason: String },
    #[error("invalid label value {value:?}: {reason}")]
    Value { value: String, reason: String },
    #[error("values of {key:?}: {reason}")]
    Values { key: String, reason: String },
    #[error("{0:?} is not a valid label selector operator")]
    Operator(String),
}

/// A selector that could not be parsed or built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    /// Bad syntax. `position` counts characters from 1.
    #[error(
        "invalid label selector {input:?}: at position {position}: expected {expected}, found {found}"
    )]
    Syntax {
        input: String,
        position: usize,
        expected: String,
        found: String,
    },
    /// Well-formed but refused by Kubernetes' label rules.
    #[error("invalid label selector {input:?}: {error}")]
    Requirement {
        input: String,
        error: RequirementError,
    },
}

/// A label selector: all requirements must hold. The empty selector matches
/// everything; `Selector::nothing()` (a nil `LabelSelector`) matches nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Selector {
    requirements: Vec<Requirement>,
    nothing: bool,
}

impl Selector {
    /// Matches every object (`labels.Everything()`).
    pub fn everything() -> Self {
        Selector::default()
    }

    /// Matches no object (`labels.Nothing()`, what a nil `LabelSelector` means).
    pub fn nothing() -> Self {
        Selector {
            requirements: Vec::new(),
            nothing: true,
        }
    }

    /// Builds a selector from requirements, sorted by key as Kubernetes sorts them.
    pub fn from_requirements(mut requirements: Vec<Requirement>) -> Self {
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Selector {
            requirements,
            nothing: false,
        }
    }

    /// `a=x,b=y` for a label map: what the Job controller selects its pods with.
    pub fn from_labels(labels: &BTreeMap<String, String>) -> Result<Self, RequirementError> {
        let reqs = labels
            .iter()
            .map(|(k, v)| Requirement::new(k, Operator::Equals, vec![v.clone()]))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Selector::from_requirements(reqs))
    }

    /// Kubernetes' `LabelSelectorAsSelector` for a present selector: `matchLabels`
    /// become `=` terms, `matchExpressions` In/NotIn/Exists/DoesNotExist. An empty
    /// `LabelSelector` matches everything.
    pub fn from_label_selector(ls: &LabelSelector) -> Result<Self, RequirementError> {
        let mut reqs = Vec::new();
        for (k, v) in ls.match_labels.iter().flatten() {
            reqs.push(Requirement::new(k, Operator::Equals, vec![v.clone()])?);
        }
        for expr in ls.match_expressions.iter().flatten() {
            let op = match expr.operator.as_str() {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                other => return Err(RequirementError::Operator(other.to_string())),
            };
            reqs.push(Requirement::new(
                &expr.key,
                op,
                expr.values.clone().unwrap_or_default(),
            )?);
        }
        Ok(Selector::from_requirements(reqs))
    }

    /// Like `from_label_selector`, with a nil selector matching nothing.
    pub fn from_optional_label_selector(
        ls: Option<&LabelSelector>,
    ) -> Result<Self, RequirementError> {
        match ls {
            Some(ls) => Selector::from_label_selector(ls),
            None => Ok(Selector::nothing()),
        }
    }

    /// True for the selector that matches everything.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty() && !self.nothing
    }

    /// The requirements, sorted by key.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// Whether a label set satisfies every requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        !self.nothing && self.requirements.iter().all(|r| r.matches(labels))
    }

    /// `matches` for an object's optional `metadata.labels` (absent = no labels).
    pub fn matches_opt(&self, labels: Option<&BTreeMap<String, String>>) -> bool {
        match labels {
            Some(l) => self.matches(l),
            None => self.matches(&BTreeMap::new()),
        }
    }
}

impl fmt::Display for Selector {
    /// The canonical form (Kubernetes' `Selector.String()`): terms sorted by key,
    /// values sorted, `,`-joined; empty for everything and for nothing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

impl FromStr for Selector {
    type Err = SelectorError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Parser::new(input).parse()
    }
}

/// Characters that end an identifier (Kubernetes' lexer special symbols).
fn is_special(c: char) -> bool {
    matches!(c, '=' | '!' | '(' | ')' | ',' | '<' | '>')
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Ident(String),
    Eq,
    DoubleEq,
    NotEq,
    Bang,
    Open,
    Close,
    Comma,
    Gt,
    Lt,
    End,
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Ident(s) => format!("{s:?}"),
            Token::Eq => "'='".into(),
            Token::DoubleEq => "'=='".into(),
            Token::NotEq => "'!='".into(),
            Token::Bang => "'!'".into(),
            Token::Open => "'('".into(),
            Token::Close => "')'".into(),
            Token::Comma => "','".into(),
            Token::Gt => "'>'".into(),
            Token::Lt => "'<'".into(),
            Token::End => "end of input".into(),
        }
    }
}

struct Parser<'a> {
    input: &'a str,
    chars: Vec<char>,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(input: &'a str) -> Self {
        Parser {
            input,
            chars: input.chars().collect(),
            pos: 0,
        }
    }

    fn skip_ws(&mut self) {
        while self.pos < self.chars.len() && self.chars[self.pos].is_whitespace() {
            self.pos += 1;
        }
    }

    /// The next token and the 1-based position where it starts, without consuming.
    fn peek(&mut self) -> (Token, usize) {
        self.skip_ws();
        let start = self.pos;
        let save = self.pos;
        let tok = self.lex();
        self.pos = save;
        (tok, start + 1)
    }

    fn next(&mut self) -> (Token, usize) {
        self.skip_ws();
        let start = self.pos;
        (self.lex(), start + 1)
    }

    fn lex(&mut self) -> Token {
        let Some(&c) = self.chars.get(self.pos) else {
            return Token::End;
        };
        let next = self.chars.get(self.pos + 1).copied();
        let (tok, len) = match c {
            '=' if next == Some('=') => (Token::DoubleEq, 2),
            '=' => (Token::Eq, 1),
            '!' if next == Some('=') => (Token::NotEq, 2),
            '!' => (Token::Bang, 1),
            '(' => (Token::Open, 1),
            ')' => (Token::Close, 1),
            ',' => (Token::Comma, 1),
            '>' => (Token::Gt, 1),
            '<' => (Token::Lt, 1),
            _ => {
                let start = self.pos;
                let mut end = start;
                while end < self.chars.len()
                    && !self.chars[end].is_whitespace()
                    && !is_special(self.chars[end])
                {
                    end += 1;
                }
                let s: String = self.chars[start..end].iter().collect();
                (Token::Ident(s), end - start)
            }
        };
        self.pos += len;
        tok
    }

    fn syntax(&self, position: usize, expected: &str, found: &Token) -> SelectorError {
        SelectorError::Syntax {
            input: self.input.to_string(),
            position,
            expected: expected.to_string(),
            found: found.describe(),
        }
    }

    fn requirement_error(&self, error: RequirementError) -> SelectorError {
        SelectorError::Requirement {
            input: self.input.to_string(),
            error,
        }
    }

    fn parse(mut self) -> Result<Selector, SelectorError> {
        let mut reqs = Vec::new();
        if self.peek().0 == Token::End {
            return Ok(Selector::everything());
        }
        loop {
            reqs.push(self.requirement()?);
            match self.next() {
                (Token::End, _) => break,
                (Token::Comma, _) => continue,
                (tok, pos) => return Err(self.syntax(pos, "',' or end of input", &tok)),
            }
        }
        Ok(Selector::from_requirements(reqs))
    }

    fn requirement(&mut self) -> Result<Requirement, SelectorError> {
        let (tok, pos) = self.next();
        let (key, negated) = match tok {
            Token::Bang => match self.next() {
                (Token::Ident(k), _) => (k, true),
                (tok, pos) => return Err(self.syntax(pos, "a label key after '!'", &tok)),
            },
            Token::Ident(k) => (k, false),
            tok => return Err(self.syntax(pos, "a label key or '!'", &tok)),
        };
        if negated {
            return Requirement::new(&key, Operator::DoesNotExist, Vec::new())
                .map_err(|e| self.requirement_error(e));
        }
        let (tok, pos) = self.peek();
        let (op, values) = match tok {
            Token::End | Token::Comma => (Operator::Exists, Vec::new()),
            Token::Eq | Token::DoubleEq | Token::NotEq | Token::Gt | Token::Lt => {
                self.next();
                let op = match tok {
                    Token::Eq => Operator::Equals,
                    Token::DoubleEq => Operator::DoubleEquals,
                    Token::NotEq => Operator::NotEquals,
                    Token::Gt => Operator::GreaterThan,
                    _ => Operator::LessThan,
                };
                // `a=` means the empty value, as in Kubernetes.
                let value = match self.peek() {
                    (Token::Ident(v), _) => {
                        self.next();
                        v
                    }
                    (Token::End | Token::Comma, _) => String::new(),
                    (tok, pos) => return Err(self.syntax(pos, "a value", &tok)),
                };
                (op, vec![value])
            }
            Token::Ident(ref word) if word == "in" || word == "notin" => {
                self.next();
                let op = if word == "in" {
                    Operator::In
                } else {
                    Operator::NotIn
                };
                (op, self.value_list()?)
            }
            tok => {
                return Err(self.syntax(
                    pos,
                    "'=', '==', '!=', 'in', 'notin', '>', '<', ',' or end of input",
                    &tok,
                ));
            }
        };
        Requirement::new(&key, op, values).map_err(|e| self.requirement_error(e))
    }

    /// `(x, y)`. Empty entries are empty values, as Kubernetes reads `()` and `(,x)`.
    fn value_list(&mut self) -> Result<Vec<String>, SelectorError> {
        match self.next() {
            (Token::Open, _) => {}
            (tok, pos) => return Err(self.syntax(pos, "'('", &tok)),
        }
        let mut values = Vec::new();
        let mut current: Option<String> = None;
        loop {
            match self.next() {
                (Token::Ident(v), pos) => {
                    if current.is_some() {
                        return Err(self.syntax(pos, "',' or ')'", &Token::Ident(v)));
                    }
                    current = Some(v);
                }
                (Token::Comma, _) => values.push(current.take().unwrap_or_default()),
                (Token::Close, _) => {
                    values.push(current.take().unwrap_or_default());
                    return Ok(values);
                }
                (tok, pos) => return Err(self.syntax(pos, "a value, ',' or ')'", &tok)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parses_and_prints_canonically() {
        let cases = [
            ("", ""),
            ("  ", ""),
            ("a=b", "a=b"),
            ("a==b", "a==b"),
            ("a = b", "a=b"),
            ("a!=b", "a!=b"),
            ("a in (y, x)", "a in (x,y)"),
            ("a notin (x)", "a notin (x)"),
            ("a", "a"),
            ("!a", "!a"),
            ("z=1,a", "a,z=1"),
            ("a>5", "a>5"),
            ("a<5", "a<5"),
            ("a=", "a="),
            ("a in ()", "a in ()"),
            (
                "app.kubernetes.io/name=kuard,tier in (web,batch)",
                "app.kubernetes.io/name=kuard,tier in (batch,web)",
            ),
            ("x=in", "x=in"),
        ];
        for (input, want) in cases {
            let sel: Selector = input.parse().unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(sel.to_string(), want, "{input:?}");
            // The canonical form parses back to the same selector.
            let again: Selector = want.parse().unwrap_or_else(|e| panic!("{want:?}: {e}"));
            assert_eq!(again, sel, "{input:?}");
        }
    }

    #[test]
    fn matching_follows_kubernetes() {
        let set = labels(&[("app", "kuard"), ("n", "7"), ("tier", "batch")]);
        let cases = [
            ("", true),
            ("app=kuard", true),
            ("app==kuard", true),
            ("app=other", false),
            ("app!=other", true),
            ("missing!=x", true),
            ("app in (x,kuard)", true),
            ("app notin (kuard)", false),
            ("missing notin (kuard)", true),
            ("missing in (kuard)", false),
            ("app", true),
            ("missing", false),
            ("!missing", true),
            ("!app", false),
            ("n>5", true),
            ("n<5", false),
            ("app>5", false),
            ("missing<5", false),
            ("app=kuard,tier=batch", true),
            ("app=kuard,tier=web", false),
        ];
        for (input, want) in cases {
            let sel: Selector = input.parse().unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(sel.matches(&set), want, "{input:?}");
        }
        assert!(Selector::everything().matches_opt(None));
        assert!(!Selector::nothing().matches(&set));
        assert!(!Selector::nothing().is_empty());
        assert!(Selector::everything().is_empty());
        assert!("!a".parse::<Selector>().is_ok_and(|s| s.matches_opt(None)));
    }

    #[test]
    fn syntax_errors_name_position_and_expectation() {
        let cases = [
            ("a in (x", 8, "a value, ',' or ')'", "end of input"),
            ("a in x", 6, "'('", "\"x\""),
            (
                "a b",
                3,
                "'=', '==', '!=', 'in', 'notin', '>', '<', ',' or end of input",
                "\"b\"",
            ),
            ("=b", 1, "a label key or '!'", "'='"),
            ("a=b,", 5, "a label key or '!'", "end of input"),
            ("a=b c", 5, "',' or end of input", "\"c\""),
            ("!", 2, "a label key after '!'", "end of input"),
            ("a=(", 3, "a value", "'('"),
            ("a in (x y)", 9, "',' or ')'", "\"y\""),
        ];
        for (input, position, expected, found) in cases {
            let err = input.parse::<Selector>().expect_err(input);
            assert_eq!(
                err,
                SelectorError::Syntax {
                    input: input.to_string(),
                    position,
                    expected: expected.to_string(),
                    found: found.to_string()
                },
                "{input:?}"
            );
        }
        let msg = "a in (x".parse::<Selector>().expect_err("bad").to_string();
        assert_eq!(
            msg,
            "invalid label selector \"a in (x\": at position 8: expected a value, ',' or ')', found end of input"
        );
    }

    #[test]
    fn invalid_keys_and_values_are_refused() {
        let err = "a b/c/d=x".parse::<Selector>();
        assert!(err.is_err());
        let err = "bad/key/x=1".parse::<Selector>().expect_err("key");
        assert!(
            matches!(&err, SelectorError::Requirement { error: RequirementError::Key { key, .. }, .. } if key == "bad/key/x"),
            "{err:?}"
        );
        let err = "a=b@c".parse::<Selector>().expect_err("value");
        assert!(
            err.to_string().contains("invalid label value \"b@c\""),
            "{err}"
        );
        let err = "a>x".parse::<Selector>().expect_err("gt");
        assert!(err.to_string().contains("must be an integer"), "{err}");
    }

    #[test]
    fn from_label_selector_covers_match_labels_and_expressions() {
        let ls = LabelSelector {
            match_labels: Some(labels(&[("batch.kubernetes.io/controller-uid", "u1")])),
            match_expressions: Some(vec![
                LabelSelectorRequirement {
                    key: "tier".into(),
                    operator: "In".into(),
                    values: Some(vec!["web".into(), "batch".into()]),
                },
                LabelSelectorRequirement {
                    key: "legacy".into(),
                    operator: "DoesNotExist".into(),
                    values: None,
                },
            ]),
        };
        let sel = Selector::from_label_selector(&ls).expect("valid");
        assert_eq!(
            sel.to_string(),
            "batch.kubernetes.io/controller-uid=u1,!legacy,tier in (batch,web)"
        );
        assert!(sel.matches(&labels(&[
            ("batch.kubernetes.io/controller-uid", "u1"),
            ("tier", "batch")
        ])));
        assert!(!sel.matches(&labels(&[
            ("batch.kubernetes.io/controller-uid", "u1"),
            ("tier", "batch"),
            ("legacy", "")
        ])));

        assert!(
            Selector::from_label_selector(&LabelSelector::default())
                .expect("empty")
                .is_empty()
        );
        assert!(
            !Selector::from_optional_label_selector(None)
                .expect("nil")
                .matches(&labels(&[]))
        );

        let bad = LabelSelector {
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: "a".into(),
                operator: "Equals".into(),
                values: None,
            }]),
            ..Default::default()
        };
        assert_eq!(
            Selector::from_label_selector(&bad)
                .expect_err("op")
                .to_string(),
            "\"Equals\" is not a valid label selector operator"
        );
        let empty_in = LabelSelector {
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: "a".into(),
                operator: "In".into(),
                values: Some(vec![]),
            }]),
            ..Default::default()
        };
        assert!(Selector::from_label_selector(&empty_in).is_err());
    }

    #[test]
    fn from_labels_builds_equality_terms() {
        let sel = Selector::from_labels(&labels(&[("job-name", "pi"), ("controller-uid", "u")]))
            .expect("valid");
        assert_eq!(sel.to_string(), "controller-uid=u,job-name=pi");
    }
}
