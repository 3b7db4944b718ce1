"""Notebook 06's tests of the years: the trend in persons convicted, whether the yearly ratios vary, two years compared.

Each is also computed with the other assumption of what a "<5" may be, and on each GLOTIP release alone, so the words
can say how much hangs on either. The trend is the negative binomial model's (:mod:`~analysis.analyses.trends`), the
other tests are exact or chi-square (:mod:`~analysis.analyses.rate_tests`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..data.vintages import choose_release, each_release, last_common_year
from .rate_tests import Comparison, Homogeneity, compare_rates, homogeneity
from .trends import Trend, trend
from .unodc import yearly_counts

#: The fewest years with a count over which a trend is fitted.
TREND_YEARS = 5


def trend_facts(fitted: Trend) -> dict:
    """A fitted trend as the facts give it."""
    return {"percent_a_year": fitted.percent_a_year, "ci": (fitted.low, fitted.high), "p_value": fitted.p_value,
            "detectable_change": fitted.detectable_change, "model": fitted.model, "alpha": fitted.alpha,
            "censored_years": list(fitted.censored_years), "years": (fitted.years[0], fitted.years[-1])}


def break_years(breaks: pd.DataFrame, metric: str, fitted) -> list[int]:
    """The first years on a new basis (code b) of Norway's ``metric`` inside the years ``fitted`` covers."""
    if fitted is None or breaks is None:
        return []
    rows = breaks[(breaks.iso3 == "NOR") & (breaks.code == "b") & (breaks.metric == metric)]
    return sorted({int(y) for y in rows.first_year if fitted.years[0] < int(y) <= fitted.years[-1]})


def on_each_release(glotip: pd.DataFrame, years: list[int], include_flagged: bool, confidence: float,
                     lowest: int) -> dict:
    """The homogeneity test's verdict and the trend's, on each GLOTIP release alone over the years both cover."""
    common = [y for y in years if y <= last_common_year(glotip)]
    out = {}
    for source_id, rows in each_release(glotip).items():
        chosen = choose_release(rows, "latest", include_flagged)
        detected = yearly_counts(chosen, "NOR", "victims_detected", common, lowest=lowest)
        convicted = yearly_counts(chosen, "NOR", "persons_convicted", common, lowest=lowest)
        c_bounds = list(zip(convicted.low, convicted.high, strict=True))
        spread = homogeneity(common, c_bounds, list(zip(detected.low, detected.high, strict=True)), confidence)
        counted = sum(not pd.isna(low) for low, _ in c_bounds)
        fitted = trend(common, c_bounds, confidence) if counted >= TREND_YEARS else None
        out[source_id] = {"years": (common[0], common[-1]) if common else None, "homogeneity": spread.verdict,
                          "homogeneity_p": spread.p_range,
                          "trend_detectable": None if fitted is None else fitted.detectable,
                          "percent_a_year": None if fitted is None else fitted.percent_a_year}
    return out


@dataclass(frozen=True)
class Findings:
    """The tests of notebook 06's years.

    Attributes:
        counted: The years with a count of persons convicted.
        fitted: The trend in persons convicted (None over fewer than :data:`TREND_YEARS` years with a count).
        breaks: The first years on a new basis inside the years fitted.
        shifted: The trend with the level free to shift at the first break, when asked and there is one.
        sides: The trend fitted again on each side of that break, where a side has enough years.
        spread, spread_sound: Whether the yearly ratios vary more than chance; over every year, and over the years
            without a count flagged u.
        sound: Each year: whether neither count is flagged u.
        other_low, other_trend, other_spread: The other assumption of a "<5"'s lowest value, and the trend and the
            test under it.
        pair: The two years of ``compare_years`` compared, or None.
        on_release: The test and the trend on each release alone (:func:`on_each_release`).
    """

    counted: int
    fitted: Trend | None
    breaks: list[int]
    shifted: Trend | None
    sides: list[Trend]
    spread: Homogeneity
    spread_sound: Homogeneity
    sound: pd.Series
    other_low: int
    other_trend: Trend | None
    other_spread: Homogeneity
    pair: Comparison | None
    on_release: dict


def _trends(years: list[int], c_bounds: list, confidence: float, breaks_table: pd.DataFrame,
            break_fit: bool) -> tuple[int, Trend | None, list[int], Trend | None, list[Trend]]:
    """The trend in persons convicted; with ``break_fit`` again with a break in level, and on each side of it."""
    counted = sum(not pd.isna(low) for low, _ in c_bounds)
    fitted = trend(years, c_bounds, confidence) if counted >= TREND_YEARS else None
    breaks = break_years(breaks_table, "persons_convicted", fitted)
    shifted = trend(years, c_bounds, confidence, break_year=breaks[0]) if break_fit and fitted and breaks else None
    # The trend depends on the window: fitted again on each side of the break, a split fixed by the law, not the data
    sides = []
    if shifted:
        for part in ([y for y in years if y < breaks[0]], [y for y in years if y >= breaks[0]]):
            bounds = [b for y, b in zip(years, c_bounds, strict=True) if y in part]
            if sum(not pd.isna(low) for low, _ in bounds) >= TREND_YEARS:
                sides.append(trend(part, bounds, confidence))
    return counted, fitted, breaks, shifted, sides


def _spread(table: pd.DataFrame, c_bounds: list, d_bounds: list, confidence: float):
    """Whether the yearly ratios vary more than chance: over every year, and over those with no count flagged u."""
    spread = homogeneity(table.year, c_bounds, d_bounds, confidence)
    sound = ~(table.glotip_detected_flags.str.contains("u") | table.glotip_convicted_flags.str.contains("u"))
    spread_sound = homogeneity(table.year[sound], [b for b, ok in zip(c_bounds, sound, strict=True) if ok],
                               [b for b, ok in zip(d_bounds, sound, strict=True) if ok], confidence)
    return spread, spread_sound, sound


def _other_assumption(table: pd.DataFrame, years: list[int], bounds: tuple[list, list], counts: tuple,
                      censored_low: int, confidence: float, fitted: Trend | None):
    """The trend and the test if a '<5' were taken to run from the other lowest value (0 instead of 1, or 1)."""
    d_bounds, c_bounds = bounds
    detected, convicted = counts
    other_low = 1 - censored_low
    other_c = [(float(other_low), high) if censored else (low, high)
               for (low, high), censored in zip(c_bounds, convicted.censored, strict=True)]
    other_d = [(float(other_low), high) if censored else (low, high)
               for (low, high), censored in zip(d_bounds, detected.censored, strict=True)]
    other_trend = trend(years, other_c, confidence) if fitted else None
    other_spread = homogeneity(table.year, other_c, other_d, confidence)
    return other_low, other_trend, other_spread


def _pair(table: pd.DataFrame, compare_years: tuple[int, ...], confidence: float) -> Comparison | None:
    """Persons convicted per detected victim in one year of ``compare_years`` against the other, or None."""
    if not compare_years:
        return None
    first, second = (table.set_index("year").loc[y] for y in compare_years)
    return compare_rates((first.glotip_convicted_low, first.glotip_convicted_high), first.glotip_detected_low,
                         (second.glotip_convicted_low, second.glotip_convicted_high), second.glotip_detected_low,
                         confidence)


def findings(table: pd.DataFrame, glotip: pd.DataFrame, breaks_table: pd.DataFrame, years: list[int],
             counts: tuple, bounds: tuple[list, list], p: dict) -> Findings:
    """Every test of the years, ``counts`` UNODC's yearly (detected, convicted) and ``bounds`` their bounds.

    ``p`` holds the parameters the tests take: ``confidence``, ``censored_low``, ``break_fit``, ``compare_years``
    and ``include_flagged``.
    """
    d_bounds, c_bounds = bounds
    confidence = p["confidence"]
    counted, fitted, breaks, shifted, sides = _trends(years, c_bounds, confidence, breaks_table, p["break_fit"])
    spread, spread_sound, sound = _spread(table, c_bounds, d_bounds, confidence)
    other = _other_assumption(table, years, bounds, counts, p["censored_low"], confidence, fitted)
    return Findings(counted, fitted, breaks, shifted, sides, spread, spread_sound, sound, *other,
                    _pair(table, p["compare_years"], confidence),
                    on_each_release(glotip, years, p["include_flagged"], confidence, p["censored_low"]))
