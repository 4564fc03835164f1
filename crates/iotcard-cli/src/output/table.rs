//! `table`: aligned columns for a person at a terminal.
//!
//! Rows are held in chunks of [`CHUNK`] so widths can be measured, then
//! printed; a long run prints one aligned block per chunk, each with its
//! header, so memory stays bounded. Within a chunk, columns no row fills
//! are left out, amounts are joined with their unit (`14.970 MB`), and
//! numbers are right-aligned.

use std::io::{self, Write};

use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use super::columns::Columns;
use super::flatten::{fill_row, problem_fields};

/// Rows measured and printed together.
pub const CHUNK: usize = 1000;

/// One column of the table, built from one or two record columns.
#[derive(Debug)]
struct TableColumn {
    header: String,
    /// Index of the record column holding the cell.
    value: usize,
    /// Index of the `…_unit` column joined to an `…_amount` one.
    unit: Option<usize>,
}

/// Plans the table's columns from the record's: `x_amount` + `x_unit`
/// become `x`, `error_kind` is dropped in favour of `error_message`
/// (shown as `error`).
fn plan(columns: Columns) -> Vec<TableColumn> {
    let mut planned = Vec::new();
    let mut i = 0;
    while i < columns.len() {
        let name = columns[i];
        let base = name.strip_suffix("_amount");
        let unit_next = base
            .map(|b| columns.get(i + 1) == Some(&format!("{b}_unit").as_str()))
            .unwrap_or(false);
        match (base, name) {
            (Some(base), _) if unit_next => {
                planned.push(TableColumn {
                    header: header(base),
                    value: i,
                    unit: Some(i + 1),
                });
                i += 2;
                continue;
            }
            (_, "error_kind") => {}
            (_, "error_message") => planned.push(TableColumn {
                header: "ERROR".into(),
                value: i,
                unit: None,
            }),
            _ => planned.push(TableColumn {
                header: header(name),
                value: i,
                unit: None,
            }),
        }
        i += 1;
    }
    planned
}

fn header(name: &str) -> String {
    name.replace('_', " ").to_uppercase()
}

/// A cell's text: its value, with the unit when there is one. Control
/// characters become spaces: a provider's text must not move the cursor
/// or recolour the terminal.
fn cell(row: &[String], column: &TableColumn) -> String {
    let value = &row[column.value];
    let unit = column.unit.map(|u| row[u].as_str()).unwrap_or("");
    let text = match (value.is_empty(), unit) {
        (true, _) => String::new(),
        (false, "" | "provider_unit") => value.clone(),
        (false, "mb") => format!("{value} MB"),
        (false, other) => format!("{value} {other}"),
    };
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn is_number(cell: &str) -> bool {
    let number = cell.split(' ').next().unwrap_or("");
    let digits = number.strip_prefix('-').unwrap_or(number);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().filter(|&b| b == b'.').count() <= 1
}

/// Table rows, printed a chunk at a time.
#[derive(Debug)]
pub struct TableRows<W> {
    out: W,
    columns: Columns,
    planned: Vec<TableColumn>,
    rows: Vec<Vec<String>>,
    row: Vec<String>,
    chunk: usize,
    blocks: usize,
}

impl<W: Write> TableRows<W> {
    /// Writes `columns` rows to `out`.
    pub fn new(columns: Columns, out: W) -> Self {
        Self::with_chunk(columns, out, CHUNK)
    }

    fn with_chunk(columns: Columns, out: W, chunk: usize) -> Self {
        TableRows {
            out,
            columns,
            planned: plan(columns),
            rows: Vec::new(),
            row: Vec::new(),
            chunk: chunk.max(1),
            blocks: 0,
        }
    }

    /// Adds one row; prints the chunk when it is full.
    pub fn write<R: Serialize + ?Sized>(&mut self, record: &R) -> io::Result<()> {
        let value = serde_json::to_value(record).map_err(io::Error::other)?;
        fill_row(&value, self.columns, &mut self.row);
        // Field problems show as their fields' names only: the messages are
        // on stderr, one warning line per card.
        if let Some(at) = self.columns.iter().position(|c| *c == "problems") {
            self.row[at] = problem_fields(&value).unwrap_or_default();
        }
        let cells = self.planned.iter().map(|c| cell(&self.row, c)).collect();
        self.rows.push(cells);
        if self.rows.len() >= self.chunk {
            self.print_chunk()?;
        }
        Ok(())
    }

    fn print_chunk(&mut self) -> io::Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        // The first column (the card) always shows; others only if filled,
        // and not when they merely repeat it (Tencent names cards by ICCID).
        let shown: Vec<usize> = (0..self.planned.len())
            .filter(|&i| {
                i == 0
                    || (self.rows.iter().any(|r| !r[i].is_empty())
                        && self.rows.iter().any(|r| r[i] != r[0]))
            })
            .collect();
        let widths: Vec<usize> = shown
            .iter()
            .map(|&i| {
                let cells = self.rows.iter().map(|r| r[i].width());
                cells
                    .chain([self.planned[i].header.width()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let numeric: Vec<bool> = shown
            .iter()
            .map(|&i| {
                i > 0
                    && self
                        .rows
                        .iter()
                        .all(|r| r[i].is_empty() || is_number(&r[i]))
            })
            .collect();
        let mut text = String::new();
        if self.blocks > 0 {
            text.push('\n');
        }
        let headers: Vec<&str> = shown
            .iter()
            .map(|&i| self.planned[i].header.as_str())
            .collect();
        push_line(&mut text, &headers, &widths, &numeric);
        for row in &self.rows {
            let cells: Vec<&str> = shown.iter().map(|&i| row[i].as_str()).collect();
            push_line(&mut text, &cells, &widths, &numeric);
        }
        self.out.write_all(text.as_bytes())?;
        self.rows.clear();
        self.blocks += 1;
        Ok(())
    }

    /// Prints what is held, and flushes the sink.
    pub fn flush(&mut self) -> io::Result<()> {
        self.print_chunk()?;
        self.out.flush()
    }

    /// Prints the last chunk, flushes and returns the sink.
    pub fn finish(mut self) -> io::Result<W> {
        self.flush()?;
        Ok(self.out)
    }
}

fn push_line(text: &mut String, cells: &[&str], widths: &[usize], numeric: &[bool]) {
    let start = text.len();
    let last = cells.len().saturating_sub(1);
    for (i, cell) in cells.iter().enumerate() {
        let pad = widths[i].saturating_sub(cell.width());
        if numeric[i] {
            text.extend(std::iter::repeat_n(' ', pad));
            text.push_str(cell);
        } else {
            text.push_str(cell);
            if i < last {
                text.extend(std::iter::repeat_n(' ', pad));
            }
        }
        if i < last {
            text.push_str("  ");
        }
    }
    // Empty trailing cells leave spaces a terminal shows as nothing anyway.
    let end = start + text[start..].trim_end_matches(' ').len();
    text.truncate(end);
    text.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::columns;
    use serde_json::json;

    fn render(columns: Columns, chunk: usize, records: &[serde_json::Value]) -> String {
        let mut t = TableRows::with_chunk(columns, Vec::new(), chunk);
        for r in records {
            t.write(r).unwrap();
        }
        String::from_utf8(t.finish().unwrap()).unwrap()
    }

    #[test]
    fn aligned_with_units_joined_and_empty_columns_left_out() {
        let out = render(
            columns::USAGE,
            CHUNK,
            &[
                json!({"card": "1064804085884", "sms_used": 6, "data_used": {"amount": "14.970", "unit": "mb"}}),
                json!({"card": "1064804085885", "sms_used": 12, "data_used": {"amount": "-8359", "unit": "provider_unit"}}),
            ],
        );
        assert_eq!(
            out,
            "CARD           SMS USED  DATA USED\n\
             1064804085884         6  14.970 MB\n\
             1064804085885        12      -8359\n"
        );
    }

    #[test]
    fn errors_show_their_message_and_wide_characters_align() {
        let out = render(
            columns::PLAN,
            CHUNK,
            &[
                json!({"card": "1", "name": "移动 10 条", "monthly_fee": "1.00"}),
                json!({"card": "2", "error": {"kind": "not_found", "message": "IoTBOS does not know this card"}}),
            ],
        );
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "CARD  NAME        MONTHLY FEE  ERROR");
        assert_eq!(lines[1], "1     移动 10 条         1.00");
        assert_eq!(
            lines[2],
            "2                              IoTBOS does not know this card"
        );
    }

    #[test]
    fn long_runs_print_in_blocks_and_control_characters_are_neutralised() {
        let records: Vec<_> = (0..3)
            .map(|i| json!({"card": format!("{i}"), "status": "a\u{1b}[31mred"}))
            .collect();
        let out = render(columns::STATUS, 2, &records);
        assert_eq!(out.matches("CARD").count(), 2);
        assert!(!out.contains('\u{1b}'));
        assert!(out.contains("a [31mred"));
    }

    #[test]
    fn a_column_repeating_the_card_is_left_out() {
        let out = render(
            columns::CARD,
            CHUNK,
            &[
                json!({"card": "898602B7091701054333", "iccid": "898602B7091701054333", "status": "active"}),
            ],
        );
        assert_eq!(
            out,
            "CARD                  STATUS\n898602B7091701054333  active\n"
        );
    }

    #[test]
    fn numbers_are_recognised() {
        for n in ["1", "-8359", "1.00", "14.970 MB"] {
            assert!(is_number(n), "{n}");
        }
        for s in ["", "-", "1.2.3", "active", "2018-01-16T16:02:08+08:00"] {
            assert!(!is_number(s), "{s}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_makes_one_clean_line_per_row(cells in proptest::collection::vec(".*", 1..6)) {
            let records: Vec<_> = cells.iter().map(|c| json!({"card": c, "status": c})).collect();
            let out = render(columns::STATUS, 2, &records);
            proptest::prop_assert!(out.chars().all(|c| c == '\n' || !c.is_control()));
            let blocks = records.len().div_ceil(2);
            // Rows, one header per block, one blank line between blocks.
            proptest::prop_assert_eq!(out.lines().count(), records.len() + blocks + blocks - 1);
        }
    }
}
