//! Label selectors written as kubectl writes them (`metav1.LabelSelectorAsSelector` +
//! `Selector.String()`): requirements sorted by key, `k=v`, `k in (a,b)`, `k notin (a)`,
//! `k`, `!k`. Used by the wide job table and `describe`.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

/// The selector as a string, or why it cannot be one (an unknown operator), with
/// apimachinery's message. A nil or empty selector is the empty string.
pub fn selector_string(selector: Option<&LabelSelector>) -> Result<String, String> {
    let Some(selector) = selector else {
        return Ok(String::new());
    };
    let mut requirements: Vec<(String, String)> = Vec::new();
    for (k, v) in selector.match_labels.iter().flatten() {
        requirements.push((k.clone(), format!("{k}={v}")));
    }
    for expr in selector.match_expressions.iter().flatten() {
        let mut values: Vec<String> = expr.values.clone().unwrap_or_default();
        values.sort();
        let key = &expr.key;
        let text = match expr.operator.as_str() {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.clone(),
            "DoesNotExist" => format!("!{key}"),
            other => return Err(format!("{other:?} is not a valid label selector operator")),
        };
        requirements.push((key.clone(), text));
    }
    requirements.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(requirements
        .into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join(","))
}

/// `metav1.FormatLabelSelector`: `<none>` for an empty selector, `<error>` for an invalid one.
pub fn format_label_selector(selector: Option<&LabelSelector>) -> String {
    match selector_string(selector) {
        Ok(s) if s.is_empty() => "<none>".to_string(),
        Ok(s) => s,
        Err(_) => "<error>".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(json: serde_json::Value) -> LabelSelector {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn requirements_are_sorted_by_key() {
        let s = sel(serde_json::json!({
            "matchLabels": {"b": "2", "a": "1"},
            "matchExpressions": [
                {"key": "env", "operator": "In", "values": ["prod", "dev"]},
                {"key": "tier", "operator": "NotIn", "values": ["x"]},
                {"key": "c", "operator": "Exists"},
                {"key": "d", "operator": "DoesNotExist"}
            ]
        }));
        assert_eq!(
            format_label_selector(Some(&s)),
            "a=1,b=2,c,!d,env in (dev,prod),tier notin (x)"
        );
    }

    #[test]
    fn empty_and_invalid() {
        assert_eq!(format_label_selector(None), "<none>");
        assert_eq!(
            format_label_selector(Some(&LabelSelector::default())),
            "<none>"
        );
        let bad = sel(serde_json::json!({"matchExpressions": [{"key": "a", "operator": "Near"}]}));
        assert_eq!(format_label_selector(Some(&bad)), "<error>");
        assert_eq!(
            selector_string(Some(&bad)).unwrap_err(),
            "\"Near\" is not a valid label selector operator"
        );
    }
}
