"""Notebook 07: sexual exploitation's share of the caseload, year by year (TIP investigations, KOM police reports)."""

from __future__ import annotations

import pandas as pd

from ..data import Dataset, sources_of, with_series
from .result import Prose, Result, analysis_of, year_range

#: (series, metric) counted by form, and what a reader calls it.
CASE_COUNTS = ((("TIP", "investigations"), "investigations"), (("KOM", "police_reports"), "police reports"))


def _check(data: Dataset, p: dict) -> list[str]:
    counts = data.figures[data.figures.metric.isin(["investigations", "police_reports", "police_reports_share"])]
    return year_range("first_year", p["first_year"], "last_year", p["last_year"], counts.period_start)


def sex_share_by_year(figures: pd.DataFrame, sources: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Sexual exploitation's share of cases by year: TIP investigations and KOM police reports.

    Computed from counts by form where the source gives them (sex over the total,
    or over sex plus labor when no total is given), or taken from the share the
    source states.
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
            rows.append({"year": int(year), "series": series, "measure": measure, "share_sex": by_form["sex"] / total,
                         "basis": "counts", "ids": tuple(group.id)})
    shares = table[(table.metric == "police_reports_share") & (table.form == "sex")]
    have = {(r["year"], r["series"]) for r in rows}
    for row in shares.itertuples():
        if (int(row.period_start), row.series) not in have:
            rows.append({"year": int(row.period_start), "series": row.series, "measure": "police reports",
                         "share_sex": row.value / 100, "basis": f"stated share ({row.hedge})", "ids": (row.id,)})
    return pd.DataFrame(rows).sort_values(["year", "series"], ignore_index=True)


@analysis_of("07_series_attention", _check)
def analyse(data: Dataset, first_year: int = 2010, last_year: int = 2024) -> Result:
    """Sexual exploitation's share of investigations (TIP) and police reports (KOM), for every year a source splits them."""
    years = list(range(first_year, last_year + 1))
    shares = sex_share_by_year(data.figures, data.sources, years)
    first, last = shares.iloc[0], shares.iloc[-1]
    missing = sorted(set(years) - set(shares.year))
    ids = [i for cell in shares.ids for i in cell]
    return Result(
        title=f"Sexual exploitation was {first.share_sex:.0%} of {first.measure} in {first.year} "
              f"and {last.share_sex:.0%} of {last.measure} in {last.year}",
        table=shares,
        facts={"first": (int(first.year), first.series, float(first.share_sex)), "last": (int(last.year), last.series, float(last.share_sex)),
               "years_without_split": missing},
        figure_ids=tuple(ids),
        sources=sources_of(data.figures, data.sources, ids),
        summary=Prose(f"Sexual exploitation: {first.share_sex:.0%} of {first.measure} in {first.year} ({first.series}), "
                      f"{last.share_sex:.0%} of {last.measure} in {last.year} ({last.series}). "
                      f"No split by form in the readable sources for {len(missing)} years: {', '.join(map(str, missing))}."),
    )
