//! The one rule for short free text (names, codes): trimmed, not blank, at
//! most so many characters, no control characters.

/// `input` trimmed, when it is 1 to `max_chars` characters with no control
/// character; else why not, with `blank` as the message for empty text.
pub(super) fn parse_short_text(
    input: &str,
    max_chars: usize,
    blank: &str,
) -> Result<String, String> {
    let text = input.trim();
    if text.is_empty() {
        return Err(blank.into());
    }
    if text.chars().count() > max_chars {
        return Err(format!("must be at most {max_chars} characters"));
    }
    if text.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_bounds_by_characters_not_bytes() {
        assert_eq!(parse_short_text("  Å  ", 1, "blank").unwrap(), "Å");
        assert_eq!(
            parse_short_text("ÅÅ", 1, "blank").unwrap_err(),
            "must be at most 1 characters"
        );
    }

    #[test]
    fn refuses_blank_and_control_characters() {
        assert_eq!(
            parse_short_text(" \t ", 5, "is blank").unwrap_err(),
            "is blank"
        );
        assert_eq!(
            parse_short_text("a\u{0}b", 5, "blank").unwrap_err(),
            "must not contain control characters"
        );
    }
}
