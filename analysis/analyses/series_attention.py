"""Notebook 07: sexual exploitation's share of the caseload, year by year (TIP investigations, KOM police reports)."""

from __future__ import annotations

from typing import Annotated

import pandas as pd

from ..data import Dataset, sources_of, with_series
from . import words
from .count_derivations import sex_shares
from .domains import CONFIDENCE, Range
from .reliability import share_unreliable
from .result import Result, analysis_of
from .uncertainty import (
    compare_shares,
    share_interval,
)

#: (series, metric) counted by form, and what a reader calls it.
CASE_COUNTS = ((("TIP", "investigations"), "investigations"), (("KOM", "police_reports"), "police reports"))


def _counted_years(data: Dataset, p: dict) -> pd.Series:
    """The years with a count of cases: investigations, police reports and their shares (a gap is no count)."""
    figures = data.figures
    counted = figures.metric.isin(["investigations", "police_reports", "police_reports_share"]) & figures.value.notna()
    return figures[counted].period_start


YEARS = Range("first_year", "last_year", _counted_years)


def sex_share_by_year(figures: pd.DataFrame, sources: pd.DataFrame, years: list[int],
                      confidence: float = 0.95) -> pd.DataFrame:
    """Sexual exploitation's share of cases by year: TIP investigations and KOM police reports.

    Computed from counts by form where the source gives them (sex over the total,
    or over sex plus labor when no total is given), with a Wilson interval and
    NCHS's test of reliability for proportions (:mod:`.reliability`), or taken
    from the share the source states (no counts, so no interval and no test).
    """
    table = with_series(figures, sources)
    table = table[(table.period_kind == "calendar_year") & table.period_start.isin(years) & table.value.notna()]
    rows = []
    for (series, metric), measure in CASE_COUNTS:
        counts = table[(table.series == series) & (table.metric == metric)]
        for year, group in counts.groupby("period_start"):
            by_form = group.groupby("form").value.max()
            if "sex" not in by_form:
                continue
            total = by_form.get("unsplit", by_form.get("sex", 0) + by_form.get("labor", float("nan")))
            if pd.isna(total):
                continue
            low, high = share_interval((by_form["sex"],) * 2, (total, total), confidence)
            rows.append({"year": int(year), "series": series, "measure": measure, "share_sex": by_form["sex"] / total,
                         "sex": float(by_form["sex"]), "total": float(total), "share_ci_low": low,
                         "share_ci_high": high,
                         "unreliable": share_unreliable((by_form["sex"],) * 2, (total, total)), "basis": "counts",
                         "ids": tuple(group.id)})
    shares = table[(table.metric == "police_reports_share") & (table.form == "sex")]
    have = {(r["year"], r["series"]) for r in rows}
    for row in shares.itertuples():
        if (int(row.period_start), row.series) not in have:
            rows.append({"year": int(row.period_start), "series": row.series, "measure": "police reports",
                         "share_sex": row.value / 100, "sex": float("nan"), "total": float("nan"),
                         "share_ci_low": float("nan"),
                         "share_ci_high": float("nan"), "unreliable": False, "basis": f"stated share ({row.hedge})",
                         "ids": (row.id,)})
    return pd.DataFrame(rows).sort_values(["year", "series"], ignore_index=True)


@analysis_of()
def analyse(data: Dataset, first_year: Annotated[int, YEARS] = 2010, last_year: Annotated[int, YEARS] = 2024,
            confidence: Annotated[float, CONFIDENCE] = 0.95) -> Result:
    """Sexual exploitation's share of investigations (TIP) and police reports (KOM).

    Given for every year a source splits them.

    The title sets the first and last year of the series with counts in the
    most years against each other, with Fisher's exact test (KOM's police
    reports: only 2014 and 2023 come as counts; its other years are stated shares).

    Args:
        data: The curated data; loaded when not given.
        first_year: first calendar year
        last_year: last calendar year
        confidence: level of the intervals for chance, strictly between 0 and 1
    """
    years = list(range(first_year, last_year + 1))
    shares = sex_share_by_year(data.figures, data.sources, years, confidence)
    missing = sorted(set(years) - set(shares.year))
    ids = [i for cell in shares.ids for i in cell]
    counted = shares[shares.basis == "counts"]
    spans = {name: rows for name, rows in counted.groupby("series") if rows.year.nunique() > 1}
    facts = {"years_without_split": missing, "confidence": confidence,
             "derivations": sex_shares(data, shares, confidence)}
    compared = None
    if spans:
        name, rows = max(spans.items(),
                         key=lambda item: (len(item[1]), int(item[1].year.max() - item[1].year.min()), item[0]))
        first, last = rows.iloc[0], rows.iloc[-1]
        test = compare_shares((first.sex,) * 2, (first.total,) * 2, (last.sex,) * 2, (last.total,) * 2, confidence)
        compared = {"series": name, "first": first, "last": last, "test": test}
        facts.update({"compared": (name, int(first.year), int(last.year)), "verdict": test.verdict,
                      "p_value": test.p_value, "p_range": tuple(float(v) for v in test.p_range)})
    first_row, last_row = shares.iloc[0], shares.iloc[-1]
    facts.update({"first": (int(first_row.year), first_row.series, float(first_row.share_sex)),
                  "last": (int(last_row.year), last_row.series, float(last_row.share_sex))})
    story = words.render(__name__, {"rows": list(shares.itertuples()), "compared": compared, "first": first_row,
                                    "last": last_row,
                                    "missing": missing, "confidence": confidence})
    return Result(
        title=story.title,
        table=shares,
        facts=facts,
        figure_ids=tuple(ids),
        sources=sources_of(data.figures, data.sources, ids),
        summary=story.summary,
        closing=story.closing,
        caveats=story.caveats,
    )
