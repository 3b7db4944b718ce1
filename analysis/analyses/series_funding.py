"""Notebook 08: the funding lines in kroner that the TIP editions report, year by year."""

from __future__ import annotations

import pandas as pd

from ..data import Dataset, choose_vintage, sources_of
from .result import Prose, Result, analysis_of, year_range


def _money(figures: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    chosen = choose_vintage(figures, sources, "latest")
    return chosen[(chosen.metric == "funding_allocated") & (chosen.unit == "NOK") & (chosen.series == "TIP")
                  & (chosen.period_start == chosen.period_end) & chosen.value.notna()]


def _check(data: Dataset, p: dict) -> list[str]:
    money = data.figures[(data.figures.metric == "funding_allocated") & data.figures.value.notna()]
    return year_range("first_year", p["first_year"], "last_year", p["last_year"], money.period_start)


def funding_by_year(figures: pd.DataFrame, sources: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Funding lines in NOK by year as the TIP editions report them (the latest edition where restated)."""
    money = _money(figures, sources)
    money = money[money.period_start.isin(years)]
    table = money[["period_start", "item", "value", "report_year", "id"]].rename(columns={"period_start": "year", "value": "nok"})
    return table.sort_values(["year", "item"], ignore_index=True)


@analysis_of("08_series_funding", _check)
def analyse(data: Dataset, first_year: int = 2014, last_year: int = 2018) -> Result:
    """The lines each year and their total; a year without any is "none reported", not zero."""
    years = list(range(first_year, last_year + 1))
    lines = funding_by_year(data.figures, data.sources, years)
    totals = lines.groupby("year").nok.sum().reindex(years)
    reported = totals.dropna()
    summary = "Reported lines, total per year: " + "; ".join(
        f"{y}: NOK {v / 1e6:.2f} million" if not pd.isna(v) else f"{y}: none reported" for y, v in totals.items())
    return Result(
        title=f"Funding lines the TIP names: NOK {reported.iloc[0] / 1e6:.1f} million for {reported.index[0]}, "
              f"NOK {reported.iloc[-1] / 1e6:.1f} million for {reported.index[-1]}",
        table=lines,
        facts={"totals": {int(y): (None if pd.isna(v) else float(v)) for y, v in totals.items()}},
        figure_ids=tuple(lines.id),
        sources=sources_of(data.figures, data.sources, lines.id),
        summary=Prose(summary),
        tables={"totals": totals.rename("nok").rename_axis("year").reset_index()},
    )
