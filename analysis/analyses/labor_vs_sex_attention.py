"""Notebook 02: labor against sex trafficking through the stages of law enforcement."""

from __future__ import annotations

from typing import Annotated

import pandas as pd

from ..data import Dataset, from_source, sources_of
from . import words
from .count_derivations import stage_shares
from .domains import CONFIDENCE, SomeOf, SourceWithFigures, YearsOf
from .reliability import share_unreliable
from .result import Result, analysis_of
from .uncertainty import (
    compare_shares,
    ratio_interval,
    share_interval,
    unreliable,
)

STAGES = ("investigations", "prosecutions", "convictions")


def _complete_years(data: Dataset, p: dict) -> list[int]:
    """The calendar years in which the source splits every stage of ``stages`` by sex and labour."""
    figures = from_source(data.figures, p["source"])
    split = figures[figures.metric.isin(p["stages"]) & figures.form.isin(["sex", "labor"]) & figures.value.notna()
                    & (figures.period_kind == "calendar_year")]
    return [y for y, g in split.groupby("period_start") if set(g.metric) >= set(p["stages"])]


def stage_table(figures: pd.DataFrame, years: list[int], stages: list[str], confidence: float = 0.95) -> pd.DataFrame:
    """Counts by year, stage and form, with labor's share of each stage and its Wilson interval.

    Returns:
        One row per year and stage: ``sex``, ``labor``, ``total``, ``share_labor``,
        its interval ``share_ci_low``-``share_ci_high``, ``unreliable`` (by
        NCHS's standard for proportions, :mod:`.reliability`), and the unit each
        stage counts in (cases, suspects, traffickers).
    """
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        raise ValueError(f"unknown stage(s) {unknown}: expected some of {', '.join(STAGES)}")
    rows = figures[figures.metric.isin(stages) & figures.form.isin(["sex", "labor"])
                   & (figures.period_kind == "calendar_year") & figures.period_start.isin(years)]
    missing = {(y, s) for y in years for s in stages} - set(zip(rows.period_start, rows.metric, strict=True))
    if missing:
        raise LookupError(f"no figures for (year, stage) {sorted(missing)}")
    wide = rows.pivot_table(index=["period_start", "metric", "unit"], columns="form", values="value",
                            aggfunc="sum").reset_index()
    wide = wide.rename(columns={"period_start": "year", "metric": "stage"})
    wide.columns.name = None
    wide["total"] = wide.sex + wide.labor
    wide["share_labor"] = wide.labor / wide.total
    chance = [share_interval((lab, lab), (tot, tot), confidence)
              for lab, tot in zip(wide.labor, wide.total, strict=True)]
    wide["share_ci_low"], wide["share_ci_high"] = [c[0] for c in chance], [c[1] for c in chance]
    wide["unreliable"] = [share_unreliable((lab, lab), (tot, tot))
                          for lab, tot in zip(wide.labor, wide.total, strict=True)]
    order = {s: i for i, s in enumerate(stages)}
    wide = wide.sort_values(["year", "stage"], key=lambda c: c.map(order) if c.name == "stage" else c,
                            ignore_index=True)
    wide["year"] = wide.year.astype(int)
    ids = rows.groupby(["period_start", "metric"]).id.agg(tuple)
    wide["ids"] = [ids[(y, s)] for y, s in zip(wide.year, wide.stage, strict=True)]
    return wide[["year", "stage", "unit", "sex", "labor", "total", "share_labor", "share_ci_low", "share_ci_high",
                 "unreliable", "ids"]]


def attrition(stages: pd.DataFrame, first: str = "investigations", last: str = "convictions",
              confidence: float = 0.95) -> pd.DataFrame:
    """Convictions per investigation (or any later stage per earlier one), by year and form.

    Each ratio comes with its exact conditional interval, and is marked
    ``unreliable`` on fewer than 20 events (the rule for ratios of counts).

    The stages count different units (cases, suspects, traffickers), so the
    ratio is a rough measure of throughput, not the fate of the same cases.
    """
    long = stages.melt(id_vars=["year", "stage"], value_vars=["sex", "labor"], var_name="form")
    wide = long.pivot_table(index=["year", "form"], columns="stage", values="value").reset_index()
    wide.columns.name = None
    name = f"{last}_per_{first[:-1] if first.endswith('s') else first}"
    wide[name] = wide[last] / wide[first]
    chance = [ratio_interval((b, b), (a, a), confidence) for a, b in zip(wide[first], wide[last], strict=True)]
    wide[f"{name}_ci_low"], wide[f"{name}_ci_high"] = [c[0] for c in chance], [c[1] for c in chance]
    wide["unreliable"] = [unreliable((a, a), (b, b)) for a, b in zip(wide[first], wide[last], strict=True)]
    return wide


@analysis_of(headline=("share_labor_last_stage", "labour trafficking's share of the last stage"))
def analyse(data: Dataset, source: Annotated[str, SourceWithFigures()] = "tip2015",
            years: Annotated[tuple[int, ...], YearsOf(_complete_years, needs=("source", "stages"))] = (2013, 2014),
            stages: Annotated[tuple[str, ...], SomeOf(
                STAGES, at_least=2, message="{name} must be two or more of {allowed}; got {value}")] = STAGES,
            confidence: Annotated[float, CONFIDENCE] = 0.95) -> Result:
    """Labor trafficking's share of each stage with its Wilson interval, and the throughput between stages.

    Also the narrative's assessment of them.

    Args:
        data: The curated data; loaded when not given.
        source: the TIP narrative analysed: a source_id of data/raw/sources.csv with a local copy
        years: calendar years to show
        stages: law-enforcement stages, in order
        confidence: level of the intervals for chance, strictly between 0 and 1
    """
    figures = from_source(data.figures, source)
    stages = list(stages)
    by_stage = stage_table(figures, list(years), stages, confidence)
    throughput = attrition(by_stage, first=stages[0], last=stages[-1], confidence=confidence)
    claims = data.statements[(data.statements.topic == "assessment") & (data.statements.source_id == source)]
    last_year = max(years)
    latest = by_stage[by_stage.year == last_year].set_index("stage")
    first_share, last_share = float(latest.share_labor[stages[0]]), float(latest.share_labor[stages[-1]])
    first_row, last_row = latest.loc[stages[0]], latest.loc[stages[-1]]
    compared = compare_shares((first_row.labor,) * 2, (first_row.total,) * 2, (last_row.labor,) * 2,
                              (last_row.total,) * 2, confidence)
    ids = [i for cell in by_stage.ids for i in cell]
    story = words.render(__name__, {
        "claims": list(claims.itertuples()), "by_stage": list(by_stage.itertuples()), "year": last_year,
        "first_stage": stages[0], "last_stage": stages[-1], "first_share": first_share, "last_share": last_share,
        "first_row": first_row, "last_row": last_row, "compared": compared, "confidence": confidence})
    return Result(
        title=story.title,
        table=by_stage,
        facts={"year": last_year, "share_labor_first_stage": first_share, "share_labor_last_stage": last_share,
               "ci_first_stage": (float(first_row.share_ci_low), float(first_row.share_ci_high)),
               "ci_last_stage": (float(last_row.share_ci_low), float(last_row.share_ci_high)),
               "verdict": compared.verdict, "p_value": compared.p_value,
               "p_range": tuple(float(v) for v in compared.p_range), "confidence": confidence,
               "derivations": stage_shares(data, by_stage, confidence)},
        figure_ids=tuple(ids),
        sources=sources_of(data.figures, data.sources, ids),
        summary=story.summary,
        closing=story.closing,
        caveats=story.caveats,
        tables={"throughput": throughput, "assessments": claims},
    )
