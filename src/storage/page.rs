//! Keyset pagination: a page of rows and the key the next page starts after.
//! How a key travels (the API's opaque cursor) is the HTTP layer's business.

/// One page's request: how many items, and after which key.
#[derive(Debug, Clone)]
pub struct PageRequest<K> {
    pub limit: u32,
    pub after: Option<K>,
}

impl<K> PageRequest<K> {
    /// How many rows to fetch: one more than the page, to know whether another follows.
    pub fn fetch_limit(&self) -> i64 {
        i64::from(self.limit) + 1
    }
}

/// One page of items, with the key of its last item when more follow.
#[derive(Debug, Clone)]
pub struct Page<T, K> {
    pub items: Vec<T>,
    pub next_after: Option<K>,
}

impl<T, K> Page<T, K> {
    /// Cuts `rows` (fetched with [`PageRequest::fetch_limit`]) to the page and
    /// keeps the last item's key when more rows follow.
    pub fn from_rows(mut rows: Vec<T>, request_limit: u32, key_of: impl Fn(&T) -> K) -> Self {
        let limit = request_limit as usize;
        let next_after = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(key_of)
        } else {
            None
        };
        Self {
            items: rows,
            next_after,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U, K> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_after: self.next_after,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_keeps_the_key_of_its_last_item_only_when_more_follow() {
        let page = Page::from_rows(vec![1, 2, 3], 2, |n| format!("k{n}"));
        assert_eq!(page.items, [1, 2]);
        assert_eq!(page.next_after.as_deref(), Some("k2"));
        assert!(Page::from_rows(vec![1, 2], 2, |n| *n).next_after.is_none());
    }
}
