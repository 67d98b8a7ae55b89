//! Reading one JSON object field by field, collecting every problem.
//!
//! serde stops at the first field of the wrong type, so a body parsed by it
//! names one bad field per attempt. [`JsonFields`] reads each member on its
//! own and records, by the member's name, every one that is missing, null
//! where null is not allowed, of the wrong JSON type or against its rule,
//! and finally every member nobody asked for. Messages are for a person
//! calling a JSON API ("must be an integer"), never Rust types.

use serde_json::{Map, Value};

use super::FieldErrors;
use validator::ValidateRange;

/// The members of one JSON object being read; see the module doc.
pub struct JsonFields<'a> {
    members: &'a Map<String, Value>,
    known: Vec<&'static str>,
    errors: FieldErrors,
}

impl<'a> JsonFields<'a> {
    /// Starts reading `value`; anything but an object is refused as a whole
    /// (the error's field is empty: the caller's path names it).
    pub fn of(value: &'a Value) -> Result<Self, FieldErrors> {
        match value {
            Value::Object(members) => Ok(Self {
                members,
                known: Vec::new(),
                errors: FieldErrors::new(),
            }),
            _ => {
                let mut errors = FieldErrors::new();
                errors.push("", "must be an object");
                Err(errors)
            }
        }
    }

    /// The problems recorded so far, for rules that span several members.
    pub fn errors(&mut self) -> &mut FieldErrors {
        &mut self.errors
    }

    /// Whether the object names `name` at all (even as `null`).
    pub fn sent(&self, name: &str) -> bool {
        self.members.contains_key(name)
    }

    /// Every problem, with each member nobody read named as unknown.
    pub fn finish(mut self) -> FieldErrors {
        for name in self.members.keys() {
            if !self.known.contains(&name.as_str()) {
                self.errors
                    .push(name.clone(), "is not a field of this request");
            }
        }
        self.errors
    }

    /// Reads `name` with `convert`: absent takes `default` (or is required),
    /// `null` and values `convert` refuses are named with `expected`.
    fn member<T>(
        &mut self,
        name: &'static str,
        default: Option<T>,
        expected: &str,
        convert: impl FnOnce(&'a Value) -> Option<T>,
    ) -> Option<T> {
        self.known.push(name);
        let value = match self.members.get(name) {
            None if default.is_some() => return default,
            None => {
                self.errors.push(name, "is required");
                return None;
            }
            Some(Value::Null) => {
                self.errors
                    .push(name, format!("must be {expected}, not null"));
                return None;
            }
            Some(value) => value,
        };
        let converted = convert(value);
        if converted.is_none() {
            self.errors.push(name, format!("must be {expected}"));
        }
        converted
    }

    /// Records the error of a rule, if any, and hands back the value.
    fn rule<T, E: std::fmt::Display>(&mut self, name: &str, result: Result<T, E>) -> Option<T> {
        self.errors.check(name, result)
    }

    /// A required string.
    pub fn string(&mut self, name: &'static str) -> Option<&'a str> {
        self.member(name, None, "a string", Value::as_str)
    }

    /// A required string parsed by `parse`.
    pub fn string_as<T, E: std::fmt::Display>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let raw = self.string(name)?;
        self.rule(name, parse(raw))
    }

    /// An optional string: absent and `null` are both `Some(None)`.
    pub fn optional_string(&mut self, name: &'static str) -> Option<Option<&'a str>> {
        self.known.push(name);
        match self.members.get(name) {
            None | Some(Value::Null) => Some(None),
            Some(Value::String(raw)) => Some(Some(raw)),
            Some(_) => {
                self.errors.push(name, "must be a string or null");
                None
            }
        }
    }

    /// An optional string parsed by `parse` when sent.
    pub fn optional_string_as<T, E: std::fmt::Display>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<Option<T>> {
        match self.optional_string(name)? {
            None => Some(None),
            Some(raw) => self.rule(name, parse(raw)).map(Some),
        }
    }

    /// An integer from `min` to `max`, `default` when absent (required when `None`).
    /// As in JSON Schema, a number with a zero fractional part (`65536.0`,
    /// `1e3`) is an integer.
    pub fn integer_in(
        &mut self,
        name: &'static str,
        default: Option<i64>,
        min: i64,
        max: i64,
    ) -> Option<i64> {
        let value = self.member(name, default, "an integer", integral)?;
        if value.validate_range(Some(min), Some(max), None, None) {
            Some(value)
        } else {
            self.errors
                .push(name, format!("must be between {min} and {max}"));
            None
        }
    }

    /// A required number.
    pub fn number(&mut self, name: &'static str) -> Option<f64> {
        self.member(name, None, "a number", Value::as_f64)
    }

    /// A required number parsed by `parse`.
    pub fn number_as<T, E: std::fmt::Display>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(f64) -> Result<T, E>,
    ) -> Option<T> {
        let raw = self.number(name)?;
        self.rule(name, parse(raw))
    }

    /// `true` or `false`, `default` when absent (required when `None`).
    pub fn boolean(&mut self, name: &'static str, default: Option<bool>) -> Option<bool> {
        self.member(name, default, "true or false", Value::as_bool)
    }

    /// A required JSON object, handed back whole for its own reader.
    pub fn object(&mut self, name: &'static str) -> Option<&'a Value> {
        self.member(name, None, "an object", |value| {
            value.is_object().then_some(value)
        })
    }

    /// An array, empty when absent (`required`: named when absent).
    pub fn array(&mut self, name: &'static str, required: bool) -> Option<&'a [Value]> {
        let default = (!required).then_some(&[][..]);
        self.member(name, default, "an array", |value| {
            value.as_array().map(Vec::as_slice)
        })
    }
}

/// `value` as an integer when JSON Schema would call it one. An integer
/// beyond i64 is still an integer, just out of range: it saturates.
fn integral(value: &Value) -> Option<i64> {
    if let Some(n) = value.as_i64() {
        return Some(n);
    }
    if value.as_u64().is_some() {
        return Some(i64::MAX);
    }
    let n = value.as_f64()?;
    // `as` saturates, so an integral float beyond i64 lands out of range too.
    (n.is_finite() && n.fract() == 0.0).then_some(n as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields_of(errors: &FieldErrors) -> Vec<(&str, &str)> {
        errors
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect()
    }

    #[test]
    fn names_missing_null_mistyped_out_of_range_and_unknown_members_at_once() {
        let value = json!({"b": null, "c": "old", "d": 7.5, "e": 1, "f": 18446744073709551615u64,
            "g": "yes", "h": {}, "zz": 1});
        let mut fields = JsonFields::of(&value).unwrap();
        assert_eq!(fields.string("a"), None);
        assert_eq!(fields.string("b"), None);
        assert_eq!(fields.integer_in("c", None, 0, 9), None);
        assert_eq!(fields.integer_in("d", None, 0, 9), None);
        assert_eq!(fields.integer_in("e", None, 2, 9), None);
        assert_eq!(fields.integer_in("f", None, 0, 9), None);
        assert_eq!(fields.boolean("g", Some(false)), None);
        assert_eq!(fields.array("h", false), None);
        assert_eq!(
            fields_of(&fields.finish()),
            [
                ("a", "is required"),
                ("b", "must be a string, not null"),
                ("c", "must be an integer"),
                ("d", "must be an integer"),
                ("e", "must be between 2 and 9"),
                ("f", "must be between 0 and 9"),
                ("g", "must be true or false"),
                ("h", "must be an array"),
                ("zz", "is not a field of this request"),
            ]
        );
    }

    #[test]
    fn integral_numbers_are_integers_as_in_json_schema() {
        let value = json!({"a": 65536.0, "b": 1e3, "c": -0.0, "d": 1.5, "e": 1e300});
        let mut fields = JsonFields::of(&value).unwrap();
        assert_eq!(fields.integer_in("a", None, 0, 100_000), Some(65536));
        assert_eq!(fields.integer_in("b", None, 0, 100_000), Some(1000));
        assert_eq!(fields.integer_in("c", None, 0, 9), Some(0));
        assert_eq!(fields.integer_in("d", None, 0, 9), None);
        assert_eq!(fields.integer_in("e", None, 0, 9), None);
        assert_eq!(
            fields_of(&fields.finish()),
            [
                ("d", "must be an integer"),
                ("e", "must be between 0 and 9")
            ]
        );
    }

    #[test]
    fn defaults_and_optional_members() {
        let value = json!({"n": null, "s": "x", "bad": 3});
        let mut fields = JsonFields::of(&value).unwrap();
        assert_eq!(fields.integer_in("count", Some(0), 0, 9), Some(0));
        assert_eq!(fields.boolean("flag", Some(true)), Some(true));
        assert_eq!(fields.array("items", false), Some(&[][..]));
        assert_eq!(fields.optional_string("n"), Some(None));
        assert_eq!(fields.optional_string("absent"), Some(None));
        assert_eq!(fields.optional_string("s"), Some(Some("x")));
        assert_eq!(fields.optional_string("bad"), None);
        assert!(fields.sent("n") && !fields.sent("absent"));
        assert_eq!(
            fields_of(&fields.finish()),
            [("bad", "must be a string or null")]
        );
    }

    #[test]
    fn anything_but_an_object_is_refused_as_a_whole() {
        for value in [json!([1]), json!("x"), json!(1), json!(null)] {
            let errors = JsonFields::of(&value).err().unwrap();
            assert_eq!(fields_of(&errors), [("", "must be an object")]);
        }
    }
}
