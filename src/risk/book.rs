//! Scoring a whole book of vessels: in parallel with rayon, or sequentially
//! (the reference the parallel path must equal exactly). Output is in input
//! order either way.

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::domain::{RiskThresholds, VesselProfile};

use super::assessment::{Assessment, assess_within};
use super::model::RiskModel;

/// Assesses every vessel on the current rayon pool, in input order.
pub fn assess_book(
    model: &RiskModel,
    vessels: &[VesselProfile],
    as_of: NaiveDate,
    thresholds: &RiskThresholds,
) -> Vec<Assessment> {
    let windows = model.windows(as_of);
    vessels
        .par_iter()
        .map(|vessel| assess_within(model, vessel, &windows, thresholds))
        .collect()
}

/// Assesses every vessel on the calling thread, in input order.
pub fn assess_book_sequential(
    model: &RiskModel,
    vessels: &[VesselProfile],
    as_of: NaiveDate,
    thresholds: &RiskThresholds,
) -> Vec<Assessment> {
    let windows = model.windows(as_of);
    vessels
        .iter()
        .map(|vessel| assess_within(model, vessel, &windows, thresholds))
        .collect()
}
