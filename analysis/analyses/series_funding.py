"""Notebook 08: the funding lines in kroner that the TIP editions report, year by year.

Also per victim, in current and constant kroner.
"""

from __future__ import annotations

from typing import Annotated

import pandas as pd

from ..data import Dataset, choose_vintage, sources_of
from ..data.vintages import choose_release
from ..data.world_bank import price_index
from . import words
from .domains import CONFIDENCE, Holds, OneOf, Range
from .result import Result, analysis_of
from .series_conviction_gap import victims_per_year
from .uncertainty import count_interval, unreliable
from .unodc import RELEASES, yearly_counts

#: The victim counts funding can be divided by.
DENOMINATORS = {"unodc_detected": "victims detected (UNODC)", "tip": "victims in the TIP's government count"}


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


def victims_by_year(data: Dataset, years: list[int], denominator: str, release: str) -> pd.DataFrame:
    """The victim count of each year by ``denominator``.

    ``victims``, ``hedge``, ``victims_ids`` and, where none, ``missing_reason``.
    """
    if denominator == "tip":
        tip = victims_per_year(data.figures, data.sources, years)
        return pd.DataFrame({"year": years, "victims": tip.victims.to_numpy(), "hedge": tip.hedge.to_numpy(),
                             "victims_ids": list(tip.ids), "missing_reason": tip.missing_reason.to_numpy()})
    counts = yearly_counts(choose_release(data.glotip, release), "NOR", "victims_detected", years)
    # a "<5" count of victims would make the amount per victim a range; none stands 2014-2018
    exact = counts.low == counts.high
    return pd.DataFrame({"year": years, "victims": counts.low.where(exact).to_numpy(), "hedge": ["exact"] * len(years),
                         "victims_ids": [(i,) if isinstance(i, str) else () for i in counts.id],
                         "missing_reason": [None if isinstance(w, str) else "not reported to UNODC"
                                            for w in counts.written]})


def per_victim(totals: pd.Series, victims: pd.DataFrame, index: pd.DataFrame, base_year: int,
               confidence: float) -> pd.DataFrame:
    """Each year's total NOK per victim, in current kroner and in kroner of ``base_year``.

    Each comes with the interval of the victim count.

    The amounts are taken as known; the interval divides them by the exact
    (Garwood) Poisson interval of the year's victim count.
    """
    table = victims.set_index("year").join(totals.rename("nok")).join(index.set_index("year")[["index", "ids"]].rename(
        columns={"ids": "price_ids"}))
    table["nok_per_victim"] = table.nok / table.victims.where(table.victims > 0)
    chance = [count_interval((v, v), confidence) if not pd.isna(v) else (float("nan"), float("nan"))
              for v in table.victims]
    table["ci_low"] = table.nok / [c[1] for c in chance]
    table["ci_high"] = table.nok / [c[0] if c[0] > 0 else float("nan") for c in chance]
    base = float(index.set_index("year").loc[base_year, "index"])
    deflate = base / table["index"]
    for column in ("nok_per_victim", "ci_low", "ci_high"):
        table[f"{column}_constant"] = table[column] * deflate
    table["unreliable"] = [unreliable((v, v)) for v in table.victims]
    table["base_year"] = base_year
    return table.reset_index()


#: The tables of the data this analysis reads: its notebook is run again when one of their files changes
#: (see analysis.regenerate.incremental; tests/regenerate/test_incremental.py runs it and checks).
READS = ("figures", "glotip", "sources", "world_bank")


@analysis_of("08_series_funding", glotip=True, world_bank=True,
             headline=("per_victim_constant_first",
                       "NOK per victim in the first year with both, constant kroner of {base_year}"))
def analyse(data: Dataset, first_year: Annotated[int, YEARS] = 2014, last_year: Annotated[int, YEARS] = 2018,
            denominator: Annotated[str, OneOf(DENOMINATORS)] = "unodc_detected",
            base_year: Annotated[int, Holds(_prices, needs=("first_year", "last_year"))] = 2018,
            release: Annotated[str, OneOf(RELEASES)] = "latest",
            confidence: Annotated[float, CONFIDENCE] = 0.95) -> Result:
    """The lines each year and their total, and the total per victim in current and constant kroner.

    A year without lines is "none reported", not zero, and a year without a victim count has no amount per victim.

    ``denominator``: UNODC's detected victims (``release`` picks the GLOTIP
    release) or the TIP's government count. Constant kroner deflate with a
    price index chained from the World Bank's annual consumer price inflation
    for Norway, equal to 1 in ``base_year``.
    """
    years = list(range(first_year, last_year + 1))
    lines = funding_by_year(data.figures, data.sources, years)
    totals = lines.groupby("year").nok.sum().reindex(years)
    reported = totals.dropna()
    index = price_index(data.world_bank, "NOR", years, base_year)
    victims = victims_by_year(data, years, denominator, release)
    amounts = per_victim(totals, victims, index, base_year, confidence)
    both = amounts.dropna(subset=["nok_per_victim"])
    measure = DENOMINATORS[denominator]
    per_year = lines.groupby("year").size().reindex(years, fill_value=0)
    first, last = (both.iloc[0], both.iloc[-1]) if len(both) else (None, None)
    story = words.render(__name__, {
        "rows": list(amounts.itertuples()), "measure": measure, "base_year": base_year, "confidence": confidence,
        "lines_named": list(per_year.items()), "first_total": reported.iloc[0], "first_total_year": reported.index[0],
        "last_total": reported.iloc[-1], "last_total_year": reported.index[-1], "first": first, "last": last})
    price_ids = [i for cell in amounts.price_ids for i in cell]
    victim_ids = [i for cell in amounts.victims_ids for i in cell]
    ids = [*lines.id, *victim_ids, *price_ids]
    return Result(
        title=story.title,
        table=lines.merge(amounts[["year", "nok", "victims", "hedge", "nok_per_victim", "ci_low", "ci_high",
                                   "nok_per_victim_constant",
                                   "ci_low_constant", "ci_high_constant", "unreliable", "base_year"]].rename(
                                       columns={"nok": "year_total_nok", "hedge": "victims_hedge"}), on="year",
                          how="outer"),
        facts={"totals": {int(y): (None if pd.isna(v) else float(v)) for y, v in totals.items()},
               "per_victim": {int(r.year): float(r.nok_per_victim) for r in both.itertuples()},
               "per_victim_ci": {int(r.year): (float(r.ci_low), float(r.ci_high)) for r in both.itertuples()},
               "per_victim_constant": {int(r.year): float(r.nok_per_victim_constant) for r in both.itertuples()},
               "per_victim_constant_first": float(both.nok_per_victim_constant.iloc[0]) if len(both) else float("nan"),
               "base_year": base_year, "denominator": denominator, "confidence": confidence},
        figure_ids=tuple(dict.fromkeys(ids)),
        sources=sources_of(data.figures, data.sources, ids, data.glotip, world_bank=data.world_bank),
        summary=story.summary,
        closing=story.closing,
        caveats=story.caveats,
        tables={"totals": totals.rename("nok").rename_axis("year").reset_index(), "per_victim": amounts},
    )
