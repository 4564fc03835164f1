//! `json` (one array) and `jsonl` (one object a line), written record by
//! record: each record is encoded whole into a buffer first, so the sink
//! only ever receives complete records.

use std::io::{self, Write};

use serde::Serialize;

fn encode<R: Serialize + ?Sized>(buf: &mut Vec<u8>, record: &R) -> io::Result<()> {
    serde_json::to_writer(buf, record).map_err(io::Error::other)
}

/// One JSON object per line.
#[derive(Debug)]
pub struct JsonLines<W> {
    out: W,
    buf: Vec<u8>,
}

impl<W: Write> JsonLines<W> {
    /// Writes to `out`.
    pub fn new(out: W) -> Self {
        JsonLines {
            out,
            buf: Vec::with_capacity(512),
        }
    }

    /// Writes one line.
    pub fn write<R: Serialize + ?Sized>(&mut self, record: &R) -> io::Result<()> {
        self.buf.clear();
        encode(&mut self.buf, record)?;
        self.buf.push(b'\n');
        self.out.write_all(&self.buf)
    }

    /// Flushes the sink.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Flushes and returns the sink.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// One JSON array, streamed element by element: `[` before the first,
/// `,` between, `]` at the end (also after an interruption, so the array
/// is well-formed whenever `finish` runs).
#[derive(Debug)]
pub struct JsonArray<W> {
    out: W,
    buf: Vec<u8>,
    started: bool,
}

impl<W: Write> JsonArray<W> {
    /// Writes to `out`.
    pub fn new(out: W) -> Self {
        JsonArray {
            out,
            buf: Vec::with_capacity(512),
            started: false,
        }
    }

    /// Writes one element.
    pub fn write<R: Serialize + ?Sized>(&mut self, record: &R) -> io::Result<()> {
        self.buf.clear();
        self.buf
            .extend_from_slice(if self.started { b",\n" } else { b"[\n" });
        encode(&mut self.buf, record)?;
        self.out.write_all(&self.buf)?;
        self.started = true;
        Ok(())
    }

    /// Flushes the sink.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Closes the array, flushes and returns the sink.
    pub fn finish(mut self) -> io::Result<W> {
        self.out
            .write_all(if self.started { b"\n]\n" } else { b"[]\n" })?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn lines_are_whole_objects() {
        let mut w = JsonLines::new(Vec::new());
        w.write(&json!({"card": "1", "fee": "1.00"})).unwrap();
        w.write(&json!({"card": "2"})).unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(out, "{\"card\":\"1\",\"fee\":\"1.00\"}\n{\"card\":\"2\"}\n");
    }

    #[test]
    fn array_is_valid_json_with_zero_one_or_many() {
        for n in [0, 1, 3] {
            let mut w = JsonArray::new(Vec::new());
            for i in 0..n {
                w.write(&json!({ "card": i.to_string() })).unwrap();
            }
            let out = w.finish().unwrap();
            let parsed: Vec<Value> = serde_json::from_slice(&out).unwrap();
            assert_eq!(parsed.len(), n);
        }
    }

    /// A sink that accepts a few bytes per call, as a pipe may.
    struct Trickle(Vec<u8>);
    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = buf.len().min(3);
            self.0.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn partial_writes_still_deliver_whole_lines() {
        let mut w = JsonLines::new(Trickle(Vec::new()));
        w.write(&json!({"card": "1064804085884"})).unwrap();
        let out = w.finish().unwrap().0;
        assert_eq!(out, b"{\"card\":\"1064804085884\"}\n");
    }
}
