//! A JSON document as a client sent it: well-formed or not, and every key
//! sent twice in one object.
//!
//! `serde_json::Value` keeps the last of two equal keys without a word, so a
//! body naming `name` twice would silently lose one of them. This parse
//! builds the same value and names each repeated key by its JSON path
//! (`inspections[1].date`), so the HTTP API and the bulk import refuse it.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::FieldErrors;

/// Why a document was refused.
#[derive(Debug)]
pub enum JsonDocumentError {
    /// Not well-formed JSON; the message says what and where.
    Malformed(String),
    /// Well-formed, but some object names a key twice: each such key, by path.
    DuplicateKeys(FieldErrors),
}

/// Parses `bytes` as one JSON document (surrounding whitespace allowed).
pub fn parse_json_document(bytes: &[u8]) -> Result<Value, JsonDocumentError> {
    let malformed = |error: serde_json::Error| JsonDocumentError::Malformed(error.to_string());
    let duplicates = RefCell::new(FieldErrors::new());
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = ValueSeed {
        path: &Path::Root,
        duplicates: &duplicates,
    }
    .deserialize(&mut deserializer)
    .map_err(malformed)?;
    deserializer.end().map_err(malformed)?;
    let duplicates = duplicates.into_inner();
    if duplicates.is_empty() {
        Ok(value)
    } else {
        Err(JsonDocumentError::DuplicateKeys(duplicates))
    }
}

/// Where a value sits in the document; rendered only when a key repeats.
enum Path<'p> {
    Root,
    Key(&'p Path<'p>, &'p str),
    Index(&'p Path<'p>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Key(Path::Root, key) => f.write_str(key),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

/// Builds a [`Value`] like `Value`'s own `Deserialize`, recording repeated keys.
#[derive(Clone, Copy)]
struct ValueSeed<'p> {
    path: &'p Path<'p>,
    duplicates: &'p RefCell<FieldErrors>,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        // The JSON parser yields finite numbers only.
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        let mut values = Vec::with_capacity(items.size_hint().unwrap_or(0));
        loop {
            let here = Path::Index(self.path, values.len());
            let seed = ValueSeed {
                path: &here,
                duplicates: self.duplicates,
            };
            match items.next_element_seed(seed)? {
                Some(value) => values.push(value),
                None => return Ok(Value::Array(values)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = members.next_key::<String>()? {
            let here = Path::Key(self.path, &key);
            let value = members.next_value_seed(ValueSeed {
                path: &here,
                duplicates: self.duplicates,
            })?;
            if map.contains_key(&key) {
                let field = here.to_string();
                self.duplicates
                    .borrow_mut()
                    .push(field, "is sent more than once");
            }
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn duplicates_of(text: &str) -> Vec<String> {
        match parse_json_document(text.as_bytes()) {
            Err(JsonDocumentError::DuplicateKeys(errors)) => {
                errors.iter().map(|e| e.field.clone()).collect()
            }
            other => panic!("expected duplicates, got {other:?}"),
        }
    }

    #[test]
    fn builds_the_same_value_as_serde_json() {
        let text =
            r#" {"a": [1, -2, 3.5, "x", null, true, {"b": {}}], "c": 18446744073709551615} "#;
        let expected: Value = serde_json::from_str(text).unwrap();
        assert_eq!(parse_json_document(text.as_bytes()).unwrap(), expected);
        assert_eq!(parse_json_document(b"[]").unwrap(), json!([]));
    }

    #[test]
    fn names_every_repeated_key_by_path() {
        assert_eq!(duplicates_of(r#"{"name": "A", "name": "B"}"#), ["name"]);
        assert_eq!(
            duplicates_of(
                r#"{"vessels": [{}, {"inspections": [{"date": 1, "date": 2}]}], "x": 1, "x": 2}"#
            ),
            ["vessels[1].inspections[0].date", "x"]
        );
    }

    #[test]
    fn malformed_documents_say_so() {
        for text in ["", "{", "{} {}", "{\"a\" 1}", "nul"] {
            assert!(
                matches!(
                    parse_json_document(text.as_bytes()),
                    Err(JsonDocumentError::Malformed(_))
                ),
                "{text}"
            );
        }
    }
}
