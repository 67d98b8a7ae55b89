//! Fleet loss simulation of risk-model.md section 9 (Monte Carlo).
//!
//! Each simulated year draws the fleet's total claim count
//! `N ~ Poisson(sum lambda_i)` and gives each claim to vessel i with
//! probability `lambda_i / sum lambda` (a Walker alias table). By Poisson
//! superposition this is the same distribution as one `Poisson(lambda_i)` per
//! vessel, at a cost proportional to the number of claims rather than of
//! vessels. A claim is `X = m V exp(sigma Z)` (lognormal, median m V), capped
//! at V; a capped claim (X >= V) is a total loss. Vessels insured for 0
//! contribute nothing and are left out of the table.
//!
//! Reproducibility: years are simulated in fixed blocks of [`BLOCK_YEARS`];
//! block b uses `ChaCha8Rng::seed_from_u64(seed)` on stream b, so results do
//! not depend on how rayon schedules blocks. Annual losses are concatenated
//! in block order and every statistic is computed sequentially from them.
//!
//! Statistics over the n annual losses L (sorted ascending into s[0..n]):
//! `mean`; `stdDev` the sample standard deviation (divisor n - 1; 0 when
//! n < 2); `var_p = s[ceil(p n) - 1]` (the empirical p-quantile, computed
//! with integer arithmetic); `tvar995` the mean of `s[ceil(0.995 n) - 1 ..]`,
//! the sorted tail starting at var995; `pAnyTotalLoss` the share of years with
//! at least one total loss. `years = 0` gives all zeros.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::VesselProfile;

use super::assessment::Assessment;
use super::expected_loss::expected_annual_loss;
use super::model::RiskModel;

/// Years per independently seeded block.
pub const BLOCK_YEARS: u32 = 1_000;

/// One vessel's loss exposure: its annual claim frequency and insured value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossExposure {
    pub lambda: f64,
    pub insured_value_usd: f64,
}

impl LossExposure {
    /// A vessel's exposure as its assessment priced it (lambda = `expectedClaims`).
    pub fn from_assessment(vessel: &VesselProfile, assessment: &Assessment) -> Self {
        Self {
            lambda: assessment.expected_claims,
            insured_value_usd: vessel.insured_value_usd.value(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimulationSummary {
    pub years: u32,
    pub seed: u64,
    pub mean: f64,
    pub std_dev: f64,
    pub var95: f64,
    pub var995: f64,
    pub tvar995: f64,
    pub p_any_total_loss: f64,
    /// Sum of the vessels' analytic expected annual losses, for comparison with `mean`.
    pub expected_annual_loss_usd: f64,
}

/// Walker's alias method over the vessels that can produce a loss.
struct AliasTable {
    probability: Vec<f64>,
    alias: Vec<u32>,
}

impl AliasTable {
    /// Vose's construction; deterministic for given weights.
    fn new(weights: &[f64]) -> Self {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut probability = vec![1.0; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let mut small: Vec<usize> = Vec::new();
        let mut large: Vec<usize> = Vec::new();
        for (i, s) in scaled.iter().enumerate() {
            if *s < 1.0 {
                small.push(i);
            } else {
                large.push(i);
            }
        }
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            probability[s] = scaled[s];
            alias[s] = l as u32;
            scaled[l] = (scaled[l] + scaled[s]) - 1.0;
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Whatever is left is 1 up to rounding.
        for i in small.into_iter().chain(large) {
            probability[i] = 1.0;
        }
        Self { probability, alias }
    }

    fn sample(&self, rng: &mut ChaCha8Rng) -> usize {
        let n = self.probability.len();
        let u = rng.random::<f64>() * n as f64;
        let index = (u as usize).min(n - 1);
        if u - (index as f64) < self.probability[index] {
            index
        } else {
            self.alias[index] as usize
        }
    }
}

/// Poisson by inversion, the mean split into parts of at most 64 so that
/// `exp(-mean)` never underflows (a sum of Poissons is Poisson).
fn poisson(rng: &mut ChaCha8Rng, mean: f64) -> u64 {
    const PART: f64 = 64.0;
    let mut rest = mean;
    let mut total = 0;
    while rest > 0.0 {
        let part = rest.min(PART);
        rest -= part;
        let u: f64 = rng.random();
        let mut p = (-part).exp();
        let mut cumulative = p;
        let mut k = 0u64;
        while u > cumulative && p > 0.0 {
            k += 1;
            p *= part / k as f64;
            cumulative += p;
        }
        total += k;
    }
    total
}

/// Standard normals by Box-Muller, using both values of each pair.
struct Normal {
    spare: Option<f64>,
}

impl Normal {
    fn sample(&mut self, rng: &mut ChaCha8Rng) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        // 1 - U lies in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - rng.random::<f64>();
        let u2: f64 = rng.random();
        let radius = (-2.0 * u1.ln()).sqrt();
        let angle = std::f64::consts::TAU * u2;
        self.spare = Some(radius * angle.sin());
        radius * angle.cos()
    }
}

struct Fleet {
    total_lambda: f64,
    alias: AliasTable,
    insured: Vec<f64>,
    median_fraction: f64,
    sigma: f64,
}

impl Fleet {
    /// Annual losses of `years` years and how many had a total loss.
    fn simulate_block(&self, seed: u64, block: u64, years: u32) -> (Vec<f64>, u64) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(block);
        let mut normal = Normal { spare: None };
        let mut losses = Vec::with_capacity(years as usize);
        let mut total_loss_years = 0;
        for _ in 0..years {
            let claims = poisson(&mut rng, self.total_lambda);
            let mut loss = 0.0;
            let mut total_loss = false;
            for _ in 0..claims {
                let vessel = self.alias.sample(&mut rng);
                let insured = self.insured[vessel];
                let fraction = self.median_fraction * (self.sigma * normal.sample(&mut rng)).exp();
                if fraction >= 1.0 {
                    loss += insured;
                    total_loss = true;
                } else {
                    loss += insured * fraction;
                }
            }
            losses.push(loss);
            total_loss_years += u64::from(total_loss);
        }
        (losses, total_loss_years)
    }
}

/// `ceil(numerator / denominator x n) - 1`, clamped to a valid index.
fn quantile_index(n: usize, numerator: usize, denominator: usize) -> usize {
    (n * numerator).div_ceil(denominator).clamp(1, n) - 1
}

/// Simulates `years` years of the fleet's aggregate annual loss.
pub fn simulate_fleet(
    model: &RiskModel,
    exposures: &[LossExposure],
    years: u32,
    seed: u64,
) -> SimulationSummary {
    let expected_annual_loss_usd = exposures
        .iter()
        .map(|e| expected_annual_loss(model, e.lambda, e.insured_value_usd))
        .sum();
    let live: Vec<&LossExposure> = exposures
        .iter()
        .filter(|e| e.lambda > 0.0 && e.insured_value_usd > 0.0)
        .collect();
    let mut summary = SimulationSummary {
        years,
        seed,
        mean: 0.0,
        std_dev: 0.0,
        var95: 0.0,
        var995: 0.0,
        tvar995: 0.0,
        p_any_total_loss: 0.0,
        expected_annual_loss_usd,
    };
    if years == 0 {
        return summary;
    }

    let mut total_loss_years = 0u64;
    let losses = if live.is_empty() {
        vec![0.0; years as usize]
    } else {
        let lambdas: Vec<f64> = live.iter().map(|e| e.lambda).collect();
        let fleet = Fleet {
            total_lambda: lambdas.iter().sum(),
            alias: AliasTable::new(&lambdas),
            insured: live.iter().map(|e| e.insured_value_usd).collect(),
            median_fraction: model.expected_loss().claim_median_fraction,
            sigma: model.expected_loss().claim_sigma,
        };
        let blocks = years.div_ceil(BLOCK_YEARS);
        let results: Vec<(Vec<f64>, u64)> = (0..blocks)
            .into_par_iter()
            .map(|block| {
                let in_block = BLOCK_YEARS.min(years - block * BLOCK_YEARS);
                fleet.simulate_block(seed, u64::from(block), in_block)
            })
            .collect();
        let mut all = Vec::with_capacity(years as usize);
        for (block_losses, block_total) in results {
            all.extend_from_slice(&block_losses);
            total_loss_years += block_total;
        }
        all
    };

    let n = losses.len();
    let mean = losses.iter().sum::<f64>() / n as f64;
    let std_dev = if n > 1 {
        (losses.iter().map(|l| (l - mean) * (l - mean)).sum::<f64>() / (n - 1) as f64).sqrt()
    } else {
        0.0
    };
    let mut sorted = losses;
    sorted.sort_unstable_by(f64::total_cmp);
    let var95 = sorted[quantile_index(n, 95, 100)];
    let tail_start = quantile_index(n, 995, 1000);
    let tail = &sorted[tail_start..];
    summary.mean = mean;
    summary.std_dev = std_dev;
    summary.var95 = var95;
    summary.var995 = sorted[tail_start];
    summary.tvar995 = tail.iter().sum::<f64>() / tail.len() as f64;
    summary.p_any_total_loss = total_loss_years as f64 / n as f64;
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_indices_are_exact() {
        assert_eq!(quantile_index(100_000, 995, 1000), 99_499);
        assert_eq!(quantile_index(100_000, 95, 100), 94_999);
        assert_eq!(quantile_index(1, 995, 1000), 0);
        assert_eq!(quantile_index(201, 995, 1000), 199);
        assert_eq!(quantile_index(200, 995, 1000), 198);
    }

    #[test]
    fn alias_table_reproduces_its_weights() {
        let weights = [0.1, 0.5, 0.0, 2.0, 0.4];
        let table = AliasTable::new(&weights);
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut counts = [0u32; 5];
        let draws = 300_000;
        for _ in 0..draws {
            counts[table.sample(&mut rng)] += 1;
        }
        let total: f64 = weights.iter().sum();
        for (count, weight) in counts.iter().zip(weights) {
            let expected = weight / total;
            let observed = f64::from(*count) / f64::from(draws);
            assert!(
                (observed - expected).abs() < 0.005,
                "{observed} vs {expected}"
            );
        }
        assert_eq!(counts[2], 0);
    }

    #[test]
    fn poisson_mean_and_variance_for_small_and_large_means() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for mean in [0.3, 5.0, 150.0] {
            let n = 40_000;
            let draws: Vec<f64> = (0..n).map(|_| poisson(&mut rng, mean) as f64).collect();
            let m = draws.iter().sum::<f64>() / f64::from(n);
            let v = draws.iter().map(|d| (d - m) * (d - m)).sum::<f64>() / f64::from(n - 1);
            let se = (mean / f64::from(n)).sqrt();
            assert!((m - mean).abs() < 5.0 * se, "mean {m} vs {mean}");
            assert!((v / mean - 1.0).abs() < 0.05, "variance {v} vs {mean}");
        }
    }

    #[test]
    fn normals_have_unit_variance() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut normal = Normal { spare: None };
        let n = 100_000;
        let draws: Vec<f64> = (0..n).map(|_| normal.sample(&mut rng)).collect();
        let m = draws.iter().sum::<f64>() / f64::from(n);
        let v = draws.iter().map(|d| (d - m) * (d - m)).sum::<f64>() / f64::from(n - 1);
        assert!(m.abs() < 0.02, "{m}");
        assert!((v - 1.0).abs() < 0.02, "{v}");
        let tail = draws.iter().filter(|z| **z > 1.959_964).count() as f64 / f64::from(n);
        assert!((tail - 0.025).abs() < 0.003, "{tail}");
    }
}
