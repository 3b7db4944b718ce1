"""Funding lines and funding per victim."""

from __future__ import annotations

import pandas as pd

from .query import get_figure

#: Denominators a notebook may divide funding by.
DENOMINATORS = {
    "victims_identified_assisted": {"population": "all"},
    "initial_contacts": {"population": "all"},
    "shelter_accepted": {"population": None},
}


def funding_lines(figures: pd.DataFrame, year: int, lines: list[str] | None = None) -> pd.DataFrame:
    """The funding lines of a year, one row per line, NOK and USD side by side.

    Args:
        lines: ids of NOK funding figures to keep; None or empty keeps all.
    """
    money = figures[(figures.metric == "funding_allocated") & (figures.period_start == year) & (figures.period_end == year)]
    nok = money[money.unit == "NOK"]
    if lines:
        unknown = sorted(set(lines) - set(nok.id))
        if unknown:
            raise LookupError(f"unknown funding line(s) {unknown}: expected ids among {', '.join(nok.id)}")
        nok = nok[nok.id.isin(lines)]
    if nok.empty:
        raise LookupError(f"no funding lines in NOK for {year}")
    usd = money[money.unit == "USD"].set_index(["source_id", "item"]).value
    table = pd.DataFrame({
        "id": nok.id.to_numpy(),
        "item": nok["item"].to_numpy(),
        "nok": nok.value.to_numpy(dtype=float),
        "usd_as_reported": [usd.get((s, i), float("nan")) for s, i in zip(nok.source_id, nok["item"], strict=True)],
        "source_id": nok.source_id.to_numpy(),
    })
    return table


def implied_rate(lines: pd.DataFrame) -> float:
    """NOK per USD implied by the report's own pairs: total NOK over total USD of the lines that have both."""
    both = lines.dropna(subset=["nok", "usd_as_reported"])
    if both.empty:
        raise LookupError("no funding line gives both NOK and USD, so no rate is implied")
    return float(both.nok.sum() / both.usd_as_reported.sum())


def denominator_value(figures: pd.DataFrame, denominator: str, year: int) -> tuple[float, str]:
    """The victim count to divide by, and a label saying what it is."""
    if denominator not in DENOMINATORS:
        raise ValueError(f"denominator must be one of {', '.join(DENOMINATORS)}; got {denominator!r}")
    if denominator == "shelter_accepted":
        parts = figures[(figures.metric == denominator) & (figures.period_start == year) & (figures.period_end == year)]
        if parts.empty:
            raise LookupError(f"no shelter figures for {year}")
        return float(parts.value.sum()), f"victims who accepted shelter ({' + '.join(parts.population)})"
    fig = get_figure(figures, denominator, form="unsplit", period=year)
    hedge = "" if fig.hedge == "exact" else fig.hedge + " "
    return fig.value, f"{denominator.replace('_', ' ')} ({hedge}{fig.value:,.0f})"


def per_victim(lines: pd.DataFrame, victims: float, currency: str, nok_per_unit: float) -> pd.DataFrame:
    """Each line and the total, per victim, in NOK and in ``currency`` at ``nok_per_unit``."""
    if nok_per_unit <= 0:
        raise ValueError(f"the exchange rate must be positive, got {nok_per_unit}")
    if victims <= 0:
        raise ValueError(f"the denominator must be positive, got {victims}")
    table = lines[["id", "item", "nok"]].copy()
    total = pd.DataFrame([{"id": "total", "item": "All lines shown", "nok": table.nok.sum()}])
    table = pd.concat([table, total], ignore_index=True)
    table[currency.lower()] = table.nok / nok_per_unit
    table["nok_per_victim"] = table.nok / victims
    table[f"{currency.lower()}_per_victim"] = table[currency.lower()] / victims
    return table
