//! meta.k8s.io/v1 `Table`: a list as the API server prints it, what `kubectl get` asks
//! for (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`) so that it decodes a few
//! cells per object instead of whole objects.
//!
//! Why here: the server writes it and the CLI reads it; both follow the apiserver's
//! content negotiation (a server that has no table for a kind answers the plain list,
//! the Accept header's last choice).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The Accept header of a `get` that prints a table: a Table first, else the list.
pub const ACCEPT_TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

/// The Content-Type of a Table answer, as the apiserver names the media type it chose.
pub const TABLE_MEDIA_TYPE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io";

/// What each row carries of its object: the `includeObject` query parameter
/// (metav1.IncludeObjectPolicy). The apiserver's default is `Metadata`.
///
/// Why the CLI asks for `None` where it can: the metadata is nine tenths of a pod's row
/// (8 MB of a 10,000-pod Table), and a `get` in one namespace without label columns
/// prints nothing from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IncludeObject {
    None,
    #[default]
    Metadata,
    Object,
}

impl IncludeObject {
    /// The parameter's value (absent: the default), or the apiserver's refusal.
    pub fn parse(value: Option<&str>) -> Result<IncludeObject, String> {
        match value {
            None | Some("") | Some("Metadata") => Ok(IncludeObject::Metadata),
            Some("None") => Ok(IncludeObject::None),
            Some("Object") => Ok(IncludeObject::Object),
            Some(other) => Err(format!(
                "includeObject: Unsupported value: \"{other}\": supported values: \"Metadata\", \"None\", \"Object\""
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IncludeObject::None => "None",
            IncludeObject::Metadata => "Metadata",
            IncludeObject::Object => "Object",
        }
    }
}

/// One column of a Table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TableColumnDefinition {
    pub name: String,
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub description: String,
    /// 0: always shown; greater: only with `-o wide`.
    #[serde(default)]
    pub priority: i32,
}

/// One printed object: its cells in column order and, as the apiserver's default
/// `includeObject=Metadata` has it, a `PartialObjectMetadata` (namespace, labels).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableRow {
    pub cells: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<Value>,
}

/// A Table answer (`kind: Table`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Table {
    pub kind: String,
    pub api_version: String,
    #[serde(default)]
    pub metadata: Value,
    pub column_definitions: Vec<TableColumnDefinition>,
    #[serde(default)]
    pub rows: Vec<TableRow>,
}

/// Whether an Accept header asks for a meta.k8s.io/v1 Table (`as=Table;v=v1;g=meta.k8s.io`
/// in any of its media types).
pub fn accepts_table(accept: &str) -> bool {
    accept.split(',').any(|media| {
        let mut parts = media.split(';').map(str::trim);
        let json = parts
            .next()
            .is_some_and(|t| t.eq_ignore_ascii_case("application/json"));
        let params: Vec<(&str, &str)> = parts.filter_map(|p| p.split_once('=')).collect();
        let has = |k: &str, v: &str| params.iter().any(|(pk, pv)| *pk == k && *pv == v);
        json && has("as", "Table") && has("v", "v1") && has("g", "meta.k8s.io")
    })
}

/// The cell of a row as `kubectl get` prints it: strings as they are, other JSON values
/// (numbers, booleans) in their JSON form, null as an empty cell.
pub fn cell_text(cell: &Value) -> String {
    match cell {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_object_takes_the_apiservers_three_values() {
        assert_eq!(IncludeObject::parse(None), Ok(IncludeObject::Metadata));
        for v in [
            IncludeObject::None,
            IncludeObject::Metadata,
            IncludeObject::Object,
        ] {
            assert_eq!(IncludeObject::parse(Some(v.as_str())), Ok(v));
        }
        let err = IncludeObject::parse(Some("none")).unwrap_err();
        assert!(err.contains("Unsupported value: \"none\""), "{err}");
    }

    #[test]
    fn the_table_media_type_is_one_a_table_accept_asks_for() {
        assert!(accepts_table(TABLE_MEDIA_TYPE));
    }

    #[test]
    fn kubectls_accept_header_asks_for_a_table() {
        assert!(accepts_table(ACCEPT_TABLE));
        assert!(accepts_table(
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
        ));
        assert!(accepts_table(
            "application/json; as=Table; v=v1; g=meta.k8s.io"
        ));
    }

    #[test]
    fn other_accept_headers_do_not() {
        for accept in [
            "application/json",
            "*/*",
            "",
            "application/json;as=Table;v=v1beta1;g=meta.k8s.io",
            "application/yaml;as=Table;v=v1;g=meta.k8s.io",
            "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io",
        ] {
            assert!(!accepts_table(accept), "{accept}");
        }
    }

    #[test]
    fn a_table_reads_back_as_the_apiserver_writes_it() {
        let text = r#"{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"7"},
            "columnDefinitions":[{"name":"Name","type":"string","format":"name","description":"d","priority":0},
                                 {"name":"IP","type":"string","format":"","description":"","priority":1}],
            "rows":[{"cells":["a",3,null],"object":{"kind":"PartialObjectMetadata","metadata":{"name":"a"}}}]}"#;
        let t: Table = serde_json::from_str(text).unwrap();
        assert_eq!(t.column_definitions[1].priority, 1);
        let cells: Vec<String> = t.rows[0].cells.iter().map(cell_text).collect();
        assert_eq!(cells, ["a", "3", ""]);
        assert_eq!(t.rows[0].object.as_ref().unwrap()["metadata"]["name"], "a");
    }
}
