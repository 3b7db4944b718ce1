"""The conviction gap: victims against traffickers convicted."""

from __future__ import annotations

import pandas as pd

from .query import get_figure, select

#: Victim measures a notebook may use as the denominator, per calendar year.
VICTIM_MEASURES = ("victims_identified_assisted", "initial_contacts", "reflection_periods_granted",
                   "temporary_residence_permits_granted")


def victims_per_conviction(figures: pd.DataFrame, denominator: str, years: list[int]) -> pd.DataFrame:
    """Victims and convictions (sex and labor added) per calendar year, and their ratio.

    Args:
        figures: The curated figures.
        denominator: The victim measure, one of :data:`VICTIM_MEASURES`.
        years: Calendar years to compare.

    Returns:
        One row per year: ``victims``, ``victims_hedge``, ``convictions``,
        ``victims_per_conviction``, and the ids of the figures used.

    Raises:
        ValueError: For an unknown measure. LookupError: if a year lacks a figure.
    """
    if denominator not in VICTIM_MEASURES:
        raise ValueError(f"denominator must be one of {', '.join(VICTIM_MEASURES)}; got {denominator!r}")
    rows = []
    for year in years:
        victims = get_figure(figures, denominator, form="unsplit", period=year)
        convictions = select(figures, "convictions", period=year)
        by_form = convictions.set_index("form").value
        if not {"sex", "labor"} <= set(by_form.index):
            raise LookupError(f"no sex and labor conviction figures for {year}: the data hold {sorted(by_form.index)}")
        total = float(by_form["sex"] + by_form["labor"])
        rows.append({
            "year": year,
            "victims": victims.value,
            "victims_hedge": victims.hedge,
            "convictions": total,
            "victims_per_conviction": victims.value / total if total else float("nan"),
            "victims_id": victims.id,
            "convictions_ids": ";".join(convictions.id),
        })
    return pd.DataFrame(rows)


def cumulative_comparison(figures: pd.DataFrame) -> pd.DataFrame:
    """The narrative's cumulative contrast: potential victims assisted against convictions since 2003.

    The two windows differ (victims 2007-2013, convictions 2003 to the edition),
    so the table carries each window, its length, the per-year averages and a
    flag saying whether the windows match.
    """
    victims = select(figures, "potential_victims_assisted", form="unsplit")
    convictions = select(figures, "convictions", form="unsplit")
    convictions = convictions[convictions.period_kind == "cumulative"]
    rows = []
    for _, row in pd.concat([victims, convictions]).iterrows():
        years = int(row.period_end - row.period_start + 1)
        rows.append({
            "measure": row.metric, "period_start": int(row.period_start), "period_end": int(row.period_end),
            "period_kind": row.period_kind, "years": years, "value": float(row.value), "hedge": row.hedge,
            "per_year": float(row.value) / years, "id": row.id,
        })
    table = pd.DataFrame(rows)
    table["windows_match"] = table.period_start.nunique() == 1 and table.period_end.nunique() == 1
    return table
