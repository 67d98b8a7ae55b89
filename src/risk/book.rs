//! Scoring a whole book of vessels in parallel with rayon, in input order.
//! The as-of windows are resolved once for the book; the property tests
//! hold the result equal to [`assess`](super::assess) vessel by vessel.

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
