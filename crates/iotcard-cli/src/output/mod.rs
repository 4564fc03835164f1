//! Writing records: `table`, `json`, `jsonl` or `csv`, streamed record by
//! record so a fleet export holds no more than one record (a table, one
//! chunk) in memory.

pub mod columns;
mod csv_rows;
pub mod flatten;
mod json;
pub mod record;
mod table;

use std::io::{self, Write};

use serde::Serialize;

use crate::cli::OutputFormat;
pub use columns::Columns;

/// The format when none is asked for: a table for a person at a terminal,
/// JSON lines for a pipe or a file.
pub fn default_format(flag: Option<OutputFormat>, to_terminal: bool) -> OutputFormat {
    flag.unwrap_or(if to_terminal {
        OutputFormat::Table
    } else {
        OutputFormat::Jsonl
    })
}

#[derive(Debug)]
enum Inner<W> {
    Table(table::TableRows<W>),
    Json(json::JsonArray<W>),
    Jsonl(json::JsonLines<W>),
    Csv(csv_rows::CsvRows<W>),
}

/// Writes one command's records in one format.
#[derive(Debug)]
pub struct RecordWriter<W> {
    inner: Inner<W>,
}

impl<W: Write> RecordWriter<W> {
    /// Writes records with `columns` (for CSV and tables) to `out` as `format`.
    pub fn new(format: OutputFormat, columns: Columns, out: W) -> Self {
        let inner = match format {
            OutputFormat::Table => Inner::Table(table::TableRows::new(columns, out)),
            OutputFormat::Json => Inner::Json(json::JsonArray::new(out)),
            OutputFormat::Jsonl => Inner::Jsonl(json::JsonLines::new(out)),
            OutputFormat::Csv => Inner::Csv(csv_rows::CsvRows::new(columns, out)),
        };
        RecordWriter { inner }
    }

    /// Writes one record; the sink receives it whole or not at all.
    pub fn write<R: Serialize + ?Sized>(&mut self, record: &R) -> io::Result<()> {
        match &mut self.inner {
            Inner::Table(w) => w.write(record),
            Inner::Json(w) => w.write(record),
            Inner::Jsonl(w) => w.write(record),
            Inner::Csv(w) => w.write(record),
        }
    }

    /// Pushes what is written so far to the sink (a batch's records reach
    /// the reader together).
    pub fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::Table(w) => w.flush(),
            Inner::Json(w) => w.flush(),
            Inner::Jsonl(w) => w.flush(),
            Inner::Csv(w) => w.flush(),
        }
    }

    /// Completes the output (closes the JSON array, prints the last table
    /// rows, writes a CSV header when there were no rows) and flushes.
    pub fn finish(self) -> io::Result<W> {
        match self.inner {
            Inner::Table(w) => w.finish(),
            Inner::Json(w) => w.finish(),
            Inner::Jsonl(w) => w.finish(),
            Inner::Csv(w) => w.finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iotcard_model::{DataAmount, Money, Plan, SmsCount};
    use record::{Answer, CardRecord, RecordError};

    fn plan() -> Plan {
        Plan {
            name: Some("移动 10 条".into()),
            monthly_fee: Some("1.00".parse::<Money>().unwrap()),
            included_sms: Some(SmsCount(10)),
            sms_overage_price: Some("0.10".parse().unwrap()),
            included_data: Some(DataAmount::provider_unit("0".parse().unwrap())),
            data_overage_price: Some("0.00".parse().unwrap()),
            ..Plan::default()
        }
    }

    fn write_all(format: OutputFormat) -> String {
        let plan = plan();
        let mut w = RecordWriter::new(format, columns::PLAN, Vec::new());
        w.write(&CardRecord {
            card: "1064804085884",
            answer: Answer::Values(&plan),
            problems: &[],
        })
        .unwrap();
        w.write(&CardRecord::<'_, Plan> {
            card: "1064804085885",
            answer: Answer::Error {
                error: RecordError::new(iotcard_facade::ProblemKind::Failed, "timed out"),
            },
            problems: &[],
        })
        .unwrap();
        String::from_utf8(w.finish().unwrap()).unwrap()
    }

    #[test]
    fn money_keeps_its_digits_in_every_format() {
        for format in [
            OutputFormat::Table,
            OutputFormat::Json,
            OutputFormat::Jsonl,
            OutputFormat::Csv,
        ] {
            let out = write_all(format);
            assert!(
                out.contains("1.00") && out.contains("0.10") && out.contains("0.00"),
                "{format:?}: {out}"
            );
            assert!(
                out.contains("1064804085885") && out.contains("timed out"),
                "{format:?}: {out}"
            );
        }
    }

    #[test]
    fn every_format_parses_back() {
        let json: Vec<serde_json::Value> =
            serde_json::from_str(&write_all(OutputFormat::Json)).unwrap();
        assert_eq!(json[0]["monthly_fee"], "1.00");
        assert_eq!(json[1]["error"]["kind"], "failed");

        let lines: Vec<serde_json::Value> = write_all(OutputFormat::Jsonl)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines, json);

        let csv_text = write_all(OutputFormat::Csv);
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        assert_eq!(
            reader.headers().unwrap().iter().collect::<Vec<_>>(),
            columns::PLAN
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(&rows[0][2], "1.00");
        assert_eq!(&rows[0][6], "provider_unit");
        assert_eq!(&rows[1][10], "failed");
    }

    #[test]
    fn field_problems_are_a_column_in_csv_and_a_marker_in_tables() {
        let plan = plan();
        let problems = [iotcard_facade::FieldProblem::new(
            "ServicePackage.DefaultSms",
            "expected an integer, found \"ten\"",
        )];
        let write = |format| {
            let mut w = RecordWriter::new(format, columns::PLAN, Vec::new());
            w.write(&CardRecord {
                card: "1064804085884",
                answer: Answer::Values(&plan),
                problems: &problems,
            })
            .unwrap();
            String::from_utf8(w.finish().unwrap()).unwrap()
        };
        let csv_text = write(OutputFormat::Csv);
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        assert_eq!(
            reader.headers().unwrap().iter().next_back(),
            Some("problems")
        );
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(
            row.iter().next_back(),
            Some("ServicePackage.DefaultSms: expected an integer, found \"ten\"")
        );
        let table = write(OutputFormat::Table);
        assert!(table.contains("PROBLEMS"), "{table}");
        assert!(table.contains("ServicePackage.DefaultSms"), "{table}");
        assert!(!table.contains("ten"), "the message is for stderr: {table}");
    }

    #[test]
    fn default_is_table_on_a_terminal_and_jsonl_otherwise() {
        assert_eq!(default_format(None, true), OutputFormat::Table);
        assert_eq!(default_format(None, false), OutputFormat::Jsonl);
        assert_eq!(
            default_format(Some(OutputFormat::Csv), true),
            OutputFormat::Csv
        );
    }
}
