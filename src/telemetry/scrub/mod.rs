//! Removing vessel IMO numbers and insurance policy ids from anything that
//! leaves the process for Sentry. Pure functions, no IO.
//!
//! Two rules, applied everywhere (strings, JSON keys and values, nested at
//! any depth, and the raw bytes of a Sentry envelope):
//! - by field name: a field whose name has `imo` as a word part (`vesselIMO`,
//!   `imo`, `vessel_imo`, `imoNumber`) or names a policy id (`policyId`,
//!   `insurance_policy_id`) has its whole value replaced by a marker;
//! - by value: any run of exactly seven ASCII digits (delimited by non-digits)
//!   with a valid IMO check digit, or any seven digits after an `IMO` prefix,
//!   becomes `[imo]`; anything the configured policy id pattern finds becomes
//!   `[policy-id]`. Percent-encoded text (`IMO%209074729`) is decoded and
//!   scrubbed when the decoded form hides one.
//!
//! Left alone on purpose, so events stay useful: UUIDs and hex ids (event,
//! trace and span ids), digits of decimal numbers (`0.9074729`, timestamps),
//! route patterns like `/api/fleet-risk/vessels/{imo}`, dates and amounts.
//!
//! Written here because no crate does it: generic PII scrubbers know emails,
//! cards and tokens, not the IMO check digit or a configured policy id
//! pattern, and would either miss these or also mangle the ids events need.
//! The URL decoding underneath is the `percent-encoding` crate's.

mod envelope;
mod feedback;
mod field;

use std::borrow::Cow;

use percent_encoding::percent_decode_str;
use regex::Regex;
use serde_json::Value;

use crate::domain::{Imo, PolicyIdPattern};
pub use feedback::FEEDBACK_MARKER;
use feedback::{holds_feedback_body, is_feedback_field, is_feedback_submission};
pub use field::sensitive_field;

pub const IMO_MARKER: &str = "[imo]";
pub const POLICY_ID_MARKER: &str = "[policy-id]";

/// The scrubber for one configured policy id pattern.
#[derive(Debug, Clone)]
pub struct Scrubber {
    policy_ids: Regex,
    hex_ids: Regex,
}

impl Scrubber {
    pub fn new(policy_ids: &PolicyIdPattern) -> Self {
        Self {
            policy_ids: policy_ids.finder().clone(),
            hex_ids: Regex::new(
                // No (?i): the build has no unicode-case feature for regex.
                // UUIDs, 32/16-character hex ids, and `0x` literals (stack
                // frames' instruction addresses must still parse).
                r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b|\b[0-9a-f]{32}\b|\b[0-9a-f]{16}\b|\b0x[0-9a-fA-F]+\b",
            )
            .expect("the hex id pattern compiles"),
        }
    }

    /// `text` with every IMO number and policy id replaced by a marker.
    pub fn scrub_text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if holds_feedback_body(text) {
            return Cow::Owned(FEEDBACK_MARKER.to_string());
        }
        let raw = self.scrub_plain(text);
        // Percent-encoding can hide an IMO (`IMO%209074729` reads as nine
        // digits): when the decoded text still holds one, send the decoded,
        // scrubbed text instead.
        let mut decoded = raw.to_string();
        for _ in 0..3 {
            match percent_decode(&decoded) {
                Some(next) => decoded = next,
                None => break,
            }
        }
        if decoded != raw {
            let scrubbed = self.scrub_plain(&decoded);
            if scrubbed != decoded {
                return Cow::Owned(scrubbed.into_owned());
            }
        }
        raw
    }

    fn scrub_plain<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let without_policies = self.policy_ids.replace_all(text, POLICY_ID_MARKER);
        match self.scrub_imos(&without_policies) {
            Some(scrubbed) => Cow::Owned(scrubbed),
            None => without_policies,
        }
    }

    /// `None` when `text` holds no IMO number.
    fn scrub_imos(&self, text: &str) -> Option<String> {
        let bytes = text.as_bytes();
        let mut protected: Option<Vec<(usize, usize)>> = None;
        let mut out = String::new();
        let mut copied = 0;
        let mut i = 0;
        while i < bytes.len() {
            if !bytes[i].is_ascii_digit() {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let end = i;
            if end - start != 7 {
                continue;
            }
            let prefix_start = imo_prefix_start(bytes, start);
            if prefix_start.is_none() {
                if !Imo::is_valid_digits(&bytes[start..end]) || is_decimal_part(bytes, start, end) {
                    continue;
                }
                let ranges = protected.get_or_insert_with(|| {
                    self.hex_ids
                        .find_iter(text)
                        .map(|m| (m.start(), m.end()))
                        .collect()
                });
                if ranges.iter().any(|&(s, e)| s <= start && end <= e) {
                    continue;
                }
            }
            let from = prefix_start.unwrap_or(start);
            out.push_str(&text[copied..from]);
            out.push_str(IMO_MARKER);
            copied = end;
        }
        if copied == 0 {
            return None;
        }
        out.push_str(&text[copied..]);
        Some(out)
    }

    /// Scrubs a JSON value in place: sensitive field names lose their value,
    /// every key and string is scrubbed, and integers that are IMO numbers
    /// become 0. (A number stays a number: a typed field of the SDK that
    /// happens to hold such a value, a line number, an id, must still read
    /// back, or the whole event would be withheld.)
    pub fn scrub_json(&self, value: &mut Value) {
        match value {
            Value::String(text) => {
                if let Cow::Owned(scrubbed) = self.scrub_text(text) {
                    *text = scrubbed;
                }
            }
            Value::Number(number) => {
                if let Some(n) = number.as_u64()
                    && Imo::is_valid_digits(n.to_string().as_bytes())
                {
                    *value = Value::from(0);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.scrub_json(item)),
            Value::Object(map) => {
                let submission = is_feedback_submission(map);
                let entries = std::mem::take(map);
                for (key, mut item) in entries {
                    if is_feedback_field(&key) || (submission && key == "message") {
                        item = Value::String(FEEDBACK_MARKER.into());
                    }
                    match sensitive_field(&key) {
                        Some(marker) => item = Value::String(marker.into()),
                        None => self.scrub_json(&mut item),
                    }
                    map.insert(self.scrub_text(&key).into_owned(), item);
                }
            }
            Value::Null | Value::Bool(_) => {}
        }
    }
}

/// Where an `IMO` prefix (with optional separators) before the digits at
/// `digits_start` begins.
fn imo_prefix_start(bytes: &[u8], digits_start: usize) -> Option<usize> {
    let mut i = digits_start;
    let mut separators = 0;
    while i > 0 && matches!(bytes[i - 1], b' ' | b':' | b'#' | b'-' | b'_' | b'+' | b'.') {
        i -= 1;
        separators += 1;
        if separators > 3 {
            return None;
        }
    }
    if i >= 3 && bytes[i - 3..i].eq_ignore_ascii_case(b"imo") {
        Some(i - 3)
    } else {
        None
    }
}

/// Digits right after `1.` or right before `.5`: part of a decimal number.
fn is_decimal_part(bytes: &[u8], start: usize, end: usize) -> bool {
    let after_point = start >= 2 && bytes[start - 1] == b'.' && bytes[start - 2].is_ascii_digit();
    let before_point =
        end + 1 < bytes.len() && bytes[end] == b'.' && bytes[end + 1].is_ascii_digit();
    after_point || before_point
}

/// One round of URL decoding (`%XX`, and `+` as a space, as in a query
/// string), or `None` if nothing changes. A `%2B` decodes to `+`, not a space.
fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') && !text.contains('+') {
        return None;
    }
    let spaced = text.replace('+', " ");
    let decoded = percent_decode_str(&spaced).decode_utf8_lossy().into_owned();
    (decoded != text).then_some(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn scrubber() -> Scrubber {
        Scrubber::new(&PolicyIdPattern::default())
    }

    fn scrub(text: &str) -> String {
        scrubber().scrub_text(text).into_owned()
    }

    /// A valid IMO number from its first six digits.
    fn imo_from(six: u32) -> String {
        let digits: Vec<u32> = format!("{six:06}")
            .chars()
            .map(|c| c.to_digit(10).unwrap())
            .collect();
        let check: u32 = digits
            .iter()
            .zip([7, 6, 5, 4, 3, 2])
            .map(|(d, w)| d * w)
            .sum::<u32>()
            % 10;
        format!("{six:06}{check}")
    }

    #[test]
    fn imo_numbers_in_every_form_are_replaced() {
        for (input, expected) in [
            ("IMO 9074729", "[imo]"),
            ("IMO9074729", "[imo]"),
            ("imo:9074729", "[imo]"),
            ("9074729", "[imo]"),
            ("vessel 9074729 failed", "vessel [imo] failed"),
            (
                "/api/fleet-risk/vessels/9074729/risk",
                "/api/fleet-risk/vessels/[imo]/risk",
            ),
            (
                "/api/fleet-risk/vessels/IMO%209074729",
                "/api/fleet-risk/vessels/[imo]",
            ),
            ("/vessels/IMO%25209074729", "/vessels/[imo]"),
            ("?q=IMO+9074729&x=1", "?q=[imo]&x=1"),
            ("a9074729b", "a[imo]b"),
            ("9074729,9811000", "[imo],[imo]"),
            ("IMO 1234560", "[imo]"),
        ] {
            assert_eq!(scrub(input), expected, "{input}");
        }
    }

    #[test]
    fn url_decoding_is_one_round_of_query_string_decoding() {
        assert_eq!(percent_decode("a%2Bb+c%20d").as_deref(), Some("a+b c d"));
        assert_eq!(percent_decode("%252B").as_deref(), Some("%2B"));
        for unchanged in ["plain", "100%", "%zz", "%2"] {
            assert_eq!(percent_decode(unchanged), None, "{unchanged}");
        }
    }

    #[test]
    fn policy_ids_are_replaced() {
        assert_eq!(
            scrub("policy HULL-2026-004512 lapsed"),
            "policy [policy-id] lapsed"
        );
        assert_eq!(scrub("?p=HULL-2026-004512"), "?p=[policy-id]");
        let custom = Scrubber::new(&PolicyIdPattern::parse("^POL[0-9]{6}$").unwrap());
        assert_eq!(custom.scrub_text("id POL123456."), "id [policy-id].");
    }

    #[test]
    fn harmless_numbers_are_kept() {
        for text in [
            "1234560",
            "due 2026-11-26T10:00:00Z",
            "insured 12000000 USD",
            "score 0.9074729",
            "9074729.5 tonnes",
            "event 6f1c2a9e-3b1d-4c2a-9a1e-1234567abcde",
            "trace 3b1d4c2a9a1e9074729abcdef0123456",
            "span 9074729abcdef012",
            "route /api/fleet-risk/vessels/{imo}",
            "12345678",
            "123456",
        ] {
            assert_eq!(scrub(text), text);
        }
    }

    #[test]
    fn nested_json_is_scrubbed_by_name_and_value() {
        let mut value = json!({
            "vesselIMO": "whatever",
            "extra": {"deep": [{"imoNumber": 1}, {"note": "IMO 9074729"}]},
            "policy_id": {"nested": "x"},
            "count": 9074729,
            "amount": 1234560,
            "9811000": "key holds one",
            "route": "/api/fleet-risk/vessels/{imo}",
        });
        scrubber().scrub_json(&mut value);
        assert_eq!(
            value,
            json!({
                "vesselIMO": "[imo]",
                "extra": {"deep": [{"imoNumber": "[imo]"}, {"note": "[imo]"}]},
                "policy_id": "[policy-id]",
                "count": 0,
                "amount": 1234560,
                "[imo]": "key holds one",
                "route": "/api/fleet-risk/vessels/{imo}",
            })
        );
    }

    #[test]
    fn feedback_messages_are_removed_whole() {
        let secret = "our broker at Acme is useless, call me on 555";
        let body = json!({"rating": 1, "category": "Usability", "message": secret,
            "context": {"feature": "dashboard"}});
        let mut event = json!({
            "request": {"data": body.to_string(), "url": "/api/feedback"},
            "breadcrumbs": [{"message": format!("body: {body}")}, {"data": {"body": body.clone()}}],
            "extra": {"feedbackMessage": secret, "submission": body},
            "message": "a plain event message stays",
        });
        scrubber().scrub_json(&mut event);
        let text = event.to_string();
        assert!(!text.contains("Acme"), "{text}");
        assert_eq!(event["request"]["data"], "[feedback]");
        assert_eq!(event["breadcrumbs"][0]["message"], "[feedback]");
        assert_eq!(
            event["breadcrumbs"][1]["data"]["body"]["message"],
            "[feedback]"
        );
        assert_eq!(event["breadcrumbs"][1]["data"]["body"]["rating"], 1);
        assert_eq!(event["extra"]["feedbackMessage"], "[feedback]");
        assert_eq!(event["message"], "a plain event message stays");
    }

    proptest! {
        #[test]
        fn embedded_valid_imos_are_always_removed(
            six in 0u32..1_000_000,
            before in "[a-zA-Z /:=?&_\\-]{0,20}",
            after in "[a-zA-Z /:=?&_\\-]{0,20}",
            prefix in prop::sample::select(vec!["", "IMO ", "IMO", "imo:", "IMO%20", "IMO+"]),
        ) {
            let imo = imo_from(six);
            let text = format!("{before}{prefix}{imo}{after}");
            let out = scrub(&text);
            prop_assert!(!out.contains(&imo), "{} -> {}", text, out);
            prop_assert!(out.contains(IMO_MARKER));
        }

        #[test]
        fn seven_digits_with_a_wrong_check_digit_are_kept(six in 0u32..1_000_000, wrong in 1u32..10) {
            let valid = imo_from(six);
            let check = valid.as_bytes()[6] - b'0';
            let number = format!("{six:06}{}", (u32::from(check) + wrong) % 10);
            let text = format!("ref {number} ok");
            prop_assert_eq!(scrub(&text), text);
        }

        #[test]
        fn uuids_dates_and_amounts_are_untouched(
            uuid in any::<u128>(),
            year in 1900u32..2100, month in 1u32..13, day in 1u32..29,
            amount in 0u64..10_000_000_000_000,
            cents in 0u32..100,
        ) {
            let uuid = uuid::Uuid::from_u128(uuid);
            let text = format!(
                "{uuid} {} {year:04}-{month:02}-{day:02} {amount}.{cents:02} {amount}0",
                uuid.simple()
            );
            let out = scrub(&text);
            // An integer of exactly seven digits may be an IMO number; anything else stays.
            if (amount * 10).to_string().len() != 7 {
                prop_assert_eq!(out, text);
            } else {
                let ids = format!("{uuid} {}", uuid.simple());
                prop_assert!(out.starts_with(&ids));
            }
        }
    }
}

#[cfg(test)]
mod hex_literal_tests {
    use super::*;
    use crate::domain::PolicyIdPattern;

    /// A stack frame's address may hold seven IMO-valid digits between hex
    /// letters; rewriting them made the address unparsable and the whole
    /// panic event was withheld.
    #[test]
    fn hex_addresses_are_left_whole() {
        let scrubber = Scrubber::new(&PolicyIdPattern::default());
        for address in ["0x9074729c38af", "0x55b49074729", "0x9074729"] {
            assert_eq!(scrubber.scrub_text(address), address);
        }
        assert_eq!(
            scrubber.scrub_text("at 0x1f vessel 9074729"),
            "at 0x1f vessel [imo]"
        );
        let frame = sentry::protocol::Frame {
            instruction_addr: Some("0x9074729c38af".parse().unwrap()),
            ..Default::default()
        };
        let mut value = serde_json::to_value(&frame).unwrap();
        scrubber.scrub_json(&mut value);
        let back: sentry::protocol::Frame = serde_json::from_value(value).unwrap();
        assert_eq!(back.instruction_addr, frame.instruction_addr);
    }
}

#[cfg(test)]
mod typed_event_tests {
    use super::*;
    use crate::domain::PolicyIdPattern;

    /// An SDK event whose typed integer fields hold IMO-valid values still
    /// reads back after scrubbing (it was withheld when they became strings).
    #[test]
    fn typed_integer_fields_stay_integers() {
        let scrubber = Scrubber::new(&PolicyIdPattern::default());
        let frame = sentry::protocol::Frame {
            lineno: Some(9_074_729),
            colno: Some(9_811_000),
            ..Default::default()
        };
        let mut value = serde_json::to_value(&frame).unwrap();
        scrubber.scrub_json(&mut value);
        let back: sentry::protocol::Frame = serde_json::from_value(value).unwrap();
        assert_eq!((back.lineno, back.colno), (Some(0), Some(0)));
    }
}
