"""Notebook 06: the government's count of victims and the traffickers convicted, year by year, across TIP editions."""

from __future__ import annotations

from typing import Annotated

import pandas as pd

from ..data import Dataset, choose_vintage, sources_of, victim_count
from ..data.measures import GOVERNMENT_COUNTS
from ..data.vintages import RULES, choose_release
from . import words
from .domains import CONFIDENCE, Flag, OneOf, Range
from .intervals import ratio, shown
from .result import Result, analysis_of
from .uncertainty import (
    compare_rates,
    count_interval,
    ratio_interval,
    trend,
    unreliable,
)
from .unodc import RELEASES, yearly_counts


def _tip(figures: pd.DataFrame, sources: pd.DataFrame, rule: str) -> pd.DataFrame:
    chosen = choose_vintage(figures, sources, rule)
    return chosen[(chosen.series == "TIP") & (chosen.period_kind == "calendar_year")]


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


def victims_per_year(figures: pd.DataFrame, sources: pd.DataFrame, years: list[int],
                     rule: str = "latest") -> pd.DataFrame:
    """The TIP's government count of victims for each year, by the best measure the editions give.

    Identified-and-assisted counts come first; then victims identified (adding
    the populations given, when together they cover everyone, e.g. adults and
    children); then the government's estimate. A year without any keeps the
    reason the preferred measure gives.
    """
    tip = _tip(figures, sources, rule)
    rows = []
    for year in years:
        found = None
        for name in GOVERNMENT_COUNTS:
            try:
                count = victim_count(tip, name, year)
            except LookupError:
                continue
            definitions = tip[tip.id.isin(count.ids)].set_index("id").definition.loc[list(count.ids)]
            found = {"measure": name, "victims": count.value, "hedge": count.hedge,
                     "definition": " + ".join(definitions),
                     "ids": count.ids, "missing_reason": None}
            break
        if found is None:
            gap = tip[(tip.metric == GOVERNMENT_COUNTS[0]) & (tip.period_start == year) & (tip.form == "unsplit")]
            reason = gap.missing_reason.iloc[0] if len(gap) else "no source covers this year"
            found = {"measure": None, "victims": float("nan"), "hedge": None, "definition": None, "ids": tuple(gap.id),
                     "missing_reason": reason}
        rows.append({"year": year, **found})
    return pd.DataFrame(rows)


def convictions_per_year(figures: pd.DataFrame, sources: pd.DataFrame, years: list[int],
                         rule: str = "latest") -> pd.DataFrame:
    """Traffickers convicted per year in the TIP series: the unsplit count, or sex and labor added."""
    tip = _tip(figures, sources, rule)
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


def kom_victims(figures: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """KOM's count of victims followed up (everyone), by year where it made one: value, definition, id."""
    chosen = choose_vintage(figures, sources, "latest")
    kom = chosen[(chosen.series == "KOM") & (chosen.metric == "victims_followed_up") & (chosen.population == "all")
                 & (chosen.form == "unsplit") & (chosen.period_kind == "calendar_year") & chosen.value.notna()]
    return kom.set_index(kom.period_start.astype(int).rename("year"))[["value", "definition", "id"]].sort_index()


def _kom_victims(figures: pd.DataFrame, sources: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """KOM's count for each of ``years``; missing where it made none."""
    found = kom_victims(figures, sources).reindex(years)
    return pd.DataFrame({"year": years, "kom_victims": found.value.astype(float).to_numpy(na_value=float("nan")),
                         "kom_definition": found.definition.to_numpy(), "kom_id": found.id.to_numpy()})


#: The fewest years with a count over which a trend is fitted.
TREND_YEARS = 5


#: The tables of the data this analysis reads: its notebook is run again when one of their files changes
#: (see analysis.regenerate.incremental; tests/regenerate/test_incremental.py runs it and checks).
READS = ("figures", "glotip", "sources")


@analysis_of("06_series_conviction_gap", glotip=True)
def analyse(data: Dataset, first_year: Annotated[int, YEARS] = 2007, last_year: Annotated[int, YEARS] = 2022,
            rule: Annotated[str, OneOf(RULES)] = "latest", release: Annotated[str, OneOf(RELEASES)] = "latest",
            include_flagged: Annotated[bool, Flag()] = False,
            confidence: Annotated[float, CONFIDENCE] = 0.95) -> Result:
    """Victims per person convicted, year by year.

    UNODC's counts (as intervals where censored) beside the TIP's and KOM's.

    ``rule`` picks the TIP edition where editions restate a figure; ``release``
    the GLOTIP release where both give a count; flagged GLOTIP rows are left
    out unless ``include_flagged``. Each ratio carries its exact conditional
    interval at ``confidence`` (over every value a "<5" may take), and persons
    convicted a fitted trend (:func:`~analysis.analyses.uncertainty.trend`).
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
    detected = yearly_counts(chosen, "NOR", "victims_detected", years)
    convicted = yearly_counts(chosen, "NOR", "persons_convicted", years)
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
    counted = sum(not pd.isna(low) for low, _ in c_bounds)
    fitted = trend(years, c_bounds, confidence) if counted >= TREND_YEARS else None
    table["glotip_convicted_fitted"] = table.year.map(dict(zip(fitted.years, fitted.fitted,
                                                               strict=True)) if fitted else {})

    points = table[table.glotip_ratio_low == table.glotip_ratio_high]
    ranges = table[(table.glotip_ratio_low < table.glotip_ratio_high)]
    lowest, highest = points.loc[points.glotip_ratio_low.idxmin()], points.loc[points.glotip_ratio_low.idxmax()]
    # Lowest against highest year: persons convicted per detected victim, the exact conditional test (the smaller counts
    # are the convictions).
    extremes = compare_rates((lowest.glotip_convicted_low,) * 2, lowest.glotip_detected_low,
                             (highest.glotip_convicted_low,) * 2, highest.glotip_detected_low,
                             confidence) if len(points) > 1 else None
    tip = table.dropna(subset=["tip_victims_per_conviction"])
    none = table[table.glotip_ratio == "n/a"].year.tolist()
    with_value = table.dropna(subset=["glotip_ratio_ci_low"])
    shaky = int(with_value.glotip_unreliable.sum())
    ids = [i for cell in (*table.tip_victims_ids, *table.tip_convictions_ids) for i in cell]
    ids += [i for i in (*table.kom_id, *table.glotip_detected_id, *table.glotip_convicted_id) if isinstance(i, str)]
    story = words.render(__name__, {
        "release": release, "include_flagged": include_flagged, "first_year": first_year, "last_year": last_year,
        "confidence": confidence, "rows": list(table.itertuples()), "points": len(points), "ranges": len(ranges),
        "unreported": none,
        "extremes": extremes, "lowest": lowest, "highest": highest, "shaky": shaky, "with_ratio": len(with_value),
        "fitted": fitted, "counted": counted, "trend_years": TREND_YEARS})
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
               "extremes": None if extremes is None else {"years": (int(lowest.year), int(highest.year)),
                                                          "p_value": extremes.p_value,
                                                          "differ": extremes.differs},
               "trend_convicted": None if fitted is None else {
                   "percent_a_year": fitted.percent_a_year, "ci": (fitted.low, fitted.high), "model": fitted.model,
                   "dispersion": fitted.dispersion, "dispersion_p": fitted.dispersion_p,
                   "censored_years": list(fitted.censored_years)},
               "confidence": confidence,
               "ranges": [int(y) for y in ranges.year], "none": [int(y) for y in none]},
        figure_ids=tuple(dict.fromkeys(ids)),
        sources=sources_of(data.figures, data.sources, ids, data.glotip),
        summary=story.summary,
        closing=story.closing,
        caveats=story.caveats,
        tables={"by_year": table[["year", "glotip_detected", "glotip_convicted", "glotip_ratio", "glotip_ratio_ci_low",
                                  "glotip_ratio_ci_high",
                                  "glotip_unreliable", "tip_victims", "tip_convictions", "tip_victims_per_conviction",
                                  "tip_ratio_ci_low",
                                  "tip_ratio_ci_high", "kom_victims"]]},
    )
