"""Notebook 09: tier placements by edition and the drifting cumulative count of convictions."""

from __future__ import annotations

import pandas as pd

from ..data import Dataset, sources_of, with_series
from .result import Prose, Result, analysis_of, year_range


def _check(data: Dataset, p: dict) -> list[str]:
    tiers = data.figures[data.figures.metric == "tier"]
    return year_range("first_edition", p["first_edition"], "last_edition", p["last_edition"], tiers.report_year)


def tier_timeline(figures: pd.DataFrame, editions: list[int] | None = None) -> pd.DataFrame:
    """Tier by TIP edition; an edition without a tier figure is listed with a missing tier."""
    tiers = figures[figures.metric == "tier"][["report_year", "value", "id", "source_id"]].rename(
        columns={"report_year": "edition", "value": "tier"})
    if editions:
        tiers = tiers.set_index("edition").reindex(editions).rename_axis("edition").reset_index()
    return tiers.sort_values("edition", ignore_index=True)


def cumulative_drift(figures: pd.DataFrame, sources: pd.DataFrame, metric: str = "convictions") -> pd.DataFrame:
    """Cumulative counts ("since 2003") as each edition or source states them, with the change between statements."""
    table = with_series(figures, sources)
    table = table[(table.metric == metric) & (table.period_kind == "cumulative") & table.value.notna()]
    table = table.sort_values(["period_end", "report_year"])[
        ["id", "series", "source_id", "report_year", "period_start", "period_end", "value", "hedge", "definition"]]
    table["years_covered"] = table.period_end - table.period_start + 1
    tip = table.series == "TIP"
    table["change_from_previous_edition"] = table.value.where(tip).diff().where(tip)
    table["years_since_previous_edition"] = table.period_end.where(tip).diff().where(tip)
    table["label"] = [f"{r.value:,.0f} ({r.report_year} edition)" if r.series == "TIP" else f"{r.value:,.0f} ({r.series}, {r.report_year})"
                      for r in table.itertuples()]
    return table.reset_index(drop=True)


#: The tables of the data this analysis reads: its notebook is run again when one of their files changes
#: (see analysis.regenerate.incremental; tests/test_incremental.py runs it and checks).
READS = ("figures", "sources")


@analysis_of("09_tiers_and_drift", _check)
def analyse(data: Dataset, first_edition: int = 2011, last_edition: int = 2025) -> Result:
    """Tier changes, and how the count of convictions since 2003 moves from one statement to the next."""
    editions = list(range(first_edition, last_edition + 1))
    tiers = tier_timeline(data.figures, editions)
    drift = cumulative_drift(data.figures, data.sources)
    known = tiers.dropna(subset=["tier"])
    changes = known[known.tier.diff().fillna(0) != 0]
    tip, kom = drift[drift.series == "TIP"], drift[drift.series == "KOM"]
    if len(changes):
        change = changes.iloc[0]
        placed = (f"Tier {known.tier.iloc[0]:.0f} until the {int(change.edition) - 1} edition, "
                  f"Tier {change.tier:.0f} from {int(change.edition)}")
    else:
        placed = f"Tier {known.tier.iloc[0]:.0f} in every edition {int(known.edition.min())}-{int(known.edition.max())}"
    summary = (
        "Tier changes: " + ("; ".join(f"Tier {int(r.tier)} from the {r.edition} edition" for r in changes.itertuples()) or "none") + ". "
        "Convictions since 2003: " + ", ".join(f"{r.value:.0f} in the {r.report_year} edition (to {r.period_end})" for r in tip.itertuples())
        + "; KOM counted " + ", ".join(f"{r.value:.0f} ({r.definition})" for r in kom.itertuples()) + ".")
    ids = [*known.id, *drift.id]
    return Result(
        title=f"{placed}; convictions since 2003 went from {tip.value.iloc[0]:.0f} to {tip.value.iloc[-1]:.0f} "
              f"in {len(tip) - 1} editions",
        table=pd.concat([tiers.assign(panel="tier"), drift.assign(panel="cumulative_convictions")], ignore_index=True),
        facts={"tier_changes": {int(r.edition): int(r.tier) for r in changes.itertuples()},
               "convictions_since_2003": {int(r.report_year): float(r.value) for r in tip.itertuples()}},
        figure_ids=tuple(ids),
        sources=sources_of(data.figures, data.sources, ids),
        summary=Prose(summary),
        tables={"tiers": tiers, "drift": drift},
    )
