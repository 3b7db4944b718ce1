"""A trend in a yearly count that may be censored: percent change a year from the negative binomial model.

Fitted by :class:`~analysis.analyses.censored_nb.CountModel`, with an optional break in level (a series whose
definition changed), the change it could have detected at :data:`POWER`, and the test of no change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy

from .censored_nb import LOG_ALPHA_BOUNDS, CountModel, counted_rows

#: The power at which a trend's minimum detectable change is given.
POWER = 0.8


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
    low, high, _, kept = counted_rows(counts)
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
    p_value = float(scipy.stats.chi2.sf(max(2 * (loglike - null), 0.0), 1))
    ci = model.profile_interval(1, params, loglike, confidence)
    se = model.standard_error(1, params)
    z = scipy.stats.norm.ppf(1 - (1 - confidence) / 2) + scipy.stats.norm.ppf(POWER)
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
