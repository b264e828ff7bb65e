//! `-o custom-columns=HEADER:PATH,...` (kubectl get's `customcolumn.go`): a header line
//! as given, then one line per object with each column's jsonpath results joined by
//! commas, `<none>` when a path finds nothing, aligned like kubectl's tables.

use serde_json::Value;

use super::jsonpath::{JsonPath, JsonPathError, go_print};
use super::{table, tabwriter};

/// One column: its header and its (relaxed) jsonpath template.
#[derive(Debug, Clone)]
pub struct Column {
    pub header: String,
    pub template: String,
    path: JsonPath,
}

/// `RelaxedJSONPathExpression`: `name1.name2`, `.name1.name2`, `{name1.name2}` and
/// `{.name1.name2}` all mean `{.name1.name2}`.
pub fn relaxed_jsonpath(expr: &str) -> Result<String, JsonPathError> {
    if expr.is_empty() {
        return Ok(String::new());
    }
    let no_braces = |s: &str| !s.is_empty() && !s.contains(['{', '}']);
    let inner = if let Some(body) = expr.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
        let body = body.strip_prefix('.').unwrap_or(body);
        no_braces(body).then_some(body)
    } else {
        let body = expr.strip_prefix('.').unwrap_or(expr);
        no_braces(body).then_some(body)
    };
    match inner {
        Some(body) => Ok(format!("{{.{body}}}")),
        None => Err(JsonPathError(
            "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'".to_string(),
        )),
    }
}

/// `NewCustomColumnsPrinterFromSpec`: the columns of a spec, with kubectl's errors.
pub fn parse_spec(spec: &str) -> Result<Vec<Column>, JsonPathError> {
    if spec.is_empty() {
        return Err(JsonPathError(
            "custom-columns format specified but no custom columns given".to_string(),
        ));
    }
    spec.split(',')
        .map(|part| {
            let Some((header, path)) = part.split_once(':') else {
                return Err(JsonPathError(format!(
                    "unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>"
                )));
            };
            let template = relaxed_jsonpath(path)?;
            let path = JsonPath::parse(&template)?.allow_missing_keys(true);
            Ok(Column {
                header: header.to_string(),
                template,
                path,
            })
        })
        .collect()
}

/// The custom-columns table of `items`: a header line (unless `no_headers`), then one
/// line per object.
pub fn render(
    columns: &[Column],
    items: &[Value],
    no_headers: bool,
) -> Result<String, JsonPathError> {
    Ok(tabwriter::align(
        &render_raw(columns, items, no_headers)?,
        6,
        3,
    ))
}

/// [`render`] with the cells left tab-separated, for `get -w`'s remembering writer.
pub fn render_raw(
    columns: &[Column],
    items: &[Value],
    no_headers: bool,
) -> Result<String, JsonPathError> {
    let mut text = String::new();
    if !no_headers {
        let headers: Vec<&str> = columns.iter().map(|c| c.header.as_str()).collect();
        text.push_str(&headers.join("\t"));
        text.push('\n');
    }
    for item in items {
        let mut cells = Vec::with_capacity(columns.len());
        for column in columns {
            let values = column.path.find_results(item)?;
            let mut strings: Vec<String> = Vec::new();
            if values.first().is_none_or(|v| v.is_empty()) {
                strings.push("<none>".to_string());
            }
            for v in values.iter().flatten() {
                strings.push(table::escape_terminal(&go_print(v)));
            }
            cells.push(strings.join(","));
        }
        text.push_str(&cells.join("\t"));
        text.push('\n');
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn relaxed_paths() {
        for p in [
            "metadata.name",
            ".metadata.name",
            "{metadata.name}",
            "{.metadata.name}",
        ] {
            assert_eq!(relaxed_jsonpath(p).unwrap(), "{.metadata.name}");
        }
        assert!(relaxed_jsonpath("{.a}{.b}").is_err());
    }

    #[test]
    fn columns_with_none_and_lists() {
        let cols =
            parse_spec("NAME:.metadata.name,IMAGES:.spec.containers[*].image,NODE:.spec.nodeName,LABELS:.metadata.labels")
                .unwrap();
        let items = vec![
            json!({"metadata": {"name": "queue-abc", "labels": {"app": "q"}},
                   "spec": {"containers": [{"image": "kuard"}, {"image": "busybox"}]}}),
            json!({"metadata": {"name": "x"}, "spec": {"containers": []}}),
        ];
        assert_eq!(
            render(&cols, &items, false).unwrap(),
            "NAME        IMAGES          NODE     LABELS\n\
             queue-abc   kuard,busybox   <none>   map[app:q]\n\
             x           <none>          <none>   <none>\n"
        );
        assert_eq!(render(&cols[..1], &items, true).unwrap(), "queue-abc\nx\n");
    }

    #[test]
    fn spec_errors() {
        assert_eq!(
            parse_spec("").unwrap_err().to_string(),
            "custom-columns format specified but no custom columns given"
        );
        assert_eq!(
            parse_spec("NAME").unwrap_err().to_string(),
            "unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>"
        );
    }
}
