"""Notebook 08: the funding lines in kroner that the TIP editions report, year by year.

Also per victim, in current and constant kroner, under each count of victims for the year side by side: the TIP's
government count, UNODC's detected victims and KOM's victims followed up. No chance interval is given: the victims
are not a sample of anything the funding is spent on, and which count divides the funding is what moves the figure.
"""

from __future__ import annotations

from typing import Annotated

import pandas as pd

from ..data import Dataset, choose_vintage, sources_of
from ..data.vintages import choose_release, each_release
from ..data.world_bank import price_index
from . import words
from .domains import Holds, OneOf, Range
from .funding_derivations import per_victim_08
from .result import Result, analysis_of
from .unodc import RELEASES, yearly_counts
from .victim_counts import COUNTS, other_counts, victims_per_year

#: The victim counts funding can be divided by: the keys of :data:`~analysis.analyses.victim_counts.COUNTS`.
DENOMINATORS = {"unodc_detected": "victims detected (UNODC)", "tip": "victims in the TIP's government count",
                "kom": "victims followed up (KOM)"}


def _money(figures: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    chosen = choose_vintage(figures, sources, "latest")
    return chosen[(chosen.metric == "funding_allocated") & (chosen.unit == "NOK") & (chosen.series == "TIP")
                  & (chosen.period_start == chosen.period_end) & chosen.value.notna()]


def _funded_years(data: Dataset, p: dict) -> pd.Series:
    """The years of the funding lines."""
    return data.figures[(data.figures.metric == "funding_allocated") & data.figures.value.notna()].period_start


def _prices(data: Dataset, p: dict) -> None:
    """Raises LookupError when the World Bank lacks Norway's prices for a year of the range or the base year."""
    if data.world_bank is not None:
        price_index(data.world_bank, "NOR", list(range(p["first_year"], p["last_year"] + 1)), p["base_year"])


YEARS = Range("first_year", "last_year", _funded_years)


def funding_by_year(figures: pd.DataFrame, sources: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Funding lines in NOK by year as the TIP editions report them (the latest edition where restated)."""
    money = _money(figures, sources)
    money = money[money.period_start.isin(years)]
    table = money[["period_start", "item", "value", "report_year", "id"]].rename(
        columns={"period_start": "year", "value": "nok"})
    return table.sort_values(["year", "item"], ignore_index=True)


def counts_by_year(data: Dataset, years: list[int], release: str) -> pd.DataFrame:
    """Every count of victims for each year, one row per year and count (a key of :data:`DENOMINATORS`).

    ``victims`` (missing where there is none), ``hedge``, ``victims_ids``, where none, ``missing_reason``, and the
    ``flags`` of UNODC's values (:mod:`analysis.data.flags`; empty for the others). The
    TIP's is the government's count by the best measure the editions give
    (:func:`~analysis.analyses.victim_counts.victims_per_year`); UNODC's come from the GLOTIP ``release``,
    flagged rows left out, and KOM's are its counts of everyone
    (:func:`~analysis.analyses.victim_counts.other_counts`).
    """
    tip = victims_per_year(data.figures, data.sources, years)
    tip = pd.DataFrame({"year": years, "count": "tip", "victims": tip.victims.to_numpy(), "hedge": tip.hedge.to_numpy(),
                        "victims_ids": list(tip.ids), "missing_reason": tip.missing_reason.to_numpy(), "flags": ""})
    others = other_counts(data, years, release).rename(columns={"ids": "victims_ids"}).assign(hedge="exact")
    table = pd.concat([tip, others[list(tip.columns)]], ignore_index=True)
    order = {key: i for i, key in enumerate(COUNTS)}
    return table.sort_values(["year", "count"], key=lambda c: c.map(order) if c.name == "count" else c,
                             ignore_index=True)


def victims_by_year(data: Dataset, years: list[int], denominator: str, release: str) -> pd.DataFrame:
    """The victim count of each year by ``denominator``.

    ``victims``, ``hedge``, ``victims_ids`` and, where none, ``missing_reason``.
    """
    counts = counts_by_year(data, years, release)
    return counts[counts["count"] == denominator].drop(columns="count").reset_index(drop=True)


def per_victim(totals: pd.Series, counts: pd.DataFrame, index: pd.DataFrame, base_year: int) -> pd.DataFrame:
    """Each year's total NOK per victim under each count, in current kroner and in kroner of ``base_year``.

    One row per year and count of ``counts`` (:func:`counts_by_year`); a year without lines or without the count has
    no amount per victim. The amounts and the counts are taken as they are given: no chance interval.
    """
    prices = index.set_index("year")
    table = counts.join(totals.rename("nok"), on="year").join(prices[["index", "ids"]].rename(
        columns={"ids": "price_ids"}), on="year")
    table["nok_per_victim"] = table.nok / table.victims.where(table.victims > 0)
    table["nok_per_victim_constant"] = table.nok_per_victim * float(prices.loc[base_year, "index"]) / table["index"]
    table["base_year"] = base_year
    return table


def _spans(amounts: pd.DataFrame) -> list[dict]:
    """Each year with an amount per victim under any count: lowest and highest in constant kroner, how many, flags.

    ``flags``: those of the UNODC values among the counts (:mod:`analysis.data.flags`).
    """
    given = amounts.dropna(subset=["nok_per_victim"])
    spans = []
    for year, group in given.groupby("year"):
        spans.append({"year": int(year), "low": float(group.nok_per_victim_constant.min()),
                      "high": float(group.nok_per_victim_constant.max()),
                      "current_low": float(group.nok_per_victim.min()),
                      "current_high": float(group.nok_per_victim.max()),
                      "n": len(group), "who": COUNTS[group["count"].iloc[0]],
                      "flags": "".join(sorted(set("".join(group["flags"].fillna("")))))})
    return spans


def _revised(data: Dataset, years: list[int]) -> tuple[list[str], list[dict]]:
    """The GLOTIP releases, and the years they write UNODC's count differently in, each with every release's value."""
    written = {source_id: yearly_counts(choose_release(rows), "NOR", "victims_detected", years).written.set_axis(years)
               for source_id, rows in each_release(data.glotip).items()}
    revised = [{"year": year, **{s: (None if pd.isna(w[year]) else w[year]) for s, w in written.items()}}
               for year in years if len({str(w[year]) for w in written.values()}) > 1]
    return list(written), revised


def _wide(amounts: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    """One row a year: the total, and the count and amounts per victim under the chosen count and under each other."""
    wide = chosen[["year", "nok", "victims", "flags", "hedge", "nok_per_victim", "nok_per_victim_constant"]].rename(
        columns={"nok": "year_total_nok", "hedge": "victims_hedge", "flags": "victims_flags"})
    for key in DENOMINATORS:
        one = amounts[amounts["count"] == key].set_index("year")
        for column in ("victims", "nok_per_victim", "nok_per_victim_constant"):
            wide[f"{column}_{key}"] = wide.year.map(one[column])
            if column == "victims" and key == "unodc_detected":  # a UNODC value carries its flags beside it
                wide[f"victims_{key}_flags"] = wide.year.map(one["flags"])
    return wide


def _by_year(rows: pd.DataFrame, column: str) -> dict:
    """``column`` by year, as numbers, over the rows that give it."""
    return {int(r.year): float(getattr(r, column)) for r in rows.dropna(subset=[column]).itertuples()}


@analysis_of(headline=("per_victim_constant_first",
                       "NOK per victim in the first year with both, constant kroner of {base_year}"))
def analyse(data: Dataset, first_year: Annotated[int, YEARS] = 2014, last_year: Annotated[int, YEARS] = 2018,
            denominator: Annotated[str, OneOf(DENOMINATORS)] = "unodc_detected",
            base_year: Annotated[int, Holds(_prices, needs=("first_year", "last_year"))] = 2018,
            release: Annotated[str, OneOf(RELEASES)] = "latest") -> Result:
    """The lines each year and their total, and the total per victim in current and constant kroner.

    A year without lines is "none reported", not zero, and a year without a victim count has no amount per victim.

    The total per victim is given under each count of victims for the year: the TIP's government count, UNODC's
    detected victims (``release`` picks the GLOTIP release) and KOM's victims followed up; ``denominator`` names the
    one drawn as the main line and stated as the headline. Constant kroner deflate with a price index chained from
    the World Bank's annual consumer price inflation for Norway, equal to 1 in ``base_year``. The amount
    per victim carries no chance interval: its victims are not a sample of anything the funding is spent on.

    Args:
        data: The curated data; loaded when not given.
        first_year: first year of funding
        last_year: last year of funding
        denominator: victims the funding is divided by: unodc_detected (UNODC), tip (the TIP's government count) or kom
            (KOM's victims followed up)
        base_year: constant kroner of this year (World Bank consumer price inflation, Norway)
        release: GLOTIP release for UNODC's counts: first (2023) or latest (2025)
    """
    years = list(range(first_year, last_year + 1))
    lines = funding_by_year(data.figures, data.sources, years)
    totals = lines.groupby("year").nok.sum().reindex(years)
    reported = totals.dropna()
    index = price_index(data.world_bank, "NOR", years, base_year)
    amounts = per_victim(totals, counts_by_year(data, years, release), index, base_year)
    # UNODC's count on each release alone: the years where the two write it differently, each with both values
    releases, revised = _revised(data, years)
    amounts["main"] = amounts["count"] == denominator
    chosen = amounts[amounts.main].reset_index(drop=True)
    both = chosen.dropna(subset=["nok_per_victim"])
    spans = _spans(amounts)
    per_year = lines.groupby("year").size().reindex(years, fill_value=0)
    wide = _wide(amounts, chosen).assign(base_year=base_year, denominator=denominator)
    story = words.render(__name__, {
        "years": [{"year": year, "nok": totals.loc[year],
                   "counts": list(amounts[amounts.year == year].itertuples())} for year in years],
        "measure": DENOMINATORS[denominator], "who": COUNTS[denominator], "counts": COUNTS,
        "base_year": base_year, "lines_named": list(per_year.items()), "first_total": reported.iloc[0],
        "first_total_year": reported.index[0], "last_total": reported.iloc[-1], "last_total_year": reported.index[-1],
        "first": spans[0] if spans else None, "last": spans[-1] if spans else None,
        "spread": any(s["low"] != s["high"] for s in spans), "revised": revised, "releases": releases})
    price_ids = [i for cell in chosen.price_ids for i in cell]
    victim_ids = [i for cell in amounts.victims_ids for i in cell]
    ids = [*lines.id, *victim_ids, *price_ids]

    return Result(
        title=story.title,
        table=lines.merge(wide, on="year", how="outer"),
        facts={"totals": {int(y): (None if pd.isna(v) else float(v)) for y, v in totals.items()},
               "per_victim": _by_year(both, "nok_per_victim"),
               "per_victim_constant": _by_year(both, "nok_per_victim_constant"),
               "per_victim_constant_first": float(both.nok_per_victim_constant.iloc[0]) if len(both) else float("nan"),
               "per_victim_by_count": {key: _by_year(amounts[amounts["count"] == key], "nok_per_victim")
                                       for key in DENOMINATORS},
               "per_victim_constant_by_count": {key: _by_year(amounts[amounts["count"] == key],
                                                             "nok_per_victim_constant") for key in DENOMINATORS},
               "per_victim_constant_range": {s["year"]: (s["low"], s["high"]) for s in spans},
               "base_year": base_year, "denominator": denominator,
               "derivations": per_victim_08(data, lines, totals, amounts, base_year)},
        figure_ids=tuple(dict.fromkeys(ids)),
        sources=sources_of(data.figures, data.sources, ids, data.glotip, world_bank=data.world_bank),
        summary=story.summary,
        closing=story.closing,
        caveats=story.caveats,
        tables={"totals": totals.rename("nok").rename_axis("year").reset_index(), "per_victim": amounts},
    )
