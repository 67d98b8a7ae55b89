//! Expected loss of risk-model.md section 6: the annual claims frequency
//! `lambda` and the limited expected value of a lognormal claim capped at the
//! insured value.
//!
//! `E[min(X, V)] = exp(mu + s^2/2) Phi((ln V - mu - s^2)/s) + V (1 - Phi((ln V - mu)/s))`
//! with `mu = ln(m V)` (m the median fraction, 0.02) and `s` the claim sigma;
//! `Phi(x) = erfc(-x / sqrt 2) / 2`, which keeps full precision in both tails.
//! A vessel insured for 0 has an expected annual loss of 0 while its
//! `expectedClaims` is still `lambda`.

use crate::domain::ShipType;

use super::model::RiskModel;

/// The standard normal CDF.
pub fn std_normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// `lambda = base x typeRel x exp(slope x (final / pivot - 1))`.
pub fn claim_frequency(model: &RiskModel, ship_type: ShipType, final_score: f64) -> f64 {
    let p = model.expected_loss();
    p.base_frequency
        * p.type_rel[ship_type as usize]
        * (p.frequency_slope * (final_score / p.pivot_score - 1.0)).exp()
}

/// `E[min(X, V)]` for one claim on a vessel insured for `insured` (0 when `insured` is 0).
pub fn limited_expected_claim(model: &RiskModel, insured: f64) -> f64 {
    if insured <= 0.0 {
        return 0.0;
    }
    let p = model.expected_loss();
    let sigma = p.claim_sigma;
    let mu = (p.claim_median_fraction * insured).ln();
    let ln_v = insured.ln();
    (mu + sigma * sigma / 2.0).exp() * std_normal_cdf((ln_v - mu - sigma * sigma) / sigma)
        + insured * (1.0 - std_normal_cdf((ln_v - mu) / sigma))
}

/// `lambda x E[min(X, V)]`.
pub fn expected_annual_loss(model: &RiskModel, lambda: f64, insured: f64) -> f64 {
    if insured <= 0.0 {
        0.0
    } else {
        lambda * limited_expected_claim(model, insured)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_cdf_known_values() {
        assert_eq!(std_normal_cdf(0.0), 0.5);
        assert!((std_normal_cdf(1.959_963_984_540_054) - 0.975).abs() < 1e-15);
        assert!((std_normal_cdf(-1.0) - 0.158_655_253_931_457_05).abs() < 1e-15);
        // The lower tail keeps relative precision where 1 - Phi(-x) would not.
        let tail = std_normal_cdf(-10.0);
        assert!((tail / 7.619_853_024_160_527e-24 - 1.0).abs() < 1e-12);
    }
}
