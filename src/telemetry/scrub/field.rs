//! Field names that call for their whole value to be replaced: `imo` as a
//! word part (`vesselIMO`, `imo_number`) or a policy id (`insurancePolicyId`).

use super::{IMO_MARKER, POLICY_ID_MARKER};

/// Which marker a field name calls for, if any.
pub fn sensitive_field(name: &str) -> Option<&'static str> {
    let parts = word_parts(name);
    let joined: String = parts.concat();
    const IMO_PARTS: &[&str] = &[
        "imo",
        "imos",
        "imonumber",
        "imono",
        "imonr",
        "vesselimo",
        "shipimo",
    ];
    if parts.iter().any(|p| IMO_PARTS.contains(&p.as_str()))
        || joined.contains("vesselimo")
        || joined.contains("imonumber")
    {
        return Some(IMO_MARKER);
    }
    if joined.contains("policyid")
        || joined.contains("policyno")
        || joined.contains("policynumber")
        || joined.contains("policyref")
    {
        return Some(POLICY_ID_MARKER);
    }
    None
}

/// Lowercased word parts: split on anything not alphanumeric and on camelCase
/// boundaries (`vesselIMO` -> vessel, imo; `IMONumber` -> imo, number).
fn word_parts(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut parts = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                parts.push(std::mem::take(&mut current));
            }
            continue;
        }
        if c.is_uppercase() && !current.is_empty() {
            let previous = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if previous.is_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_uppercase() && next_is_lower)
            {
                parts.push(std::mem::take(&mut current));
            }
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_are_recognised() {
        for name in [
            "imo",
            "IMO",
            "vesselIMO",
            "vessel_imo",
            "imoNumber",
            "IMONumber",
            "x-vessel-imo",
            "vesselimo",
            "imos",
        ] {
            assert_eq!(sensitive_field(name), Some(IMO_MARKER), "{name}");
        }
        for name in [
            "policyId",
            "insurancePolicyId",
            "policy_id",
            "X-Policy-Id",
            "POLICYID",
        ] {
            assert_eq!(sensitive_field(name), Some(POLICY_ID_MARKER), "{name}");
        }
        for name in [
            "timestamp",
            "maximo",
            "immortal",
            "policy",
            "id",
            "fleetId",
            "route",
        ] {
            assert_eq!(sensitive_field(name), None, "{name}");
        }
    }
}
