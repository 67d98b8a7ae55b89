//! The rules for free text. Short text (names, codes): trimmed, not blank,
//! at most so many characters, no control characters. Long text
//! (descriptions): at most so many characters, no control characters but
//! the line breaks and tabs of prose.
//!
//! Control characters are refused at the edge because stores differ on
//! them: PostgreSQL refuses a NUL in text (a 500 if it got that far) while
//! SQLite keeps it, and no dashboard can show one.
//!
//! Lengths are counted in characters by `validator`'s length rule, the one
//! the API relies on (characters, not bytes).

use validator::ValidateLength;

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
    if !text.validate_length(None, Some(max_chars as u64), None) {
        return Err(format!("must be at most {max_chars} characters"));
    }
    if text.chars().any(char::is_control) {
        return Err(NO_CONTROL_CHARACTERS.into());
    }
    Ok(text.to_string())
}

const NO_CONTROL_CHARACTERS: &str = "must not contain control characters";

/// `input` as sent, when it is at most `max_chars` characters with no
/// control character other than tab, line feed and carriage return.
pub(super) fn parse_long_text(input: &str, max_chars: usize) -> Result<String, String> {
    if !input.validate_length(None, Some(max_chars as u64), None) {
        return Err(format!("must be at most {max_chars} characters"));
    }
    if input
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(format!(
            "{NO_CONTROL_CHARACTERS} other than line breaks and tabs"
        ));
    }
    Ok(input.to_string())
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

    #[test]
    fn long_text_keeps_line_breaks_and_refuses_other_control_characters() {
        assert_eq!(parse_long_text("a\r\n\tb ", 9).unwrap(), "a\r\n\tb ");
        assert_eq!(parse_long_text("", 9).unwrap(), "");
        for bad in ["a\u{0}b", "\u{1b}[31m", "\u{7f}", "\u{85}"] {
            assert!(parse_long_text(bad, 9).is_err(), "{bad:?}");
        }
        assert!(parse_long_text(&"é".repeat(3), 2).is_err());
    }
}
