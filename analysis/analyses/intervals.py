"""Counts that may be censored ("<5"), and ratios of them, as intervals.

A count is an interval ``(low, high)``: a published count is ``(n, n)``, a
"<5" is ``(1, 4)``. A ratio of two intervals is the interval of every ratio
they allow; it is a point only when both counts are published.
"""

from __future__ import annotations

import math


def ratio(numerator: tuple[float, float], denominator: tuple[float, float]) -> tuple[float, float]:
    """The smallest and the largest ``numerator / denominator`` the two intervals allow.

    Both are nan when a count is not reported or the denominator is 0; when the denominator may be 0 but need not
    (a "<5" taken to be 0 to 4), the ratio has no upper end: infinity.
    """
    (n_low, n_high), (d_low, d_high) = numerator, denominator
    if any(math.isnan(v) for v in (n_low, n_high, d_low, d_high)) or d_high <= 0:
        return (math.nan, math.nan)
    return (n_low / d_high, n_high / d_low if d_low > 0 else math.inf)


def share(part: tuple[float, float], whole: tuple[float, float]) -> tuple[float, float]:
    """``part / whole`` as an interval, at most 1 (the part is among the whole); nan when either is not reported."""
    (p_low, p_high), (w_low, w_high) = part, whole
    if any(math.isnan(v) for v in (p_low, p_high, w_low, w_high)) or w_low <= 0:
        return (math.nan, math.nan)
    return (min(1.0, p_low / w_high), min(1.0, p_high / w_low))


def shown(interval: tuple[float, float], digits: int = 0, percent: bool = False) -> str:
    """An interval as a reader writes it: "24" for a point, "64-256" for a range, "n/a" when there is none."""
    low, high = interval
    if math.isnan(low):
        return "n/a"
    scale, unit = (100, "%") if percent else (1, "")
    if math.isinf(high):
        return f"{round(low * scale, digits):,.{digits}f}{unit} or more"
    low, high = round(low * scale, digits), round(high * scale, digits)
    if low == high:
        return f"{low:,.{digits}f}{unit}"
    return f"{low:,.{digits}f}-{high:,.{digits}f}{unit}"
