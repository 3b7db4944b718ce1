"""Intervals for chance on numbers built from small counts, computed by scipy.stats and statsmodels.

Norway convicts a handful of persons a year; a ratio, share or rate built on
such a count could move a long way by chance alone. Each function here gives
the interval a statistical office would print beside the number (ONS, the US
NCHS, England's Fingertips):

- a count: the exact (Garwood) Poisson interval, :func:`count_interval`;
- a count per inhabitant (or per any fixed exposure): the same, divided, :func:`rate_interval`;
- a ratio of two counts: the exact conditional interval, :func:`ratio_interval`;
- a share: the Wilson interval, :func:`share_interval`;
- the bounds of a sum of counts: :func:`pooled` (its Poisson interval holds only for one year's count: years vary
  more than that, see :mod:`~analysis.analyses.count_models`);
- two single years or two countries in one year: the exact conditional test, with the rate ratio and its interval,
  :func:`compare_rates`, and its three verdicts, :func:`verdict_of`;
- whether yearly ratios vary more than chance: the chi-square test of homogeneity, :func:`homogeneity`;
- pooled over overdispersed years, compared across them, or a trend: :mod:`~analysis.analyses.count_models`.

**Censored counts.** A count is passed as its bounds ``(low, high)``: a
published count is ``(n, n)``, a "<5" is ``(1, 4)``, a count not reported is
``(nan, nan)``. The interval of a number built on a censored count is the
union of its intervals over every value the count may take, so it covers both
chance and the censoring; the censoring range alone stays in
:mod:`analysis.analyses.intervals`. Not reported gives ``(nan, nan)``.

**What the intervals cover.** Chance only: the variation a count would show
from year to year if the process behind it stayed the same (a Poisson count;
for a ratio or share, the split of the events between its two parts given
their total). They say nothing of differences of definition, recording or
effort between sources, years and countries, which can be larger.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.rates import confint_poisson

from .domains import CONFIDENCE

#: A value built on fewer events than this is marked unreliable (the ONS and NCHS rule: its relative standard error
#: exceeds about 23 %).
RELIABLE_EVENTS = 20
#: How the prose marks such a value.
UNRELIABLE = f"unreliable: fewer than {RELIABLE_EVENTS} events"

Bounds = tuple[float, float]
NAN_PAIR: Bounds = (math.nan, math.nan)


def confidence_problems(name: str, value) -> list[str]:
    """A parameter check: ``value`` is a number strictly between 0 and 1 (the domain :data:`~.domains.CONFIDENCE`)."""
    return CONFIDENCE.problems(name, None, {name: value})


def _alpha(confidence: float) -> float:
    if confidence_problems("confidence", confidence):
        raise ValueError(confidence_problems("confidence", confidence)[0])
    return 1 - confidence


def _values(bounds: Bounds) -> list[int] | None:
    """Every count the bounds allow, or None when the count is not reported."""
    low, high = bounds
    if math.isnan(low) or math.isnan(high):
        return None
    if low < 0 or low > high or low != int(low) or high != int(high):
        raise ValueError(f"a count's bounds must be whole numbers 0 <= low <= high; got {bounds!r}")
    return list(range(int(low), int(high) + 1))


def _union(intervals) -> Bounds:
    intervals = list(intervals)
    if not intervals:
        return NAN_PAIR
    return (float(min(i[0] for i in intervals)), float(max(i[1] for i in intervals)))


def count_interval(count: Bounds, confidence: float = 0.95) -> Bounds:
    """The exact (Garwood) Poisson interval of a count; over 1 to 4 for a "<5".

    >>> [round(v, 2) for v in count_interval((5, 5))]
    [1.62, 11.67]
    """
    alpha, values = _alpha(confidence), _values(count)
    if values is None:
        return NAN_PAIR
    return _union(tuple(float(v) for v in confint_poisson(n, 1, method="exact-c", alpha=alpha)) for n in values)


def rate_interval(count: Bounds, exposure: float, confidence: float = 0.95, per: float = 1.0) -> Bounds:
    """A count per unit of a fixed exposure (inhabitants, years), times ``per``: the Garwood interval divided.

    The exposure is taken as known exactly (a population estimate's own error
    is far smaller than the chance in a count of tens).
    """
    if not exposure > 0:
        raise ValueError(f"the exposure must be positive; got {exposure!r}")
    low, high = count_interval(count, confidence)
    return (low / exposure * per, high / exposure * per)


def _conditional(y1: int, y2: int, alpha: float, scale: float = 1.0) -> Bounds:
    """The Clopper-Pearson interval for p = y1 / (y1 + y2), mapped to the ratio p / (1 - p), times ``scale``."""
    if y1 + y2 == 0:
        return (0.0, math.inf)
    p_low, p_high = proportion_confint(y1, y1 + y2, alpha=alpha, method="beta")
    return (p_low / (1 - p_low) * scale, math.inf if p_high >= 1 else p_high / (1 - p_high) * scale)


def ratio_interval(numerator: Bounds, denominator: Bounds, confidence: float = 0.95) -> Bounds:
    """The exact conditional interval of ``numerator / denominator`` (two independent Poisson counts).

    Given their total, the numerator is binomial with p = R / (1 + R), R the
    ratio of the two means: the Clopper-Pearson interval for p, mapped to R.
    A denominator that can be 0 gives an upper end of infinity; a numerator
    of 0 a lower end of 0.

    >>> [round(v, 1) for v in ratio_interval((324, 324), (8, 8))]
    [20.3, 94.6]
    """
    alpha = _alpha(confidence)
    tops, bottoms = _values(numerator), _values(denominator)
    if tops is None or bottoms is None:
        return NAN_PAIR

    return _union(_conditional(y1, y2, alpha) for y1, y2 in itertools.product(tops, bottoms))


def share_interval(part: Bounds, whole: Bounds, confidence: float = 0.95) -> Bounds:
    """The Wilson interval of ``part / whole``; over every pair of values the bounds allow with part <= whole."""
    alpha = _alpha(confidence)
    parts, wholes = _values(part), _values(whole)
    if parts is None or wholes is None:
        return NAN_PAIR
    pairs = [(k, n) for k, n in itertools.product(parts, wholes) if k <= n and n > 0]
    return _union(tuple(float(v) for v in proportion_confint(k, n, alpha=alpha, method="wilson")) for k, n in pairs)


def pooled(counts) -> Bounds:
    """The bounds of a sum of counts: lows added, highs added; not reported when every one is not reported.

    A count not reported among reported ones makes the sum unknown; pass only
    the years where the count is given (and say which).
    """
    counts = list(counts)
    if not counts or any(math.isnan(low) or math.isnan(high) for low, high in counts):
        return NAN_PAIR
    return (float(sum(low for low, _ in counts)), float(sum(high for _, high in counts)))


def unreliable(*counts: Bounds) -> bool:
    """True when the smallest count a value is built on may be below :data:`RELIABLE_EVENTS` (a "<5" always is).

    False when any of the counts is not reported: there is then no value to mark.
    """
    highs = [high for _, high in counts]
    return bool(highs) and not any(math.isnan(h) for h in highs) and min(highs) < RELIABLE_EVENTS


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
    tails = (stats.binomtest(y1, n, p, alternative="less").pvalue,
             stats.binomtest(y1, n, p, alternative="greater").pvalue)
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
    alpha = _alpha(confidence)
    firsts, seconds = _values(count1), _values(count2)
    if firsts is None or seconds is None:
        return Comparison(NAN_PAIR, math.nan, math.nan, NAN_PAIR, confidence)
    ratios, intervals, p_values = [], [], []
    for y1, y2 in itertools.product(firsts, seconds):
        if y1 + y2 == 0:
            intervals.append((0.0, math.inf))
            p_values.append(1.0)
            continue
        ratios.append((y1 / exposure1) / (y2 / exposure2) if y2 else math.inf)
        intervals.append(_conditional(y1, y2, alpha, exposure2 / exposure1))
        p_values.append(_central_p(y1, y1 + y2, exposure1 / (exposure1 + exposure2)))
    low, high = _union(intervals)
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
    _alpha(confidence)
    grids = [_values(b) for b in (part1, whole1, part2, whole2)]
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
        p_values.append(float(stats.fisher_exact([[k1, n1 - k1], [k2, n2 - k2]]).pvalue))
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
    not reported are left out; censored counts are enumerated.
    """
    _alpha(confidence)
    rows = [(int(y), _values(a), _values(b)) for y, a, b in zip(years, firsts, seconds, strict=True)]
    rows = [r for r in rows if r[1] is not None and r[2] is not None]
    if len(rows) < 2:
        return Homogeneity(NAN_PAIR, 0, tuple(r[0] for r in rows), NAN_PAIR, confidence)
    grids = [r[1] for r in rows] + [r[2] for r in rows]
    size = math.prod(len(g) for g in grids)
    if size > MAX_COMBINATIONS:
        raise ValueError(f"{size:,} combinations of censored values to test; at most {MAX_COMBINATIONS:,} are "
                         "enumerated")
    statistics, p_values, k = [], [], len(rows)
    for values in itertools.product(*grids):
        table = np.array([values[:k], values[k:]])
        if (table.sum(axis=1) == 0).any() or (table.sum(axis=0) == 0).any():
            continue
        result = stats.chi2_contingency(table, correction=False)
        statistics.append(float(result.statistic))
        p_values.append(float(result.pvalue))
    return Homogeneity((min(statistics), max(statistics)), k - 1, tuple(r[0] for r in rows),
                       (min(p_values), max(p_values)), confidence)


# --- as a reader writes them ---

#: Said once wherever intervals are shown.
WHAT_INTERVALS_COVER = ("The intervals cover chance only: how far a count could move from year to year if nothing "
                        "behind it changed. "
                        "They do not cover differences of definition, recording or effort between "
                        "sources, years and countries, "
                        f"which can be larger. A count, rate or ratio built on fewer than {RELIABLE_EVENTS} "
                        "events is marked unreliable.")

def shown_interval(interval: Bounds, digits: int = 0, percent: bool = False) -> str:
    """A chance interval as printed: "22-135", "0-61%", "3.2-inf"; "n/a" when there is none."""
    low, high = interval
    if math.isnan(low):
        return "n/a"
    scale, unit = (100, "%") if percent else (1, "")

    def one(v: float) -> str:
        return "no upper limit" if math.isinf(v) else f"{v * scale:,.{digits}f}"

    if math.isinf(high):
        return f"at least {one(low)}{unit}"
    return f"{one(low)}-{one(high)}{unit}"


def shown_p(p_value: float) -> str:
    """A p-value as printed: "p = 0.27", "p = 0.0071", "p < 0.001"."""
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.2g}"


def shown_p_range(p_range: Bounds) -> str:
    """A p-value that censoring makes a range, as printed: "p = 0.27", "p from 0.0012 to 0.44"; one value when equal."""
    low, high = p_range
    if shown_p(low) == shown_p(high):
        return shown_p(high)
    first, last = shown_p(low).removeprefix("p = ").replace("p < ", "below "), shown_p(high).removeprefix("p = ")
    return f"p from {first} to {last}"


def ci_label(confidence: float) -> str:
    """"95% CI", "90% CI", "99.5% CI": the label of an interval at ``confidence``.

    The level is written in full, shifted two decimal places (0.9999999999999 -> "99.99999999999% CI"), never
    rounded: a rounded level could read "100%", which no interval is.
    """
    return f"{Decimal(repr(float(confidence))).scaleb(2).normalize():f}% CI"
