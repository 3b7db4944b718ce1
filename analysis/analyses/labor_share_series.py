"""Notebook 11: forced labour's share among detected victims against its share among persons convicted, year by year (UNODC)."""

from __future__ import annotations

import pandas as pd

from ..data import Dataset, sources_of
from ..data.vintages import choose_release
from .intervals import share, shown
from .result import Prose, Result, analysis_of, one_of, year_range
from .uncertainty import (
    RELIABLE_EVENTS,
    WHAT_INTERVALS_COVER,
    ci_label,
    compare_shares,
    confidence_problems,
    pooled,
    share_interval,
    shown_interval,
    shown_p,
    unreliable,
)
from .unodc import RELEASES, yearly_counts

STAGES = {"victims_detected": "detected victims", "persons_convicted": "persons convicted"}


def _check(data: Dataset, p: dict) -> list[str]:
    years = [] if data.glotip is None else data.glotip[data.glotip.iso3 == "NOR"].year
    return one_of("release", p["release"], RELEASES) + confidence_problems("confidence", p["confidence"]) + (
        year_range("first_year", p["first_year"], "last_year", p["last_year"], years) if len(years) else [])


def labor_shares(glotip: pd.DataFrame, years: list[int], release: str, include_flagged: bool, confidence: float = 0.95) -> pd.DataFrame:
    """Per year and stage: forced labour's count, the total, labour's share as a range (censoring) and its Wilson interval (chance)."""
    chosen = choose_release(glotip, release, include_flagged)
    rows = []
    for metric, stage in STAGES.items():
        labor = yearly_counts(chosen, "NOR", metric, years, form="labor")
        total = yearly_counts(chosen, "NOR", metric, years)
        for lab, tot in zip(labor.itertuples(), total.itertuples(), strict=True):
            low, high = share((lab.low, lab.high), (tot.low, tot.high))
            ci_low, ci_high = share_interval((lab.low, lab.high), (tot.low, tot.high), confidence)
            rows.append({"year": lab.year, "stage": stage, "labor": lab.written, "total": tot.written, "share_low": low, "share_high": high,
                         "share": shown((low, high), percent=True), "share_ci_low": ci_low, "share_ci_high": ci_high,
                         "unreliable": unreliable((lab.low, lab.high), (tot.low, tot.high)) and not pd.isna(low),
                         "ids": tuple(i for i in (lab.id, tot.id) if isinstance(i, str))})
    return pd.DataFrame(rows)


def pooled_counts(shares: pd.DataFrame, glotip: pd.DataFrame) -> dict[str, tuple[tuple[float, float], tuple[float, float]]]:
    """Per stage, over every year where both counts are given: the bounds of labour's count and of the total, summed."""
    bounds = glotip.set_index("id")[["count_low", "count_high"]]
    result = {}
    for stage, rows in shares.dropna(subset=["share_low"]).groupby("stage"):
        labor, total = ([tuple(bounds.loc[ids[i]]) for ids in rows.ids] for i in (0, 1))
        result[stage] = (pooled(labor), pooled(total))
    return result


def _shaky(shares: pd.DataFrame) -> str:
    """How many yearly shares of each stage rest on fewer than :data:`RELIABLE_EVENTS` events."""
    parts = []
    for stage, rows in shares.dropna(subset=["share_low"]).groupby("stage", sort=False):
        parts.append(f"{int(rows.unreliable.sum())} of {len(rows)} yearly shares of {stage}")
    return (f"Resting on fewer than {RELIABLE_EVENTS} events, so unreliable on their own: " + "; ".join(parts) + ".") if parts else ""


#: The tables of the data this analysis reads: its notebook is run again when one of their files changes
#: (see analysis.regenerate.incremental; tests/test_incremental.py runs it and checks).
READS = ("figures", "glotip", "sources")


@analysis_of("11_labor_share_series", _check, glotip=True, headline=("pooled.detected victims", "forced labour's share of detected victims, pooled"))
def analyse(data: Dataset, first_year: int = 2007, last_year: int = 2022, release: str = "latest", include_flagged: bool = False,
            confidence: float = 0.95) -> Result:
    """Forced labour's share of detected victims and of persons convicted in Norway, by year and pooled, with Wilson intervals."""
    years = list(range(first_year, last_year + 1))
    shares = labor_shares(data.glotip, years, release, include_flagged, confidence)
    counts = pooled_counts(shares, data.glotip)
    together = {stage: share(labor, total) for stage, (labor, total) in counts.items()}
    chance = {stage: share_interval(labor, total, confidence) for stage, (labor, total) in counts.items()}
    nan = (float("nan"), float("nan"))
    victims, convicted = (together.get(stage, nan) for stage in STAGES.values())
    victims_ci, convicted_ci = (chance.get(stage, nan) for stage in STAGES.values())
    both = all(stage in counts for stage in STAGES.values())
    compared = compare_shares(*counts["detected victims"], *counts["persons convicted"], confidence) if both else None
    label = ci_label(confidence)
    wide = shares.pivot(index="year", columns="stage", values="share").reset_index()
    wide = wide.rename(columns={"detected victims": "share_of_victims", "persons convicted": "share_of_convicted"})
    wide.columns.name = None
    cis = shares.assign(ci=[shown_interval((r.share_ci_low, r.share_ci_high), percent=True) for r in shares.itertuples()])
    wide_ci = cis.pivot(index="year", columns="stage", values="ci")
    wide["ci_of_victims"] = wide.year.map(wide_ci["detected victims"])
    wide["ci_of_convicted"] = wide.year.map(wide_ci["persons convicted"])
    lines = [f"- {r.year}: {r.share_of_victims}" + ("" if r.ci_of_victims == "n/a" else f" ({label} {r.ci_of_victims})")
             + f" of detected victims, {r.share_of_convicted}" + ("" if r.ci_of_convicted == "n/a" else f" ({label} {r.ci_of_convicted})")
             + " of persons convicted" for r in wide.itertuples()]
    counted = {stage: len(rows.dropna(subset=["share_low"])) for stage, rows in shares.groupby("stage")}
    verdict = ("" if compared is None else
               f" The two pooled shares {'differ' if compared.differs else 'do not differ'} beyond chance "
               f"(Fisher's exact test, {shown_p(compared.p_value)}, the largest over the values the '<5' counts may take).")
    summary = (f"Forced labour's share (UNODC, {release} release{'' if include_flagged else ', flagged rows left out'}), "
               f"{first_year}-{last_year}, with Wilson {label}s:\n" + "\n".join(lines)
               + f"\n\nPooled over the years with both counts: {shown(victims, percent=True)} ({label} {shown_interval(victims_ci, percent=True)}) "
               f"of detected victims ({counted.get('detected victims', 0)} years), {shown(convicted, percent=True)} "
               f"({label} {shown_interval(convicted_ci, percent=True)}) of persons convicted ({counted.get('persons convicted', 0)} years)."
               + verdict + " A share with a '<5' count is a range, and its interval spans every value the count may take; n/a: a count "
               "not reported. " + _shaky(shares) + "\n\n"
               + WHAT_INTERVALS_COVER)
    ids = [i for cell in shares.ids for i in cell]
    title = (f"Forced labour: {shown(victims, percent=True)} of detected victims, {shown(convicted, percent=True)} of persons convicted "
             f"in Norway, {first_year}-{last_year} pooled")
    if compared is not None:
        title += (f"; {'a difference beyond chance' if compared.differs else 'no difference beyond chance'} "
                  f"({label} {shown_interval(victims_ci, percent=True)} and {shown_interval(convicted_ci, percent=True)})")
    return Result(
        title=title,
        table=shares,
        facts={"pooled": together, "pooled_ci": chance, "years_with_share": counted, "confidence": confidence,
               "differ": None if compared is None else compared.differs, "p_value": None if compared is None else compared.p_value},
        figure_ids=tuple(dict.fromkeys(ids)),
        sources=sources_of(data.figures, data.sources, ids, data.glotip),
        summary=Prose(summary),
        tables={"by_year": wide},
    )
