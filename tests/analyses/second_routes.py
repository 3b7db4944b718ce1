"""Second routes to the intervals, tests and reliability rules the package computes, for the tests to check against.

Closed forms, scipy's binomial test, and the negative binomial (NB2) probability written out with scipy.special.

The package computes Garwood intervals with statsmodels' ``confint_poisson``,
ratio intervals through statsmodels' Clopper-Pearson interval and Wilson
intervals through ``proportion_confint``; these reach the same numbers another way.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special, stats


def garwood(n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The chi-square form: (chi2(a/2; 2n) / 2, chi2(1 - a/2; 2n + 2) / 2), with 0 for the lower end of 0."""
    a = 1 - confidence
    return (0.0 if n == 0 else stats.chi2.ppf(a / 2, 2 * n) / 2, stats.chi2.ppf(1 - a / 2, 2 * n + 2) / 2)


def wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The closed form of Wilson's score interval."""
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half, centre + half)


def exact_ratio(y1: int, y2: int, confidence: float = 0.95) -> tuple[float, float]:
    """Clopper-Pearson for y1 / (y1 + y2) by scipy's binomial test, mapped to y1 / y2."""
    ci = stats.binomtest(y1, y1 + y2).proportion_ci(confidence_level=confidence, method="exact")
    return ci.low / (1 - ci.low), ci.high / (1 - ci.high)


def central_p(y1: int, exposure1: float, y2: int, exposure2: float) -> float:
    """The central exact conditional test of two Poisson rates, by scipy's one-sided binomial tails.

    Given y1 + y2, y1 is binomial with p = E1 / (E1 + E2) when the rates are equal: the smaller tail, doubled (to 1).
    """
    n, p = y1 + y2, exposure1 / (exposure1 + exposure2)
    less = stats.binomtest(y1, n, p, alternative="less").pvalue
    greater = stats.binomtest(y1, n, p, alternative="greater").pvalue
    return min(1.0, 2 * min(less, greater))


def nchs_unreliable(k: int, n: int) -> bool:
    """NCHS's standard for proportions (Parker et al. 2017), written out here.

    Unreliable: n under 30; or a 95 % Clopper-Pearson interval (statsmodels' "beta") 0.30 wide or more; or one wider
    than 0.05 whose width is over 130 % of k / n.
    """
    from statsmodels.stats.proportion import proportion_confint

    if n < 30:
        return True
    low, high = proportion_confint(k, n, alpha=0.05, method="beta")
    width = high - low
    if width <= 0.05:
        return False
    return width >= 0.30 or k == 0 or width / (k / n) > 1.30


def nb_logpmf(k, mu, a):
    """NB2 written out: variance mu + a mu^2, size r = 1 / a."""
    r = 1 / a
    return (special.gammaln(k + r) - special.gammaln(r) - special.gammaln(k + 1)
            + r * np.log(r / (r + mu)) + k * np.log(mu / (r + mu)))
