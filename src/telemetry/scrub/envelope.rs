//! Scrubbing a serialized Sentry envelope item by item: what the transport
//! sends, after every hook and integration has had its say.

use serde_json::Value;

use super::Scrubber;

impl Scrubber {
    /// Scrubs a serialized Sentry envelope: the envelope header, every item
    /// header and every item payload (JSON scrubbed as JSON, other UTF-8 as
    /// text), with each item's `length` recomputed. Binary payloads that are
    /// not UTF-8 cannot be checked and are dropped. Returns `None` when the
    /// envelope cannot be parsed: it is then not sent at all.
    pub fn scrub_envelope(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        let (header, mut rest) = split_line(bytes);
        let mut header: Value = serde_json::from_slice(header).ok()?;
        self.scrub_json(&mut header);
        let mut out = serde_json::to_vec(&header).ok()?;
        out.push(b'\n');
        while !rest.is_empty() {
            let (item_header, after) = split_line(rest);
            if item_header.iter().all(u8::is_ascii_whitespace) {
                rest = after;
                continue;
            }
            let mut item_header: Value = serde_json::from_slice(item_header).ok()?;
            let (payload, after_payload) = match item_header.get("length").and_then(Value::as_u64) {
                Some(length) => {
                    let length = usize::try_from(length).ok()?.min(after.len());
                    let (payload, tail) = after.split_at(length);
                    (payload, tail.strip_prefix(b"\n").unwrap_or(tail))
                }
                None => split_line(after),
            };
            rest = after_payload;
            let payload = match serde_json::from_slice::<Value>(payload) {
                Ok(mut json) => {
                    self.scrub_json(&mut json);
                    serde_json::to_vec(&json).ok()?
                }
                Err(_) => match std::str::from_utf8(payload) {
                    Ok(text) => self.scrub_text(text).into_owned().into_bytes(),
                    Err(_) => continue,
                },
            };
            self.scrub_json(&mut item_header);
            if let Value::Object(map) = &mut item_header {
                map.insert("length".into(), Value::from(payload.len()));
            }
            out.extend(serde_json::to_vec(&item_header).ok()?);
            out.push(b'\n');
            out.extend(payload);
            out.push(b'\n');
        }
        Some(out)
    }
}

fn split_line(bytes: &[u8]) -> (&[u8], &[u8]) {
    match bytes.iter().position(|&b| b == b'\n') {
        Some(at) => (&bytes[..at], &bytes[at + 1..]),
        None => (bytes, &[]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PolicyIdPattern;

    fn scrubber() -> Scrubber {
        Scrubber::new(&PolicyIdPattern::default())
    }

    #[test]
    fn envelopes_are_scrubbed_item_by_item_with_lengths_recomputed() {
        let event = br#"{"message":"IMO 9074729 failed","tags":{"policyId":"HULL-2026-004512"}}"#;
        let attachment = b"log line about 9811000\n";
        let mut bytes = br#"{"event_id":"3b1d4c2a9a1e4c2a9a1e9074729abcde"}"#.to_vec();
        bytes.push(b'\n');
        bytes.extend(format!("{{\"type\":\"event\",\"length\":{}}}\n", event.len()).bytes());
        bytes.extend(event);
        bytes.push(b'\n');
        bytes.extend(
            format!(
                "{{\"type\":\"attachment\",\"length\":{},\"filename\":\"IMO9074729.txt\"}}\n",
                attachment.len()
            )
            .bytes(),
        );
        bytes.extend(attachment);
        bytes.push(b'\n');
        let out = String::from_utf8(scrubber().scrub_envelope(&bytes).unwrap()).unwrap();
        assert!(out.contains("3b1d4c2a9a1e4c2a9a1e9074729abcde"), "{out}");
        for leak in ["IMO 9074729", "9811000", "HULL-2026-004512", "IMO9074729"] {
            assert!(!out.contains(leak), "{leak}: {out}");
        }
        let lines: Vec<&str> = out.lines().collect();
        let header: Value = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(header["length"].as_u64().unwrap() as usize, lines[2].len());
        assert!(lines[2].contains("[imo] failed") && lines[2].contains("[policy-id]"));
        let parsed = sentry::Envelope::from_slice(out.as_bytes()).unwrap();
        assert_eq!(parsed.items().count(), 2);
    }

    #[test]
    fn unparseable_envelopes_are_not_sent() {
        assert!(scrubber().scrub_envelope(b"not json\n").is_none());
    }
}
