"""Tests of two rates, two shares, or of yearly ratios, each over every value censored counts may take.

The exact conditional test of two Poisson rates with the rate ratio's interval, Fisher's exact test of two shares,
Holm's adjustment of a family of such tests, and the chi-square test of whether yearly ratios vary more than chance;
each gives its p-value as a range over the values a "<5" may take, and its verdict at the chosen level.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import scipy

from .count_intervals import NAN_PAIR, Bounds, alpha_of, conditional_interval, count_values, union

#: The three verdicts of a test at its level. A count written "<5" may take any value from 1 to 4, so a test on it has
#: a p-value for each value: the difference is beyond chance only if it is for every value (:data:`DIFFERS`), no
#: difference is detected only if none is for any value (:data:`NOT_DETECTED`), and otherwise the censoring decides and
#: the verdict is :data:`UNDETERMINED`. A test that finds no difference never shows sameness: its interval says how
#: large a difference the data still allow.
DIFFERS = "differs"
NOT_DETECTED = "no difference detected"
UNDETERMINED = "undetermined"
VERDICTS = (DIFFERS, NOT_DETECTED, UNDETERMINED)


def verdict_of(p_range: Bounds, confidence: float) -> str | None:
    """The verdict of a test whose p-value lies in ``p_range`` (smallest, largest) at ``confidence``; None: no test."""
    low, high = p_range
    if math.isnan(low) or math.isnan(high):
        return None
    alpha = round(1 - confidence, 12)  # 1 - 0.95 is 0.050000000000000044 in floating point
    if high < alpha:
        return DIFFERS
    return NOT_DETECTED if low >= alpha else UNDETERMINED


class Verdict:
    """What a test's result says at its confidence level: ``p_range`` and ``confidence`` are the subclass's fields."""

    p_range: Bounds
    confidence: float

    @property
    def p_value(self) -> float:
        """The largest p-value over the values censored counts may take (the only one when none is censored)."""
        return self.p_range[1]

    @property
    def verdict(self) -> str | None:
        """:data:`DIFFERS`, :data:`NOT_DETECTED` or :data:`UNDETERMINED` (see :func:`verdict_of`); None for no test."""
        return verdict_of(self.p_range, self.confidence)


@dataclass(frozen=True)
class Comparison(Verdict):
    """Two rates compared: the ratio of the first to the second, its interval, the exact conditional test's p-values.

    For censored counts, the ratio is a range, the interval the union over the
    values the counts may take, and ``p_range`` the smallest and largest p-value over them.
    """

    ratio: Bounds
    low: float
    high: float
    p_range: Bounds
    confidence: float


def _central_p(y1: int, n: int, p: float) -> float:
    """The central two-sided p-value of y1 successes in n at share p: twice the smaller tail (scipy's binomial test).

    It is the test the Clopper-Pearson interval inverts: p lies outside the interval at level alpha exactly when this
    p-value is below alpha. (scipy's and statsmodels' two-sided exact tests are "minlike", which can disagree with it.)
    """
    tails = (scipy.stats.binomtest(y1, n, p, alternative="less").pvalue,
             scipy.stats.binomtest(y1, n, p, alternative="greater").pvalue)
    return float(min(1.0, 2 * min(tails)))


def compare_rates(count1: Bounds, exposure1: float, count2: Bounds, exposure2: float,
                  confidence: float = 0.95) -> Comparison:
    """Rate 1 (count1 / exposure1) against rate 2: the exact conditional test and the rate ratio's interval.

    Given the total count, count1 is binomial with p = E1 R / (E1 R + E2). The
    interval is the Clopper-Pearson interval for p mapped to R; the test is
    the central exact test that this interval inverts (:func:`_central_p`), so
    a ratio of 1 lies outside the interval exactly when the test says the
    rates differ.
    """
    alpha = alpha_of(confidence)
    firsts, seconds = count_values(count1), count_values(count2)
    if firsts is None or seconds is None:
        return Comparison(NAN_PAIR, math.nan, math.nan, NAN_PAIR, confidence)
    ratios, intervals, p_values = [], [], []
    for y1, y2 in itertools.product(firsts, seconds):
        if y1 + y2 == 0:
            intervals.append((0.0, math.inf))
            p_values.append(1.0)
            continue
        ratios.append((y1 / exposure1) / (y2 / exposure2) if y2 else math.inf)
        intervals.append(conditional_interval(y1, y2, alpha, exposure2 / exposure1))
        p_values.append(_central_p(y1, y1 + y2, exposure1 / (exposure1 + exposure2)))
    low, high = union(intervals)
    return Comparison((min(ratios), max(ratios)) if ratios else NAN_PAIR, low, high,
                      (min(p_values), max(p_values)), confidence)


def holm(p_ranges: list[Bounds]) -> list[Bounds]:
    """Holm's adjustment of a family of tests (statsmodels' ``multipletests``), each test's p-value a range.

    Holm's adjusted p-values rise with every raw p-value, so adjusting the
    smallest values together and the largest together bounds each test's
    adjusted p-value over the values censored counts may take. Tests without
    a p-value (NaN) are left out of the family and stay NaN.
    """
    from statsmodels.stats.multitest import multipletests

    given = [i for i, (low, high) in enumerate(p_ranges) if not (math.isnan(low) or math.isnan(high))]
    adjusted = [NAN_PAIR] * len(p_ranges)
    if not given:
        return adjusted
    lows = multipletests([p_ranges[i][0] for i in given], method="holm")[1]
    highs = multipletests([p_ranges[i][1] for i in given], method="holm")[1]
    for i, low, high in zip(given, lows, highs, strict=True):
        adjusted[i] = (float(low), float(high))
    return adjusted


@dataclass(frozen=True)
class ShareComparison(Verdict):
    """Two shares compared by Fisher's exact test (the conditional exact test for two binomial shares).

    With censored counts, ``p_range`` is the smallest and largest p-value over
    every combination of values the counts may take (see :func:`verdict_of`).
    """

    first: Bounds
    second: Bounds
    p_range: Bounds
    confidence: float


#: The most combinations of censored values :func:`compare_shares` enumerates.
MAX_COMBINATIONS = 100_000


def compare_shares(part1: Bounds, whole1: Bounds, part2: Bounds, whole2: Bounds,
                   confidence: float = 0.95) -> ShareComparison:
    """Share 1 (part1 / whole1) against share 2.

    Fisher's exact test (two-sided), over every value censored counts may take.
    """
    alpha_of(confidence)
    grids = [count_values(b) for b in (part1, whole1, part2, whole2)]
    if any(g is None for g in grids):
        return ShareComparison(NAN_PAIR, NAN_PAIR, NAN_PAIR, confidence)
    size = math.prod(len(g) for g in grids)
    if size > MAX_COMBINATIONS:
        raise ValueError(f"{size:,} combinations of censored values to compare; at most "
                         f"{MAX_COMBINATIONS:,} are enumerated")
    p_values, firsts, seconds = [], [], []
    for k1, n1, k2, n2 in itertools.product(*grids):
        if k1 > n1 or k2 > n2 or n1 == 0 or n2 == 0:
            continue
        firsts.append(k1 / n1)
        seconds.append(k2 / n2)
        p_values.append(float(scipy.stats.fisher_exact([[k1, n1 - k1], [k2, n2 - k2]]).pvalue))
    if not p_values:
        return ShareComparison(NAN_PAIR, NAN_PAIR, NAN_PAIR, confidence)
    return ShareComparison((min(firsts), max(firsts)), (min(seconds), max(seconds)), (min(p_values), max(p_values)),
                           confidence)


# --- do yearly ratios vary more than chance? ---

@dataclass(frozen=True)
class Homogeneity(Verdict):
    """The chi-square test that one count's share of two is the same every year.

    Persons convicted among convicted plus detected, say: the statistic and
    p-value as ranges over every value the "<5" counts may take.
    """

    statistic: Bounds
    df: int
    years: tuple[int, ...]
    p_range: Bounds
    confidence: float


def homogeneity(years, firsts, seconds, confidence: float = 0.95) -> Homogeneity:
    """Whether the ratio of two yearly counts varies across the years more than chance alone would make it.

    The Pearson chi-square test of homogeneity of a 2 x k table (scipy's
    ``chi2_contingency``): given each year's total of the two counts, how the
    total splits between them would be the same every year. Chosen before the
    data are looked at: it asks of every year at once what picking the lowest
    and the highest year would ask after seeing them. Years with either count
    not reported are left out; censored counts are enumerated. A combination of
    values in which a year has both counts at 0, or a count is 0 every year, is
    left out (its expected counts would be 0); where every one is, there is no
    test.
    """
    alpha_of(confidence)
    rows = [(int(y), count_values(a), count_values(b)) for y, a, b in zip(years, firsts, seconds, strict=True)]
    rows = [r for r in rows if r[1] is not None and r[2] is not None]
    if len(rows) < 2:
        return Homogeneity(NAN_PAIR, 0, tuple(r[0] for r in rows), NAN_PAIR, confidence)
    grids = [r[1] for r in rows] + [r[2] for r in rows]
    size = math.prod(len(g) for g in grids)
    if size > MAX_COMBINATIONS:
        raise ValueError(f"{size:,} combinations of censored values to test; at most {MAX_COMBINATIONS:,} are "
                         "enumerated")
    k = len(rows)
    tables = np.array(list(itertools.product(*grids))).reshape(-1, 2, k)
    tables = tables[(tables.sum(axis=2) > 0).all(axis=1) & (tables.sum(axis=1) > 0).all(axis=1)]
    if not len(tables):  # every value the counts may take leaves a year, or one of the counts, at 0: no test
        return Homogeneity(NAN_PAIR, k - 1, tuple(r[0] for r in rows), NAN_PAIR, confidence)
    # chi2_contingency(table, correction=False) for each table, its two steps taken on every table at once: the
    # expected counts (scipy's expected_freq), then Pearson's statistic and p-value with k - 1 degrees of freedom
    # (power_divergence with ddof = 2k - 1 - (k - 1), as chi2_contingency calls it), one call for all the tables
    expected = np.array([scipy.stats.contingency.expected_freq(table) for table in tables])
    result = scipy.stats.power_divergence(tables.reshape(len(tables), -1), expected.reshape(len(tables), -1),
                                          ddof=k, axis=1)
    statistics, p_values = result.statistic.tolist(), result.pvalue.tolist()
    return Homogeneity((min(statistics), max(statistics)), k - 1, tuple(r[0] for r in rows),
                       (min(p_values), max(p_values)), confidence)
