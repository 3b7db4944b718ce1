"""Notebook 03: the funding lines a TIP narrative reports, per victim, in kroner and another currency."""

from __future__ import annotations

import re

import pandas as pd

from ..data import VICTIM_MEASURES, Dataset, from_source, sources_of, victim_count
from .result import Prose, Result, analysis_of, one_of, source_with_figures, years_in
from .uncertainty import ci_label, confidence_problems, count_interval, shown_interval


def lines_for(figures: pd.DataFrame, year: int, lines: list[str] | None = None) -> pd.DataFrame:
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


def per_victim(lines: pd.DataFrame, victims: float, currency: str, nok_per_unit: float, confidence: float = 0.95) -> pd.DataFrame:
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
    table["nok_per_victim_ci_low"], table["nok_per_victim_ci_high"] = table.nok / high, table.nok / low if low > 0 else float("inf")
    table[f"{currency.lower()}_per_victim"] = table[currency.lower()] / victims
    return table


def _check(data: Dataset, p: dict) -> list[str]:
    problems = (source_with_figures("source", p["source"], data) + one_of("denominator", p["denominator"], VICTIM_MEASURES)
                + confidence_problems("confidence", p["confidence"]))
    if not re.fullmatch(r"[A-Z]{3}", str(p["currency"])):
        problems.append(f"currency must be a three-letter ISO 4217 code in capitals (USD, EUR); got {p['currency']!r}")
    rate = p["exchange_rate"]
    if rate is not None and not rate > 0:
        problems.append(f"exchange_rate must be a positive number of NOK per {p['currency']}, or None for the report's rate; got {rate!r}")
    if rate is None and p["currency"] != "USD":
        problems.append(f"exchange_rate: the data hold no rate for {p['currency']}; give one (NOK per {p['currency']})")
    if problems:
        return problems
    figures = from_source(data.figures, p["source"])
    money = figures[(figures.metric == "funding_allocated") & (figures.unit == "NOK")]
    problems += years_in("year", [p["year"]], money.period_start)
    victims = figures[(figures.metric == p["denominator"]) & figures.value.notna()]
    if not problems and p["year"] not in set(victims.period_start):
        counted = [m for m in VICTIM_MEASURES if ((figures.metric == m) & (figures.period_start == p["year"]) & figures.value.notna()).any()]
        problems.append(f"denominator: {p['source']} gives no count of {p['denominator']} for {p['year']}; expected one of {', '.join(counted)}")
    unknown = sorted(set(p["funding_lines"]) - set(money[money.period_start == p["year"]].id))
    if unknown:
        problems.append(f"funding_lines: unknown id(s) {', '.join(unknown)}; expected ids among "
                        f"{', '.join(money[money.period_start == p['year']].id)}")
    return problems


#: The tables of the data this analysis reads: its notebook is run again when one of their files changes
#: (see analysis.regenerate.incremental; tests/test_incremental.py runs it and checks).
READS = ("figures", "sources")


@analysis_of("03_funding_per_victim", _check, headline=("per_victim", "funding per victim, in {currency}"))
def analyse(data: Dataset, source: str = "tip2015", year: int = 2014, denominator: str = "victims_identified_assisted",
            currency: str = "USD", exchange_rate: float | None = None, funding_lines: tuple[str, ...] = (), confidence: float = 0.95) -> Result:
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
    if exchange_rate is None:
        rate, rate_note = report_rate, f"{report_rate:.4f} NOK per USD, implied by the report's own NOK/USD pairs"
    else:
        rate, rate_note = exchange_rate, f"{exchange_rate:g} NOK per {currency}, supplied by the user, not from a source"
        supplied["exchange_rate"] = f"NOK per {currency}, supplied by the user, not from a source"
    victims = victim_count(figures, denominator, year)
    table = per_victim(lines, victims.value, currency, rate, confidence)
    total = table.set_index("id").loc["total"]
    cur = currency.lower()
    label = ci_label(confidence)
    total_ci = (float(total.nok_per_victim_ci_low), float(total.nok_per_victim_ci_high))
    summary = (f"Rate implied by the report: {every.nok.sum():,.0f} NOK / {every.usd_as_reported.sum():,.0f} USD = "
               f"**{report_rate:.4f} NOK per USD**. Rate used here: {rate_note}.\n\n"
               f"Per {victims.measure.singular} ({victims.label}): NOK {total.nok_per_victim:,.0f} ({label} {shown_interval(total_ci)}), "
               f"or {currency} {total[f'{cur}_per_victim']:,.0f}.\n\n"
               f"The interval takes the amounts as known and the victim count as a Poisson count: it says how far the amount per "
               f"victim could move by chance in the count alone, not how the lines the report names relate to what was spent.")
    ids = [*lines.id, *lines.usd_id.dropna(), *victims.ids]
    return Result(
        title=f"NOK {total.nok_per_victim:,.0f} ({currency} {total[f'{cur}_per_victim']:,.0f}) of the reported funding "
              f"per {victims.measure.singular} in {year} ({label} NOK {shown_interval(total_ci)})",
        table=table.assign(denominator=denominator, victims=victims.value, nok_per_unit=rate),
        facts={"year": year, "nok_per_victim": float(total.nok_per_victim), "per_victim": float(total[f"{cur}_per_victim"]),
               "nok_per_victim_ci": total_ci, "confidence": confidence,
               "currency": currency, "rate": rate, "rate_implied_by_report": report_rate, "victims": victims.value,
               "victims_label": victims.label, "per": victims.measure.singular},
        figure_ids=tuple(ids),
        sources=sources_of(data.figures, data.sources, ids),
        summary=Prose(summary),
        tables={"lines": lines},
        supplied=supplied,
    )
