"""How the funding analyses (03 and 08) computed each number of their tables, with every input and its passage.

03 divides a year's funding lines by each count of victims and converts them to another currency; 08 adds up each
year's lines, divides them by each count and turns them into kroner of a base year with the World Bank's inflation of
every year between. Each function takes the tables the analysis computed, reads the value of each cell from them,
and names the figures (and rows of ``world_bank.csv``) they were computed from (:mod:`.derivation`).
"""

from __future__ import annotations

import pandas as pd

from ..data import Dataset
from . import derivation as d
from .victim_counts import COUNTED, COUNTS


def _lines(lines: pd.DataFrame, year: int) -> list[dict]:
    """Each funding line in NOK as an input ``n1``, ``n2``... in the order of ``lines``."""
    return [d.figure(f"n{i}", f"{row.item}, {year}", row.nok, "NOK", row.id)
            for i, row in enumerate(lines.itertuples(), start=1)]


# --- 03: the lines of a year per victim, in NOK and in another currency ----------------------------------------


def _rate(rate: float, currency: str, supplied: bool) -> dict:
    """The exchange rate as an input: the user's parameter, or the rate the report's pairs imply (its own cell)."""
    if supplied:
        return d.parameter("r", f"NOK per {currency}, given to this run", rate, f"NOK per {currency}",
                           "exchange_rate")
    return d.other_cell("r", "NOK per USD implied by the report's own NOK/USD pairs", rate, "NOK per USD",
                        "nok_per_unit")


def _in_currency(line, i: int, cur: str, rate: dict, year: int) -> tuple[str, list[dict]]:
    """A line's amount in the currency as a term of a formula: ``u1`` as the source states it, or ``n1 / r``."""
    if getattr(line, f"{cur}_basis") == "reported":
        return f"u{i}", [d.figure(f"u{i}", f"{line.item}, {year}", line.usd_as_reported, cur.upper(), line.usd_id)]
    return f"n{i} / r", [d.figure(f"n{i}", f"{line.item}, {year}", line.nok, "NOK", line.id), rate]


def _unique(inputs: list[dict]) -> list[dict]:
    """Each input once (the rate may enter several terms), in order."""
    return list({i["name"]: i for i in inputs}.values())


def _line_cells(key: dict, line, cur: str, rate: dict, victims: list[dict], year: int) -> list[dict]:
    """The amount of one line in the currency, and the line per victim in NOK and in the currency."""
    term, inputs = _in_currency(line, 1, cur, rate, year)
    n = d.figure("n1", f"{line.item}, {year}", line.nok, "NOK", line.id)
    v = d.total(d.names(victims))
    if term == "u1":
        amount = d.entry(key, cur, "stated", "u1, as the source states it", getattr(line, cur), inputs)
        per = d.entry(key, f"{cur}_per_victim", "arithmetic", f"u1 / {v}", getattr(line, f"{cur}_per_victim"),
                      [*inputs, *victims])
    else:
        amount = d.entry(key, cur, "converted", "n1 / r, recomputed at rate r", getattr(line, cur), inputs)
        per = d.entry(key, f"{cur}_per_victim", "converted", f"(n1 / r) / {v}", getattr(line, f"{cur}_per_victim"),
                      [*inputs, *victims])
    return [amount, per, d.entry(key, "nok_per_victim", "arithmetic", f"n1 / {v}", line.nok_per_victim,
                                 [n, *victims])]


def _total_cells(lines: pd.DataFrame, total, cur: str, rate: dict, victims: list[dict], year: int) -> list[dict]:
    """The total of the lines in NOK and in the currency, and per victim in each."""
    key, nok = {"id": "total"}, _lines(lines, year)
    terms = [_in_currency(line, i, cur, rate, year) for i, line in enumerate(lines.itertuples(), start=1)]
    amounts = _unique([i for _, inputs in terms for i in inputs])
    kind = "stated" if all(t.startswith("u") for t, _ in terms) else "converted"
    formula, v = " + ".join(t for t, _ in terms), d.total(d.names(victims))
    grouped = formula if " " not in formula else f"({formula})"
    return [d.entry(key, "nok", "arithmetic", " + ".join(d.names(nok)), total.nok, nok),
            d.entry(key, cur, "arithmetic" if kind == "stated" else kind, formula, total[cur], amounts),
            d.entry(key, "nok_per_victim", "arithmetic", f"{d.total(d.names(nok))} / {v}", total.nok_per_victim,
                    [*nok, *victims]),
            d.entry(key, f"{cur}_per_victim", "arithmetic" if kind == "stated" else kind, f"{grouped} / {v}",
                    total[f"{cur}_per_victim"], _unique([*amounts, *victims]))]


def _other_counts(data: Dataset, table: pd.DataFrame, lines: pd.DataFrame, counts: pd.DataFrame,
                  year: int) -> list[dict]:
    """Each line and the total per victim under each count beside the TIP's: UNODC's, KOM's."""
    found = []
    for count in counts[~counts.main].dropna(subset=["victims"]).itertuples():
        victims = d.count_inputs(data, count.ids, count.victims, f"{COUNTED[count.count]} ({COUNTS[count.count]}), "
                                 f"{year}")
        column, v = f"nok_per_victim_{count.count}", d.total(d.names(victims))
        for row in table.itertuples():
            shown = lines if row.id == "total" else lines[lines.id == row.id]
            nok = _lines(shown, year)
            found.append(d.entry({"id": row.id}, column, "arithmetic", f"{d.total(d.names(nok))} / {v}",
                                 getattr(row, column), [*nok, *victims]))
    return found


@d.finite_only
def per_victim_03(data: Dataset, lines: pd.DataFrame, every: pd.DataFrame, table: pd.DataFrame, counts: pd.DataFrame,
                  victims, currency: str, rate: float, supplied: bool, year: int) -> list[dict]:
    """The derivation of every computed cell of 03's table (``table``, keyed by ``id``), from the analysis' frames.

    ``lines`` are the lines shown, ``every`` all the year's lines (the report's rate is implied by all its pairs),
    ``victims`` the TIP's count (:func:`analysis.data.victim_count`), ``rate`` NOK per unit of ``currency``,
    ``supplied`` whether the user gave it.
    """
    cur = currency.lower()
    r = _rate(rate, currency, supplied)
    tip = d.count_inputs(data, victims.ids, victims.value, f"{victims.measure.describe()} (TIP), {year}")
    shown = table[table.id != "total"].merge(lines[["id", "usd_as_reported", "usd_id"]], on="id", how="left")
    found = [c for line in shown.itertuples() for c in _line_cells({"id": line.id}, line, cur, r, tip, year)]
    found += _total_cells(shown, table.set_index("id").loc["total"], cur, r, tip, year)
    found += _other_counts(data, table, lines, counts, year)
    if supplied:
        return [*found, d.entry({}, "nok_per_unit", "supplied", "r, given to this run", rate, [r])]
    both = every.dropna(subset=["nok", "usd_as_reported"])
    nok = _lines(both, year)
    usd = [d.figure(f"u{i}", f"{row.item}, {year}", row.usd_as_reported, "USD", row.usd_id)
           for i, row in enumerate(both.itertuples(), start=1)]
    return [*found, d.entry({}, "nok_per_unit", "arithmetic", f"{d.total(d.names(nok))} / {d.total(d.names(usd))}",
                            rate, [*nok, *usd])]


# --- 08: each year's lines, their total per victim in current and constant kroner ----------------------------------


def _count_cells(data: Dataset, amount, nok: list[dict], base_year: int, columns: tuple[str, str]) -> list[dict]:
    """One year's total per victim under one count, in current kroner and in kroner of ``base_year``."""
    year = int(amount.year)
    who = COUNTED.get(amount.count, "victims in the government's count")
    victims = d.count_inputs(data, amount.victims_ids, amount.victims, f"{who} ({COUNTS[amount.count]}), {year}")
    prices = d.inflation(data, amount.price_ids)
    per = f"{d.total(d.names(nok))} / {d.total(d.names(victims))}"
    return [d.entry({"year": year}, columns[0], "arithmetic", per, amount.nok_per_victim, [*nok, *victims]),
            d.entry({"year": year}, columns[1], "arithmetic", per + d.deflation(d.names(prices), year, base_year),
                    amount.nok_per_victim_constant, [*nok, *victims, *prices])]


@d.finite_only
def per_victim_08(data: Dataset, lines: pd.DataFrame, totals: pd.Series, amounts: pd.DataFrame,
                  base_year: int) -> list[dict]:
    """The derivation of every computed cell of 08's table (keyed by ``year``), from the analysis' frames.

    ``lines`` are the funding lines by year, ``totals`` their sum by year, ``amounts`` the totals per victim by year
    and count (:func:`analysis.analyses.series_funding.per_victim`; ``main`` marks the count of the main columns).
    """
    found = []
    for year, shown in lines.groupby("year", sort=True):
        nok = _lines(shown, int(year))
        if len(nok) > 1:
            found.append(d.entry({"year": int(year)}, "year_total_nok", "arithmetic", " + ".join(d.names(nok)),
                                 totals[year], nok))
        given = amounts[(amounts.year == year)].dropna(subset=["nok_per_victim"])
        for amount in given.itertuples():
            key = amount.count
            found += _count_cells(data, amount, nok, base_year,
                                  (f"nok_per_victim_{key}", f"nok_per_victim_constant_{key}"))
            if amount.main:
                found += _count_cells(data, amount, nok, base_year, ("nok_per_victim", "nok_per_victim_constant"))
    return found
