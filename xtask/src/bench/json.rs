//! Reading JSON with the standard library only: [`Object`] for the
//! one-line objects the simulator and `iotcard-bench` print (top-level
//! fields by name, a nested object or array kept as its raw text), and
//! [`Json`] for a whole document such as `cargo metadata`'s.

use std::collections::BTreeMap;

use crate::run::Failure;

/// One top-level value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    /// An object or array, verbatim.
    Raw(String),
}

/// A JSON object's top-level fields.
#[derive(Clone, Debug, Default)]
pub struct Object(BTreeMap<String, Value>);

impl Object {
    /// Parses `text` (surrounding whitespace allowed), naming `what` in errors.
    pub fn parse(text: &str, what: &str) -> Result<Self, Failure> {
        let mut reader = Reader {
            bytes: text.trim().as_bytes(),
            at: 0,
        };
        reader
            .object()
            .and_then(|fields| match reader.at == reader.bytes.len() {
                true => Ok(fields),
                false => Err(format!("text after the object at byte {}", reader.at)),
            })
            .map(Object)
            .map_err(|why| Failure::new(format!("{what} is not a JSON object ({why}): {text}")))
    }

    /// The last line of `output` that parses as an object.
    pub fn last_line(output: &str, what: &str) -> Result<Self, Failure> {
        let line = output
            .lines()
            .rev()
            .find(|l| l.trim_start().starts_with('{'))
            .ok_or_else(|| Failure::new(format!("{what} printed no JSON line: {output}")))?;
        Self::parse(line, what)
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// A number field; a missing or non-number field is a failure.
    pub fn num(&self, key: &str) -> Result<f64, Failure> {
        match self.0.get(key) {
            Some(Value::Num(n)) => Ok(*n),
            other => Err(Failure::new(format!(
                "expected a number at `{key}`, found {other:?}"
            ))),
        }
    }

    /// A boolean field.
    pub fn bool(&self, key: &str) -> Result<bool, Failure> {
        match self.0.get(key) {
            Some(Value::Bool(b)) => Ok(*b),
            other => Err(Failure::new(format!(
                "expected true or false at `{key}`, found {other:?}"
            ))),
        }
    }

    /// The string fields, for passing on as environment variables.
    pub fn strings(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().filter_map(|(k, v)| match v {
            Value::Str(s) => Some((k.as_str(), s.as_str())),
            _ => None,
        })
    }
}

/// A whole JSON document, every level parsed.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Array(Vec<Json>),
    /// Fields in the document's order.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// Parses `text` (surrounding whitespace allowed), naming `what` in errors.
    pub fn parse(text: &str, what: &str) -> Result<Self, Failure> {
        let mut reader = Reader {
            bytes: text.trim().as_bytes(),
            at: 0,
        };
        reader
            .tree()
            .and_then(|tree| match reader.at == reader.bytes.len() {
                true => Ok(tree),
                false => Err(format!("text after the document at byte {}", reader.at)),
            })
            .map_err(|why| {
                let start: String = text.chars().take(200).collect();
                Failure::new(format!("{what} is not JSON ({why}): {start}"))
            })
    }

    /// The field `key` of an object (`None` for a missing field or a non-object).
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn skip_space(&mut self) {
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        self.skip_space();
        if self.bytes.get(self.at) == Some(&byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(format!("expected `{}` at byte {}", byte as char, self.at))
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.bytes.get(self.at).copied()
    }

    fn object(&mut self) -> Result<BTreeMap<String, Value>, String> {
        self.expect(b'{')?;
        let mut fields = BTreeMap::new();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(fields);
        }
        loop {
            self.skip_space();
            let key = self.string()?;
            self.expect(b':')?;
            let value = self.value()?;
            fields.insert(key, value);
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(fields);
                }
                _ => return Err(format!("expected `,` or `}}` at byte {}", self.at)),
            }
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        match self.peek() {
            Some(b'"') => self.string().map(Value::Str),
            Some(b'{' | b'[') => {
                let start = self.at;
                self.skip_nested()?;
                Ok(Value::Raw(
                    String::from_utf8_lossy(&self.bytes[start..self.at]).into_owned(),
                ))
            }
            Some(b't') => self.word("true", Value::Bool(true)),
            Some(b'f') => self.word("false", Value::Bool(false)),
            Some(b'n') => self.word("null", Value::Null),
            Some(_) => self.number().map(Value::Num),
            None => Err("unexpected end".into()),
        }
    }

    fn word<T>(&mut self, word: &str, value: T) -> Result<T, String> {
        if self.bytes[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(format!("unknown word at byte {}", self.at))
        }
    }

    fn number(&mut self) -> Result<f64, String> {
        let start = self.at;
        while self
            .bytes
            .get(self.at)
            .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
        {
            self.at += 1;
        }
        let text = std::str::from_utf8(&self.bytes[start..self.at]).unwrap_or_default();
        text.parse()
            .map_err(|_| format!("not a number at byte {start}: {text:?}"))
    }

    fn string(&mut self) -> Result<String, String> {
        if self.bytes.get(self.at) != Some(&b'"') {
            return Err(format!("expected a string at byte {}", self.at));
        }
        self.at += 1;
        let mut out = Vec::new();
        loop {
            let Some(&byte) = self.bytes.get(self.at) else {
                return Err("unterminated string".into());
            };
            self.at += 1;
            match byte {
                b'"' => return String::from_utf8(out).map_err(|e| e.to_string()),
                b'\\' => {
                    let Some(&escaped) = self.bytes.get(self.at) else {
                        return Err("unterminated escape".into());
                    };
                    self.at += 1;
                    match escaped {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'u' => {
                            let hex = self
                                .bytes
                                .get(self.at..self.at + 4)
                                .and_then(|h| std::str::from_utf8(h).ok())
                                .and_then(|h| u32::from_str_radix(h, 16).ok())
                                .ok_or("bad \\u escape")?;
                            self.at += 4;
                            let c = char::from_u32(hex).unwrap_or('\u{fffd}');
                            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                        }
                        other => out.push(other),
                    }
                }
                other => out.push(other),
            }
        }
    }

    /// One value, every level parsed.
    fn tree(&mut self) -> Result<Json, String> {
        match self.peek() {
            Some(b'"') => self.string().map(Json::Str),
            Some(b'{') => {
                self.at += 1;
                let mut fields = Vec::new();
                if self.peek() == Some(b'}') {
                    self.at += 1;
                    return Ok(Json::Object(fields));
                }
                loop {
                    self.skip_space();
                    let key = self.string()?;
                    self.expect(b':')?;
                    fields.push((key, self.tree()?));
                    match self.peek() {
                        Some(b',') => self.at += 1,
                        Some(b'}') => {
                            self.at += 1;
                            return Ok(Json::Object(fields));
                        }
                        _ => return Err(format!("expected `,` or `}}` at byte {}", self.at)),
                    }
                }
            }
            Some(b'[') => {
                self.at += 1;
                let mut items = Vec::new();
                if self.peek() == Some(b']') {
                    self.at += 1;
                    return Ok(Json::Array(items));
                }
                loop {
                    items.push(self.tree()?);
                    match self.peek() {
                        Some(b',') => self.at += 1,
                        Some(b']') => {
                            self.at += 1;
                            return Ok(Json::Array(items));
                        }
                        _ => return Err(format!("expected `,` or `]` at byte {}", self.at)),
                    }
                }
            }
            Some(b't') => self.word("true", Json::Bool(true)),
            Some(b'f') => self.word("false", Json::Bool(false)),
            Some(b'n') => self.word("null", Json::Null),
            Some(_) => self.number().map(Json::Num),
            None => Err("unexpected end".into()),
        }
    }

    /// Moves past one object or array, strings inside included.
    fn skip_nested(&mut self) -> Result<(), String> {
        let mut depth = 0usize;
        while let Some(&byte) = self.bytes.get(self.at) {
            match byte {
                b'"' => {
                    self.string()?;
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        self.at += 1;
                        return Ok(());
                    }
                }
                _ => {}
            }
            self.at += 1;
        }
        Err("unterminated object or array".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_simulator_line_and_bench_figures() {
        let line = r#"{"IOTCARD_IOTBOS_ENDPOINT":"http://127.0.0.1:1","pw":"a\"b\\c\u00e9","n":12.5e1,"ok":true,"x":null,"nested":{"a":[1,"}"]},"neg":-3}"#;
        let o = Object::parse(line, "test").unwrap();
        let text = |k| match o.get(k) {
            Some(Value::Str(s)) => s.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(text("IOTCARD_IOTBOS_ENDPOINT"), "http://127.0.0.1:1");
        assert_eq!(text("pw"), "a\"b\\cé");
        assert_eq!(o.num("n").unwrap(), 125.0);
        assert_eq!(o.num("neg").unwrap(), -3.0);
        assert!(o.bool("ok").unwrap());
        assert_eq!(o.get("x"), Some(&Value::Null));
        assert_eq!(
            o.get("nested"),
            Some(&Value::Raw(r#"{"a":[1,"}"]}"#.into()))
        );
        assert_eq!(o.strings().count(), 2);
        assert!(o.num("pw").is_err());
    }

    #[test]
    fn broken_lines_are_failures_not_panics() {
        for text in [
            "",
            "{",
            "{\"a\":}",
            "{\"a\":1,}",
            "[1]",
            "{\"a\":1} x",
            "{\"a\":\"\\u12\"}",
            "{\"a\":tru}",
        ] {
            assert!(Object::parse(text, "test").is_err(), "{text}");
        }
        assert!(Object::last_line("noise\n{\"a\":1}\n", "t").is_ok());
        assert!(Object::last_line("noise\n", "t").is_err());
    }

    #[test]
    fn a_whole_document_is_parsed_at_every_level() {
        let text = r#" {"packages":[{"name":"a","publish":null,"deps":[{"kind":"dev"},{"kind":null}]},
                       {"name":"b\u00e9","publish":[],"n":-1.5e1,"ok":false}],"empty":{}} "#;
        let doc = Json::parse(text, "test").unwrap();
        let packages = doc.get("packages").and_then(Json::as_array).unwrap();
        assert_eq!(packages.len(), 2);
        assert_eq!(packages[0].get("name").and_then(Json::as_str), Some("a"));
        assert!(packages[0].get("publish").unwrap().is_null());
        let deps = packages[0].get("deps").and_then(Json::as_array).unwrap();
        assert_eq!(deps[0].get("kind").and_then(Json::as_str), Some("dev"));
        assert!(deps[1].get("kind").unwrap().is_null());
        assert_eq!(packages[1].get("name").and_then(Json::as_str), Some("bé"));
        assert_eq!(packages[1].get("publish"), Some(&Json::Array(vec![])));
        assert_eq!(packages[1].get("n"), Some(&Json::Num(-15.0)));
        assert_eq!(packages[1].get("ok"), Some(&Json::Bool(false)));
        assert_eq!(doc.get("empty"), Some(&Json::Object(vec![])));
        assert_eq!(doc.get("missing"), None);
        assert_eq!(packages[0].get("name").unwrap().get("x"), None);
        for broken in ["", "[1,]", "[1 2]", "{\"a\":[}", "{\"a\":1} x", "[tru]"] {
            assert!(Json::parse(broken, "test").is_err(), "{broken}");
        }
    }
}
