"""Notebook 04: victim protection measures against the victims identified."""

from __future__ import annotations

from typing import Annotated

import pandas as pd

from ..data import Dataset, from_source, sources_of, victim_count
from . import words
from .count_derivations import protection
from .domains import CONFIDENCE, SourceWithFigures, YearsOf
from .result import Result, analysis_of
from .uncertainty import (
    compare_rates,
    holm,
    ratio_interval,
    unreliable,
    verdict_of,
)

MEASURES = ("reflection_periods_granted", "temporary_residence_permits_granted", "asylum_grants", "shelter_accepted")
#: The victim count each measure is set against.
PER = "victims_identified_assisted"


def _counted_years(data: Dataset, p: dict) -> pd.Series:
    """The calendar years in which the source counts the victims the measures are set against."""
    figures = from_source(data.figures, p["source"])
    counted = figures[(figures.metric == PER) & figures.value.notna() & (figures.period_kind == "calendar_year")]
    return counted.period_start


def protection_table(figures: pd.DataFrame, years: list[int], measures: tuple[str, ...] = MEASURES,
                     confidence: float = 0.95) -> pd.DataFrame:
    """Each measure per year, as a count and per 100 victims identified, with the exact conditional interval.

    A measure the source does not give for a year is a missing value, not zero.
    Shelter uptake is that of one care institution (women and men added). The
    permits, periods and places granted in a year are not a subset of that
    year's victims (some go to victims of earlier years), so each measure per
    100 victims is a ratio of two Poisson counts, not a share: its interval is
    the exact conditional one (:func:`~.uncertainty.ratio_interval`), times
    100, and it is ``unreliable`` when either count is under 20.
    """
    rows = []
    for year in years:
        victims = victim_count(figures, PER, year)
        for measure in measures:
            found = figures[(figures.metric == measure) & (figures.period_kind == "calendar_year")
                            & (figures.period_start == year)]
            value = float(found.value.sum()) if len(found) else float("nan")
            low, high = ratio_interval((value, value), (victims.value, victims.value), confidence)
            rows.append({
                "year": year, "measure": measure, "count": value, "victims_identified": victims.value,
                "per_100_victims": 100 * value / victims.value, "ci_low": 100 * low, "ci_high": 100 * high,
                "unreliable": unreliable((value, value), (victims.value, victims.value)),
                "victims_hedge": victims.hedge, "ids": (*found.id, *victims.ids),
            })
    return pd.DataFrame(rows)


def year_against_year(table: pd.DataFrame, first: int, last: int, confidence: float = 0.95) -> list[dict]:
    """Each measure given in both years: its rate per victim in ``last`` against ``first``.

    The exact conditional test of two Poisson rates with the victims
    identified as the exposure (:func:`~.uncertainty.compare_rates`), and the
    rate ratio (last over first) with its interval. The victim counts are
    taken as known: their own chance is left out. The measures compared are
    one family of tests: each verdict is read from its p-value adjusted by
    Holm's method over the family (``p_holm``); ``p_range`` is the test's own.
    """
    changes = []
    for measure in MEASURES:
        rows = [table[(table.year == y) & (table.measure == measure)] for y in (first, last)]
        if any(r.empty or pd.isna(r.iloc[0]["count"]) for r in rows):
            continue
        a, b = rows[0].iloc[0], rows[1].iloc[0]
        test = compare_rates((b["count"],) * 2, b.victims_identified, (a["count"],) * 2, a.victims_identified,
                             confidence)
        changes.append({"measure": measure, "verdict": test.verdict, "p_value": test.p_value,
                        "p_range": tuple(float(v) for v in test.p_range),
                        "rate_ratio": tuple(float(v) for v in test.ratio), "ci": (float(test.low), float(test.high))})
    for change, adjusted in zip(changes, holm([c["p_range"] for c in changes]), strict=True):
        change["p_holm"] = adjusted
        change["verdict"] = verdict_of(adjusted, confidence)
    return changes


@analysis_of(headline=("permits_per_100", "temporary residence permits per 100 victims identified"))
def analyse(data: Dataset, source: Annotated[str, SourceWithFigures()] = "tip2015",
            years: Annotated[tuple[int, ...], YearsOf(_counted_years, needs=("source",))] = (2013, 2014),
            confidence: Annotated[float, CONFIDENCE] = 0.95) -> Result:
    """Reflection periods, residence permits, asylum and shelter per 100 victims identified, by year.

    Each rate comes with the exact conditional interval of a ratio of two counts, and the first year is set against
    the last by the exact conditional test of two rates.

    Args:
        data: The curated data; loaded when not given.
        source: the TIP narrative analysed: a source_id of data/raw/sources.csv with a local copy
        years: calendar years to compare
        confidence: level of the intervals for chance, strictly between 0 and 1
    """
    figures = from_source(data.figures, source)
    table = protection_table(figures, list(years), confidence=confidence)
    wide = table.pivot(index="measure", columns="year", values="per_100_victims").reindex(list(MEASURES))
    last = max(years)
    latest = table[table.year == last].set_index("measure")
    permits, reflection = (float(latest.per_100_victims["temporary_residence_permits_granted"]),
                           float(latest.per_100_victims["reflection_periods_granted"]))
    permits_ci, reflection_ci = ((float(latest.ci_low[m]), float(latest.ci_high[m]))
                                 for m in ("temporary_residence_permits_granted", "reflection_periods_granted"))
    ids = [i for cell in table.ids for i in cell]
    missing = table[table["count"].isna()]
    changes = year_against_year(table, min(years), last, confidence) if len(years) > 1 else []
    story = words.render(__name__, {
        "year": last, "first_year": min(years), "permits": permits, "reflection": reflection, "permits_ci": permits_ci,
        "reflection_ci": reflection_ci, "rows": list(table.dropna(subset=["count"]).itertuples()), "changes": changes,
        "missing": list(missing.itertuples()), "confidence": confidence})
    return Result(
        title=story.title,
        table=table,
        facts={"year": last, "permits_per_100": permits, "reflection_per_100": reflection, "permits_ci": permits_ci,
               "reflection_ci": reflection_ci, "confidence": confidence,
               "changes": {c["measure"]: {k: v for k, v in c.items() if k != "measure"} for c in changes},
               "derivations": protection(data, table, PER, confidence)},
        figure_ids=tuple(dict.fromkeys(ids)),
        sources=sources_of(data.figures, data.sources, ids),
        summary=story.summary,
        closing=story.closing,
        caveats=story.caveats,
        tables={"per_100_victims": wide},
    )
