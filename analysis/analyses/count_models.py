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
from scipy import optimize, special, stats

from .uncertainty import Bounds, Verdict

#: The bounds of log(alpha) (alpha: the negative binomial's overdispersion).
LOG_ALPHA_BOUNDS = (-12.0, 5.0)
#: The power at which a trend's minimum detectable change is given.
POWER = 0.8


class CountModel:
    """A negative binomial (NB2) log-linear model of counts known to lie in [low, high], with exposures.

    Args:
        low, high: Each row's bounds: equal for an exact count, (1, 4) for a "<5".
        exog: The design matrix (a column of ones first).
        exposure: Each row's exposure (inhabitants, or 1); the mean is ``exposure * exp(exog @ b)``.
        groups: Each row's dispersion group (0, 1, ...): one alpha per group.
    """

    def __init__(self, low, high, exog, exposure=None, groups=None):
        self.low, self.high = np.asarray(low, float), np.asarray(high, float)
        self.exog = np.asarray(exog, float)
        rows = len(self.low)
        self.offset = np.log(np.ones(rows) if exposure is None else np.asarray(exposure, float))
        self.groups = np.zeros(rows, int) if groups is None else np.asarray(groups, int)
        self.k_exog, self.k_groups = self.exog.shape[1], int(self.groups.max()) + 1
        self.exact = self.low == self.high
        if np.any(self.low > self.high) or np.any(self.low < 0):
            raise ValueError("each count's bounds must be 0 <= low <= high")

    def loglike(self, params) -> float:
        """The log-likelihood at ``params``: the coefficients, then one log(alpha) per group."""
        params = np.asarray(params, float)
        mean = np.exp(self.exog @ params[: self.k_exog] + self.offset)
        size = np.exp(-params[self.k_exog:][self.groups])
        prob = size / (size + mean)
        e, c = self.exact, ~self.exact
        total = float(np.sum(stats.nbinom.logpmf(self.low[e], size[e], prob[e]))) if e.any() else 0.0
        if c.any():
            inside = (stats.nbinom.cdf(self.high[c], size[c], prob[c])
                      - stats.nbinom.cdf(self.low[c] - 1, size[c], prob[c]))
            total += float(np.sum(np.log(np.clip(inside, 1e-300, None))))
        return total

    def _start(self) -> np.ndarray:
        middle = np.maximum((self.low + self.high) / 2, 0.5)
        first = math.log(np.sum(middle) / np.sum(np.exp(self.offset)))
        return np.concatenate([[first], np.zeros(self.k_exog - 1), np.full(self.k_groups, math.log(0.1))])

    def fit(self, fixed: dict[int, float] | None = None, start=None) -> tuple[np.ndarray, float]:
        """The maximum-likelihood parameters and log-likelihood, the parameters in ``fixed`` held at their values."""
        fixed = fixed or {}
        start = self._start() if start is None else np.asarray(start, float)
        free = [i for i in range(len(start)) if i not in fixed]
        bounds = [(None, None) if i < self.k_exog else LOG_ALPHA_BOUNDS for i in free]

        def full(values):
            params = start.copy()
            params[free] = values
            for i, v in fixed.items():
                params[i] = v
            return params

        def minus(values):
            value = -self.loglike(full(values))
            return value if math.isfinite(value) else 1e300

        x0 = np.clip(start[free], [b[0] if b[0] is not None else -np.inf for b in bounds],
                     [b[1] if b[1] is not None else np.inf for b in bounds])
        found = optimize.minimize(minus, x0, method="L-BFGS-B", bounds=bounds,
                                  options={"maxiter": 2000, "ftol": 1e-12, "gtol": 1e-7})
        return full(found.x), -float(found.fun)

    def profile_interval(self, index: int, params: np.ndarray, loglike: float, confidence: float) -> Bounds:
        """The profile-likelihood interval of parameter ``index`` at ``confidence``, from the fit (params, loglike).

        Each end is found to 1e-5 on the log scale (a thousandth of a percent of the rate or ratio).
        """
        limit = stats.chi2.ppf(confidence, 1) / 2
        best = float(params[index])
        step = self.standard_error(index, params)
        step = 0.5 if not math.isfinite(step) else max(step, 0.05)
        last = {"params": params}

        def drop(value: float) -> float:
            fitted, value_loglike = self.fit({index: value}, start=last["params"])
            last["params"] = fitted
            return loglike - value_loglike - limit

        ends = []
        for sign in (-1, 1):
            far = best + sign * step
            while drop(far) < 0:
                step *= 2
                far = best + sign * step
                if step > 50:
                    ends.append(sign * math.inf)
                    break
            else:
                ends.append(optimize.brentq(drop, *sorted((best, far)), xtol=1e-5))
            last["params"] = params
        return float(ends[0]), float(ends[1])

    def standard_error(self, index: int, params: np.ndarray) -> float:
        """The standard error of coefficient ``index`` from the observed information, alpha included in the matrix."""
        from statsmodels.tools.numdiff import approx_hess

        at_bound = [i for i in range(self.k_exog, len(params)) if params[i] <= LOG_ALPHA_BOUNDS[0] + 1e-6]
        keep = [i for i in range(len(params)) if i not in at_bound]

        def loglike(values):
            full = params.copy()
            full[keep] = values
            return self.loglike(full)

        hessian = approx_hess(params[keep], loglike)
        try:
            covariance = np.linalg.inv(-hessian)
        except np.linalg.LinAlgError:
            return math.nan
        variance = covariance[keep.index(index), keep.index(index)]
        return math.sqrt(variance) if variance > 0 else math.nan


def _rows(counts, exposures=None):
    """The rows with a count (bounds not NaN), as arrays: low, high, exposure, and their positions."""
    counts = list(counts)
    exposures = [1.0] * len(counts) if exposures is None else list(exposures)
    kept = [i for i, (lo, hi) in enumerate(counts) if not (math.isnan(lo) or math.isnan(hi))]
    low = np.array([counts[i][0] for i in kept], float)
    high = np.array([counts[i][1] for i in kept], float)
    return low, high, np.array([exposures[i] for i in kept], float), kept


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
    low, high, exposure, kept = _rows(counts, exposures)
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
    low1, high1, e1, kept1 = _rows(counts1, exposures1)
    low2, high2, e2, kept2 = _rows(counts2, exposures2)
    if len(kept1) < 2 or len(kept2) < 2:
        raise ValueError("a rate ratio needs at least two years with a count in each group")
    n1, n2 = len(kept1), len(kept2)
    exog = np.column_stack([np.ones(n1 + n2), np.r_[np.ones(n1), np.zeros(n2)]])
    model = CountModel(np.r_[low1, low2], np.r_[high1, high2], exog, np.r_[e1, e2], np.r_[np.zeros(n1), np.ones(n2)])
    params, loglike = model.fit()
    null = model.fit({1: 0.0}, start=params)[1]
    p_value = float(stats.chi2.sf(max(2 * (loglike - null), 0.0), 1))
    ci = model.profile_interval(1, params, loglike, confidence) if interval else (math.nan, math.nan)
    return RateRatio(ratio=math.exp(params[1]), low=math.exp(ci[0]), high=math.exp(ci[1]), p_range=(p_value, p_value),
                     confidence=confidence)


def common_dispersion(counts, exposures, groups) -> tuple[float, np.ndarray]:
    """One alpha for several groups' years, each group around its own mean rate: (alpha, each group's rate).

    The variation of a group's years about its own level, pooled over the groups: what a funnel plot's limits
    widen by.
    """
    low, high, exposure, kept = _rows(counts, exposures)
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
    t = stats.t.ppf(1 - (1 - confidence) / 2, df)
    centre = float(fit.params[0])
    return PooledShare(share=float(special.expit(centre)), low=float(special.expit(centre - t * se)),
                       high=float(special.expit(centre + t * se)),
                       dispersion=dispersion, years=len(rows), confidence=confidence)


@dataclass(frozen=True)
class Trend:
    """A fitted trend: percent change a year with its interval, its test, and the change it could have detected.

    Attributes:
        percent_a_year: 100 (exp(b) - 1), b the slope on the year.
        low, high: its profile-likelihood interval at ``confidence``.
        p_value: the likelihood-ratio test of no change.
        detectable_change: the smallest change a year, in percent, that a test at ``1 - confidence`` would find with
            probability :data:`POWER` ((z(1 - a/2) + z(power)) times the slope's standard error, as a percent).
        alpha: the overdispersion (0 means Poisson).
        model: what was fitted, in words.
        years, censored_years: the years fitted, and those that entered as a range.
        break_year: the first year after a break in level, when the model has one.
    """

    percent_a_year: float
    low: float
    high: float
    p_value: float
    detectable_change: float
    alpha: float
    model: str
    years: tuple[int, ...]
    censored_years: tuple[int, ...]
    confidence: float
    fitted: tuple[float, ...] = ()
    break_year: int | None = None

    @property
    def detectable(self) -> bool:
        """Whether the interval excludes no change (the test's p-value is below 1 - confidence)."""
        return self.low > 0 or self.high < 0


def trend(years, counts, confidence: float = 0.95, break_year: int | None = None) -> Trend:
    """Percent change a year in a count, from the negative binomial model in which a "<5" year is censored.

    Years not reported are left out. With ``break_year``, the level may shift from that year on (a series whose
    definition changed): the slope is then the change a year within each part.

    Args:
        years: The calendar years.
        counts: Each year's bounds, ``(n, n)`` or ``(1, 4)`` or ``(nan, nan)``.
        confidence: The level of the interval and of the test.
        break_year: The first year on a new basis, or None.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be a number strictly between 0 and 1; got {confidence!r}")
    low, high, _, kept = _rows(counts)
    if len(kept) < 3:
        raise ValueError(f"a trend needs at least three years with a count; got {len(kept)}")
    year = np.array([int(list(years)[i]) for i in kept], float)
    columns = [np.ones_like(year), year - year.mean()]
    if break_year is not None:
        after = (year >= break_year).astype(float)
        if after.min() == after.max():
            raise ValueError(f"the break year {break_year} must fall inside the years fitted "
                             f"({int(year[0])}-{int(year[-1])})")
        columns.append(after)
    model = CountModel(low, high, np.column_stack(columns))
    params, loglike = model.fit()
    null = model.fit({1: 0.0}, start=params)[1]
    p_value = float(stats.chi2.sf(max(2 * (loglike - null), 0.0), 1))
    ci = model.profile_interval(1, params, loglike, confidence)
    se = model.standard_error(1, params)
    z = stats.norm.ppf(1 - (1 - confidence) / 2) + stats.norm.ppf(POWER)
    alpha = math.exp(params[-1])
    poisson = params[-1] <= LOG_ALPHA_BOUNDS[0] + 1e-6
    model_name = ("negative binomial" if not poisson else "negative binomial (dispersion at its Poisson limit)")
    if break_year is not None:
        model_name += f", level shifting from {break_year}"
    return Trend(percent_a_year=100 * math.expm1(params[1]), low=100 * math.expm1(ci[0]),
                 high=100 * math.expm1(ci[1]), p_value=p_value, detectable_change=100 * math.expm1(z * se),
                 alpha=0.0 if poisson else alpha, model=model_name, years=tuple(int(y) for y in year),
                 censored_years=tuple(int(y) for y, lo, hi in zip(year, low, high, strict=True) if lo < hi),
                 confidence=confidence,
                 fitted=tuple(float(m) for m in np.exp(model.exog @ params[: model.k_exog])), break_year=break_year)
