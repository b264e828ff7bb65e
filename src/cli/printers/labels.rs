//! `--show-labels` and `-L key,...` (`--label-columns`): the columns kubectl's table
//! printer appends after every kind's own columns (cli-runtime tableprinter
//! `decorateTable`): one upper-cased column per `-L` key (named after the key's last
//! `/` segment, empty when the object lacks the label), then LABELS as
//! `labels.FormatLabels` writes them. They are added to the finished table of any kind,
//! so no per-kind printer needs to know about them.

use serde_json::Value;

use super::tabwriter;

/// Which label columns were asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelColumns {
    /// `-L` keys, in the order given.
    pub keys: Vec<String>,
    /// `--show-labels`.
    pub show_labels: bool,
}

impl LabelColumns {
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && !self.show_labels
    }

    /// The extra headers (kubectl's `formatLabelHeaders`, then LABELS).
    pub fn headers(&self) -> Vec<String> {
        let mut h: Vec<String> = self
            .keys
            .iter()
            .map(|k| k.rsplit('/').next().unwrap_or(k).to_uppercase())
            .collect();
        if self.show_labels {
            h.push("LABELS".to_string());
        }
        h
    }

    /// The extra cells of one object.
    pub fn cells(&self, object: &Value) -> Vec<String> {
        let labels = &object["metadata"]["labels"];
        let mut c: Vec<String> = self
            .keys
            .iter()
            .map(|k| labels[k.as_str()].as_str().unwrap_or("").to_string())
            .collect();
        if self.show_labels {
            c.push(format_labels(labels));
        }
        c
    }
}

/// `labels.FormatLabels`: `k=v` pairs sorted by key, joined by commas; `<none>` when
/// there are none.
pub fn format_labels(labels: &Value) -> String {
    let Some(map) = labels.as_object().filter(|m| !m.is_empty()) else {
        return "<none>".to_string();
    };
    let mut pairs: Vec<(&String, &str)> = map
        .iter()
        .map(|(k, v)| (k, v.as_str().unwrap_or("")))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Appends the label cells to a raw (tab-separated, unaligned) table of `items`, one
/// line per item after the header unless `no_headers`; the caller aligns.
pub fn append_cells(table: &str, items: &[Value], cols: &LabelColumns, no_headers: bool) -> String {
    if cols.is_empty() || table.is_empty() {
        return table.to_string();
    }
    let mut text = String::new();
    let mut lines = table.lines();
    if !no_headers && let Some(header) = lines.next() {
        text.push_str(header);
        for h in cols.headers() {
            text.push('\t');
            text.push_str(&h);
        }
        text.push('\n');
    }
    for (line, item) in lines.zip(items) {
        text.push_str(line);
        for c in cols.cells(item) {
            text.push('\t');
            text.push_str(&super::table::escape_terminal(&c));
        }
        text.push('\n');
    }
    text
}

/// Appends the label columns to a table a per-kind printer rendered for `items` (one
/// line per item, in order, after the header unless `no_headers`) and re-aligns it.
/// The already aligned part becomes one cell, so its columns keep their widths.
pub fn append_columns(
    table: &str,
    items: &[Value],
    cols: &LabelColumns,
    no_headers: bool,
) -> String {
    if cols.is_empty() || table.is_empty() {
        return table.to_string();
    }
    tabwriter::align(&append_cells(table, items, cols, no_headers), 6, 3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn items() -> Vec<Value> {
        vec![
            json!({"metadata": {"name": "a", "labels": {"job-name": "a", "app.kubernetes.io/name": "web", "chapter": "jobs"}}}),
            json!({"metadata": {"name": "bbbbbb"}}),
        ]
    }

    #[test]
    fn labels_formatted_as_kubectl() {
        assert_eq!(format_labels(&json!({"z": "1", "a": "2"})), "a=2,z=1");
        assert_eq!(format_labels(&json!({})), "<none>");
        assert_eq!(format_labels(&Value::Null), "<none>");
    }

    #[test]
    fn show_labels_and_label_columns() {
        let table = "NAME     AGE\na        5s\nbbbbbb   7s\n";
        let cols = LabelColumns {
            keys: vec!["app.kubernetes.io/name".into(), "chapter".into()],
            show_labels: true,
        };
        assert_eq!(
            append_columns(table, &items(), &cols, false),
            "NAME     AGE   NAME   CHAPTER   LABELS\n\
             a        5s    web    jobs      app.kubernetes.io/name=web,chapter=jobs,job-name=a\n\
             bbbbbb   7s                     <none>\n"
        );
        let only = LabelColumns {
            keys: vec![],
            show_labels: true,
        };
        assert_eq!(
            append_columns("a        5s\nbbbbbb   7s\n", &items(), &only, true),
            "a        5s   app.kubernetes.io/name=web,chapter=jobs,job-name=a\nbbbbbb   7s   <none>\n"
        );
        assert_eq!(
            append_columns(table, &items(), &LabelColumns::default(), false),
            table
        );
    }
}
