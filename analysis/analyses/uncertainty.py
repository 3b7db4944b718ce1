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

import math
from decimal import Decimal

from .count_intervals import (
    NAN_PAIR,
    RELIABLE_EVENTS,
    UNRELIABLE,
    Bounds,
    confidence_problems,
    count_interval,
    pooled,
    rate_interval,
    ratio_interval,
    share_interval,
    unreliable,
)
from .rate_tests import (
    DIFFERS,
    MAX_COMBINATIONS,
    NOT_DETECTED,
    UNDETERMINED,
    VERDICTS,
    Comparison,
    Homogeneity,
    ShareComparison,
    Verdict,
    compare_rates,
    compare_shares,
    holm,
    homogeneity,
    verdict_of,
)

__all__ = ["DIFFERS", "MAX_COMBINATIONS", "NAN_PAIR", "NOT_DETECTED", "RELIABLE_EVENTS", "UNDETERMINED", "UNRELIABLE",
           "VERDICTS", "WHAT_INTERVALS_COVER", "Bounds", "Comparison", "Homogeneity", "ShareComparison", "Verdict",
           "ci_label", "compare_rates", "compare_shares", "confidence_problems", "count_interval", "holm",
           "homogeneity", "pooled", "rate_interval", "ratio_interval", "share_interval", "shown_interval", "shown_p",
           "shown_p_range", "unreliable", "verdict_of"]

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
