"""How the analyses of the sources' counts (01, 02, 04, 07, 09, 10) computed their ratios, shares and differences.

01 divides a year's victims by the persons convicted (sex and labour trafficking added) and a window's count by its
years; 02 takes labour trafficking's share of each stage; 04 each measure per 100 victims; 07 sexual exploitation's
share of the cases; 09 the change of the count since 2003 from one edition to the next; 10 KOM's count against the
TIP's. Each function takes the table the analysis computed, reads each cell's value from it, and names the figures it
was computed from (:mod:`.derivation`); an interval's ends are a model's outputs, linked to their section of the
methods page.
"""

from __future__ import annotations

import math

import pandas as pd

from ..data import Dataset
from . import derivation as d

#: The methods of the intervals, as the methods page names them (``docs/intervals.md``).
RATIO = "exact conditional interval of a ratio of two counts (Clopper-Pearson)"
COUNT = "exact (Garwood) Poisson interval of the count, divided by its years"
SHARE = "Wilson interval of a share"


def _finite(value) -> bool:
    return not pd.isna(value) and math.isfinite(float(value))


@d.finite_only
def conviction_gap(data: Dataset, per_year: pd.DataFrame, windows: pd.DataFrame, counted: str,
                   confidence: float) -> list[dict]:
    """01: each year's convictions and victims per conviction with its interval; each window's count per year.

    ``counted`` describes the victims counted ("victims identified and assisted").
    """
    figures, level, found = data.figures.set_index("id"), d.confidence(confidence), []
    for row in per_year.itertuples():
        year = int(row.year)
        key = {"panel": "per_year", "year": year}
        convicted = [*d.parts(figures, row.convictions_ids, "sex", "c_sex",
                              f"persons convicted, sex trafficking, {year}"),
                     *d.parts(figures, row.convictions_ids, "labor", "c_labor",
                              f"persons convicted, labour trafficking, {year}")]
        victims = d.count_inputs(data, row.victims_ids, row.victims, f"{counted}, {year}")
        c, v = d.total(d.names(convicted)), d.total(d.names(victims))
        found.append(d.entry(key, "convictions", "arithmetic", " + ".join(d.names(convicted)), row.convictions,
                             convicted))
        if _finite(row.victims_per_conviction):
            found.append(d.entry(key, "victims_per_conviction", "arithmetic", f"{v} / {c}", row.victims_per_conviction,
                                 [*victims, *convicted]))
        found += d.interval(key, ("ci_low", "ci_high"), (row.ci_low, row.ci_high), RATIO, "exact", f"{v} / {c}",
                            [*victims, *convicted, level])
    for row in windows.itertuples():
        key = {"panel": "cumulative", "id": row.id}
        x = d.figure("x", f"{row.measure.replace('_', ' ')}, {row.period_start}-{row.period_end}", row.value,
                     str(figures.unit[row.id]), row.id)
        per = f"x / ({row.period_end} - {row.period_start} + 1)"
        found.append(d.entry(key, "per_year", "arithmetic", per, row.per_year, [x]))
        found += d.interval(key, ("per_year_ci_low", "per_year_ci_high"), (row.per_year_ci_low, row.per_year_ci_high),
                            COUNT, "exact", per, [x, level])
    return found


@d.finite_only
def stage_shares(data: Dataset, by_stage: pd.DataFrame, confidence: float) -> list[dict]:
    """02: each stage's total of sex and labour trafficking, labour's share of it, and the share's interval."""
    figures, level, found = data.figures.set_index("id"), d.confidence(confidence), []
    for row in by_stage.itertuples():
        key = {"year": int(row.year), "stage": row.stage}
        sex = d.parts(figures, row.ids, "sex", "s", f"{row.stage}, sex trafficking, {row.year}")
        labor = d.parts(figures, row.ids, "labor", "l", f"{row.stage}, labour trafficking, {row.year}")
        whole = " + ".join(d.names([*sex, *labor]))
        share = f"{d.total(d.names(labor))} / ({whole})"
        found.append(d.entry(key, "total", "arithmetic", whole, row.total, [*sex, *labor]))
        if _finite(row.share_labor):
            found.append(d.entry(key, "share_labor", "arithmetic", share, row.share_labor, [*labor, *sex]))
        found += d.interval(key, ("share_ci_low", "share_ci_high"), (row.share_ci_low, row.share_ci_high), SHARE,
                            "exact", share, [*labor, *sex, level])
    return found


def _largest(figures: pd.DataFrame, ids, form: str, symbol: str, label: str) -> list[dict]:
    """The figure of ``form`` among ``ids`` with the largest value (the one the analysis takes), as one input."""
    chosen = [i for i in ids if figures.form[i] == form]
    if not chosen:
        return []
    best = max(chosen, key=lambda i: figures.value[i])
    return [d.figure(symbol, label, figures.value[best], str(figures.unit[best]), best)]


@d.finite_only
def sex_shares(data: Dataset, shares: pd.DataFrame, confidence: float) -> list[dict]:
    """07: sexual exploitation's share of the cases each year, from counts (with its interval) or a stated share."""
    figures, level, found = data.figures.set_index("id"), d.confidence(confidence), []
    for row in shares.itertuples():
        key = {"year": int(row.year), "series": row.series}
        if row.basis != "counts":
            p = d.figure("p", f"sexual exploitation's share of {row.measure}, {row.year}", figures.value[row.ids[0]],
                         "percent", row.ids[0])
            found.append(d.entry(key, "share_sex", "arithmetic", "p / 100", row.share_sex, [p]))
            continue
        label = f"{row.measure}, {row.year}"
        sex = _largest(figures, row.ids, "sex", "s", f"{label}, sexual exploitation")
        whole = _largest(figures, row.ids, "unsplit", "t", f"{label}, all forms")
        if not whole:
            whole = _largest(figures, row.ids, "labor", "l", f"{label}, labour exploitation")
            found.append(d.entry(key, "total", "arithmetic", "s + l", row.total, [*sex, *whole]))
        share = "s / t" if whole[0]["name"] == "t" else "s / (s + l)"
        found.append(d.entry(key, "share_sex", "arithmetic", share, row.share_sex, [*sex, *whole]))
        found += d.interval(key, ("share_ci_low", "share_ci_high"), (row.share_ci_low, row.share_ci_high), SHARE,
                            "exact", share, [*sex, *whole, level])
    return found


@d.finite_only
def protection(data: Dataset, table: pd.DataFrame, per: str, confidence: float) -> list[dict]:
    """04: each measure per 100 victims identified (the counts a measure adds up, added), and its interval."""
    figures, level, found = data.figures.set_index("id"), d.confidence(confidence), []
    for row in table.itertuples():
        key = {"year": int(row.year), "measure": row.measure}
        counted = [i for i in row.ids if figures.metric[i] == row.measure]
        victims = d.count_inputs(data, [i for i in row.ids if figures.metric[i] == per], row.victims_identified,
                                 f"{per.replace('_', ' ')}, {row.year}")
        if not counted:
            continue
        m = [d.figure(f"m{k}" if len(counted) > 1 else "m", f"{row.measure.replace('_', ' ')}, {row.year}",
                      figures.value[i], str(figures.unit[i]), i) for k, i in enumerate(counted, start=1)]
        if len(m) > 1:
            found.append(d.entry(key, "count", "arithmetic", " + ".join(d.names(m)), row.count, m))
        ratio = f"100 × {d.total(d.names(m))} / {d.total(d.names(victims))}"
        found.append(d.entry(key, "per_100_victims", "arithmetic", ratio, row.per_100_victims, [*m, *victims]))
        found += d.interval(key, ("ci_low", "ci_high"), (row.ci_low, row.ci_high), RATIO, "exact", ratio,
                            [*m, *victims, level])
    return found


@d.finite_only
def tip_against_kom(pairs: pd.DataFrame) -> list[dict]:
    """10: KOM's count less the TIP's, and KOM's over the TIP's, for each comparison."""
    found = []
    for row in pairs.itertuples():
        key = {"label": row.label}
        t = d.figure("t", f"the TIP's {row.definition_tip}, {row.year}", row.value_tip, row.unit_tip, row.id_tip)
        k = d.figure("k", f"KOM's {row.definition_kom}, {row.year}", row.value_kom, row.unit_kom, row.id_kom)
        found.append(d.entry(key, "difference", "arithmetic", "k - t", row.difference, [k, t]))
        if _finite(row.ratio_kom_to_tip):
            found.append(d.entry(key, "ratio_kom_to_tip", "arithmetic", "k / t", row.ratio_kom_to_tip, [k, t]))
    return found


@d.finite_only
def drift_changes(data: Dataset, drift: pd.DataFrame) -> list[dict]:
    """09: how much each TIP edition's count since 2003 moved from the previous edition's."""
    units, found, previous = data.figures.set_index("id").unit, [], None
    for row in drift[drift.series == "TIP"].itertuples():
        this = d.figure("x", f"{row.definition}, {row.period_start}-{row.period_end} ({row.report_year} edition)",
                        row.value, str(units[row.id]), row.id)
        if previous is not None and _finite(row.change_from_previous_edition):
            found.append(d.entry({"id": row.id}, "change_from_previous_edition", "arithmetic", "x - x_prev",
                                 row.change_from_previous_edition, [this, {**previous, "name": "x_prev"}]))
        previous = this
    return found
