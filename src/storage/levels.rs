//! Levels in SQL: a score column at some levels under a fleet's thresholds
//! in force, and the fleets grouped by the thresholds that cut them (one
//! group for the fleets under the default, one per fleet with its own), so
//! a book-wide count or filter is one query whatever the number of fleets.

use std::collections::HashMap;

use sqlx::QueryBuilder;
use uuid::Uuid;

use super::scores::push_score_range;
use crate::domain::{FleetId, RiskLevel, RiskThresholds};

/// `column` at one of `levels` under `thresholds`, as SQL: `(... OR ...)`;
/// a NULL score (unscored) is at no level.
pub(super) fn push_levels<DB: sqlx::Database>(
    query: &mut QueryBuilder<DB>,
    column: &str,
    levels: &[RiskLevel],
    thresholds: &RiskThresholds,
) where
    for<'t> f64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    query.push("(");
    if levels.is_empty() {
        query.push("FALSE");
    }
    for (i, level) in levels.iter().enumerate() {
        if i > 0 {
            query.push(" OR ");
        }
        query.push("(");
        push_score_range(query, column, thresholds.bounds(*level));
        query.push(")");
    }
    query.push(")");
}

/// The fleets one set of thresholds cuts.
#[derive(Debug, Clone, Copy)]
pub(super) enum FleetGroup<'a> {
    /// The one fleet of an override.
    Only(Uuid),
    /// Every fleet but these (the fleets with overrides): the default's.
    Except(&'a [Uuid]),
}

/// The fleets with an override, for [`threshold_groups`].
pub(super) fn overridden(overrides: &HashMap<FleetId, RiskThresholds>) -> Vec<Uuid> {
    overrides.keys().map(|fleet| fleet.as_uuid()).collect()
}

/// Every fleet's thresholds in force as groups: the default for every fleet
/// but the `overridden` ones, then each override for its fleet.
pub(super) fn threshold_groups<'a>(
    default: &'a RiskThresholds,
    overrides: &'a HashMap<FleetId, RiskThresholds>,
    overridden: &'a [Uuid],
) -> Vec<(&'a RiskThresholds, FleetGroup<'a>)> {
    let mut groups = vec![(default, FleetGroup::Except(overridden))];
    groups.extend(
        overrides
            .iter()
            .map(|(fleet, thresholds)| (thresholds, FleetGroup::Only(fleet.as_uuid()))),
    );
    groups
}

/// `column` (a fleet id) in `group`, as SQL.
pub(super) fn push_fleet_group<DB: sqlx::Database>(
    query: &mut QueryBuilder<DB>,
    column: &str,
    group: FleetGroup<'_>,
) where
    for<'t> Uuid: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    match group {
        FleetGroup::Only(fleet) => {
            query.push(format!("{column} = ")).push_bind(fleet);
        }
        FleetGroup::Except([]) => {
            query.push("TRUE");
        }
        FleetGroup::Except(fleets) => {
            query.push(format!("{column} NOT IN ("));
            let mut list = query.separated(", ");
            for fleet in fleets {
                list.push_bind(*fleet);
            }
            query.push(")");
        }
    }
}

/// `score` at one of `levels`, each fleet (`fleet`) cut by its own
/// thresholds in force, as SQL.
pub(super) fn push_levels_per_fleet<DB: sqlx::Database>(
    query: &mut QueryBuilder<DB>,
    (fleet, score): (&str, &str),
    levels: &[RiskLevel],
    default: &RiskThresholds,
    overrides: &HashMap<FleetId, RiskThresholds>,
) where
    for<'t> f64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> Uuid: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    let overridden = overridden(overrides);
    query.push("(");
    for (i, (thresholds, group)) in threshold_groups(default, overrides, &overridden)
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            query.push(" OR ");
        }
        query.push("(");
        push_fleet_group(query, fleet, group);
        query.push(" AND ");
        push_levels(query, score, levels, thresholds);
        query.push(")");
    }
    query.push(")");
}
