"""Notebook 05: what two sources name, side by side, and the dated policy timeline."""

from __future__ import annotations

from typing import Annotated

import pandas as pd

from ..data import Dataset
from . import words
from .domains import SomeOf
from .result import Result, analysis_of

TOPICS = ("country_role", "form_of_exploitation", "sector", "origin_region", "origin_country", "vulnerable_group")


def _with_statements(data: Dataset, p: dict) -> list[str]:
    """The sources with statements."""
    return sorted(data.statements.source_id.unique())


SOURCES = SomeOf(_with_statements, at_least=2,
                 message="{name} must be two or more sources with statements, among {allowed}; got {value}")


def side_by_side(statements: pd.DataFrame, sources: list[str], topics: tuple[str, ...] = TOPICS) -> pd.DataFrame:
    """One row per (topic, subject): whether each source names it, and whether they agree.

    Returns:
        Columns ``topic``, ``subject``, one boolean column per source, and
        ``named_by``: ``both`` (all sources), ``only <source>``, or a list.
    """
    rows = statements[statements.topic.isin(topics) & statements.source_id.isin(sources)]
    table = pd.crosstab([rows.topic, rows.subject], rows.source_id).gt(0)
    table = table.reindex(columns=sources, fill_value=False).reset_index()
    table.columns.name = None

    def named_by(row) -> str:
        names = [s for s in sources if row[s]]
        if len(names) == len(sources):
            return "all" if len(sources) > 2 else "both"
        return "only " + " and ".join(names)

    table["named_by"] = table.apply(named_by, axis=1)
    order = {t: i for i, t in enumerate(topics)}
    return table.sort_values(["topic", "named_by", "subject"], key=lambda c: c.map(order) if c.name == "topic" else c,
                             ignore_index=True)


def policy_timeline(statements: pd.DataFrame, sources_register: pd.DataFrame, sources: list[str]) -> pd.DataFrame:
    """Policy measures with their year; undated ones placed at the source's edition as 'by' that year."""
    measures = statements[(statements.topic == "policy_measure") & statements.source_id.isin(sources)]
    editions = sources_register.set_index("source_id").edition
    table = measures[["id", "source_id", "subject", "event", "event_year"]].copy()
    table["dated"] = table.event_year.notna()
    table["year"] = table.event_year.fillna(table.source_id.map(editions)).astype(int)
    return table.sort_values(["year", "dated", "subject"], ascending=[True, False, True], ignore_index=True)


@analysis_of(headline=("measures", "policy measures named"))
def analyse(data: Dataset, sources: Annotated[tuple[str, ...], SOURCES] = ("tip2015", "gcm2017")) -> Result:
    """What each source names (forms, sectors, origins, groups) and the policy measures they date.

    Args:
        data: The curated data; loaded when not given.
        sources: source ids to compare, as in data/raw/sources.csv
    """
    sources = list(sources)
    named = side_by_side(data.statements, sources)
    counts = named.groupby(["topic", "named_by"]).size().unstack(fill_value=0)
    timeline = policy_timeline(data.statements, data.sources, sources)
    agree = named[named.named_by.isin(["both", "all"])]
    undated = int((~timeline.dated).sum())
    first, last = int(timeline.year.min()), int(timeline.year.max())
    story = words.render(__name__, {
        "measures": len(timeline), "first_year": first, "last_year": last, "undated": undated,
        "named_by_all": list(agree.subject), "one_source": len(named) - len(agree), "subjects": len(named)})
    return Result(
        title=story.title,
        table=timeline,
        facts={"measures": len(timeline), "first_year": first, "last_year": last, "undated": undated,
               "named_by_all": list(agree.subject)},
        figure_ids=(),
        sources=data.sources.set_index("source_id").loc[list(dict.fromkeys(timeline.source_id))].reset_index(),
        summary=story.summary,
        closing=story.closing,
        caveats=story.caveats,
        tables={"named": named, "counts": counts},
    )
