"""Notebook 07: sexual exploitation's share of the caseload, year by year (TIP investigations, KOM police reports)."""

from __future__ import annotations

import pandas as pd

from ..data import Dataset, sources_of, with_series
from .result import Prose, Result, analysis_of, year_range
from .uncertainty import (
    UNRELIABLE,
    WHAT_INTERVALS_COVER,
    ci_label,
    compare_shares,
    confidence_problems,
    share_interval,
    shown_interval,
    shown_p,
    unreliable,
)

#: (series, metric) counted by form, and what a reader calls it.
CASE_COUNTS = ((("TIP", "investigations"), "investigations"), (("KOM", "police_reports"), "police reports"))


def _check(data: Dataset, p: dict) -> list[str]:
    counts = data.figures[data.figures.metric.isin(["investigations", "police_reports", "police_reports_share"])]
    return year_range("first_year", p["first_year"], "last_year", p["last_year"], counts.period_start) + confidence_problems(
        "confidence", p["confidence"])


def sex_share_by_year(figures: pd.DataFrame, sources: pd.DataFrame, years: list[int], confidence: float = 0.95) -> pd.DataFrame:
    """Sexual exploitation's share of cases by year: TIP investigations and KOM police reports.

    Computed from counts by form where the source gives them (sex over the total,
    or over sex plus labor when no total is given), with a Wilson interval, or
    taken from the share the source states (no counts, so no interval).
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
                         "sex": float(by_form["sex"]), "total": float(total), "share_ci_low": low, "share_ci_high": high,
                         "unreliable": unreliable((by_form["sex"],) * 2, (total, total)), "basis": "counts", "ids": tuple(group.id)})
    shares = table[(table.metric == "police_reports_share") & (table.form == "sex")]
    have = {(r["year"], r["series"]) for r in rows}
    for row in shares.itertuples():
        if (int(row.period_start), row.series) not in have:
            rows.append({"year": int(row.period_start), "series": row.series, "measure": "police reports",
                         "share_sex": row.value / 100, "sex": float("nan"), "total": float("nan"), "share_ci_low": float("nan"),
                         "share_ci_high": float("nan"), "unreliable": False, "basis": f"stated share ({row.hedge})", "ids": (row.id,)})
    return pd.DataFrame(rows).sort_values(["year", "series"], ignore_index=True)


def _with_ci(row, label: str) -> str:
    return f"{row.share_sex:.0%}" + ("" if pd.isna(row.share_ci_low) else f" ({label} {shown_interval((row.share_ci_low, row.share_ci_high), percent=True)})")


#: The tables of the data this analysis reads: its notebook is run again when one of their files changes
#: (see analysis.regenerate.incremental; tests/test_incremental.py runs it and checks).
READS = ("figures", "sources")


@analysis_of("07_series_attention", _check)
def analyse(data: Dataset, first_year: int = 2010, last_year: int = 2024, confidence: float = 0.95) -> Result:
    """Sexual exploitation's share of investigations (TIP) and police reports (KOM), for every year a source splits them.

    The title sets the first and last year of the series with counts in the
    most years against each other, with Fisher's exact test.
    """
    years = list(range(first_year, last_year + 1))
    shares = sex_share_by_year(data.figures, data.sources, years, confidence)
    label = ci_label(confidence)
    missing = sorted(set(years) - set(shares.year))
    ids = [i for cell in shares.ids for i in cell]
    counted = shares[shares.basis == "counts"]
    spans = {name: rows for name, rows in counted.groupby("series") if rows.year.nunique() > 1}
    lines = [f"- {r.year}, {r.series} {r.measure}: {_with_ci(r, label)}"
             + (f", {r.sex:,.0f} of {r.total:,.0f}" if r.basis == "counts" else f", {r.basis}, no counts")
             + (f" ({UNRELIABLE})" if r.unreliable else "") for r in shares.itertuples()]
    facts = {"years_without_split": missing, "confidence": confidence}
    if spans:
        name, rows = max(spans.items(), key=lambda item: (len(item[1]), int(item[1].year.max() - item[1].year.min()), item[0]))
        first, last = rows.iloc[0], rows.iloc[-1]
        test = compare_shares((first.sex,) * 2, (first.total,) * 2, (last.sex,) * 2, (last.total,) * 2, confidence)
        verdict = "a difference beyond chance" if test.differs else "no difference beyond chance"
        title = (f"Sexual exploitation was {first.share_sex:.0%} of {first.measure} ({name}) in {first.year} and {last.share_sex:.0%} in "
                 f"{last.year}: {verdict} ({label} {shown_interval((first.share_ci_low, first.share_ci_high), percent=True)} and "
                 f"{shown_interval((last.share_ci_low, last.share_ci_high), percent=True)})")
        lines.append(f"\n{name} {first.measure}, {first.year} against {last.year}: {verdict} (Fisher's exact test, {shown_p(test.p_value)}).")
        facts.update({"compared": (name, int(first.year), int(last.year)), "differ": test.differs, "p_value": test.p_value})
    else:
        first, last = shares.iloc[0], shares.iloc[-1]
        title = (f"Sexual exploitation was {_with_ci(first, label)} of {first.measure} in {first.year} "
                 f"and {_with_ci(last, label)} of {last.measure} in {last.year}")
    first_row, last_row = shares.iloc[0], shares.iloc[-1]
    facts.update({"first": (int(first_row.year), first_row.series, float(first_row.share_sex)),
                  "last": (int(last_row.year), last_row.series, float(last_row.share_sex))})
    summary = ("Sexual exploitation's share of cases, with Wilson intervals where the source gives counts:\n" + "\n".join(lines)
               + f"\n\nTIP investigations count cases and KOM police reports count reports, so the two series are not set against each "
               f"other. No split by form in the readable sources for {len(missing)} years: {', '.join(map(str, missing))}.\n\n"
               + WHAT_INTERVALS_COVER)
    return Result(
        title=title,
        table=shares,
        facts=facts,
        figure_ids=tuple(ids),
        sources=sources_of(data.figures, data.sources, ids),
        summary=Prose(summary),
    )
