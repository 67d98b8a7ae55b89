//! A new API key as an admin asks for one: a name people tell it by, and
//! the role it carries.

use serde_json::Value;

use super::free_text::parse_short_text;
use super::{FieldErrors, JsonFields, Role};

/// Longest key name, in characters (as the CLI allows).
pub const KEY_NAME_MAX_CHARS: usize = 120;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKeyRequest {
    pub name: String,
    pub role: Role,
}

/// `{name, role}`, every bad field named.
pub fn parse_new_key(body: &Value) -> Result<NewKeyRequest, FieldErrors> {
    let mut fields = JsonFields::of(body)?;
    let name = fields.string_as("name", |text| {
        parse_short_text(text, KEY_NAME_MAX_CHARS, "must not be blank")
    });
    let role = fields.string_as("role", Role::parse);
    let errors = fields.finish();
    match (name, role) {
        (Some(name), Some(role)) if errors.is_empty() => Ok(NewKeyRequest { name, role }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_name_and_a_role_make_a_request() {
        let request = parse_new_key(&json!({"name": " dashboard ", "role": "viewer"})).unwrap();
        assert_eq!(request.name, "dashboard");
        assert_eq!(request.role, Role::Viewer);
    }

    #[test]
    fn every_bad_field_is_named() {
        let errors = parse_new_key(&json!({"name": "", "role": "root", "colour": 1})).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields.len(), 3, "{fields:?}");
        for field in ["name", "role", "colour"] {
            assert!(fields.contains(&field), "{field} in {fields:?}");
        }
        let missing = parse_new_key(&json!({})).unwrap_err();
        assert_eq!(missing.iter().count(), 2);
    }
}
