"""Notebook 09: tier placements by edition and the drifting cumulative count of convictions."""

from __future__ import annotations

from typing import Annotated

import pandas as pd

from ..data import Dataset, sources_of, with_series
from . import words
from .count_derivations import drift_changes
from .domains import Range
from .result import Result, analysis_of


def _editions(data: Dataset, p: dict) -> pd.Series:
    """The editions that rank Norway in a tier."""
    return data.figures[data.figures.metric == "tier"].report_year


EDITIONS = Range("first_edition", "last_edition", _editions)


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
    table["label"] = [f"{r.value:,.0f} ({r.report_year} edition)" if r.series == "TIP"
                      else f"{r.value:,.0f} ({r.series}, {r.report_year})"
                      for r in table.itertuples()]
    return table.reset_index(drop=True)


@analysis_of()
def analyse(data: Dataset, first_edition: Annotated[int, EDITIONS] = 2011,
            last_edition: Annotated[int, EDITIONS] = 2025) -> Result:
    """Tier changes, and how the count of convictions since 2003 moves from one statement to the next.

    Args:
        data: The curated data; loaded when not given.
        first_edition: first TIP edition
        last_edition: last TIP edition
    """
    editions = list(range(first_edition, last_edition + 1))
    tiers = tier_timeline(data.figures, editions)
    drift = cumulative_drift(data.figures, data.sources)
    known = tiers.dropna(subset=["tier"])
    changes = known[known.tier.diff().fillna(0) != 0]
    tip, kom = drift[drift.series == "TIP"], drift[drift.series == "KOM"]
    ids = [*known.id, *drift.id]
    story = words.render(__name__, {
        "first_tier": known.tier.iloc[0], "change": changes.iloc[0] if len(changes) else None,
        "changes": list(changes.itertuples()),
        "first_edition": int(known.edition.min()), "last_edition": int(known.edition.max()),
        "tip": list(tip.itertuples()),
        "kom": list(kom.itertuples())})
    return Result(
        title=story.title,
        table=pd.concat([tiers.assign(panel="tier"), drift.assign(panel="cumulative_convictions")], ignore_index=True),
        facts={"tier_changes": {int(r.edition): int(r.tier) for r in changes.itertuples()},
               "convictions_since_2003": {int(r.report_year): float(r.value) for r in tip.itertuples()},
               "derivations": drift_changes(data, drift)},
        figure_ids=tuple(ids),
        sources=sources_of(data.figures, data.sources, ids),
        summary=story.summary,
        closing=story.closing,
        caveats=story.caveats,
        tables={"tiers": tiers, "drift": drift},
    )
