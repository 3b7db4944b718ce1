"""Notebook 06: the government's count of victims and the traffickers convicted, year by year, across TIP editions."""

from __future__ import annotations

from typing import Annotated

import pandas as pd

from ..data import Dataset, kom_victims, sources_of
from ..data.flags import FLAG_CODES, of_ids, value_flags
from ..data.measures import GOVERNMENT_COUNTS
from ..data.vintages import RULES, choose_release, each_release, last_common_year
from . import words
from .count_models import trend
from .domains import CONFIDENCE, Flag, Holds, OneOf, Range
from .intervals import ratio, shown
from .result import Result, analysis_of
from .uncertainty import (
    compare_rates,
    count_interval,
    homogeneity,
    ratio_interval,
    unreliable,
)
from .unodc import CENSORED_LOW, RELEASES, yearly_counts
from .victim_counts import tip_years, victims_per_year


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


def convictions_per_year(figures: pd.DataFrame, sources: pd.DataFrame, years: list[int],
                         rule: str = "latest") -> pd.DataFrame:
    """Traffickers convicted per year in the TIP series: the unsplit count, or sex and labor added."""
    tip = tip_years(figures, sources, rule)
    tip = tip[tip.metric == "convictions"]
    rows = []
    for year in years:
        here = tip[tip.period_start == year]
        given = here[here.value.notna()]
        unsplit = given[given.form == "unsplit"]
        split = given[given.form.isin(["sex", "labor"])]
        if len(unsplit):
            rows.append({"year": year, "convictions": float(unsplit.value.iloc[0]), "ids": tuple(unsplit.id),
                         "missing_reason": None})
        elif set(split.form) == {"sex", "labor"}:
            rows.append({"year": year, "convictions": float(split.value.sum()), "ids": tuple(split.id),
                         "missing_reason": None})
        else:
            reason = (here.missing_reason.dropna().iloc[0] if here.missing_reason.notna().any()
                      else "no source covers this year")
            rows.append({"year": year, "convictions": float("nan"), "ids": tuple(here.id), "missing_reason": reason})
    return pd.DataFrame(rows)


def _kom_victims(figures: pd.DataFrame, sources: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """KOM's count for each of ``years``; missing where it made none."""
    found = kom_victims(figures, sources).reindex(years)
    return pd.DataFrame({"year": years, "kom_victims": found.value.astype(float).to_numpy(na_value=float("nan")),
                         "kom_definition": found.definition.to_numpy(), "kom_id": found.id.to_numpy()})


#: The fewest years with a count over which a trend is fitted.
TREND_YEARS = 5
#: A ratio over fewer convictions than this is not stated as a finding (one or two events: its interval spans orders
#: of magnitude).
FEWEST_FOR_A_RATIO = 3


def _trend_facts(fitted) -> dict:
    return {"percent_a_year": fitted.percent_a_year, "ci": (fitted.low, fitted.high), "p_value": fitted.p_value,
            "detectable_change": fitted.detectable_change, "model": fitted.model, "alpha": fitted.alpha,
            "censored_years": list(fitted.censored_years), "years": (fitted.years[0], fitted.years[-1])}


def _break_years(breaks: pd.DataFrame, metric: str, fitted) -> list[int]:
    """The first years on a new basis (code b) of Norway's ``metric`` inside the years ``fitted`` covers."""
    if fitted is None or breaks is None:
        return []
    rows = breaks[(breaks.iso3 == "NOR") & (breaks.code == "b") & (breaks.metric == metric)]
    return sorted({int(y) for y in rows.first_year if fitted.years[0] < int(y) <= fitted.years[-1]})


def _on_each_release(glotip: pd.DataFrame, years: list[int], include_flagged: bool, confidence: float,
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


#: The tables of the data this analysis reads: its notebook is run again when one of their files changes
#: (see analysis.regenerate.incremental; tests/regenerate/test_incremental.py runs it and checks).
READS = ("figures", "glotip", "sources")


@analysis_of("06_series_conviction_gap", glotip=True)
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
    """
    years = list(range(first_year, last_year + 1))
    victims = victims_per_year(data.figures, data.sources, years, rule)
    convictions = convictions_per_year(data.figures, data.sources, years, rule)
    table = victims.merge(convictions, on="year", suffixes=("_victims", "_convictions"))
    table["victims_per_conviction"] = table.victims / table.convictions.where(table.convictions > 0)
    table = table.rename(columns={"measure": "tip_measure", "victims": "tip_victims", "convictions": "tip_convictions",
                                  "victims_per_conviction": "tip_victims_per_conviction",
                                  "ids_victims": "tip_victims_ids",
                                  "ids_convictions": "tip_convictions_ids", "hedge": "tip_hedge",
                                  "definition": "tip_definition"})
    tip_ci = [ratio_interval((r.tip_victims,) * 2, (r.tip_convictions,) * 2, confidence) for r in table.itertuples()]
    table["tip_ratio_ci_low"], table["tip_ratio_ci_high"] = [c[0] for c in tip_ci], [c[1] for c in tip_ci]
    table["tip_unreliable"] = [unreliable((r.tip_victims,) * 2, (r.tip_convictions,) * 2) for r in table.itertuples()]
    table = table.merge(_kom_victims(data.figures, data.sources, years), on="year")
    chosen = choose_release(data.glotip, release, include_flagged)
    detected = yearly_counts(chosen, "NOR", "victims_detected", years, lowest=censored_low)
    convicted = yearly_counts(chosen, "NOR", "persons_convicted", years, lowest=censored_low)
    for name, counts in (("detected", detected), ("convicted", convicted)):
        table[f"glotip_{name}"] = counts.written.to_numpy()
        table[f"glotip_{name}_low"] = counts.low.to_numpy()
        table[f"glotip_{name}_high"] = counts.high.to_numpy()
        table[f"glotip_{name}_id"] = counts.id.to_numpy()
    d_bounds = list(zip(table.glotip_detected_low, table.glotip_detected_high, strict=True))
    c_bounds = list(zip(table.glotip_convicted_low, table.glotip_convicted_high, strict=True))
    bounds = [ratio(d, c) for d, c in zip(d_bounds, c_bounds, strict=True)]
    table["glotip_ratio_low"] = [b[0] for b in bounds]
    table["glotip_ratio_high"] = [b[1] for b in bounds]
    table["glotip_ratio"] = [shown(b) for b in bounds]
    chance = [ratio_interval(d, c, confidence) for d, c in zip(d_bounds, c_bounds, strict=True)]
    table["glotip_ratio_ci_low"], table["glotip_ratio_ci_high"] = [c[0] for c in chance], [c[1] for c in chance]
    convicted_ci = [count_interval(c, confidence) for c in c_bounds]
    table["glotip_convicted_ci_low"], table["glotip_convicted_ci_high"] = ([c[0] for c in convicted_ci],
                                                                           [c[1] for c in convicted_ci])
    table["glotip_unreliable"] = [unreliable(d, c) and not pd.isna(b[0])
                                  for d, c, b in zip(d_bounds, c_bounds, bounds, strict=True)]
    flags = value_flags(data.glotip, data.series_breaks, chosen)
    for name in ("detected", "convicted"):
        table[f"glotip_{name}_flags"], table[f"glotip_{name}_flag_reasons"] = of_ids(flags, table[f"glotip_{name}_id"])
    # Three-year sums, a ratio of two flows over a longer window: a range where a '<5' enters, none where a year in
    # the window is not reported.
    for name in ("detected", "convicted"):
        for end in ("low", "high"):
            table[f"glotip_{name}_3y_{end}"] = table[f"glotip_{name}_{end}"].rolling(3).sum()
    three = [ratio((d_low, d_high), (c_low, c_high)) for d_low, d_high, c_low, c_high in
             zip(table.glotip_detected_3y_low, table.glotip_detected_3y_high, table.glotip_convicted_3y_low,
                 table.glotip_convicted_3y_high, strict=True)]
    table["glotip_ratio_3y_low"], table["glotip_ratio_3y_high"] = [t[0] for t in three], [t[1] for t in three]
    # A ratio on one or two convictions is no finding: the value stays in the table, the words give only its range.
    table["tip_too_few"] = table.tip_convictions < FEWEST_FOR_A_RATIO

    counted = sum(not pd.isna(low) for low, _ in c_bounds)
    fitted = trend(years, c_bounds, confidence) if counted >= TREND_YEARS else None
    table["glotip_convicted_fitted"] = table.year.map(dict(zip(fitted.years, fitted.fitted,
                                                               strict=True)) if fitted else {})
    breaks = _break_years(data.series_breaks, "persons_convicted", fitted)
    shifted = trend(years, c_bounds, confidence, break_year=breaks[0]) if break_fit and fitted and breaks else None
    # The trend depends on the window: fitted again on each side of the break, a split fixed by the law, not the data
    sides = []
    if shifted:
        for part in ([y for y in years if y < breaks[0]], [y for y in years if y >= breaks[0]]):
            bounds = [b for y, b in zip(years, c_bounds, strict=True) if y in part]
            if sum(not pd.isna(low) for low, _ in bounds) >= TREND_YEARS:
                sides.append(trend(part, bounds, confidence))

    points = table[table.glotip_ratio_low == table.glotip_ratio_high]
    ranges = table[(table.glotip_ratio_low < table.glotip_ratio_high)]
    lowest, highest = points.loc[points.glotip_ratio_low.idxmin()], points.loc[points.glotip_ratio_low.idxmax()]
    # Do the yearly ratios vary more than chance? One test of every year, chosen before the data (not the extremes).
    spread = homogeneity(table.year, c_bounds, d_bounds, confidence)
    sound = ~(table.glotip_detected_flags.str.contains("u") | table.glotip_convicted_flags.str.contains("u"))
    spread_sound = homogeneity(table.year[sound], [b for b, ok in zip(c_bounds, sound, strict=True) if ok],
                               [b for b, ok in zip(d_bounds, sound, strict=True) if ok], confidence)
    # The assumption of what a '<5' may be (1 to 4 by default; UNODC writes a zero as 0): the other one's effect,
    # shown once.
    other_low = 1 - censored_low
    other_c = [(float(other_low), high) if censored else (low, high)
               for (low, high), censored in zip(c_bounds, convicted.censored, strict=True)]
    other_d = [(float(other_low), high) if censored else (low, high)
               for (low, high), censored in zip(d_bounds, detected.censored, strict=True)]
    other_trend = trend(years, other_c, confidence) if fitted else None
    other_spread = homogeneity(table.year, other_c, other_d, confidence)
    pair = None
    if compare_years:
        first, second = (table.set_index("year").loc[y] for y in compare_years)
        # persons convicted per detected victim in one year against the other: the exact conditional test
        pair = compare_rates((first.glotip_convicted_low, first.glotip_convicted_high), first.glotip_detected_low,
                             (second.glotip_convicted_low, second.glotip_convicted_high), second.glotip_detected_low,
                             confidence)
    # The same headline tests on each release alone, over the years both releases cover.
    on_release = _on_each_release(data.glotip, years, include_flagged, confidence, censored_low)
    tip = table.dropna(subset=["tip_victims_per_conviction"])
    none = table[table.glotip_ratio == "n/a"].year.tolist()
    with_value = table.dropna(subset=["glotip_ratio_ci_low"])
    shaky = int(with_value.glotip_unreliable.sum())
    ids = [i for cell in (*table.tip_victims_ids, *table.tip_convictions_ids) for i in cell]
    ids += [i for i in (*table.kom_id, *table.glotip_detected_id, *table.glotip_convicted_id) if isinstance(i, str)]
    flagged = table[["glotip_detected_flags", "glotip_convicted_flags"]].stack()
    story = words.render(__name__, {
        "release": release, "include_flagged": include_flagged, "first_year": first_year, "last_year": last_year,
        "confidence": confidence, "rows": list(table.itertuples()), "points": len(points), "ranges": len(ranges),
        "unreported": none, "lowest": lowest, "highest": highest, "shaky": shaky, "with_ratio": len(with_value),
        "spread": spread, "spread_sound": spread_sound, "left_out": [int(y) for y in table.year[~sound]],
        "fitted": fitted, "shifted": shifted, "sides": sides, "breaks": breaks, "counted": counted,
        "trend_years": TREND_YEARS,
        "on_release": on_release, "fewest": FEWEST_FOR_A_RATIO,
        "other_trend": other_trend, "other_spread": other_spread,
        "censored_low": censored_low, "other_low": other_low, "break_fit": break_fit,
        "compare_years": list(compare_years), "pair": pair,
        "releases_agree": len({v["homogeneity"] for v in on_release.values()} | {spread.verdict}) == 1,
        "flag_counts": {code: int(flagged.str.contains(code).sum()) for code in FLAG_CODES}, "flag_codes": FLAG_CODES})
    return Result(
        title=story.title,
        table=table,
        facts={"glotip_ratio": {int(r.year): (float(r.glotip_ratio_low), float(r.glotip_ratio_high))
                                for r in table.itertuples()
                                if not pd.isna(r.glotip_ratio_low)},
               "glotip_ratio_ci": {int(r.year): (float(r.glotip_ratio_ci_low), float(r.glotip_ratio_ci_high))
                                   for r in table.itertuples()
                                   if not pd.isna(r.glotip_ratio_ci_low)},
               "unreliable": [int(r.year) for r in table.itertuples() if r.glotip_unreliable],
               "tip_ratio": {int(r.year): float(r.tip_victims_per_conviction) for r in tip.itertuples()},
               "tip_ratio_ci": {int(r.year): (float(r.tip_ratio_ci_low), float(r.tip_ratio_ci_high))
                                for r in tip.itertuples()},
               "homogeneity": {"statistic": spread.statistic, "df": spread.df, "p_range": spread.p_range,
                               "verdict": spread.verdict},
               "homogeneity_without_u": {"statistic": spread_sound.statistic, "df": spread_sound.df,
                                         "p_range": spread_sound.p_range, "verdict": spread_sound.verdict},
               "trend_convicted": None if fitted is None else _trend_facts(fitted),
               "trend_convicted_with_break": None if shifted is None else _trend_facts(shifted),
               "trend_convicted_each_side_of_break": [_trend_facts(side) for side in sides],
               "on_each_release": on_release,
               "censored_low": censored_low,
               "if_censored_low_were_other": {
                   "censored_low": other_low,
                   "trend_percent_a_year": None if other_trend is None else other_trend.percent_a_year,
                   "trend_ci": None if other_trend is None else (other_trend.low, other_trend.high),
                   "homogeneity_p_range": other_spread.p_range},
               "compared_years": None if pair is None else {
                   "years": list(compare_years), "rate_ratio": tuple(float(v) for v in pair.ratio),
                   "ci": (float(pair.low), float(pair.high)),
                   "p_range": pair.p_range, "verdict": pair.verdict},
               "confidence": confidence,
               "ranges": [int(y) for y in ranges.year], "none": [int(y) for y in none]},
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
