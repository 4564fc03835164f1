//! A JSON object read for its field names in any letter case.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

/// A JSON object's fields, in the order sent, each value still raw (so that
/// numbers keep their digits and nested values are read only if asked for).
///
/// Names match without regard to ASCII letter case: the IoTBOS document
/// itself mixes `num` with `State`, and servers written to it vary again.
/// When a name is sent twice (in any case), the first value is the one
/// read: a later repeat cannot change what an earlier reader saw.
///
/// ```
/// let object = iotcard_wire::Object::parse(r#"{"UseFlow": 1.50, "useflow": 9}"#)?;
/// assert_eq!(object.get("useFlow").unwrap().get(), "1.50");
/// assert!(object.get("ResidualFlow").is_none());
/// # Ok::<(), serde_json::Error>(())
/// ```
pub struct Object<'a> {
    fields: Vec<(Cow<'a, str>, &'a RawValue)>,
}

impl<'a> Object<'a> {
    /// Reads `text`, which must be one JSON object (surrounding JSON
    /// whitespace allowed).
    pub fn parse(text: &'a str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Reads `raw` if it is an object; `None` when it is anything else
    /// (`null` included).
    pub fn of(raw: &'a RawValue) -> Option<Self> {
        Self::parse(raw.get()).ok()
    }

    /// The value of the first field named `name`, in any letter case.
    /// A `null` value is returned as such: the scalar readers take it as
    /// none.
    pub fn get(&self, name: &str) -> Option<&'a RawValue> {
        self.fields
            .iter()
            .find(|(key, _)| key.trim().eq_ignore_ascii_case(name))
            .map(|(_, value)| *value)
    }

    /// The value of the first field named `name` that is not `null`.
    pub fn get_present(&self, name: &str) -> Option<&'a RawValue> {
        self.get(name).filter(|v| v.get() != "null")
    }

    /// The fields, in the order sent.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &'a RawValue)> + '_ {
        self.fields
            .iter()
            .map(|(key, value)| (key.as_ref(), *value))
    }

    /// How many fields were sent.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the object is `{}`.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

impl fmt::Debug for Object<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.fields.iter().map(|(k, v)| (k, v.get())))
            .finish()
    }
}

impl<'de> Deserialize<'de> for Object<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = Object<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    let value: &'de RawValue = map.next_value()?;
                    fields.push((key, value));
                }
                Ok(Object { fields })
            }
        }
        d.deserialize_map(Fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_any_case_first_wins() {
        let o = Object::parse(r#"{"State":1,"state":2,"DATA":{"date":[]}}"#).unwrap();
        assert_eq!(o.get("state").unwrap().get(), "1");
        assert_eq!(o.get("data").unwrap().get(), r#"{"date":[]}"#);
        assert_eq!(o.len(), 3);
    }

    #[test]
    fn escaped_keys_and_blanks_around_names() {
        let o = Object::parse(r#"{"\u0053tate":1," num ":"x"}"#).unwrap();
        assert_eq!(o.get("STATE").unwrap().get(), "1");
        assert_eq!(o.get("num").unwrap().get(), r#""x""#);
    }

    #[test]
    fn only_objects() {
        assert!(Object::parse("[1,2]").is_err());
        assert!(Object::parse("null").is_err());
        assert!(Object::parse(r#"{"a":1} x"#).is_err());
        let raw: &RawValue = serde_json::from_str("null").unwrap();
        assert!(Object::of(raw).is_none());
    }

    #[test]
    fn null_is_kept_but_present_skips_it() {
        let o = Object::parse(r#"{"ExpireDate":null}"#).unwrap();
        assert_eq!(o.get("expiredate").unwrap().get(), "null");
        assert!(o.get_present("expiredate").is_none());
    }
}
