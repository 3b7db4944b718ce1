"""Intervals for chance on a count, a rate, a ratio or a share built from small counts that may be censored.

The intervals a statistical office prints beside such a number (see :mod:`~analysis.analyses.uncertainty`, which
gives the package's whole account of chance): the exact (Garwood) Poisson interval of a count and of a rate, the exact
conditional interval of a ratio of two counts, the Wilson interval of a share. A count is passed as its bounds
``(low, high)`` (``(1, 4)`` for a "<5", ``(nan, nan)`` when not reported), and each interval is the union over every
value the bounds allow. The helpers that enumerate those values serve :mod:`~analysis.analyses.rate_tests` too.

statsmodels is imported where an interval is computed, not with the module: the runner imports every analysis to
check the values a run is given, which needs no interval.
"""

from __future__ import annotations

import itertools
import math

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


def alpha_of(confidence: float) -> float:
    """``1 - confidence``, once ``confidence`` is known to lie strictly between 0 and 1 (else ValueError)."""
    if confidence_problems("confidence", confidence):
        raise ValueError(confidence_problems("confidence", confidence)[0])
    return 1 - confidence


def count_values(bounds: Bounds) -> list[int] | None:
    """Every count the bounds allow, or None when the count is not reported."""
    low, high = bounds
    if math.isnan(low) or math.isnan(high):
        return None
    if low < 0 or low > high or low != int(low) or high != int(high):
        raise ValueError(f"a count's bounds must be whole numbers 0 <= low <= high; got {bounds!r}")
    return list(range(int(low), int(high) + 1))


def union(intervals) -> Bounds:
    """The smallest interval holding every one of ``intervals``; not reported when there are none."""
    intervals = list(intervals)
    if not intervals:
        return NAN_PAIR
    return (float(min(i[0] for i in intervals)), float(max(i[1] for i in intervals)))


def count_interval(count: Bounds, confidence: float = 0.95) -> Bounds:
    """The exact (Garwood) Poisson interval of a count; over 1 to 4 for a "<5".

    >>> [round(v, 2) for v in count_interval((5, 5))]
    [1.62, 11.67]
    """
    from statsmodels.stats.rates import confint_poisson  # statsmodels at first use: see the module's docstring

    alpha, values = alpha_of(confidence), count_values(count)
    if values is None:
        return NAN_PAIR
    return union(tuple(float(v) for v in confint_poisson(n, 1, method="exact-c", alpha=alpha)) for n in values)


def rate_interval(count: Bounds, exposure: float, confidence: float = 0.95, per: float = 1.0) -> Bounds:
    """A count per unit of a fixed exposure (inhabitants, years), times ``per``: the Garwood interval divided.

    The exposure is taken as known exactly (a population estimate's own error
    is far smaller than the chance in a count of tens).
    """
    if not exposure > 0:
        raise ValueError(f"the exposure must be positive; got {exposure!r}")
    low, high = count_interval(count, confidence)
    return (low / exposure * per, high / exposure * per)


def conditional_interval(y1: int, y2: int, alpha: float, scale: float = 1.0) -> Bounds:
    """The Clopper-Pearson interval for p = y1 / (y1 + y2), mapped to the ratio p / (1 - p), times ``scale``."""
    from statsmodels.stats.proportion import proportion_confint

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
    alpha = alpha_of(confidence)
    tops, bottoms = count_values(numerator), count_values(denominator)
    if tops is None or bottoms is None:
        return NAN_PAIR

    return union(conditional_interval(y1, y2, alpha) for y1, y2 in itertools.product(tops, bottoms))


def share_interval(part: Bounds, whole: Bounds, confidence: float = 0.95) -> Bounds:
    """The Wilson interval of ``part / whole``; over every pair of values the bounds allow with part <= whole."""
    from statsmodels.stats.proportion import proportion_confint

    alpha = alpha_of(confidence)
    parts, wholes = count_values(part), count_values(whole)
    if parts is None or wholes is None:
        return NAN_PAIR
    pairs = [(k, n) for k, n in itertools.product(parts, wholes) if k <= n and n > 0]
    return union(tuple(float(v) for v in proportion_confint(k, n, alpha=alpha, method="wilson")) for k, n in pairs)


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

