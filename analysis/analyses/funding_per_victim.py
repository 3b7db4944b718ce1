"""Notebook 03: the funding lines a TIP narrative reports, per victim, in kroner and another currency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import pandas as pd

from ..data import VICTIM_MEASURES, Dataset, from_source, sources_of, victim_count
from . import words
from .domains import CONFIDENCE, Domain, Holds, Matches, OneOf, SomeOf, SourceWithFigures, YearsOf
from .result import Result, analysis_of
from .uncertainty import count_interval


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
               confidence: float = 0.95) -> pd.DataFrame:
    """Each line and the total, per victim, in NOK and in ``currency`` at ``nok_per_unit``.

    ``nok_per_victim_ci_low``-``_high``: the amount over the exact (Garwood)
    interval of the victim count, the amount itself taken as known.
    """
    if nok_per_unit <= 0:
        raise ValueError(f"the exchange rate must be positive, got {nok_per_unit}")
    if victims <= 0:
        raise ValueError(f"the denominator must be positive, got {victims}")
    table = lines[["id", "item", "nok"]].copy()
    total = pd.DataFrame([{"id": "total", "item": "All lines shown", "nok": table.nok.sum()}])
    table = pd.concat([table, total], ignore_index=True)
    table[currency.lower()] = table.nok / nok_per_unit
    table["nok_per_victim"] = table.nok / victims
    low, high = count_interval((victims, victims), confidence)
    table["nok_per_victim_ci_low"], table["nok_per_victim_ci_high"] = (table.nok / high,
                                                                       table.nok / low if low > 0 else float("inf"))
    table[f"{currency.lower()}_per_victim"] = table[currency.lower()] / victims
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


#: The tables of the data this analysis reads: its notebook is run again when one of their files changes
#: (see analysis.regenerate.incremental; tests/regenerate/test_incremental.py runs it and checks).
READS = ("figures", "sources")


@dataclass(frozen=True, eq=False)
class _Rate(Domain):
    """NOK per unit of ``currency``, positive; or None for the rate the report's NOK/USD pairs imply (USD only)."""

    needs: tuple[str, ...] = ("currency",)

    def problems(self, name: str, data: Dataset, values: dict) -> list[str]:
        rate, currency = values[name], values["currency"]
        if rate is not None and not rate > 0:
            return [f"{name} must be a positive number of NOK per {currency}, or None for the report's rate; "
                    f"got {rate!r}"]
        if rate is None and currency != "USD":
            return [f"{name}: the data hold no rate for {currency}; give one (NOK per {currency})"]
        return []


@analysis_of("03_funding_per_victim", headline=("per_victim", "funding per victim, in {currency}"))
def analyse(data: Dataset, source: Annotated[str, SourceWithFigures()] = "tip2015",
            year: Annotated[int, YearsOf(_funded_years, needs=("source",))] = 2014,
            denominator: Annotated[str, OneOf(VICTIM_MEASURES) & Holds(_counted_in_year, needs=("source", "year"))]
            = "victims_identified_assisted",
            currency: Annotated[str, Matches(r"[A-Z]{3}", "a three-letter ISO 4217 code in capitals (USD, EUR)")]
            = "USD",
            exchange_rate: Annotated[float | None, _Rate()] = None,
            funding_lines: Annotated[tuple[str, ...], SomeOf(
                _lines_of_year, at_least=0, needs=("source", "year"),
                message="{name}: unknown id(s) {unknown}; expected ids among {allowed}")] = (),
            confidence: Annotated[float, CONFIDENCE] = 0.95) -> Result:
    """Each funding line and their total per victim, in NOK and in ``currency``.

    The rate is the one implied by the report's own NOK/USD pairs when
    ``exchange_rate`` is None (USD only); a rate given is the user's, and the
    result says so.
    """
    figures = from_source(data.figures, source)
    lines = lines_for(figures, year, list(funding_lines))
    every = lines_for(figures, year)  # the rate is the report's, from all its pairs, whichever lines are shown
    report_rate = implied_rate(every)
    supplied = {}
    rate = report_rate if exchange_rate is None else exchange_rate
    if exchange_rate is not None:
        supplied["exchange_rate"] = words.section(__name__, "exchange rate label", {"currency": currency})
    victims = victim_count(figures, denominator, year)
    table = per_victim(lines, victims.value, currency, rate, confidence)
    total = table.set_index("id").loc["total"]
    cur = currency.lower()
    total_ci = (float(total.nok_per_victim_ci_low), float(total.nok_per_victim_ci_high))
    ids = [*lines.id, *lines.usd_id.dropna(), *victims.ids]
    story = words.render(__name__, {
        "nok_total": every.nok.sum(), "usd_total": every.usd_as_reported.sum(), "report_rate": report_rate,
        "exchange_rate": exchange_rate, "currency": currency, "per": victims.measure.singular,
        "victims_label": victims.label,
        "nok_per_victim": total.nok_per_victim, "per_victim": total[f"{cur}_per_victim"], "nok_per_victim_ci": total_ci,
        "year": year, "confidence": confidence})
    return Result(
        title=story.title,
        table=table.assign(denominator=denominator, victims=victims.value, nok_per_unit=rate),
        facts={"year": year, "nok_per_victim": float(total.nok_per_victim),
               "per_victim": float(total[f"{cur}_per_victim"]),
               "nok_per_victim_ci": total_ci, "confidence": confidence,
               "currency": currency, "rate": rate, "rate_implied_by_report": report_rate, "victims": victims.value,
               "victims_label": victims.label, "per": victims.measure.singular},
        figure_ids=tuple(ids),
        sources=sources_of(data.figures, data.sources, ids),
        summary=story.summary,
        closing=story.closing,
        caveats=story.caveats,
        tables={"lines": lines},
        supplied=supplied,
    )
