//! kubectl's table output (`kubectl get`): capitalised headers, cells aligned by the same
//! tabwriter settings kubectl uses (minimum width 6, padding 3), `--no-headers`, and the
//! NAMESPACE column of `-A`. Knows nothing about any particular kind.

use super::tabwriter;

/// kubectl's `tabwriterMinWidth` and `tabwriterPadding` (cli-runtime printers).
const MIN_WIDTH: usize = 6;
const PADDING: usize = 3;

/// How a table is laid out, as kubectl's flags choose it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableOptions {
    /// `-o wide`: the extra columns kubectl shows only on request.
    pub wide: bool,
    /// `--no-headers`.
    pub no_headers: bool,
    /// `-A` / `--all-namespaces`: a NAMESPACE column first.
    pub show_namespace: bool,
    /// kubectl's `--show-kind` (on by itself when several kinds are listed): the NAME
    /// cells as `kind.group/name`, e.g. `job.batch/oneshot`.
    pub kind_prefix: Option<&'static str>,
    /// STATUS cells in colour (green done or running, red failed, yellow waiting).
    /// Decided once at the CLI edge (a terminal, no `NO_COLOR`); the printer only obeys.
    pub colour: bool,
    /// Leave the cells tab-separated, unaligned: for `get -w`, whose writer aligns each
    /// change against the widths it already printed (see `tabwriter::RememberedWidths`).
    pub raw: bool,
}

/// One printed row: the object's namespace (for `-A`) and its cells.
pub struct Row {
    pub namespace: String,
    pub cells: Vec<String>,
}

/// Renders `rows` under `headers` (given as kubectl's column names, e.g. "Last Seen";
/// printed in capitals). No rows give an empty string: kubectl prints no header then, and
/// the caller says "No resources found".
pub fn render(headers: &[&str], rows: &[Row], opts: &TableOptions) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut text = String::new();
    if !opts.no_headers {
        let mut cells: Vec<String> = Vec::new();
        if opts.show_namespace {
            cells.push("NAMESPACE".to_string());
        }
        cells.extend(headers.iter().map(|h| h.to_uppercase()));
        push_line(&mut text, &cells);
    }
    let name_column = headers.iter().position(|h| *h == "Name");
    let status_column = headers
        .iter()
        .position(|h| *h == "Status")
        .filter(|_| opts.colour);
    for row in rows {
        let mut cells: Vec<String> = Vec::new();
        if opts.show_namespace {
            cells.push(cell(&row.namespace));
        }
        cells.extend(row.cells.iter().enumerate().map(|(i, c)| {
            match opts.kind_prefix.filter(|_| Some(i) == name_column) {
                Some(kind) => cell(&format!("{kind}/{c}")),
                None if Some(i) == status_column => colour_status(&cell(c)),
                None => cell(c),
            }
        }));
        push_line(&mut text, &cells);
    }
    if opts.raw {
        return text;
    }
    tabwriter::align(&text, MIN_WIDTH, PADDING)
}

/// Aligns one flush of `get -w` output (raw table text) as kubectl's `RememberWidths`
/// tabwriter does.
pub fn align_watch(text: &str, remembered: &mut tabwriter::RememberedWidths) -> String {
    tabwriter::align_remembering(text, MIN_WIDTH, PADDING, remembered)
}

fn push_line(text: &mut String, cells: &[String]) {
    text.push_str(&cells.join("\t"));
    text.push('\n');
}

/// A cell as kubectl prints it: cut at the first line break (with `...` to show it was
/// cut, so one object stays one line), terminal escapes made harmless.
fn cell(value: &str) -> String {
    match value.find(['\n', '\r', '\u{c}']) {
        Some(i) => format!("{}...", escape_terminal(&value[..i])),
        None => escape_terminal(value),
    }
}

/// A STATUS cell wrapped in the SGR colour its value calls for (plain when none). The
/// tabwriter does not count SGR sequences, so columns stay aligned: the padding goes
/// after the reset, outside the colour.
pub fn colour_status(status: &str) -> String {
    let code = match status {
        "Complete" | "Running" | "Succeeded" => "32",
        "Failed" | "Error" | "CrashLoopBackOff" | "ImagePullBackOff" | "ErrImagePull" => "31",
        "Pending" | "Suspended" | "ContainerCreating" => "33",
        _ => return status.to_string(),
    };
    format!("\u{1b}[{code}m{status}\u{1b}[0m")
}

/// cli-runtime's `EscapeTerminal`: an object's text must not be able to drive the
/// user's terminal.
pub fn escape_terminal(s: &str) -> String {
    s.replace('\u{1b}', "^[").replace('\r', "\\r")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(ns: &str, cells: &[&str]) -> Row {
        Row {
            namespace: ns.to_string(),
            cells: cells.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn headers_are_capitalised_and_namespace_comes_first() {
        let rows = [
            row("default", &["a", "1"]),
            row("kube-system", &["bb", "22"]),
        ];
        let opts = TableOptions {
            show_namespace: true,
            ..Default::default()
        };
        assert_eq!(
            render(&["Name", "Last Seen"], &rows, &opts),
            "NAMESPACE     NAME   LAST SEEN\ndefault       a      1\nkube-system   bb     22\n"
        );
    }

    #[test]
    fn kind_prefix_goes_on_the_name_column() {
        let opts = TableOptions {
            kind_prefix: Some("job.batch"),
            ..Default::default()
        };
        assert_eq!(
            render(
                &["Name", "Status"],
                &[row("", &["oneshot", "Complete"])],
                &opts
            ),
            "NAME                STATUS\njob.batch/oneshot   Complete\n"
        );
        assert_eq!(
            render(&["Last Seen", "Name"], &[row("", &["1m", "e"])], &opts),
            "LAST SEEN   NAME\n1m          job.batch/e\n"
        );
    }

    #[test]
    fn no_headers_and_no_rows() {
        let opts = TableOptions {
            no_headers: true,
            ..Default::default()
        };
        assert_eq!(render(&["Name"], &[row("", &["x"])], &opts), "x\n");
        assert_eq!(render(&["Name"], &[], &TableOptions::default()), "");
    }

    #[test]
    fn status_colours_keep_the_columns_aligned() {
        let rows = [
            row("", &["a", "Complete", "1/1"]),
            row("", &["bb", "Failed", "0/1"]),
            row("", &["c", "Suspended", "0/1"]),
            row("", &["d", "Odd", "0/1"]),
        ];
        let headers = ["Name", "Status", "Completions"];
        let plain = render(&headers, &rows, &TableOptions::default());
        assert_eq!(
            plain,
            "NAME   STATUS      COMPLETIONS\n\
             a      Complete    1/1\n\
             bb     Failed      0/1\n\
             c      Suspended   0/1\n\
             d      Odd         0/1\n"
        );
        let opts = TableOptions {
            colour: true,
            ..Default::default()
        };
        assert_eq!(
            render(&headers, &rows, &opts),
            "NAME   STATUS      COMPLETIONS\n\
             a      \u{1b}[32mComplete\u{1b}[0m    1/1\n\
             bb     \u{1b}[31mFailed\u{1b}[0m      0/1\n\
             c      \u{1b}[33mSuspended\u{1b}[0m   0/1\n\
             d      Odd         0/1\n"
        );
        // Without the SGR codes the coloured table is the plain one.
        let stripped = render(&headers, &rows, &opts)
            .replace("\u{1b}[32m", "")
            .replace("\u{1b}[31m", "")
            .replace("\u{1b}[33m", "")
            .replace("\u{1b}[0m", "");
        assert_eq!(stripped, plain);
    }

    #[test]
    fn status_values_pick_their_colour() {
        assert_eq!(colour_status("Running"), "\u{1b}[32mRunning\u{1b}[0m");
        assert_eq!(
            colour_status("CrashLoopBackOff"),
            "\u{1b}[31mCrashLoopBackOff\u{1b}[0m"
        );
        assert_eq!(
            colour_status("ContainerCreating"),
            "\u{1b}[33mContainerCreating\u{1b}[0m"
        );
        assert_eq!(colour_status("Terminating"), "Terminating");
    }

    #[test]
    fn multi_line_cells_are_cut() {
        assert_eq!(cell("first\nsecond"), "first...");
        assert_eq!(cell("bell\u{1b}[1m"), "bell^[[1m");
    }
}
