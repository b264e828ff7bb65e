//! A faithful copy of the column algorithm of Go's `text/tabwriter` (left-aligned, space
//! padding, no flags), which is what kubectl's tables and `describe` output are made of.
//! Owning the algorithm, rather than approximating it, is what makes our output
//! byte-identical to kubectl's: cells are tab-terminated, the text after a line's last tab
//! is not part of any column (so it is never padded), and a column's width is computed
//! per block of consecutive lines that have a cell in that column.
//!
//! Pure text in, text out; knows nothing about Kubernetes objects.

/// Aligns `text` the way a Go `tabwriter.Writer` initialised with
/// (`minwidth`, tabwidth, `padding`, ' ', 0) and flushed at the end would.
pub fn align(text: &str, minwidth: usize, padding: usize) -> String {
    align_with(text, minwidth, padding, None)
}

/// Column widths a writer with kubectl's `RememberWidths` flag (liggitt/tabwriter, the
/// fork kubectl's `GetNewTabWriter` uses) keeps across flushes: `get -w` flushes after
/// every change, and each later row is padded to at least the widths already printed,
/// so the rows stay under the header instead of each being aligned on its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RememberedWidths(Vec<usize>);

/// [`align`] for one flush of a `RememberWidths` writer: a column is never narrower than
/// the same column in an earlier flush, and a wider one widens it for the later ones.
pub fn align_remembering(
    text: &str,
    minwidth: usize,
    padding: usize,
    remembered: &mut RememberedWidths,
) -> String {
    align_with(text, minwidth, padding, Some(&mut remembered.0))
}

fn align_with(
    text: &str,
    minwidth: usize,
    padding: usize,
    remembered: Option<&mut Vec<usize>>,
) -> String {
    let lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
    let mut w = Aligner {
        lines: &lines,
        minwidth,
        padding,
        widths: Vec::new(),
        remembered,
        out: String::with_capacity(text.len() * 2),
    };
    w.format(0, lines.len());
    w.out
}

struct Aligner<'a> {
    lines: &'a [Vec<&'a str>],
    minwidth: usize,
    padding: usize,
    widths: Vec<usize>,
    /// liggitt/tabwriter's `maxwidths`, by column depth; None without the flag.
    remembered: Option<&'a mut Vec<usize>>,
    out: String,
}

/// The printed width of a cell: its characters, less the SGR colour sequences
/// (`ESC [ digits/; m`) dockjob's own status colours add. Object text never carries a
/// raw ESC into a table (`escape_terminal` turns it into `^[`), so only our colours
/// are skipped, and uncoloured output stays Go's count.
fn width(cell: &str) -> usize {
    let mut n = 0;
    let mut rest = cell;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("\u{1b}[") {
            let params = after
                .bytes()
                .take_while(|b| b.is_ascii_digit() || *b == b';')
                .count();
            if after[params..].starts_with('m') {
                rest = &after[params + 1..];
                continue;
            }
        }
        n += 1;
        rest = &rest[c.len_utf8()..];
    }
    n
}

impl Aligner<'_> {
    /// Whether line `i` has a tab-terminated cell in `column` (the last cell of a line
    /// does not count: it describes the text before the newline).
    fn has_cell(&self, i: usize, column: usize) -> bool {
        column + 1 < self.lines[i].len()
    }

    fn format(&mut self, mut line0: usize, line1: usize) {
        let column = self.widths.len();
        let mut this = line0;
        while this < line1 {
            if !self.has_cell(this, column) {
                this += 1;
                continue;
            }
            self.write_lines(line0, this);
            line0 = this;
            let mut cell_width = self.minwidth;
            while this < line1 && self.has_cell(this, column) {
                cell_width = cell_width.max(width(self.lines[this][column]) + self.padding);
                this += 1;
            }
            if let Some(max) = self.remembered.as_deref_mut() {
                // liggitt/tabwriter's `format`, case for case.
                let depth = self.widths.len();
                if max.len() < depth {
                    max.extend_from_slice(&self.widths[max.len()..]);
                }
                if max.len() == depth {
                    max.push(cell_width);
                } else if max[depth] > cell_width {
                    cell_width = max[depth];
                } else {
                    max[depth] = cell_width;
                }
            }
            self.widths.push(cell_width);
            self.format(line0, this);
            self.widths.pop();
            line0 = this;
        }
        self.write_lines(line0, line1);
    }

    fn write_lines(&mut self, line0: usize, line1: usize) {
        for i in line0..line1 {
            let line = &self.lines[i];
            for (j, cell) in line.iter().enumerate() {
                self.out.push_str(cell);
                if let Some(&w) = self.widths.get(j) {
                    let pad = w.saturating_sub(width(cell));
                    self.out.extend(std::iter::repeat_n(' ', pad));
                }
            }
            if i + 1 < self.lines.len() {
                self.out.push('\n');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_pad_to_widest_cell_plus_padding_and_last_cell_is_not_padded() {
        let text = "NAME\tSTATUS\tAGE\nlong-name\tOK\t5s\n";
        assert_eq!(
            align(text, 6, 3),
            "NAME        STATUS   AGE\nlong-name   OK       5s\n"
        );
    }

    #[test]
    fn min_width_applies_to_narrow_columns() {
        assert_eq!(align("A\tB\nC\tD\n", 6, 3), "A     B\nC     D\n");
    }

    #[test]
    fn a_line_without_tabs_ends_the_column_block() {
        let text = "Name:\tx\nLonger Key:\ty\nPod Template:\n  K:\tv\n";
        assert_eq!(
            align(text, 0, 2),
            "Name:        x\nLonger Key:  y\nPod Template:\n  K:  v\n"
        );
    }

    #[test]
    fn nested_columns_are_blocked_independently() {
        // The second column exists only on the first two lines.
        let text = "a\tbb\tc\naaa\tb\td\naa\te\n";
        assert_eq!(align(text, 0, 1), "a   bb c\naaa b  d\naa  e\n");
    }

    #[test]
    fn colour_sequences_take_no_width() {
        assert_eq!(width("\u{1b}[32mOK\u{1b}[0m"), 2);
        assert_eq!(width("\u{1b}[1;31mx"), 1);
        // Not an SGR sequence: counted as Go counts it.
        assert_eq!(width("\u{1b}[2Jx"), 5);
        assert_eq!(
            align("\u{1b}[31mA\u{1b}[0m\tB\nCC\tD\n", 0, 1),
            "\u{1b}[31mA\u{1b}[0m  B\nCC D\n"
        );
    }

    /// kubectl's `get -w`: the header and first rows set the widths; a later flush with
    /// narrower cells keeps them, a wider cell widens the column from then on.
    #[test]
    fn remembered_widths_carry_across_flushes() {
        let mut r = RememberedWidths::default();
        assert_eq!(
            align_remembering("NAME\tSTATUS\tAGE\nlong-name\tRunning\t5s\n", 6, 3, &mut r),
            "NAME        STATUS    AGE\nlong-name   Running   5s\n"
        );
        assert_eq!(
            align_remembering("a\tOK\t6s\n", 6, 3, &mut r),
            "a           OK        6s\n"
        );
        assert_eq!(
            align_remembering("a\tContainerCreating\t7s\n", 6, 3, &mut r),
            "a           ContainerCreating   7s\n"
        );
        assert_eq!(
            align_remembering("a\tOK\t8s\n", 6, 3, &mut r),
            "a           OK                  8s\n"
        );
        // Without the flag each flush is aligned alone.
        assert_eq!(align("a\tOK\t8s\n", 6, 3), "a     OK    8s\n");
    }

    #[test]
    fn empty_cells_are_padded_and_width_counts_characters() {
        assert_eq!(align("é\tx\n\ty\n", 0, 2), "é  x\n   y\n");
        assert_eq!(align("IP:\t\n", 0, 2), "IP:  \n");
    }
}
