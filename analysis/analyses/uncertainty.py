"""Intervals for chance on numbers built from small counts, computed by scipy.stats and statsmodels.

Norway convicts a handful of persons a year; a ratio, share or rate built on
such a count could move a long way by chance alone. Each function here gives
the interval a statistical office would print beside the number (ONS, the US
NCHS, England's Fingertips):

- a count: the exact (Garwood) Poisson interval, :func:`count_interval`;
- a count per inhabitant (or per any fixed exposure): the same, divided, :func:`rate_interval`;
- a ratio of two counts: the exact conditional interval, :func:`ratio_interval`;
- a share: the Wilson interval, :func:`share_interval`;
- pooled over years: :func:`pooled` sums the counts, then any of the above;
- two years or two countries: the exact conditional test, with the rate ratio and its interval, :func:`compare_rates`;
- a trend over years: a log-linear count model with censored years, :func:`trend`.

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

import functools
import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.rates import confint_poisson, test_poisson_2indep

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


class _Verdict:
    """What a test's result says at its confidence level: ``p_value`` and ``confidence`` are the subclass's fields."""

    p_value: float
    confidence: float

    @property
    def differs(self) -> bool:
        """Whether the two differ beyond chance at the confidence level (p below 1 - confidence)."""
        return self.p_value < 1 - self.confidence


@dataclass(frozen=True)
class Comparison(_Verdict):
    """Two rates compared: the ratio of the first to the second, its interval, and the exact conditional test's p-value.

    For censored counts, the ratio is a range and the interval and p-value are
    the widest over the values the counts may take (the largest p-value: a
    difference is beyond chance only if it is for every value).
    """

    ratio: Bounds
    low: float
    high: float
    p_value: float
    confidence: float


def compare_rates(count1: Bounds, exposure1: float, count2: Bounds, exposure2: float,
                  confidence: float = 0.95) -> Comparison:
    """Rate 1 (count1 / exposure1) against rate 2: the exact conditional test and the rate ratio's interval.

    Given the total count, count1 is binomial with p = E1 R / (E1 R + E2); the
    test is statsmodels' ``exact-cond`` (two-sided), the interval the
    Clopper-Pearson interval for p mapped to R, so the two agree.
    """
    alpha = _alpha(confidence)
    firsts, seconds = _values(count1), _values(count2)
    if firsts is None or seconds is None:
        return Comparison(NAN_PAIR, math.nan, math.nan, math.nan, confidence)
    ratios, intervals, p_values = [], [], []
    for y1, y2 in itertools.product(firsts, seconds):
        if y1 + y2 == 0:
            intervals.append((0.0, math.inf))
            p_values.append(1.0)
            continue
        ratios.append((y1 / exposure1) / (y2 / exposure2) if y2 else math.inf)
        intervals.append(_conditional(y1, y2, alpha, exposure2 / exposure1))
        p_values.append(float(test_poisson_2indep(y1, exposure1, y2, exposure2, method="exact-cond").pvalue))
    low, high = _union(intervals)
    return Comparison((min(ratios), max(ratios)) if ratios else NAN_PAIR, low, high, max(p_values), confidence)


@dataclass(frozen=True)
class ShareComparison(_Verdict):
    """Two shares compared by Fisher's exact test (the conditional exact test for two binomial shares).

    With censored counts, the p-value is the largest over every combination of
    values the counts may take: a difference is beyond chance only if it is for each.
    """

    first: Bounds
    second: Bounds
    p_value: float
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
        return ShareComparison(NAN_PAIR, NAN_PAIR, math.nan, confidence)
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
        return ShareComparison(NAN_PAIR, NAN_PAIR, math.nan, confidence)
    return ShareComparison((min(firsts), max(firsts)), (min(seconds), max(seconds)), max(p_values), confidence)


# --- a trend over years ---

@functools.cache
def _censored_counts():
    """The model class, built on first use.

    statsmodels' likelihood machinery is imported only by the one notebook that fits a trend.
    """
    from statsmodels.base.model import GenericLikelihoodModel

    class CensoredCounts(GenericLikelihoodModel):
        """A log-linear model of counts known to lie in [low, high].

        Poisson, or negative binomial (NB2) when ``dispersed``.

        An exact count contributes its probability, a censored one the
        probability of its range. Distributions are scipy.stats'.
        """

        def __init__(self, low, high, exog, dispersed: bool = False):
            self.low, self.high, self.dispersed = np.asarray(low, float), np.asarray(high, float), dispersed
            super().__init__(self.low, exog, extra_params_names=["alpha"] if dispersed else None)
            if dispersed:
                self.k_extra = 1
                self.nparams = exog.shape[1] + 1

        def _distribution(self, params):
            mean = np.exp(self.exog @ params[: self.exog.shape[1]])
            if not self.dispersed:
                return stats.poisson(mean)
            size = 1 / np.exp(params[-1])  # alpha = exp(last parameter) > 0; variance = mean + alpha mean^2
            return stats.nbinom(size, size / (size + mean))

        def loglikeobs(self, params):
            dist = self._distribution(params)
            exact = self.low == self.high
            inside = dist.cdf(self.high) - dist.cdf(self.low - 1)
            return np.where(exact, dist.logpmf(self.low), np.log(np.clip(inside, 1e-300, None)))

    return CensoredCounts


@dataclass(frozen=True)
class Trend:
    """A fitted trend: percent change a year with its interval, the model chosen and why.

    Attributes:
        percent_a_year: 100 (exp(b) - 1), b the slope on the year.
        low, high: its interval at ``confidence`` (Wald, on the log scale).
        model: "Poisson" or "negative binomial".
        dispersion: Pearson chi-square per degree of freedom of the Poisson fit, over the years with an exact count.
        dispersion_p: the chance of a Pearson chi-square at least as large under the Poisson model.
        years, censored_years: the years fitted, and those that entered as a range.
    """

    percent_a_year: float
    low: float
    high: float
    model: str
    dispersion: float
    dispersion_p: float
    years: tuple[int, ...]
    censored_years: tuple[int, ...]
    confidence: float
    fitted: tuple[float, ...] = ()

    @property
    def detectable(self) -> bool:
        """Whether the interval excludes no change."""
        return self.low > 0 or self.high < 0


#: The overdispersion test's level: a Pearson chi-square above its 95th percentile moves the fit to the negative
#: binomial.
DISPERSION_LEVEL = 0.05


def trend(years, counts, confidence: float = 0.95) -> Trend:
    """Percent change a year in a count, from a log-linear model in which a "<5" year is censored (1 to 4).

    The Poisson model is fitted first; its Pearson chi-square per degree of
    freedom, over the years with an exact count, measures whether the counts
    vary more than Poisson allows. When that chi-square exceeds the 95th
    percentile of its distribution, the negative binomial (NB2, its dispersion
    estimated with the slope) is fitted instead and reported. Years not
    reported are left out. The interval is Wald's on the log scale.

    Args:
        years: The calendar years.
        counts: Each year's bounds, ``(n, n)`` or ``(1, 4)`` or ``(nan, nan)``.
        confidence: The level of the interval of the change a year.
    """
    alpha = _alpha(confidence)
    rows = [(int(y), lo, hi)
            for y, (lo, hi) in zip(years, counts, strict=True) if not (math.isnan(lo) or math.isnan(hi))]
    if len(rows) < 3:
        raise ValueError(f"a trend needs at least three years with a count; got {len(rows)}")
    year = np.array([r[0] for r in rows], float)
    low, high = np.array([r[1] for r in rows]), np.array([r[2] for r in rows])
    centre = year.mean()
    exog = np.column_stack([np.ones_like(year), year - centre])
    start = np.array([math.log(max(np.mean((low + high) / 2), 0.5)), 0.0])

    poisson = _censored_counts()(low, high, exog).fit(start_params=start, method="bfgs", maxiter=2000, disp=False)
    exact = low == high
    mean = np.exp(exog @ poisson.params)
    df = int(exact.sum()) - exog.shape[1]
    pearson = float(np.sum((low[exact] - mean[exact]) ** 2 / mean[exact]))
    dispersion = pearson / df if df > 0 else math.nan
    dispersion_p = float(stats.chi2.sf(pearson, df)) if df > 0 else math.nan
    fit, model = poisson, "Poisson"
    if df > 0 and dispersion_p < DISPERSION_LEVEL:
        fit = _censored_counts()(low, high, exog, dispersed=True).fit(
            start_params=np.append(poisson.params, math.log(0.1)), method="bfgs", maxiter=2000, disp=False)
        model = "negative binomial"
    slope, se = float(fit.params[1]), float(fit.bse[1])
    z = stats.norm.ppf(1 - alpha / 2)
    return Trend(percent_a_year=100 * math.expm1(slope), low=100 * math.expm1(slope - z * se),
                 high=100 * math.expm1(slope + z * se),
                 model=model, dispersion=dispersion, dispersion_p=dispersion_p, years=tuple(int(y) for y in year),
                 censored_years=tuple(int(y) for y, e in zip(year, exact, strict=True) if not e), confidence=confidence,
                 fitted=tuple(float(m) for m in np.exp(exog @ fit.params[: exog.shape[1]])))


# --- as a reader writes them ---

#: Said once wherever intervals are shown.
WHAT_INTERVALS_COVER = ("The intervals cover chance only: how far a count could move from year to year if nothing "
                        "behind it changed. "
                        "They do not cover differences of definition, recording or effort between "
                        "sources, years and countries, "
                        f"which can be larger. A value built on fewer than {RELIABLE_EVENTS} "
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


def ci_label(confidence: float) -> str:
    """"95% CI", "90% CI", "99.5% CI": the label of an interval at ``confidence``."""
    return f"{confidence * 100:g}% CI"
