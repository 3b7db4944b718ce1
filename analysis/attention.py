"""Labor against sex trafficking through the stages of law enforcement."""

from __future__ import annotations

import pandas as pd

STAGES = ("investigations", "prosecutions", "convictions")


def stage_table(figures: pd.DataFrame, years: list[int], stages: list[str]) -> pd.DataFrame:
    """Counts by year, stage and form, with labor's share of each stage.

    Returns:
        One row per year and stage: ``sex``, ``labor``, ``total``, ``share_labor``
        and the unit each stage counts in (cases, suspects, traffickers).
    """
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        raise ValueError(f"unknown stage(s) {unknown}: expected some of {', '.join(STAGES)}")
    rows = figures[figures.metric.isin(stages) & figures.form.isin(["sex", "labor"])
                   & (figures.period_kind == "calendar_year") & figures.period_start.isin(years)]
    missing = {(y, s) for y in years for s in stages} - set(zip(rows.period_start, rows.metric, strict=True))
    if missing:
        raise LookupError(f"no figures for (year, stage) {sorted(missing)}")
    wide = rows.pivot_table(index=["period_start", "metric", "unit"], columns="form", values="value", aggfunc="sum").reset_index()
    wide = wide.rename(columns={"period_start": "year", "metric": "stage"})
    wide.columns.name = None
    wide["total"] = wide.sex + wide.labor
    wide["share_labor"] = wide.labor / wide.total
    order = {s: i for i, s in enumerate(stages)}
    wide = wide.sort_values(["year", "stage"], key=lambda c: c.map(order) if c.name == "stage" else c, ignore_index=True)
    wide["year"] = wide.year.astype(int)
    return wide[["year", "stage", "unit", "sex", "labor", "total", "share_labor"]]


def attrition(stages: pd.DataFrame, first: str = "investigations", last: str = "convictions") -> pd.DataFrame:
    """Convictions per investigation (or any later stage per earlier one), by year and form.

    The stages count different units (cases, suspects, traffickers), so the
    ratio is a rough measure of throughput, not the fate of the same cases.
    """
    long = stages.melt(id_vars=["year", "stage"], value_vars=["sex", "labor"], var_name="form")
    wide = long.pivot_table(index=["year", "form"], columns="stage", values="value").reset_index()
    wide.columns.name = None
    wide[f"{last}_per_{first[:-1] if first.endswith('s') else first}"] = wide[last] / wide[first]
    return wide
