"""Notebook 08: the funding lines in kroner that the TIP editions report, year by year, and per victim in current and constant kroner."""

from __future__ import annotations

import pandas as pd

from ..data import Dataset, choose_vintage, sources_of
from ..data.vintages import choose_release
from ..data.world_bank import price_index
from .result import Prose, Result, analysis_of, one_of, year_range
from .series_conviction_gap import victims_per_year
from .uncertainty import WHAT_INTERVALS_COVER, ci_label, confidence_problems, count_interval, shown_interval, unreliable
from .unodc import RELEASES, yearly_counts

#: The victim counts funding can be divided by.
DENOMINATORS = {"unodc_detected": "victims detected (UNODC)", "tip": "victims in the TIP's government count"}


def _money(figures: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    chosen = choose_vintage(figures, sources, "latest")
    return chosen[(chosen.metric == "funding_allocated") & (chosen.unit == "NOK") & (chosen.series == "TIP")
                  & (chosen.period_start == chosen.period_end) & chosen.value.notna()]


def _check(data: Dataset, p: dict) -> list[str]:
    money = data.figures[(data.figures.metric == "funding_allocated") & data.figures.value.notna()]
    problems = (year_range("first_year", p["first_year"], "last_year", p["last_year"], money.period_start)
                + one_of("denominator", p["denominator"], DENOMINATORS) + one_of("release", p["release"], RELEASES)
                + confidence_problems("confidence", p["confidence"]))
    if not problems and data.world_bank is not None:
        try:
            price_index(data.world_bank, "NOR", list(range(p["first_year"], p["last_year"] + 1)), p["base_year"])
        except LookupError as error:
            problems.append(f"base_year: {error}")
    return problems


def funding_by_year(figures: pd.DataFrame, sources: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Funding lines in NOK by year as the TIP editions report them (the latest edition where restated)."""
    money = _money(figures, sources)
    money = money[money.period_start.isin(years)]
    table = money[["period_start", "item", "value", "report_year", "id"]].rename(columns={"period_start": "year", "value": "nok"})
    return table.sort_values(["year", "item"], ignore_index=True)


def victims_by_year(data: Dataset, years: list[int], denominator: str, release: str) -> pd.DataFrame:
    """The victim count of each year by ``denominator``: ``victims``, ``hedge``, ``victims_ids`` and, where none, ``missing_reason``."""
    if denominator == "tip":
        tip = victims_per_year(data.figures, data.sources, years)
        return pd.DataFrame({"year": years, "victims": tip.victims.to_numpy(), "hedge": tip.hedge.to_numpy(),
                             "victims_ids": list(tip.ids), "missing_reason": tip.missing_reason.to_numpy()})
    counts = yearly_counts(choose_release(data.glotip, release), "NOR", "victims_detected", years)
    exact = counts.low == counts.high  # a "<5" count of victims would make the amount per victim a range; none stands 2014-2018
    return pd.DataFrame({"year": years, "victims": counts.low.where(exact).to_numpy(), "hedge": ["exact"] * len(years),
                         "victims_ids": [(i,) if isinstance(i, str) else () for i in counts.id],
                         "missing_reason": [None if isinstance(w, str) else "not reported to UNODC" for w in counts.written]})


def per_victim(totals: pd.Series, victims: pd.DataFrame, index: pd.DataFrame, base_year: int, confidence: float) -> pd.DataFrame:
    """Each year's total NOK per victim, in current kroner and in kroner of ``base_year``, with the interval of the victim count.

    The amounts are taken as known; the interval divides them by the exact
    (Garwood) Poisson interval of the year's victim count.
    """
    table = victims.set_index("year").join(totals.rename("nok")).join(index.set_index("year")[["index", "ids"]].rename(
        columns={"ids": "price_ids"}))
    table["nok_per_victim"] = table.nok / table.victims.where(table.victims > 0)
    chance = [count_interval((v, v), confidence) if not pd.isna(v) else (float("nan"), float("nan")) for v in table.victims]
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
#: (see analysis.regenerate.incremental; tests/test_incremental.py runs it and checks).
READS = ("figures", "glotip", "sources", "world_bank")


@analysis_of("08_series_funding", _check, glotip=True, world_bank=True,
             headline=("per_victim_constant_first", "NOK per victim in the first year with both, constant kroner of {base_year}"))
def analyse(data: Dataset, first_year: int = 2014, last_year: int = 2018, denominator: str = "unodc_detected", base_year: int = 2018,
            release: str = "latest", confidence: float = 0.95) -> Result:
    """The lines each year and their total, and the total per victim in current and constant kroner; a year without lines is "none
    reported", not zero, and a year without a victim count has no amount per victim.

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
    label = ci_label(confidence)
    both = amounts.dropna(subset=["nok_per_victim"])
    measure = DENOMINATORS[denominator]
    rows = [f"- {r.year}: " + ("none reported" if pd.isna(r.nok) else f"NOK {r.nok / 1e6:.2f} million")
            + ("" if pd.isna(r.victims) else f" over {'about ' if r.hedge == 'approximately' else ''}{r.victims:,.0f} {measure}")
            + ("" if pd.isna(r.nok_per_victim) else
               f" = NOK {r.nok_per_victim:,.0f} per victim ({label} {shown_interval((r.ci_low, r.ci_high))}), "
               f"NOK {r.nok_per_victim_constant:,.0f} in {base_year} kroner ({shown_interval((r.ci_low_constant, r.ci_high_constant))})")
            + (f"; no amount per victim: {r.missing_reason}" if pd.isna(r.victims) and not pd.isna(r.nok) else "")
            for r in amounts.itertuples()]
    per_year = lines.groupby("year").size().reindex(years, fill_value=0)
    counts = "lines named: " + ", ".join(f"{y}: {n}" for y, n in per_year.items())
    summary = ("Reported lines, total per year, and per victim:\n" + "\n".join(rows)
               + f"\n\nConstant kroner of {base_year}: a consumer price index chained from the World Bank's annual inflation for Norway "
               f"(a percentage change on the year before, not an index level), equal to 1 in {base_year}. The lines the TIP names "
               f"change in scope from edition to edition ({counts}; their items are in the table), so the "
               "series follows what the TIP names, not what Norway spent; a rise or fall may be a change of scope. "
               "The interval of an amount per victim comes from the victim count alone, the amounts taken as known. "
               + WHAT_INTERVALS_COVER)
    title = (f"Funding lines the TIP names: NOK {reported.iloc[0] / 1e6:.1f} million for {reported.index[0]}, "
             f"NOK {reported.iloc[-1] / 1e6:.1f} million for {reported.index[-1]}")
    if len(both):
        first, last = both.iloc[0], both.iloc[-1]
        title += (f"; per {measure.split(' (')[0].replace('victims', 'victim')}, NOK {first.nok_per_victim_constant:,.0f} ({first.year}) "
                  + (f"to {last.nok_per_victim_constant:,.0f} ({last.year}) " if last.year != first.year else "")
                  + f"in {base_year} kroner, lines of changing scope")
    price_ids = [i for cell in amounts.price_ids for i in cell]
    victim_ids = [i for cell in amounts.victims_ids for i in cell]
    ids = [*lines.id, *victim_ids, *price_ids]
    return Result(
        title=title,
        table=lines.merge(amounts[["year", "nok", "victims", "hedge", "nok_per_victim", "ci_low", "ci_high", "nok_per_victim_constant",
                                   "ci_low_constant", "ci_high_constant", "unreliable", "base_year"]].rename(
                                       columns={"nok": "year_total_nok", "hedge": "victims_hedge"}), on="year", how="outer"),
        facts={"totals": {int(y): (None if pd.isna(v) else float(v)) for y, v in totals.items()},
               "per_victim": {int(r.year): float(r.nok_per_victim) for r in both.itertuples()},
               "per_victim_ci": {int(r.year): (float(r.ci_low), float(r.ci_high)) for r in both.itertuples()},
               "per_victim_constant": {int(r.year): float(r.nok_per_victim_constant) for r in both.itertuples()},
               "per_victim_constant_first": float(both.nok_per_victim_constant.iloc[0]) if len(both) else float("nan"),
               "base_year": base_year, "denominator": denominator, "confidence": confidence},
        figure_ids=tuple(dict.fromkeys(ids)),
        sources=sources_of(data.figures, data.sources, ids, data.glotip, world_bank=data.world_bank),
        summary=Prose(summary),
        tables={"totals": totals.rename("nok").rename_axis("year").reset_index(), "per_victim": amounts},
    )
