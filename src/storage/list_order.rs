//! Sorting and paging a list of scored items (a fleet's vessels, the
//! fleets): by name or by current score, ties broken by the item's key,
//! one keyset cursor per order. Both lists share these rules, so they sort,
//! page and refuse a cursor of another order alike.

use serde::{Deserialize, Serialize};
use sqlx::QueryBuilder;

use super::StorageError;

/// Sort orders of a scored list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOrder {
    /// By name, then key.
    Name,
    /// By current score, lowest first, then key.
    ScoreAscending,
    /// By current score, highest first, then key (ascending).
    ScoreDescending,
}

/// The score an unscored item sorts as: below every score, so first
/// ascending and last descending.
pub const UNSCORED: f64 = -1.0;

/// Where a page of a scored list ends, one variant per [`ListOrder`] (so a
/// cursor is refused by a list in another order, direction included): the
/// last item's name, or its score ([`UNSCORED`] when it has none), and its key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ListCursor<K> {
    Name(String, K),
    ScoreAscending(f64, K),
    ScoreDescending(f64, K),
}

impl<K> ListCursor<K> {
    /// The cursor after an item with this name, current score and key.
    pub fn after(order: ListOrder, name: &str, score: Option<f64>, key: K) -> Self {
        let score = score.unwrap_or(UNSCORED);
        match order {
            ListOrder::Name => Self::Name(name.to_string(), key),
            ListOrder::ScoreAscending => Self::ScoreAscending(score, key),
            ListOrder::ScoreDescending => Self::ScoreDescending(score, key),
        }
    }
}

/// The SQL columns a list sorts by: the name, the current score (NULL when
/// unscored) and the key that breaks ties.
#[derive(Debug, Clone, Copy)]
pub(super) struct SortColumns {
    pub name: &'static str,
    pub score: &'static str,
    pub key: &'static str,
}

impl SortColumns {
    /// The score as sorted: unscored as [`UNSCORED`].
    fn sort_score(&self) -> String {
        format!("COALESCE({}, {UNSCORED})", self.score)
    }

    /// ` AND (...)`: only the rows after `after` in `order`; nothing without
    /// a cursor. A cursor of another order is [`StorageError::CursorMismatch`].
    pub fn push_after<DB, K>(
        &self,
        query: &mut QueryBuilder<DB>,
        order: ListOrder,
        after: Option<&ListCursor<K>>,
    ) -> Result<(), StorageError>
    where
        DB: sqlx::Database,
        K: Clone + for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
        for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
        for<'t> f64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    {
        let key = self.key;
        match (after, order) {
            (None, _) => {}
            (Some(ListCursor::Name(name, last)), ListOrder::Name) => {
                let column = self.name;
                query
                    .push(format!(" AND ({column} > "))
                    .push_bind(name.clone());
                query
                    .push(format!(" OR ({column} = "))
                    .push_bind(name.clone());
                query.push(format!(" AND {key} > ")).push_bind(last.clone());
                query.push("))");
            }
            (Some(ListCursor::ScoreAscending(score, last)), ListOrder::ScoreAscending)
            | (Some(ListCursor::ScoreDescending(score, last)), ListOrder::ScoreDescending) => {
                let column = self.sort_score();
                let beyond = if order == ListOrder::ScoreAscending {
                    ">"
                } else {
                    "<"
                };
                query
                    .push(format!(" AND ({column} {beyond} "))
                    .push_bind(*score);
                query.push(format!(" OR ({column} = ")).push_bind(*score);
                query.push(format!(" AND {key} > ")).push_bind(last.clone());
                query.push("))");
            }
            (Some(_), _) => return Err(StorageError::CursorMismatch),
        }
        Ok(())
    }

    /// ` ORDER BY ...` for `order`; ties always by key, ascending.
    pub fn push_order_by<DB: sqlx::Database>(
        &self,
        query: &mut QueryBuilder<DB>,
        order: ListOrder,
    ) {
        let key = self.key;
        query.push(match order {
            ListOrder::Name => format!(" ORDER BY {}, {key}", self.name),
            ListOrder::ScoreAscending => format!(" ORDER BY {}, {key}", self.sort_score()),
            ListOrder::ScoreDescending => format!(" ORDER BY {} DESC, {key}", self.sort_score()),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_keeps_the_sort_key_of_its_order() {
        assert_eq!(
            ListCursor::after(ListOrder::Name, "A", Some(3.5), 7),
            ListCursor::Name("A".to_string(), 7)
        );
        assert_eq!(
            ListCursor::after(ListOrder::ScoreDescending, "A", Some(3.5), 7),
            ListCursor::ScoreDescending(3.5, 7)
        );
        assert_eq!(
            ListCursor::after(ListOrder::ScoreAscending, "A", None, 7),
            ListCursor::ScoreAscending(UNSCORED, 7)
        );
    }

    #[test]
    fn a_cursor_of_another_order_is_refused() {
        let columns = SortColumns {
            name: "v.name",
            score: "c.score",
            key: "v.imo",
        };
        let mut query = QueryBuilder::<sqlx::Sqlite>::new("SELECT 1 WHERE TRUE");
        let by_name = ListCursor::Name("A".to_string(), "9074729".to_string());
        assert!(matches!(
            columns.push_after(&mut query, ListOrder::ScoreAscending, Some(&by_name)),
            Err(StorageError::CursorMismatch)
        ));
        let ascending = ListCursor::ScoreAscending(1.0, "9074729".to_string());
        for order in [ListOrder::Name, ListOrder::ScoreDescending] {
            assert!(matches!(
                columns.push_after(&mut query, order, Some(&ascending)),
                Err(StorageError::CursorMismatch)
            ));
        }
        let descending = ListCursor::ScoreDescending(1.0, "9074729".to_string());
        assert!(matches!(
            columns.push_after(&mut query, ListOrder::ScoreAscending, Some(&descending)),
            Err(StorageError::CursorMismatch)
        ));
    }
}
