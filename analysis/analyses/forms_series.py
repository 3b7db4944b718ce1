"""Notebook 11: forced labour's share among detected victims against its share among persons convicted, year by year (UNODC)."""

from __future__ import annotations

import pandas as pd

from ..data import Dataset, sources_of
from ..data.vintages import choose_release
from .intervals import share, shown
from .result import Prose, Result, analysis_of, one_of, year_range
from .unodc import RELEASES, yearly_counts

STAGES = {"victims_detected": "detected victims", "persons_convicted": "persons convicted"}


def _check(data: Dataset, p: dict) -> list[str]:
    years = [] if data.glotip is None else data.glotip[data.glotip.iso3 == "NOR"].year
    return one_of("release", p["release"], RELEASES) + (
        year_range("first_year", p["first_year"], "last_year", p["last_year"], years) if len(years) else [])


def labor_shares(glotip: pd.DataFrame, years: list[int], release: str, include_flagged: bool) -> pd.DataFrame:
    """Per year and stage: forced labour's count, the total, and labour's share of it as an interval."""
    chosen = choose_release(glotip, release, include_flagged)
    rows = []
    for metric, stage in STAGES.items():
        labor = yearly_counts(chosen, "NOR", metric, years, form="labor")
        total = yearly_counts(chosen, "NOR", metric, years)
        for lab, tot in zip(labor.itertuples(), total.itertuples(), strict=True):
            low, high = share((lab.low, lab.high), (tot.low, tot.high))
            rows.append({"year": lab.year, "stage": stage, "labor": lab.written, "total": tot.written, "share_low": low, "share_high": high,
                         "share": shown((low, high), percent=True), "ids": tuple(i for i in (lab.id, tot.id) if isinstance(i, str))})
    return pd.DataFrame(rows)


def pooled(shares: pd.DataFrame, glotip: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Labour's share of each stage over every year where both counts are given: summed counts, as an interval."""
    bounds = glotip.set_index("id")[["count_low", "count_high"]]
    result = {}
    for stage, rows in shares.dropna(subset=["share_low"]).groupby("stage"):
        labor = [bounds.loc[ids[0]] for ids in rows.ids]
        total = [bounds.loc[ids[1]] for ids in rows.ids]
        result[stage] = share((sum(b.count_low for b in labor), sum(b.count_high for b in labor)),
                               (sum(b.count_low for b in total), sum(b.count_high for b in total)))
    return result


@analysis_of("11_labor_share_series", _check, glotip=True, headline=("pooled.detected victims", "forced labour's share of detected victims, pooled"))
def analyse(data: Dataset, first_year: int = 2007, last_year: int = 2022, release: str = "latest", include_flagged: bool = False) -> Result:
    """Forced labour's share of detected victims and of persons convicted in Norway, by year and pooled."""
    years = list(range(first_year, last_year + 1))
    shares = labor_shares(data.glotip, years, release, include_flagged)
    together = pooled(shares, data.glotip)
    victims, convicted = (together.get(stage, (float("nan"), float("nan"))) for stage in STAGES.values())
    wide = shares.pivot(index="year", columns="stage", values="share").reset_index()
    wide = wide.rename(columns={"detected victims": "share_of_victims", "persons convicted": "share_of_convicted"})
    wide.columns.name = None
    lines = [f"- {r.year}: {r.share_of_victims} of detected victims, {r.share_of_convicted} of persons convicted" for r in wide.itertuples()]
    counted = {stage: len(rows.dropna(subset=["share_low"])) for stage, rows in shares.groupby("stage")}
    summary = (f"Forced labour's share (UNODC, {release} release{'' if include_flagged else ', flagged rows left out'}), "
               f"{first_year}-{last_year}:\n" + "\n".join(lines)
               + f"\n\nPooled over the years with both counts: {shown(victims, percent=True)} of detected victims "
               f"({counted.get('detected victims', 0)} years), {shown(convicted, percent=True)} of persons convicted "
               f"({counted.get('persons convicted', 0)} years). A share with a '<5' count is a range; n/a: a count not reported.")
    ids = [i for cell in shares.ids for i in cell]
    return Result(
        title=f"Forced labour: {shown(victims, percent=True)} of detected victims, {shown(convicted, percent=True)} of persons convicted "
              f"in Norway, {first_year}-{last_year} pooled",
        table=shares,
        facts={"pooled": together, "years_with_share": counted},
        figure_ids=tuple(dict.fromkeys(ids)),
        sources=sources_of(data.figures, data.sources, ids, data.glotip),
        summary=Prose(summary),
        tables={"by_year": wide},
    )
