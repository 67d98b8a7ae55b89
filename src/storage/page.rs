//! Keyset pagination: `{items, nextCursor}` with an opaque cursor.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Serialize, de::DeserializeOwned};

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;

/// One page's request: how many items, and after which key.
#[derive(Debug, Clone)]
pub struct PageRequest<K> {
    pub limit: u32,
    pub after: Option<K>,
}

impl<K: Serialize + DeserializeOwned> PageRequest<K> {
    /// Parses `limit` (1..=500, default 50) and `cursor`; errors name the parameter.
    pub fn parse(
        limit: Option<&str>,
        cursor: Option<&str>,
    ) -> Result<Self, crate::domain::FieldErrors> {
        let mut errors = crate::domain::FieldErrors::new();
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
                    .and_then(|bytes| serde_json::from_slice::<K>(&bytes).ok());
                if decoded.is_none() {
                    errors.push("cursor", "is not a cursor this list returned");
                }
                decoded
            }
        };
        errors.into_result(|| Self {
            limit: limit.unwrap_or(DEFAULT_LIMIT),
            after,
        })
    }

    pub fn first(limit: u32) -> Self {
        Self { limit, after: None }
    }

    /// How many rows to fetch: one more than the page, to know whether another follows.
    pub fn fetch_limit(&self) -> i64 {
        i64::from(self.limit) + 1
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Cuts `rows` (fetched with [`PageRequest::fetch_limit`]) to the page and
    /// makes the cursor from the last item's key when more rows follow.
    pub fn from_rows<K: Serialize>(
        mut rows: Vec<T>,
        request_limit: u32,
        key_of: impl Fn(&T) -> K,
    ) -> Self {
        let limit = request_limit as usize;
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|last| {
                URL_SAFE_NO_PAD.encode(serde_json::to_vec(&key_of(last)).expect("keys serialize"))
            })
        } else {
            None
        };
        Self {
            items: rows,
            next_cursor,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_defaults_and_bounds() {
        let page = PageRequest::<String>::parse(None, None).unwrap();
        assert_eq!(page.limit, 50);
        assert_eq!(
            PageRequest::<String>::parse(Some("500"), None)
                .unwrap()
                .limit,
            500
        );
        for bad in ["0", "501", "-1", "ten"] {
            let errors = PageRequest::<String>::parse(Some(bad), None).unwrap_err();
            assert_eq!(errors.iter().next().unwrap().field, "limit");
        }
    }

    #[test]
    fn a_cursor_round_trips_and_garbage_is_rejected() {
        let page = Page::from_rows(vec![1, 2, 3], 2, |n| (format!("k{n}"), *n));
        assert_eq!(page.items, [1, 2]);
        let cursor = page.next_cursor.unwrap();
        let request = PageRequest::<(String, i32)>::parse(None, Some(&cursor)).unwrap();
        assert_eq!(request.after, Some(("k2".to_string(), 2)));
        let errors = PageRequest::<(String, i32)>::parse(None, Some("!!")).unwrap_err();
        assert_eq!(errors.iter().next().unwrap().field, "cursor");
        assert!(Page::from_rows(vec![1, 2], 2, |n| *n).next_cursor.is_none());
    }
}
