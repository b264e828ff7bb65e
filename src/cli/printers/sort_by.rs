//! `--sort-by=PATH` (kubectl get's `sorter.go`): objects ordered by the first value a
//! relaxed jsonpath finds in each; objects without it first; numbers by value, strings
//! as quantities when both parse as one, else in natural order (so RFC 3339 timestamps
//! sort by time and `job-9` before `job-10`). The sort is stable.

use std::cmp::Ordering;

use serde_json::Value;

use super::custom_columns::relaxed_jsonpath;
use super::jsonpath::{JsonPath, JsonPathError};
use super::quantity;

/// Sorts `items` by `field`. `check_found`: kubectl refuses a path no object has
/// (always for tables, and for other outputs when there are two or more objects).
pub fn sort_items(
    items: &mut [Value],
    field: &str,
    check_found: bool,
) -> Result<(), JsonPathError> {
    let template = relaxed_jsonpath(field)?;
    let path = JsonPath::parse(&template)?.allow_missing_keys(true);
    let mut keys: Vec<Option<Value>> = Vec::with_capacity(items.len());
    for item in items.iter() {
        let found = path.find_results(item)?;
        keys.push(found.into_iter().next().and_then(|g| g.into_iter().next()));
    }
    if check_found && !items.is_empty() && keys.iter().all(Option::is_none) {
        return Err(JsonPathError(format!(
            "couldn't find any field with path {template:?} in the list of objects"
        )));
    }
    let mut error = None;
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| {
        let mut less = |x: usize, y: usize| match is_less(&keys[x], &keys[y]) {
            Ok(l) => l,
            Err(e) => {
                error.get_or_insert(e);
                false
            }
        };
        if less(a, b) {
            Ordering::Less
        } else if less(b, a) {
            Ordering::Greater
        } else {
            Ordering::Equal
        }
    });
    if let Some(kind) = error {
        return Err(JsonPathError(format!(
            "Field {template} in *unstructured.Unstructured is an unsortable type: interface, err: {kind}"
        )));
    }
    let sorted: Vec<Value> = order.iter().map(|&i| items[i].clone()).collect();
    for (slot, v) in items.iter_mut().zip(sorted) {
        *slot = v;
    }
    Ok(())
}

/// `RuntimeSort.Less` and `isLess` for values decoded into `interface{}`.
fn is_less(i: &Option<Value>, j: &Option<Value>) -> Result<bool, String> {
    let (i, j) = match (i, j) {
        (None, _) => return Ok(true),
        (_, None) => return Ok(false),
        (Some(i), Some(j)) => (i, j),
    };
    match (i, j) {
        (Value::Null, Value::Null) => Ok(false),
        (Value::Null, _) => Ok(true),
        (_, Value::Null) => Ok(false),
        (Value::Number(a), Value::Number(b)) if a.is_f64() == b.is_f64() => {
            if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
                Ok(x < y)
            } else {
                Ok(a.as_f64().unwrap_or(0.0) < b.as_f64().unwrap_or(0.0))
            }
        }
        (Value::String(a), Value::String(b)) => match (quantity::value(a), quantity::value(b)) {
            (Some(x), Some(y)) => Ok(x < y),
            _ => Ok(natural_less(a, b)),
        },
        (Value::Number(_) | Value::String(_), _) => Err("unsortable interface: interface".into()),
        (Value::Bool(_), _) => Err("unsortable type: bool".into()),
        (Value::Array(_), _) => Err("unsortable type: []interface {}".into()),
        (Value::Object(_), _) => Err("unsortable type: map[string]interface {}".into()),
    }
}

/// fvbommel/sortorder's `NaturalLess`: runs of digits compare as numbers.
pub fn natural_less(s1: &str, s2: &str) -> bool {
    let (a, b) = (s1.as_bytes(), s2.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (c1, c2) = (a[i], b[j]);
        let (d1, d2) = (c1.is_ascii_digit(), c2.is_ascii_digit());
        if d1 != d2 {
            return d1;
        }
        if !d1 {
            if c1 != c2 {
                return c1 < c2;
            }
            i += 1;
            j += 1;
            continue;
        }
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        let (nz1, nz2) = (i, j);
        while i < a.len() && a[i].is_ascii_digit() {
            i += 1;
        }
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let (l1, l2) = (i - nz1, j - nz2);
        if l1 != l2 {
            return l1 < l2;
        }
        if a[nz1..i] != b[nz2..j] {
            return a[nz1..i] < b[nz2..j];
        }
        if nz1 != nz2 {
            return nz1 < nz2;
        }
    }
    a.len() < b.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(items: &[Value]) -> Vec<&str> {
        items
            .iter()
            .map(|v| v["metadata"]["name"].as_str().unwrap_or("-"))
            .collect()
    }

    #[test]
    fn strings_naturally_numbers_by_value_missing_first() {
        let mut items = vec![
            json!({"metadata": {"name": "job-10", "creationTimestamp": "2024-05-01T12:00:00Z"}, "n": 3}),
            json!({"metadata": {"name": "job-9", "creationTimestamp": "2024-05-01T11:00:00Z"}, "n": 20}),
            json!({"metadata": {"name": "a"}, "n": 1}),
        ];
        sort_items(&mut items, ".metadata.name", true).unwrap();
        assert_eq!(names(&items), ["a", "job-9", "job-10"]);
        sort_items(&mut items, "{.n}", true).unwrap();
        assert_eq!(names(&items), ["a", "job-10", "job-9"]);
        sort_items(&mut items, "metadata.creationTimestamp", true).unwrap();
        assert_eq!(names(&items), ["a", "job-9", "job-10"]);
        assert_eq!(
            sort_items(&mut items, ".metadata.nope", true)
                .unwrap_err()
                .to_string(),
            "couldn't find any field with path \"{.metadata.nope}\" in the list of objects"
        );
        assert!(sort_items(&mut items, ".metadata", true).is_err());
    }

    #[test]
    fn quantities_and_natural_order() {
        let mut items = vec![
            json!({"q": "1Gi"}),
            json!({"q": "500Mi"}),
            json!({"q": "2"}),
        ];
        sort_items(&mut items, ".q", true).unwrap();
        let qs: Vec<&str> = items.iter().map(|v| v["q"].as_str().unwrap()).collect();
        assert_eq!(qs, ["2", "500Mi", "1Gi"]);
        assert!(natural_less("a2", "a10"));
        assert!(natural_less("a01", "a001"));
        assert!(!natural_less("b", "a"));
        assert!(natural_less("1x", "x"));
    }
}
