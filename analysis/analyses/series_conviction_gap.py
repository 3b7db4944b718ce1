"""Notebook 06: the government's count of victims and the traffickers convicted, year by year, across TIP editions.

The table a year is built in :mod:`~analysis.analyses.series_conviction_table`, the tests of the years in
:mod:`~analysis.analyses.series_conviction_findings`; here are the parameters' domains, and the analysis that puts their
results in words and facts.
"""

from __future__ import annotations

from typing import Annotated

import pandas as pd

from ..data import Dataset, sources_of
from ..data.flags import FLAG_CODES
from ..data.measures import GOVERNMENT_COUNTS
from ..data.vintages import RULES, choose_release
from . import words
from .domains import CONFIDENCE, Flag, Holds, OneOf, Range
from .result import Result, analysis_of
from .series_conviction_findings import TREND_YEARS, Findings, findings, trend_facts
from .series_conviction_table import (
    FEWEST_FOR_A_RATIO,
    convictions_per_year,
    flag_columns,
    glotip_columns,
    three_year_columns,
    tip_columns,
)
from .unodc import CENSORED_LOW, RELEASES, yearly_counts
from .unodc_derivations import conviction_series

__all__ = ["COMPARED", "YEARS", "analyse", "convictions_per_year"]


def _covered_years(data: Dataset, p: dict) -> list[int]:
    """The calendar years of the government's counts and convictions, and of UNODC's counts."""
    years = data.figures[data.figures.metric.isin([*GOVERNMENT_COUNTS,
                                                   "convictions"]) & (data.figures.period_kind == "calendar_year")]
    return [*years.period_start, *([] if data.glotip is None else data.glotip.year)]


def _single_values(data: Dataset, p: dict) -> None:
    """At least one year of the range with both of UNODC's counts as numbers, a conviction among them.

    The chart and its title compare the years whose ratio is a single value; a range of "<5" or missing counts only
    has none to compare.

    Raises:
        LookupError: When no year of the range has such a ratio, naming the years that do.
    """
    if data.glotip is None:
        return  # data loaded without UNODC's counts (as `tip-norway refresh` loads them) leave nothing to judge
    chosen = choose_release(data.glotip, p["release"], p["include_flagged"])

    def exact(years: list[int]) -> list[int]:
        detected = yearly_counts(chosen, "NOR", "victims_detected", years)
        convicted = yearly_counts(chosen, "NOR", "persons_convicted", years)
        single = ((detected.low == detected.high) & (convicted.low == convicted.high) & (convicted.low > 0)).to_numpy()
        return [year for year, ok in zip(years, single, strict=True) if ok]

    if not exact(list(range(p["first_year"], p["last_year"] + 1))):
        have = exact(sorted({int(y) for y in chosen[chosen.iso3 == "NOR"].year}))
        raise LookupError(f"no year in {p['first_year']}-{p['last_year']} has UNODC's detected victims and persons "
                          "convicted both as numbers (not '<5' or missing), which a single ratio needs; years that "
                          f"do: {', '.join(map(str, have))}")


YEARS = Range("first_year", "last_year", _covered_years, holds=_single_values, needs=("release", "include_flagged"))


def _two_counted_years(data: Dataset, p: dict) -> None:
    """None or exactly two years of the range, each with both of UNODC's counts reported (a '<5' counts).

    Raises:
        LookupError: Saying what is wrong, and which years could be compared.
    """
    chosen_years = list(p["compare_years"])
    if not chosen_years:
        return
    if len(chosen_years) != 2 or chosen_years[0] == chosen_years[1]:
        raise LookupError(f"give two different years, or none; got {chosen_years}")
    if data.glotip is None:
        return
    chosen = choose_release(data.glotip, p["release"], p["include_flagged"])
    years = list(range(p["first_year"], p["last_year"] + 1))
    detected = yearly_counts(chosen, "NOR", "victims_detected", years)
    convicted = yearly_counts(chosen, "NOR", "persons_convicted", years)
    counted = [y for y, d, c in zip(years, detected.low, convicted.low, strict=True) if not (pd.isna(d) or pd.isna(c))]
    absent = [y for y in chosen_years if y not in counted]
    if absent:
        raise LookupError(f"no pair of UNODC counts for {', '.join(map(str, absent))}; years with both in "
                          f"{p['first_year']}-{p['last_year']}: {', '.join(map(str, counted))}")


COMPARED = Holds(_two_counted_years, needs=("first_year", "last_year", "release", "include_flagged"))


@analysis_of()
def analyse(data: Dataset, first_year: Annotated[int, YEARS] = 2007, last_year: Annotated[int, YEARS] = 2022,
            rule: Annotated[str, OneOf(RULES)] = "latest", release: Annotated[str, OneOf(RELEASES)] = "latest",
            include_flagged: Annotated[bool, Flag()] = False,
            confidence: Annotated[float, CONFIDENCE] = 0.95,
            compare_years: Annotated[tuple[int, ...], COMPARED] = (),
            censored_low: Annotated[int, OneOf((1, 0))] = CENSORED_LOW,
            break_fit: Annotated[bool, Flag()] = True) -> Result:
    """Victims per person convicted, year by year.

    UNODC's counts (as intervals where censored) beside the TIP's and KOM's.

    ``rule`` picks the TIP edition where editions restate a figure; ``release``
    the GLOTIP release where both give a count; flagged GLOTIP rows are left
    out unless ``include_flagged``. Each ratio carries its exact conditional
    interval at ``confidence`` (over every value a "<5" may take), and persons
    convicted a fitted trend (:func:`~analysis.analyses.count_models.trend`). Whether the yearly ratios vary more
    than chance is one test of every year (:func:`~analysis.analyses.uncertainty.homogeneity`); two years are
    compared only when ``compare_years`` names them, chosen before the data are looked at.

    A "<5" is taken to be ``censored_low`` (1, UNODC writing a zero as 0; or 0) to 4 throughout, and the effect of
    the other assumption on the test and the trend is shown once. Where persons convicted cross a break in series
    (flag b), ``break_fit`` fits the trend again with the level free to shift at the break, and on each side of it.

    Args:
        data: The curated data; loaded when not given.
        first_year: first calendar year
        last_year: last calendar year
        rule: TIP edition to use where editions restate a figure: first or latest
        release: GLOTIP release to use where both give a count: first (2023) or latest (2025)
        include_flagged: keep GLOTIP rows the quality checks flag (left out by default)
        confidence: level of the intervals for chance, strictly between 0 and 1
        compare_years: two years to compare, named before looking at the data (none by default)
        censored_low: smallest value a count written "<5" may take: 1 (UNODC writes a zero as 0) or 0
        break_fit: fit the trend in persons convicted again with a level shift at the 2015 break in series
    """
    years = list(range(first_year, last_year + 1))
    table = tip_columns(data, years, rule, confidence)
    chosen = choose_release(data.glotip, release, include_flagged)
    counts = tuple(yearly_counts(chosen, "NOR", metric, years, lowest=censored_low)
                   for metric in ("victims_detected", "persons_convicted"))
    bounds = glotip_columns(table, *counts, confidence)
    flag_columns(table, data, chosen)
    three_year_columns(table)
    # A ratio on one or two convictions is no finding: the value stays in the table, the words give only its range.
    table["tip_too_few"] = table.tip_convictions < FEWEST_FOR_A_RATIO
    found = findings(table, data.glotip, data.series_breaks, years, counts, bounds,
                     {"confidence": confidence, "censored_low": censored_low, "break_fit": break_fit,
                      "compare_years": compare_years, "include_flagged": include_flagged})
    fitted = found.fitted
    table["glotip_convicted_fitted"] = table.year.map(dict(zip(fitted.years, fitted.fitted,
                                                               strict=True)) if fitted else {})
    chosen_values = {"release": release, "include_flagged": include_flagged, "first_year": first_year,
                     "last_year": last_year, "confidence": confidence, "censored_low": censored_low,
                     "break_fit": break_fit, "compare_years": list(compare_years)}
    story = words.render(__name__, _story_values(table, found, chosen_values))
    ids = [i for cell in (*table.tip_victims_ids, *table.tip_convictions_ids) for i in cell]
    ids += [i for i in (*table.kom_id, *table.glotip_detected_id, *table.glotip_convicted_id) if isinstance(i, str)]
    return Result(
        title=story.title,
        table=table,
        facts={**_facts(table, found, list(compare_years), confidence, censored_low),
               "derivations": conviction_series(data, table, confidence)},
        figure_ids=tuple(dict.fromkeys(ids)),
        sources=sources_of(data.figures, data.sources, ids, data.glotip),
        summary=story.summary,
        closing=story.closing,
        caveats=story.caveats,
        tables={"by_year": table[["year", "glotip_detected", "glotip_detected_flags", "glotip_convicted",
                                  "glotip_convicted_flags", "glotip_ratio", "glotip_ratio_ci_low",
                                  "glotip_ratio_ci_high", "glotip_ratio_3y_low", "glotip_ratio_3y_high",
                                  "glotip_unreliable", "tip_victims", "tip_convictions", "tip_victims_per_conviction",
                                  "tip_ratio_ci_low",
                                  "tip_ratio_ci_high", "kom_victims"]]},
    )


def _story_values(table: pd.DataFrame, found: Findings, chosen: dict) -> dict:
    """The values the words of notebook 06 are filled in with, ``chosen`` the parameters they name."""
    points = table[table.glotip_ratio_low == table.glotip_ratio_high]
    ranges = table[(table.glotip_ratio_low < table.glotip_ratio_high)]
    lowest, highest = points.loc[points.glotip_ratio_low.idxmin()], points.loc[points.glotip_ratio_low.idxmax()]
    with_value = table.dropna(subset=["glotip_ratio_ci_low"])
    flagged = table[["glotip_detected_flags", "glotip_convicted_flags"]].stack()
    return {
        **chosen, "rows": list(table.itertuples()), "points": len(points), "ranges": len(ranges),
        "unreported": table[table.glotip_ratio == "n/a"].year.tolist(), "lowest": lowest, "highest": highest,
        "shaky": int(with_value.glotip_unreliable.sum()), "with_ratio": len(with_value),
        "spread": found.spread, "spread_sound": found.spread_sound,
        "left_out": [int(y) for y in table.year[~found.sound]],
        "fitted": found.fitted, "shifted": found.shifted, "sides": found.sides, "breaks": found.breaks,
        "counted": found.counted, "trend_years": TREND_YEARS,
        "on_release": found.on_release, "fewest": FEWEST_FOR_A_RATIO,
        "other_trend": found.other_trend, "other_spread": found.other_spread, "other_low": found.other_low,
        "pair": found.pair,
        "releases_agree": len({v["homogeneity"] for v in found.on_release.values()} | {found.spread.verdict}) == 1,
        "flag_counts": {code: int(flagged.str.contains(code).sum()) for code in FLAG_CODES}, "flag_codes": FLAG_CODES}


def _facts(table: pd.DataFrame, found: Findings, compare_years: list[int], confidence: float,
           censored_low: int) -> dict:
    """The numbers the words state, by name: each year's ratios, the tests of the years and their assumptions."""
    tip = table.dropna(subset=["tip_victims_per_conviction"])
    spread, spread_sound, other_trend, pair = found.spread, found.spread_sound, found.other_trend, found.pair
    return {"glotip_ratio": {int(r.year): (float(r.glotip_ratio_low), float(r.glotip_ratio_high))
                             for r in table.itertuples() if not pd.isna(r.glotip_ratio_low)},
            "glotip_ratio_ci": {int(r.year): (float(r.glotip_ratio_ci_low), float(r.glotip_ratio_ci_high))
                                for r in table.itertuples() if not pd.isna(r.glotip_ratio_ci_low)},
            "unreliable": [int(r.year) for r in table.itertuples() if r.glotip_unreliable],
            "tip_ratio": {int(r.year): float(r.tip_victims_per_conviction) for r in tip.itertuples()},
            "tip_ratio_ci": {int(r.year): (float(r.tip_ratio_ci_low), float(r.tip_ratio_ci_high))
                             for r in tip.itertuples()},
            "homogeneity": {"statistic": spread.statistic, "df": spread.df, "p_range": spread.p_range,
                            "verdict": spread.verdict},
            "homogeneity_without_u": {"statistic": spread_sound.statistic, "df": spread_sound.df,
                                      "p_range": spread_sound.p_range, "verdict": spread_sound.verdict},
            "trend_convicted": None if found.fitted is None else trend_facts(found.fitted),
            "trend_convicted_with_break": None if found.shifted is None else trend_facts(found.shifted),
            "trend_convicted_each_side_of_break": [trend_facts(side) for side in found.sides],
            "on_each_release": found.on_release,
            "censored_low": censored_low,
            "if_censored_low_were_other": {
                "censored_low": found.other_low,
                "trend_percent_a_year": None if other_trend is None else other_trend.percent_a_year,
                "trend_ci": None if other_trend is None else (other_trend.low, other_trend.high),
                "homogeneity_p_range": found.other_spread.p_range},
            "compared_years": None if pair is None else {
                "years": compare_years, "rate_ratio": tuple(float(v) for v in pair.ratio),
                "ci": (float(pair.low), float(pair.high)),
                "p_range": pair.p_range, "verdict": pair.verdict},
            "confidence": confidence,
            "ranges": [int(y) for y in table[(table.glotip_ratio_low < table.glotip_ratio_high)].year],
            "none": [int(y) for y in table[table.glotip_ratio == "n/a"].year.tolist()]}
