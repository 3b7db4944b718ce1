"""How 12's table computed each country-year's ratio and its rates per inhabitant, and the intervals around them.

Each row of the table holds UNODC's victims detected (v) and persons convicted (c) of a country and year, and the
World Bank's population (p) of that year. Its victims per person convicted is v / c, its detection rate
v / p × 100,000 and its conviction rate c / p × 1,000,000 (:data:`~.nordic_pooling.VICTIMS_PER`,
:data:`~.nordic_pooling.CONVICTED_PER`). A count written "<5" is any of 1 to 4: it enters as its lowest and its
highest value, and each figure built on it is a range (:mod:`.unodc_derivations` says the same of 06 and 11).
"""

from __future__ import annotations

import pandas as pd

from . import derivation as d
from .nordic_pooling import CONVICTED_PER, VICTIMS_PER
from .unodc_derivations import COUNT, RATIO, count, ranged

#: The words of each count, its symbol and what a rate of it is per.
_COUNTS = {"detected": ("v", "victims detected", VICTIMS_PER), "convicted": ("c", "persons convicted", CONVICTED_PER)}


def _count(row, name: str, label: str) -> tuple[list[dict], str, str]:
    """UNODC's count ``name`` of a row as inputs (its bounds as the table takes them), and its symbols."""
    return count(getattr(row, f"{name}_low"), getattr(row, f"{name}_high"), getattr(row, name),
                 getattr(row, f"{name}_id"), _COUNTS[name][0], label)


def _rates(row, key: dict, counts: dict, level: dict) -> list[dict]:
    """The detection and conviction rates of one row, each a range where its count is, and their intervals."""
    found = []
    population = next((i for i in row.ids if i.startswith("wb-population-")), None)
    if population is None or pd.isna(row.population):
        return found
    people = d.table_row("p", f"population, {row.country}, {row.year}", row.population, "persons", "world_bank",
                         population)
    for name, (symbol, _, per) in _COUNTS.items():
        inputs, low, high = counts[name]
        times = f" × {per:,}"
        found += [d.entry(key, f"{name}_rate_low", "arithmetic", f"{low} / p{times}", getattr(row, f"{name}_rate_low"),
                          [*inputs, people]),
                  d.entry(key, f"{name}_rate_high", "arithmetic", f"{high} / p{times}",
                          getattr(row, f"{name}_rate_high"), [*inputs, people])]
        found += d.interval(key, (f"{name}_rate_ci_low", f"{name}_rate_ci_high"),
                            (getattr(row, f"{name}_rate_ci_low"), getattr(row, f"{name}_rate_ci_high")), COUNT,
                            "exact", ranged(f"{symbol} / p{times}", (symbol, low, high)), [*inputs, people, level])
    return found


@d.finite_only
def country_years(table: pd.DataFrame, confidence: float) -> list[dict]:
    """Every country-year's victims per person convicted, detection and conviction rates, and their intervals."""
    level, found = d.confidence(confidence), []
    for row in table.itertuples():
        if pd.isna(row.detected_low) or pd.isna(row.convicted_low):
            continue
        key, where = {"iso3": row.iso3, "year": int(row.year)}, f"{row.country}, {row.year}"
        counts = {name: _count(row, name, f"{words}, {where}") for name, (_, words, _) in _COUNTS.items()}
        (victims, v_low, v_high), (convicted, c_low, c_high) = counts["detected"], counts["convicted"]
        inputs = [*victims, *convicted]
        of = ranged("v / c", ("v", v_low, v_high), ("c", c_low, c_high))
        found += [d.entry(key, "ratio_low", "arithmetic", f"{v_low} / {c_high}", row.ratio_low, inputs),
                  d.entry(key, "ratio_high", "arithmetic", f"{v_high} / {c_low}", row.ratio_high, inputs),
                  *d.interval(key, ("ratio_ci_low", "ratio_ci_high"), (row.ratio_ci_low, row.ratio_ci_high), RATIO,
                              "exact", of, [*inputs, level]),
                  *_rates(row, key, counts, level)]
    return found
