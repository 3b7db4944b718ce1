"""Second routes to the intervals the package computes, for the tests to check against.

Closed forms and scipy's binomial test.

The package computes Garwood intervals with statsmodels' ``confint_poisson``,
ratio intervals through statsmodels' Clopper-Pearson interval and Wilson
intervals through ``proportion_confint``; these reach the same numbers another way.
"""

from __future__ import annotations

import math

from scipy import stats


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
