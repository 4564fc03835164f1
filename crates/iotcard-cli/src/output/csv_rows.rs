//! `csv`: a header of the command's fixed columns, then one row per record
//! (RFC 4180: a field is quoted when it holds a comma, a quote or a line
//! break, and its quotes are doubled).

use std::io::{self, Write};

use serde::Serialize;

use super::columns::Columns;
use super::flatten::fill_row;

/// CSV rows, each encoded whole before it reaches the sink.
#[derive(Debug)]
pub struct CsvRows<W> {
    out: W,
    columns: Columns,
    line: Vec<u8>,
    row: Vec<String>,
    header_written: bool,
}

impl<W: Write> CsvRows<W> {
    /// Writes `columns` rows to `out`.
    pub fn new(columns: Columns, out: W) -> Self {
        CsvRows {
            out,
            columns,
            line: Vec::with_capacity(512),
            row: Vec::with_capacity(columns.len()),
            header_written: false,
        }
    }

    fn emit<T: AsRef<str>>(&mut self, fields: &[T]) -> io::Result<()> {
        self.line.clear();
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                self.line.push(b',');
            }
            push_field(&mut self.line, field.as_ref());
        }
        self.line.push(b'\n');
        self.out.write_all(&self.line)
    }

    fn header(&mut self) -> io::Result<()> {
        if !self.header_written {
            self.header_written = true;
            self.emit(self.columns)?;
        }
        Ok(())
    }

    /// Writes one row.
    pub fn write<R: Serialize + ?Sized>(&mut self, record: &R) -> io::Result<()> {
        self.header()?;
        let value = serde_json::to_value(record).map_err(io::Error::other)?;
        let mut row = std::mem::take(&mut self.row);
        let stray = fill_row(&value, self.columns, &mut row);
        if stray > 0 {
            tracing::debug!(stray, "record fields without a CSV column were left out");
        }
        let result = self.emit(row.as_slice());
        self.row = row;
        result
    }

    /// Flushes the sink.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Writes the header if no row did, flushes and returns the sink.
    pub fn finish(mut self) -> io::Result<W> {
        self.header()?;
        self.out.flush()?;
        Ok(self.out)
    }
}

fn push_field(line: &mut Vec<u8>, field: &str) {
    if field.contains([',', '"', '\r', '\n']) {
        line.push(b'"');
        for b in field.bytes() {
            if b == b'"' {
                line.push(b'"');
            }
            line.push(b);
        }
        line.push(b'"');
    } else {
        line.extend_from_slice(field.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn header_then_rows_with_exact_digits_and_quoting() {
        let mut w = CsvRows::new(&["card", "name", "fee_amount"], Vec::new());
        w.write(&json!({"card": "1", "name": "移动 10 条, \"基础\"", "fee": {"amount": "1.00"}}))
            .unwrap();
        w.write(&json!({"card": "2", "name": null})).unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(
            out,
            "card,name,fee_amount\n1,\"移动 10 条, \"\"基础\"\"\",1.00\n2,,\n"
        );
        let mut reader = csv::Reader::from_reader(out.as_bytes());
        let rows: Vec<_> = reader.records().map(Result::unwrap).collect();
        assert_eq!(&rows[0][1], "移动 10 条, \"基础\"");
    }

    #[test]
    fn empty_output_still_has_its_header() {
        let w = CsvRows::new(&["card", "status"], Vec::new());
        assert_eq!(w.finish().unwrap(), b"card,status\n");
    }

    proptest::proptest! {
        #[test]
        fn any_text_round_trips_through_csv(fields in proptest::collection::vec(".*", 3)) {
            let mut w = CsvRows::new(&["a", "b", "c"], Vec::new());
            w.write(&json!({"a": fields[0], "b": fields[1], "c": fields[2]})).unwrap();
            let out = w.finish().unwrap();
            let mut reader = csv::ReaderBuilder::new().from_reader(out.as_slice());
            let row = reader.records().next().unwrap().unwrap();
            let back: Vec<&str> = row.iter().collect();
            proptest::prop_assert_eq!(back, fields.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }
}
