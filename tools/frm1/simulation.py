"""Independent reference of the fleet loss simulation, risk-model.md section 9.

The spec fixes the distribution (per vessel `N_i ~ Poisson(lambda_i)` claims
a year, each `min(X, V_i)` with X lognormal, median 0.02 V_i, sigma 1.5) and
that a seed makes a run reproducible, but not the generator nor the order of
the draws, so no second implementation can reproduce the engine's numbers.
What it can give is (a) the exact figures the distribution implies and (b)
a sample of its own, from Python's generator, for the quantiles:

- cumulants of the annual loss L, from the moments of one capped claim:
  `kappa_k = sum_i lambda_i V_i^k c_k`, `c_k = E[min(0.02 e^(sigma Z), 1)^k]
  = exp(k mu + k^2 sigma^2 / 2) Phi(a - k sigma) + 1 - Phi(a)`, mu = ln 0.02,
  a = -mu / sigma (kappa_1 is the mean, sum EAL_i; kappa_2 the variance);
- `pAnyTotalLoss = 1 - exp(-sum_i lambda_i (1 - Phi(a)))` over vessels with
  V > 0 (a vessel insured for 0 has nothing to lose, totally or not);
- `sample(...)`: simulated annual losses, one Poisson draw per vessel and year.

Standard library only; nothing here comes from the Rust engine.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

import reference


@dataclass(frozen=True)
class ClaimModel:
    median_fraction: float = 0.02
    sigma: float = reference.SIGMA

    def _a(self) -> float:
        return -math.log(self.median_fraction) / self.sigma

    def moment(self, k: int) -> float:
        """E[Y^k] of one claim Y as a share of V (min(X / V, 1))."""
        mu, s, a = math.log(self.median_fraction), self.sigma, self._a()
        return math.exp(k * mu + k * k * s * s / 2.0) * reference.phi(a - k * s) + 1.0 - reference.phi(a)

    def total_loss_probability(self) -> float:
        return 1.0 - reference.phi(self._a())


def live(exposures: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """(lambda, V) of the vessels that can lose anything."""
    return [(lam, v) for lam, v in exposures if lam > 0 and v > 0]


def cumulant(exposures, k: int, claims: ClaimModel) -> float:
    c = claims.moment(k)
    return sum(lam * v ** k * c for lam, v in live(exposures))


def p_any_total_loss(exposures, claims: ClaimModel) -> float:
    rate = sum(lam for lam, _ in live(exposures)) * claims.total_loss_probability()
    return -math.expm1(-rate)


def sample(exposures, years: int, seed: int, claims: ClaimModel) -> tuple[list[float], int]:
    """Annual losses of `years` simulated years (sorted) and the count of years
    with a total loss; Poisson by inversion, normals from random.gauss."""
    rng = random.Random(seed)
    vessels = [(math.exp(-lam), lam, v) for lam, v in live(exposures)]
    losses, total_loss_years = [], 0
    for _ in range(years):
        loss, total = 0.0, False
        for p0, lam, v in vessels:
            u, k, p = rng.random(), 0, p0
            cumulative = p
            while u > cumulative and p > 0:
                k += 1
                p *= lam / k
                cumulative += p
            for _ in range(k):
                share = claims.median_fraction * math.exp(claims.sigma * rng.gauss(0.0, 1.0))
                if share >= 1.0:
                    loss += v
                    total = True
                else:
                    loss += v * share
        losses.append(loss)
        total_loss_years += total
    losses.sort()
    return losses, total_loss_years
