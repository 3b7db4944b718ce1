"""Notebook 03: the funding lines a TIP narrative reports, per victim, in kroner and another currency.

The amount per victim is given under each count of victims there is for the year, side by side: the TIP's (the
``denominator``), UNODC's detected victims and KOM's victims followed up. No chance interval is given: the victims
are not a sample of anything the funding is spent on, and which count divides the funding is what moves the figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import numpy as np
import pandas as pd

from ..data import VICTIM_MEASURES, Dataset, from_source, sources_of, victim_count
from . import words
from .domains import EXCHANGE_RATE, Domain, Holds, Matches, OneOf, SomeOf, SourceWithFigures, YearsOf
from .funding_derivations import per_victim_03
from .result import Result, analysis_of
from .victim_counts import COUNTED, COUNTS, other_counts


def lines_for(figures: pd.DataFrame, year: int, lines: list[str] | None = None) -> pd.DataFrame:
    """The funding lines of a year, one row per line, NOK and USD side by side.

    Args:
        figures: The curated figures.
        year: The calendar year the funding lines cover.
        lines: ids of NOK funding figures to keep; None or empty keeps all.
    """
    money = figures[(figures.metric == "funding_allocated") & (figures.period_start == year)
                    & (figures.period_end == year)]
    nok = money[money.unit == "NOK"]
    if lines:
        unknown = sorted(set(lines) - set(nok.id))
        if unknown:
            raise LookupError(f"unknown funding line(s) {unknown}: expected ids among {', '.join(nok.id)}")
        nok = nok[nok.id.isin(lines)]
    if nok.empty:
        raise LookupError(f"no funding lines in NOK for {year}")
    usd = money[money.unit == "USD"].set_index(["source_id", "item"])
    pairs = list(zip(nok.source_id, nok["item"], strict=True))
    return pd.DataFrame({
        "id": nok.id.to_numpy(),
        "item": nok["item"].to_numpy(),
        "nok": nok.value.to_numpy(dtype=float),
        "usd_as_reported": [usd.value.get(key, float("nan")) for key in pairs],
        "usd_id": [usd.id.get(key) for key in pairs],
        "source_id": nok.source_id.to_numpy(),
    })


def implied_rate(lines: pd.DataFrame) -> float:
    """NOK per USD implied by the report's own pairs: total NOK over total USD of the lines that have both."""
    both = lines.dropna(subset=["nok", "usd_as_reported"])
    if both.empty:
        raise LookupError("no funding line gives both NOK and USD, so no rate is implied")
    return float(both.nok.sum() / both.usd_as_reported.sum())


def per_victim(lines: pd.DataFrame, victims: float, currency: str, nok_per_unit: float,
               as_reported: bool = False) -> pd.DataFrame:
    """Each line and the total, per victim, in NOK and in ``currency`` at ``nok_per_unit``.

    With ``as_reported`` (USD at the report's own rate), a line's amount in USD is the one the report gives beside its
    kroner, where it gives one; any other amount is computed at ``nok_per_unit``. ``<currency>_basis`` says which:
    "reported", "computed", and for the total "sum of reported" or "sum, partly computed".
    """
    if nok_per_unit <= 0:
        raise ValueError(f"the exchange rate must be positive, got {nok_per_unit}")
    if victims <= 0:
        raise ValueError(f"the denominator must be positive, got {victims}")
    cur = currency.lower()
    table = lines[["id", "item", "nok"]].copy()
    reported = lines.usd_as_reported.astype(float) if as_reported else pd.Series(np.nan, index=lines.index)
    table[cur] = reported.where(reported.notna(), table.nok / nok_per_unit)
    table[f"{cur}_basis"] = np.where(reported.notna(), "reported", "computed")
    total = {"id": "total", "item": "All lines shown", "nok": table.nok.sum(), cur: table[cur].sum(),
             f"{cur}_basis": "sum of reported" if reported.notna().all() else "sum, partly computed"}
    table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    table["nok_per_victim"] = table.nok / victims
    table[f"{cur}_per_victim"] = table[cur] / victims
    return table


def _money(data: Dataset, p: dict) -> pd.DataFrame:
    """The source's funding lines in NOK."""
    figures = from_source(data.figures, p["source"])
    return figures[(figures.metric == "funding_allocated") & (figures.unit == "NOK")]


def _funded_years(data: Dataset, p: dict) -> pd.Series:
    return _money(data, p).period_start


def _lines_of_year(data: Dataset, p: dict) -> list[str]:
    money = _money(data, p)
    return list(money[money.period_start == p["year"]].id)


def _counted_in_year(data: Dataset, p: dict) -> None:
    """Raises LookupError when the source gives no count of ``denominator`` for ``year``."""
    figures = from_source(data.figures, p["source"])
    victims = figures[(figures.metric == p["denominator"]) & figures.value.notna()]
    if p["year"] not in set(victims.period_start):
        in_year = figures[(figures.period_start == p["year"]) & figures.value.notna()]
        counted = [m for m in VICTIM_MEASURES if (in_year.metric == m).any()]
        raise LookupError(f"{p['source']} gives no count of {p['denominator']} for {p['year']}; "
                          f"expected one of {', '.join(counted)}")


@dataclass(frozen=True, eq=False)
class _Rate(Domain):
    """NOK per unit of ``currency``, positive; or None for the rate the report's NOK/USD pairs imply (USD only)."""

    needs: tuple[str, ...] = ("currency",)

    def problems(self, name: str, data: Dataset, values: dict) -> list[str]:
        rate, currency = values[name], values["currency"]
        if rate is not None and not rate > 0:
            return [f"{name} must be a positive number of NOK per {currency}, or None for the report's rate; "
                    f"got {rate!r}"]
        if rate is not None and EXCHANGE_RATE.problems(name, data, values):
            return EXCHANGE_RATE.problems(name, data, values)
        if rate is None and currency != "USD":
            return [f"{name}: the data hold no rate for {currency}; give one (NOK per {currency})"]
        return []


def _counts(data: Dataset, year: int, victims, table: pd.DataFrame) -> pd.DataFrame:
    """Every count of victims in ``year``, the TIP's (``victims``) first, each with the total per victim.

    Adds to ``table`` (the lines per victim under the TIP's count) each other count and the amounts per victim under it.
    """
    tip = pd.DataFrame([{"year": year, "count": "tip", "victims": victims.value, "ids": victims.ids,
                         "definition": victims.measure.describe(), "missing_reason": None}])
    counts = pd.concat([tip, other_counts(data, [year])], ignore_index=True)
    counts["who"] = counts["count"].map(COUNTS)
    counts["counted"] = counts["count"].map({**COUNTED, "tip": victims.measure.describe()})
    counts["label"] = [victims.label if key == "tip" else f"{n:,.0f} {COUNTED[key]}" if not pd.isna(n) else None
                       for key, n in zip(counts["count"], counts.victims, strict=True)]
    total = table.set_index("id").loc["total"]
    counts["nok_per_victim"] = total.nok / counts.victims
    counts["main"] = counts["count"] == "tip"
    for row in counts[~counts.main].itertuples():
        table[f"victims_{row.count}"] = row.victims
        if row.count == "unodc_detected":  # a UNODC value carries its flags beside it
            table[f"victims_{row.count}_flags"] = row.flags
        table[f"nok_per_victim_{row.count}"] = table.nok / row.victims
    return counts


@analysis_of(headline=("per_victim", "funding per victim, in {currency}"))
def analyse(data: Dataset, source: Annotated[str, SourceWithFigures()] = "tip2015",
            year: Annotated[int, YearsOf(_funded_years, needs=("source",))] = 2014,
            denominator: Annotated[str, OneOf(VICTIM_MEASURES) & Holds(_counted_in_year, needs=("source", "year"))]
            = "victims_identified_assisted",
            currency: Annotated[str, Matches(r"[A-Z]{3}", "a three-letter ISO 4217 code in capitals (USD, EUR)")]
            = "USD",
            exchange_rate: Annotated[float | None, _Rate()] = None,
            funding_lines: Annotated[tuple[str, ...], SomeOf(
                _lines_of_year, at_least=0, needs=("source", "year"),
                message="{name}: unknown id(s) {unknown}; expected ids among {allowed}")] = ()) -> Result:
    """Each funding line and their total per victim, in NOK and in ``currency``, under each count of victims.

    ``denominator`` names the TIP's count that the bars, the currency and the headline use; UNODC's detected victims
    (release :data:`RELEASE`) and KOM's victims followed up in ``year`` stand beside it where they exist. The rate is
    the one implied by the report's own NOK/USD pairs when ``exchange_rate`` is None (USD only), and the USD amounts
    are then the report's own where it gives them; a rate given is the user's, and the result says so. The amount
    per victim carries no chance interval: its victims are not a sample of anything the funding is spent on.

    Args:
        data: The curated data; loaded when not given.
        source: the TIP narrative analysed: a source_id of data/raw/sources.csv
        year: year of the funding lines and of the denominator
        denominator: victim measure the source counts for the year: victims_identified_assisted, initial_contacts,
            shelter_accepted
        currency: three-letter code of the currency to convert to
        exchange_rate: NOK per unit of currency, supplied by you; None: the rate implied by the report's own NOK/USD
            pairs (USD only)
        funding_lines: ids of NOK funding figures to include; empty means all lines of the year
    """
    figures = from_source(data.figures, source)
    lines = lines_for(figures, year, list(funding_lines))
    every = lines_for(figures, year)  # the rate is the report's, from all its pairs, whichever lines are shown
    report_rate = implied_rate(every)
    supplied = {}
    rate = report_rate if exchange_rate is None else exchange_rate
    if exchange_rate is not None:
        supplied["exchange_rate"] = words.section(__name__, "exchange rate label", {"currency": currency})
    as_reported = exchange_rate is None and currency == "USD"
    victims = victim_count(figures, denominator, year)
    table = per_victim(lines, victims.value, currency, rate, as_reported)
    counts = _counts(data, year, victims, table)
    total = table.set_index("id").loc["total"]
    given = counts.dropna(subset=["victims"])
    low, high = float(given.nok_per_victim.min()), float(given.nok_per_victim.max())
    cur = currency.lower()
    shown = table[table.id != "total"]
    ids = [*lines.id, *lines.usd_id.dropna(), *(i for cell in counts.ids for i in cell)]
    story = words.render(__name__, {
        "nok_total": every.nok.sum(), "usd_total": every.usd_as_reported.sum(), "report_rate": report_rate,
        "exchange_rate": exchange_rate, "currency": currency, "per": victims.measure.singular,
        "victims_label": victims.label, "counted": victims.measure.describe(), "counts": list(counts.itertuples()),
        "given": len(given),
        "low": low, "high": high, "spread": high / low - 1, "as_reported": as_reported,
        "reported": list(shown[shown[f"{cur}_basis"] == "reported"].itertuples()),
        "computed": list(shown[shown[f"{cur}_basis"] == "computed"].itertuples()), "cur": cur,
        "nok_per_victim": total.nok_per_victim, "per_victim": total[f"{cur}_per_victim"], "year": year})
    return Result(
        title=story.title,
        table=table.assign(denominator=denominator, victims=victims.value, nok_per_unit=rate),
        facts={"year": year, "nok_per_victim": float(total.nok_per_victim),
               "per_victim": float(total[f"{cur}_per_victim"]),
               "nok_per_victim_by_count": {r.count: None if pd.isna(r.nok_per_victim) else float(r.nok_per_victim)
                                           for r in counts.itertuples()},
               "victims_by_count": {r.count: None if pd.isna(r.victims) else float(r.victims)
                                    for r in counts.itertuples()},
               "nok_per_victim_range": (low, high),
               "currency": currency, "rate": rate, "rate_implied_by_report": report_rate, "victims": victims.value,
               "victims_label": victims.label, "per": victims.measure.singular,
               "derivations": per_victim_03(data, lines, every, table, counts, victims, currency, rate,
                                            exchange_rate is not None, year)},
        figure_ids=tuple(dict.fromkeys(ids)),
        sources=sources_of(data.figures, data.sources, ids, data.glotip),
        summary=story.summary,
        closing=story.closing,
        caveats=story.caveats,
        tables={"lines": lines, "counts": counts},
        supplied=supplied,
    )
