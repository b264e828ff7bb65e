//! `-o json` and `-o name`, the `kind: List` wrapper kubectl prints around several
//! objects, and Go's float formatting shared with the YAML writer. kubectl writes JSON
//! with Go's `json.MarshalIndent(obj, "", "    ")` of an unstructured object: keys sorted
//! bytewise, four-space indent, `<`, `>` and `&` escaped as `\u003c`..., a final newline.

use serde_json::{Number, Value, json};

/// Deeper values are refused rather than risking the stack (objects decoded from JSON
/// are limited to 128 levels anyway).
pub const MAX_DEPTH: usize = 512;

/// Why an object could not be written out.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OutputError {
    #[error("object is nested more than {limit} levels deep; refusing to print it")]
    TooDeep { limit: usize },
}

/// `kubectl get -o yaml|json` with several objects wraps them in a `List`.
pub fn list_value(items: Vec<Value>) -> Value {
    json!({
        "apiVersion": "v1",
        "items": items,
        "kind": "List",
        "metadata": {"resourceVersion": ""},
    })
}

/// `-o name`: one `kind.group/name` per line (`job.batch/oneshot`, `pod/oneshot-x7k2p`).
pub fn names(kind_qualified: &str, names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("{kind_qualified}/{n}\n"))
        .collect()
}

/// kubectl (without `--show-managed-fields`) leaves `metadata.managedFields` out of
/// `-o yaml|json`, for the object and for each item of a list.
pub fn omit_managed_fields(value: &Value) -> Value {
    let mut v = value.clone();
    let strip = |o: &mut Value| {
        if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("managedFields");
        }
    };
    strip(&mut v);
    if let Some(items) = v.get_mut("items").and_then(Value::as_array_mut) {
        items.iter_mut().for_each(strip);
    }
    v
}

/// Renders `value` as kubectl's `-o json` does.
pub fn to_json(value: &Value) -> Result<String, OutputError> {
    let mut out = String::new();
    write_json(&mut out, &omit_managed_fields(value), 0)?;
    out.push('\n');
    Ok(out)
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("    ");
    }
}

fn write_json(out: &mut String, value: &Value, depth: usize) -> Result<(), OutputError> {
    if depth > MAX_DEPTH {
        return Err(OutputError::TooDeep { limit: MAX_DEPTH });
    }
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&json_number(n)),
        Value::String(s) => json_string(out, s),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Array(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                indent(out, depth + 1);
                write_json(out, item, depth + 1)?;
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            indent(out, depth);
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push_str("{\n");
            for (i, (k, v)) in entries.iter().enumerate() {
                indent(out, depth + 1);
                json_string(out, k);
                out.push_str(": ");
                write_json(out, v, depth + 1)?;
                out.push_str(if i + 1 < entries.len() { ",\n" } else { "\n" });
            }
            indent(out, depth);
            out.push('}');
        }
    }
    Ok(())
}

/// Go's encoding/json string escaping with HTML escaping on (its default).
pub(super) fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{0}'..='\u{1f}' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A number as Go's encoding/json writes a float64 (integers are exact either way).
pub(super) fn json_number(n: &Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = go_float(f, 'e');
        // Go cleans e-07 up to e-7.
        match s.rfind("e-0") {
            Some(i) if i + 4 == s.len() => format!("{}e-{}", &s[..i], &s[i + 3..]),
            _ => s,
        }
    } else {
        go_float(f, 'f')
    }
}

/// Go's `strconv.FormatFloat(f, fmt, -1, 64)` for `fmt` in 'e', 'f', 'g': the shortest
/// decimal that reads back as `f`, laid out as Go lays it out.
pub fn go_float(f: f64, fmt: char) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    let neg = f.is_sign_negative() && f != 0.0;
    // Rust's `{:e}` gives the shortest round-trip digits: "d.ddde±x".
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    let nd = digits.len() as i32;
    let dp = exp + 1;
    let use_e = match fmt {
        'e' => true,
        'f' => false,
        _ => !(-4..6).contains(&exp),
    };
    let body = if use_e {
        let mut s = digits[..1].to_string();
        if nd > 1 {
            s.push('.');
            s.push_str(&digits[1..]);
        }
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{s}e{sign}{:02}", exp.abs())
    } else if dp <= 0 {
        format!("0.{}{}", "0".repeat((-dp) as usize), digits)
    } else if dp >= nd {
        format!("{digits}{}", "0".repeat((dp - nd) as usize))
    } else {
        format!("{}.{}", &digits[..dp as usize], &digits[dp as usize..])
    };
    if neg { format!("-{body}") } else { body }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_like_kubectl() {
        let v = json!({"spec": {"b": [1, 2], "a": {}}, "kind": "Pod", "x": [], "msg": "<none> & \"q\"\n"});
        let want = r#"{
    "kind": "Pod",
    "msg": "\u003cnone\u003e \u0026 \"q\"\n",
    "spec": {
        "a": {},
        "b": [
            1,
            2
        ]
    },
    "x": []
}
"#;
        assert_eq!(to_json(&v).unwrap(), want);
    }

    #[test]
    fn list_and_names() {
        let list = list_value(vec![json!({"kind": "Job"})]);
        assert_eq!(
            to_json(&list).unwrap(),
            "{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n        {\n            \"kind\": \"Job\"\n        }\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n"
        );
        assert_eq!(
            super::super::yaml::to_yaml(&list).unwrap(),
            "apiVersion: v1\nitems:\n- kind: Job\nkind: List\nmetadata:\n  resourceVersion: \"\"\n"
        );
        assert_eq!(
            names("job.batch", &["a".to_string(), "b".to_string()]),
            "job.batch/a\njob.batch/b\n"
        );
    }

    #[test]
    fn managed_fields_are_left_out() {
        let obj = json!({"metadata": {"name": "a", "managedFields": [{"manager": "kubectl"}]}});
        assert_eq!(
            to_json(&obj).unwrap(),
            "{\n    \"metadata\": {\n        \"name\": \"a\"\n    }\n}\n"
        );
        let list = list_value(vec![obj]);
        assert!(
            !super::super::yaml::to_yaml(&list)
                .unwrap()
                .contains("managedFields")
        );
    }

    #[test]
    fn floats_as_go_writes_them() {
        assert_eq!(go_float(1.5, 'g'), "1.5");
        assert_eq!(go_float(1e6, 'g'), "1e+06");
        assert_eq!(go_float(123456.0, 'g'), "123456");
        assert_eq!(go_float(0.0001, 'g'), "0.0001");
        assert_eq!(go_float(0.00001, 'g'), "1e-05");
        assert_eq!(go_float(-2.25, 'f'), "-2.25");
        assert_eq!(json_number(&Number::from_f64(1e-7).unwrap()), "1e-7");
        assert_eq!(json_number(&Number::from_f64(0.5).unwrap()), "0.5");
        assert_eq!(json_number(&Number::from_f64(1e21).unwrap()), "1e+21");
    }

    #[test]
    fn too_deep_is_an_error() {
        let mut v = json!(1);
        for _ in 0..600 {
            v = json!([v]);
        }
        assert_eq!(to_json(&v), Err(OutputError::TooDeep { limit: MAX_DEPTH }));
        assert!(super::super::yaml::to_yaml(&v).is_err());
    }
}
