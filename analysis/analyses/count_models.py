"""Counts over years and countries with room for overdispersion: a negative binomial likelihood that takes a "<5".

A country's yearly count of detected victims runs from 86 to 324 in Norway:
far more spread than a Poisson count with a steady mean would show (one case
can hold dozens of victims, one judgment several defendants). A Garwood
interval on a sum of fifteen such years is therefore far too narrow. Every
number here that pools, compares or fits years comes instead from a year-level
count model:

- the count of year *i* is negative binomial (NB2) with mean
  ``exposure_i * exp(x_i b)`` and variance ``mean + alpha * mean**2``; alpha,
  the overdispersion, is estimated with the rest, always (no pre-test chooses
  between Poisson and the negative binomial), one alpha per group of rows
  (per country, where countries are compared);
- an exact count enters the likelihood by its probability, a count written
  "<5" by the probability of 1 to 4 (or of the bounds it is given), so a
  censored year is neither dropped nor guessed;
- intervals are profile-likelihood intervals (the values of a parameter that a
  likelihood-ratio test at the chosen level would not reject, with every other
  parameter, alpha included, maximised at each value), and p-values are from
  the same likelihood-ratio test, so a test and its interval always agree.

The distributions are scipy.stats'; the maximisation is scipy.optimize's. The
dispersion is kept within ``exp(-12)`` and ``exp(5)``: at the lower bound the
model is Poisson for every count the data hold.

:func:`pooled_rate` pools one group's years, :func:`rate_ratio` compares two
groups, :func:`trend` fits a change a year, :func:`pooled_share` pools a share over years
(quasi-binomial), :func:`common_dispersion` gives the
alpha of several groups' years around their own means (for funnel limits).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy

from .censored_nb import LOG_ALPHA_BOUNDS, CountModel, counted_rows
from .count_intervals import Bounds
from .rate_tests import Verdict
from .trends import POWER, Trend, trend

__all__ = ["LOG_ALPHA_BOUNDS", "POWER", "CountModel", "PooledRate", "PooledShare", "RateRatio", "Trend",
           "common_dispersion", "pooled_rate", "pooled_share", "rate_ratio", "trend"]


@dataclass(frozen=True)
class PooledRate:
    """One group's years pooled: the rate per ``per`` of exposure, its profile-likelihood interval, the dispersion.

    ``rate`` is the model's estimate, which weighs years by their precision under the overdispersion (the summed
    count over the summed exposure is the Poisson model's, and close to it unless years differ much in exposure).
    """

    rate: float
    low: float
    high: float
    alpha: float
    years: int
    censored: int
    confidence: float


def pooled_rate(counts, exposures, confidence: float = 0.95, per: float = 1.0, interval: bool = True) -> PooledRate:
    """The rate of a group's yearly counts per unit of exposure, pooled by the negative binomial model.

    Args:
        counts: Each year's bounds, ``(n, n)``, ``(1, 4)`` or ``(nan, nan)`` (left out).
        exposures: Each year's exposure (inhabitants).
        confidence: The level of the interval.
        per: The rate's unit (100,000 inhabitants).
        interval: Without it the interval is left NaN (the rate alone is cheaper).
    """
    low, high, exposure, kept = counted_rows(counts, exposures)
    if len(kept) < 2:
        raise ValueError(f"a pooled rate needs at least two years with a count; got {len(kept)}")
    model = CountModel(low, high, np.ones((len(kept), 1)), exposure)
    params, loglike = model.fit()
    ci = model.profile_interval(0, params, loglike, confidence) if interval else (math.nan, math.nan)
    return PooledRate(rate=math.exp(params[0]) * per, low=math.exp(ci[0]) * per, high=math.exp(ci[1]) * per,
                      alpha=math.exp(params[1]), years=len(kept), censored=int(np.sum(low < high)),
                      confidence=confidence)


@dataclass(frozen=True)
class RateRatio(Verdict):
    """Group 1's pooled rate against group 2's: the ratio, its profile-likelihood interval and the LR test's p-value.

    Each group has its own overdispersion. ``p_range`` holds the one p-value twice (the censoring is in the
    likelihood), so it reads, and gives its ``verdict``, like an exact test's range.
    """

    ratio: float
    low: float
    high: float
    p_range: Bounds
    confidence: float


def rate_ratio(counts1, exposures1, counts2, exposures2, confidence: float = 0.95,
               interval: bool = True) -> RateRatio:
    """Two groups' yearly counts (two countries, two periods) compared by the negative binomial model.

    The ratio is exp(b) of the indicator of group 1; its interval is the profile-likelihood interval; the p-value is
    the likelihood-ratio test of b = 0 (chi-square, one degree of freedom), which that interval inverts. Without
    ``interval`` the interval is left NaN (a test alone is cheaper).
    """
    low1, high1, e1, kept1 = counted_rows(counts1, exposures1)
    low2, high2, e2, kept2 = counted_rows(counts2, exposures2)
    if len(kept1) < 2 or len(kept2) < 2:
        raise ValueError("a rate ratio needs at least two years with a count in each group")
    n1, n2 = len(kept1), len(kept2)
    exog = np.column_stack([np.ones(n1 + n2), np.r_[np.ones(n1), np.zeros(n2)]])
    model = CountModel(np.r_[low1, low2], np.r_[high1, high2], exog, np.r_[e1, e2], np.r_[np.zeros(n1), np.ones(n2)])
    params, loglike = model.fit()
    null = model.fit({1: 0.0}, start=params)[1]
    p_value = float(scipy.stats.chi2.sf(max(2 * (loglike - null), 0.0), 1))
    ci = model.profile_interval(1, params, loglike, confidence) if interval else (math.nan, math.nan)
    return RateRatio(ratio=math.exp(params[1]), low=math.exp(ci[0]), high=math.exp(ci[1]), p_range=(p_value, p_value),
                     confidence=confidence)


def common_dispersion(counts, exposures, groups) -> tuple[float, np.ndarray]:
    """One alpha for several groups' years, each group around its own mean rate: (alpha, each group's rate).

    The variation of a group's years about its own level, pooled over the groups: what a funnel plot's limits
    widen by.
    """
    low, high, exposure, kept = counted_rows(counts, exposures)
    labels = np.asarray(groups)[kept]
    names = list(dict.fromkeys(labels))
    exog = np.column_stack([(labels == name).astype(float) for name in names])
    model = CountModel(low, high, exog, exposure)
    start = np.r_[[math.log(max(np.sum(((low + high) / 2)[labels == name]), 0.5)
                            / np.sum(exposure[labels == name])) for name in names], math.log(0.1)]
    params, _ = model.fit(start=start)
    return math.exp(params[-1]), np.exp(params[: len(names)])


@dataclass(frozen=True)
class PooledShare:
    """A share pooled over years whose shares vary: the estimate, its quasi-binomial interval, the dispersion.

    ``dispersion`` is Pearson's chi-square over its degrees of freedom: how many times the binomial variance the
    years' shares vary by (1: no more than chance).
    """

    share: float
    low: float
    high: float
    dispersion: float
    years: int
    confidence: float


def pooled_share(parts, wholes, confidence: float = 0.95) -> PooledShare | None:
    """A share pooled over years by quasi-likelihood: the binomial GLM with its scale estimated (statsmodels).

    The interval is on the logit scale with a t reference on the years' degrees of freedom (Wedderburn's
    quasi-binomial), so it widens as the yearly shares vary more than binomial chance would make them, and is never
    narrower than the binomial one (the scale is taken as at least 1). Only exact counts can be modelled so: None
    when a count is censored, and years with a count not reported are left out.
    """
    import statsmodels.api as sm

    rows = [(float(k[0]), float(n[0])) for k, n in zip(parts, wholes, strict=True)
            if not (math.isnan(k[0]) or math.isnan(n[0]))]
    if any(k[0] != k[1] for k in parts if not math.isnan(k[0])) or any(
            n[0] != n[1] for n in wholes if not math.isnan(n[0])):
        return None
    rows = [(k, n) for k, n in rows if n > 0]
    if len(rows) < 2:
        return None
    k, n = np.array([r[0] for r in rows]), np.array([r[1] for r in rows])
    fit = sm.GLM(k / n, np.ones((len(rows), 1)), family=sm.families.Binomial(), var_weights=n).fit(scale="X2")
    df = len(rows) - 1
    dispersion = float(fit.scale)
    se = float(fit.bse[0]) * math.sqrt(max(dispersion, 1.0) / dispersion)
    t = scipy.stats.t.ppf(1 - (1 - confidence) / 2, df)
    centre = float(fit.params[0])
    return PooledShare(share=float(scipy.special.expit(centre)), low=float(scipy.special.expit(centre - t * se)),
                       high=float(scipy.special.expit(centre + t * se)),
                       dispersion=dispersion, years=len(rows), confidence=confidence)
