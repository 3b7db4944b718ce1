"""Checks of the curated figures against one another: parts and their whole, and the two currencies of one amount.

A figure may be a part of another (``part_of``), and a source may give one funding line in kroner and in dollars;
neither can be told wrong from its own row, only beside the rows it goes with.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from .errors import Problem

#: Largest spread allowed between the NOK/USD rates implied by the funding lines of one edition.
RATE_TOLERANCE = 0.02


def _line(index) -> int:
    return int(index) + 2


def check_parts(figures: pd.DataFrame, show: str) -> list[Problem]:
    """Parts agree with their whole: counts add up to no more than it, shares stay within 100 percent.

    ``part_of`` declares a subset (the 41 women and one man who accepted shelter
    are among the 139 victims who made initial contact), so parts counted in
    another unit than the whole are still compared with it. Parts split the
    whole one way each (by population, by form, or a subset such as "first
    identified"); each way must add up to no more than the whole.
    """
    problems = []
    columns = ["id", "part_of", "unit", "value", "hedge", "form", "population", "period_start", "period_end"]
    rows = {row.id: row for row in figures[columns].itertuples()}
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for part in rows.values():
        if pd.isna(part.part_of) or part.part_of not in rows:
            continue
        whole = rows[part.part_of]
        if not (whole.period_start <= part.period_start and part.period_end <= whole.period_end):
            problems.append(Problem(show, _line(part.Index), "part_of",
                                    f"covers {part.period_start}-{part.period_end}, outside its whole {whole.id} "
                                    f"({whole.period_start}-{whole.period_end})", part.id))
        if pd.isna(part.value):
            continue
        if part.unit == "percent":
            if part.value > 100:
                problems.append(Problem(show, _line(part.Index), "value",
                                        f"a share of {whole.id} must be at most 100 percent, found {part.value:g}",
                                        part.id))
            continue
        way = "population" if part.population != whole.population else "form" if part.form != whole.form else "subset"
        groups[(whole.id, way)].append(part)
    for (whole_id, way), split in groups.items():
        whole = rows[whole_id]
        total = sum(p.value for p in split)
        if not pd.isna(whole.value) and whole.hedge in ("exact", "approximately") and total > whole.value:
            listed = ", ".join(f"{p.id}={p.value:g}" for p in split)
            problems.append(Problem(show, _line(split[-1].Index), "value",
                                    f"the parts of {whole_id} by {way} add up to {total:g} ({listed}), more than the "
                                    f"whole, {whole.value:g}",
                                    split[-1].id))
    return problems


def check_currency_pairs(figures: pd.DataFrame, show: str) -> list[Problem]:
    """The NOK and USD amounts a source gives for each funding line imply one exchange rate."""
    problems = []
    amounts: dict[str, dict[tuple, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    last: dict[str, object] = {}
    for row in figures[["id", "source_id", "unit", "value", "item", "period_start", "period_end"]].itertuples():
        if row.unit in ("NOK", "USD") and not pd.isna(row.value):
            amounts[row.source_id][(row.item, row.period_start, row.period_end)][row.unit] = row.value
            last[row.source_id] = row
    for source, lines in amounts.items():
        rates = {key: pair["NOK"] / pair["USD"] for key, pair in lines.items() if "NOK" in pair and pair.get("USD")}
        if len(rates) > 1 and max(rates.values()) / min(rates.values()) - 1 > RATE_TOLERANCE:
            listed = ", ".join(f"{key[0]} ({key[1]}): {rate:.3f}" for key, rate in rates.items())
            row = last[source]
            problems.append(Problem(show, _line(row.Index), "value",
                                    f"the NOK/USD pairs of {source} imply rates more than "
                                    f"{RATE_TOLERANCE:.0%} apart ({listed})", row.id))
    return problems
