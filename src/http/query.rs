//! Query strings: list paging, sorting and level parameters in, pages out
//! with their opaque cursor, and malformed query strings as 422.
//!
//! A cursor is the key of a page's last item (a storage [`Page`]'s
//! `next_after`) as URL-safe base64 of its JSON.

use actix_web::web;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::Value;

use super::error::ApiError;
use crate::domain::{FieldErrors, RiskLevel};
use crate::storage::{ListCursor, ListOrder, Page, PageRequest};

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;

/// Query strings that do not decode are 422, worded for a person: a
/// parameter sent twice is named, anything else is the query as a whole.
pub fn config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error, _| {
        let error = error.to_string();
        match duplicated_parameter(&error) {
            Some(name) => ApiError::field(name, "is sent more than once"),
            None => ApiError::field("query", "is not a valid query string"),
        }
        .into()
    })
}

/// The parameter serde names in its "duplicate field `name`" error.
fn duplicated_parameter(error: &str) -> Option<&str> {
    let rest = &error[error.find("duplicate field `")? + "duplicate field `".len()..];
    rest.find('`').map(|end| &rest[..end])
}

/// `?limit=&cursor=` as sent; parsed by [`ListQuery::page`] so errors name the parameter.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    limit: Option<String>,
    cursor: Option<String>,
}

impl ListQuery {
    pub fn page<K: DeserializeOwned>(&self) -> Result<PageRequest<K>, ApiError> {
        Ok(parse_page(self.limit.as_deref(), self.cursor.as_deref())?)
    }
}

/// Parses `limit` (1..=500, default 50) and `cursor`; errors name the parameter.
pub fn parse_page<K: DeserializeOwned>(
    limit: Option<&str>,
    cursor: Option<&str>,
) -> Result<PageRequest<K>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let limit = match limit {
        None => Some(DEFAULT_LIMIT),
        Some(raw) => match raw.parse::<u32>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Some(n),
            _ => {
                errors.push("limit", format!("must be an integer from 1 to {MAX_LIMIT}"));
                None
            }
        },
    };
    let after = match cursor {
        None | Some("") => None,
        Some(raw) => {
            let decoded = URL_SAFE_NO_PAD
                .decode(raw)
                .ok()
                .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
                .filter(|key| !holds_control_characters(key))
                .and_then(|key| K::deserialize(key).ok());
            if decoded.is_none() {
                errors.push("cursor", "is not a cursor this list returned");
            }
            decoded
        }
    };
    errors.into_result(|| PageRequest {
        limit: limit.unwrap_or(DEFAULT_LIMIT),
        after,
    })
}

/// `?limit=&cursor=&sort=&level=` of a list of scored items (a fleet's
/// vessels, the fleets), as sent; parsed by [`ScoredListQuery::parse`].
#[derive(Debug, Deserialize)]
pub struct ScoredListQuery {
    limit: Option<String>,
    cursor: Option<String>,
    sort: Option<String>,
    level: Option<String>,
}

/// A scored list's request: its page, order and the levels it keeps (none: all).
#[derive(Debug)]
pub struct ScoredListRequest<K> {
    pub page: PageRequest<ListCursor<K>>,
    pub order: ListOrder,
    pub levels: Vec<RiskLevel>,
}

impl ScoredListQuery {
    /// `limit` and `cursor` as [`parse_page`]; `sort` one of `name` (the
    /// default), `score`, `-score`; `level` a comma-separated list of
    /// levels. Every bad parameter is named.
    pub fn parse<K: DeserializeOwned>(&self) -> Result<ScoredListRequest<K>, ApiError> {
        let mut errors = FieldErrors::new();
        let page = parse_page(self.limit.as_deref(), self.cursor.as_deref())
            .map_err(|page_errors| errors.append(page_errors))
            .ok();
        let order = match self.sort.as_deref() {
            None | Some("name") => Some(ListOrder::Name),
            Some("score") => Some(ListOrder::ScoreAscending),
            Some("-score") => Some(ListOrder::ScoreDescending),
            Some(_) => {
                errors.push("sort", "must be one of name, score, -score");
                None
            }
        };
        let levels = match self.level.as_deref() {
            None | Some("") => Some(Vec::new()),
            Some(raw) => raw
                .split(',')
                .map(|level| RiskLevel::parse(level.trim()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|message| errors.push("level", format!("each level {message}")))
                .ok(),
        };
        match (page, order, levels) {
            (Some(page), Some(order), Some(levels)) => Ok(ScoredListRequest {
                page,
                order,
                levels,
            }),
            _ => Err(errors.into()),
        }
    }
}

/// A cursor is forged when it holds text no list key can hold (a NUL is
/// refused by PostgreSQL, kept by SQLite): refused like any other forgery.
fn holds_control_characters(value: &Value) -> bool {
    match value {
        Value::String(text) => text.chars().any(char::is_control),
        Value::Array(items) => items.iter().any(holds_control_characters),
        Value::Object(members) => members.iter().any(|(name, value)| {
            name.chars().any(char::is_control) || holds_control_characters(value)
        }),
        _ => false,
    }
}

/// A page as the API sends it: `{items, nextCursor}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageResponse<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T, K: Serialize> From<Page<T, K>> for PageResponse<T> {
    fn from(page: Page<T, K>) -> Self {
        Self {
            items: page.items,
            next_cursor: page.next_after.map(|key| {
                URL_SAFE_NO_PAD.encode(serde_json::to_vec(&key).expect("keys serialize"))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_defaults_and_bounds() {
        let page = parse_page::<String>(None, None).unwrap();
        assert_eq!(page.limit, 50);
        assert_eq!(parse_page::<String>(Some("500"), None).unwrap().limit, 500);
        for bad in ["0", "501", "-1", "ten"] {
            let errors = parse_page::<String>(Some(bad), None).unwrap_err();
            assert_eq!(errors.iter().next().unwrap().field, "limit");
        }
    }

    #[test]
    fn a_cursor_round_trips_and_garbage_is_rejected() {
        let page = PageResponse::from(Page::from_rows(vec![1, 2, 3], 2, |n| (format!("k{n}"), *n)));
        assert_eq!(page.items, [1, 2]);
        let cursor = page.next_cursor.unwrap();
        let request = parse_page::<(String, i32)>(None, Some(&cursor)).unwrap();
        assert_eq!(request.after, Some(("k2".to_string(), 2)));
        let errors = parse_page::<(String, i32)>(None, Some("!!")).unwrap_err();
        assert_eq!(errors.iter().next().unwrap().field, "cursor");
        let last = PageResponse::from(Page::from_rows(vec![1, 2], 2, |n| *n));
        assert!(last.next_cursor.is_none());
    }

    #[test]
    fn a_cursor_whose_key_holds_a_control_character_is_refused() {
        let cursor = |name: &str| URL_SAFE_NO_PAD.encode(serde_json::to_vec(&(name, 7)).unwrap());
        let clean = parse_page::<(String, i32)>(None, Some(&cursor("a b"))).unwrap();
        assert_eq!(clean.after, Some(("a b".to_string(), 7)));
        for forged in ["a\u{0}b", "tab\there", "\u{1b}[31m"] {
            let errors = parse_page::<(String, i32)>(None, Some(&cursor(forged))).unwrap_err();
            assert_eq!(errors.iter().next().unwrap().field, "cursor");
        }
    }

    fn scored(limit: &str, sort: &str, level: &str) -> ScoredListQuery {
        let sent = |raw: &str| (!raw.is_empty()).then(|| raw.to_string());
        ScoredListQuery {
            limit: sent(limit),
            cursor: None,
            sort: sent(sort),
            level: sent(level),
        }
    }

    #[test]
    fn a_scored_list_query_parses_sort_and_levels_and_names_every_bad_one() {
        let request = scored("", "-score", "high, critical")
            .parse::<String>()
            .unwrap();
        assert_eq!(request.order, ListOrder::ScoreDescending);
        assert_eq!(request.levels, [RiskLevel::High, RiskLevel::Critical]);
        assert_eq!(request.page.limit, DEFAULT_LIMIT);
        let default = scored("", "", "").parse::<String>().unwrap();
        assert_eq!((default.order, default.levels), (ListOrder::Name, vec![]));
        assert_eq!(
            scored("", "score", "").parse::<String>().unwrap().order,
            ListOrder::ScoreAscending
        );
        let error = scored("0", "risk", "low,severe")
            .parse::<String>()
            .unwrap_err();
        let fields: Vec<&str> = error.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["limit", "sort", "level"]);
    }

    #[test]
    fn a_repeated_parameter_is_named() {
        assert_eq!(
            duplicated_parameter("Query deserialize error: duplicate field `limit`"),
            Some("limit")
        );
        assert_eq!(
            duplicated_parameter("Query deserialize error: invalid digit"),
            None
        );
    }
}
