"""Notebook 06's table, one row a year: the TIP's and KOM's counts, and UNODC's as intervals, with their ratios.

Each ratio carries its censoring range (:mod:`~analysis.analyses.intervals`) and its chance interval
(:mod:`~analysis.analyses.uncertainty`); UNODC's counts carry their quality flags and three-year sums.
"""

from __future__ import annotations

import pandas as pd

from ..data import Dataset, kom_victims
from ..data.flags import of_ids, value_flags
from .intervals import ratio, shown
from .uncertainty import count_interval, ratio_interval, unreliable
from .victim_counts import tip_years, victims_per_year

#: A ratio over fewer convictions than this is not stated as a finding (one or two events: its interval spans orders
#: of magnitude).
FEWEST_FOR_A_RATIO = 3


def convictions_per_year(figures: pd.DataFrame, sources: pd.DataFrame, years: list[int],
                         rule: str = "latest") -> pd.DataFrame:
    """Traffickers convicted per year in the TIP series: the unsplit count, or sex and labor added."""
    tip = tip_years(figures, sources, rule)
    tip = tip[tip.metric == "convictions"]
    rows = []
    for year in years:
        here = tip[tip.period_start == year]
        given = here[here.value.notna()]
        unsplit = given[given.form == "unsplit"]
        split = given[given.form.isin(["sex", "labor"])]
        if len(unsplit):
            rows.append({"year": year, "convictions": float(unsplit.value.iloc[0]), "ids": tuple(unsplit.id),
                         "missing_reason": None})
        elif set(split.form) == {"sex", "labor"}:
            rows.append({"year": year, "convictions": float(split.value.sum()), "ids": tuple(split.id),
                         "missing_reason": None})
        else:
            reason = (here.missing_reason.dropna().iloc[0] if here.missing_reason.notna().any()
                      else "no source covers this year")
            rows.append({"year": year, "convictions": float("nan"), "ids": tuple(here.id), "missing_reason": reason})
    return pd.DataFrame(rows)


def _kom_victims(figures: pd.DataFrame, sources: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """KOM's count for each of ``years``; missing where it made none."""
    found = kom_victims(figures, sources).reindex(years)
    return pd.DataFrame({"year": years, "kom_victims": found.value.astype(float).to_numpy(na_value=float("nan")),
                         "kom_definition": found.definition.to_numpy(), "kom_id": found.id.to_numpy()})


def tip_columns(data: Dataset, years: list[int], rule: str, confidence: float) -> pd.DataFrame:
    """The TIP's victims and traffickers convicted per year, their ratio with its interval, and KOM's count."""
    victims = victims_per_year(data.figures, data.sources, years, rule)
    convictions = convictions_per_year(data.figures, data.sources, years, rule)
    table = victims.merge(convictions, on="year", suffixes=("_victims", "_convictions"))
    table["victims_per_conviction"] = table.victims / table.convictions.where(table.convictions > 0)
    table = table.rename(columns={"measure": "tip_measure", "victims": "tip_victims", "convictions": "tip_convictions",
                                  "victims_per_conviction": "tip_victims_per_conviction",
                                  "ids_victims": "tip_victims_ids",
                                  "ids_convictions": "tip_convictions_ids", "hedge": "tip_hedge",
                                  "definition": "tip_definition"})
    tip_ci = [ratio_interval((r.tip_victims,) * 2, (r.tip_convictions,) * 2, confidence) for r in table.itertuples()]
    table["tip_ratio_ci_low"], table["tip_ratio_ci_high"] = [c[0] for c in tip_ci], [c[1] for c in tip_ci]
    table["tip_unreliable"] = [unreliable((r.tip_victims,) * 2, (r.tip_convictions,) * 2) for r in table.itertuples()]
    return table.merge(_kom_victims(data.figures, data.sources, years), on="year")


def glotip_columns(table: pd.DataFrame, detected: pd.DataFrame, convicted: pd.DataFrame,
                   confidence: float) -> tuple[list, list]:
    """Adds UNODC's counts to ``table``: as written and bounded, their ratio, its interval, persons convicted's.

    Returns:
        Each year's bounds of victims detected and of persons convicted.
    """
    for name, counts in (("detected", detected), ("convicted", convicted)):
        table[f"glotip_{name}"] = counts.written.to_numpy()
        table[f"glotip_{name}_low"] = counts.low.to_numpy()
        table[f"glotip_{name}_high"] = counts.high.to_numpy()
        table[f"glotip_{name}_id"] = counts.id.to_numpy()
    d_bounds = list(zip(table.glotip_detected_low, table.glotip_detected_high, strict=True))
    c_bounds = list(zip(table.glotip_convicted_low, table.glotip_convicted_high, strict=True))
    bounds = [ratio(d, c) for d, c in zip(d_bounds, c_bounds, strict=True)]
    table["glotip_ratio_low"] = [b[0] for b in bounds]
    table["glotip_ratio_high"] = [b[1] for b in bounds]
    table["glotip_ratio"] = [shown(b) for b in bounds]
    chance = [ratio_interval(d, c, confidence) for d, c in zip(d_bounds, c_bounds, strict=True)]
    table["glotip_ratio_ci_low"], table["glotip_ratio_ci_high"] = [c[0] for c in chance], [c[1] for c in chance]
    convicted_ci = [count_interval(c, confidence) for c in c_bounds]
    table["glotip_convicted_ci_low"], table["glotip_convicted_ci_high"] = ([c[0] for c in convicted_ci],
                                                                           [c[1] for c in convicted_ci])
    table["glotip_unreliable"] = [unreliable(d, c) and not pd.isna(b[0])
                                  for d, c, b in zip(d_bounds, c_bounds, bounds, strict=True)]
    return d_bounds, c_bounds


def flag_columns(table: pd.DataFrame, data: Dataset, chosen: pd.DataFrame) -> None:
    """Adds the quality flags, and their reasons, of each of UNODC's counts in ``table`` (``chosen`` the rows used)."""
    flags = value_flags(data.glotip, data.series_breaks, chosen)
    for name in ("detected", "convicted"):
        table[f"glotip_{name}_flags"], table[f"glotip_{name}_flag_reasons"] = of_ids(flags, table[f"glotip_{name}_id"])


def three_year_columns(table: pd.DataFrame) -> None:
    """Adds three-year sums of UNODC's counts and their ratio.

    A ratio of two flows over a longer window: a range where a '<5' enters, none where a year in the window is not
    reported.
    """
    for name in ("detected", "convicted"):
        for end in ("low", "high"):
            table[f"glotip_{name}_3y_{end}"] = table[f"glotip_{name}_{end}"].rolling(3).sum()
    three = [ratio((d_low, d_high), (c_low, c_high)) for d_low, d_high, c_low, c_high in
             zip(table.glotip_detected_3y_low, table.glotip_detected_3y_high, table.glotip_convicted_3y_low,
                 table.glotip_convicted_3y_high, strict=True)]
    table["glotip_ratio_3y_low"], table["glotip_ratio_3y_high"] = [t[0] for t in three], [t[1] for t in three]
