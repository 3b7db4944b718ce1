"""Notebook 11: forced labour's share among detected victims against its share among persons convicted.

Year by year, from UNODC's counts.
"""

from __future__ import annotations

from typing import Annotated

import pandas as pd

from ..data import Dataset, sources_of
from ..data.flags import of_ids, value_flags
from ..data.vintages import choose_release, each_release, last_common_year
from . import words
from .count_models import pooled_share
from .domains import CONFIDENCE, Flag, OneOf, Range
from .intervals import share, shown
from .reliability import share_unreliable
from .result import Result, analysis_of
from .uncertainty import (
    compare_shares,
    pooled,
    share_interval,
    shown_interval,
)
from .unodc import RELEASES, yearly_counts
from .unodc_derivations import yearly_shares

STAGES = {"victims_detected": "detected victims", "persons_convicted": "persons convicted"}


def _norway_years(data: Dataset, p: dict) -> list[int]:
    """The years UNODC counts Norway in (none without UNODC's counts)."""
    return [] if data.glotip is None else list(data.glotip[data.glotip.iso3 == "NOR"].year)


YEARS = Range("first_year", "last_year", _norway_years)


def labor_shares(glotip: pd.DataFrame, breaks: pd.DataFrame, years: list[int], release: str, include_flagged: bool,
                 confidence: float = 0.95) -> pd.DataFrame:
    """Per year and stage: forced labour's count, the total, and labour's share.

    The share is given as a range (censoring) and with its Wilson interval
    (chance), and is marked ``unreliable`` by NCHS's standard for proportions
    (:mod:`.reliability`) when it is for any value a '<5' count may take.
    ``labor_flags`` and ``total_flags`` hold the flags of the two counts (:mod:`analysis.data.flags`, from the
    curated ``breaks`` and the data).
    """
    chosen = choose_release(glotip, release, include_flagged)
    flags = value_flags(glotip, breaks, chosen)
    rows = []
    for metric, stage in STAGES.items():
        labor = yearly_counts(chosen, "NOR", metric, years, form="labor")
        total = yearly_counts(chosen, "NOR", metric, years)
        for counts in (labor, total):
            counts["flags"] = of_ids(flags, counts.id)[0]
        for lab, tot in zip(labor.itertuples(), total.itertuples(), strict=True):
            low, high = share((lab.low, lab.high), (tot.low, tot.high))
            ci_low, ci_high = share_interval((lab.low, lab.high), (tot.low, tot.high), confidence)
            rows.append({"year": lab.year, "stage": stage, "labor": lab.written, "labor_flags": lab.flags,
                         "total": tot.written, "total_flags": tot.flags, "share_low": low,
                         "share_high": high,
                         "share": shown((low, high), percent=True), "share_ci_low": ci_low, "share_ci_high": ci_high,
                         "unreliable": share_unreliable((lab.low, lab.high), (tot.low, tot.high)) and not pd.isna(low),
                         "ids": tuple(i for i in (lab.id, tot.id) if isinstance(i, str))})
    return pd.DataFrame(rows)


def yearly_bounds(shares: pd.DataFrame, glotip: pd.DataFrame) -> dict[str, tuple[list, list]]:
    """Per stage, over the years where both counts are given: each year's bounds of labour's count and of the total."""
    bounds = glotip.set_index("id")[["count_low", "count_high"]]
    return {stage: tuple([tuple(float(v) for v in bounds.loc[ids[i]]) for ids in rows.ids] for i in (0, 1))
            for stage, rows in shares.dropna(subset=["share_low"]).groupby("stage")}


def pooled_counts(shares: pd.DataFrame,
                  glotip: pd.DataFrame) -> dict[str, tuple[tuple[float, float], tuple[float, float]]]:
    """Per stage, over every year where both counts are given: the bounds of labour's count and of the total, summed."""
    bounds = glotip.set_index("id")[["count_low", "count_high"]]
    result = {}
    for stage, rows in shares.dropna(subset=["share_low"]).groupby("stage"):
        labor, total = ([tuple(bounds.loc[ids[i]]) for ids in rows.ids] for i in (0, 1))
        result[stage] = (pooled(labor), pooled(total))
    return result


def _on_each_release(data: Dataset, years: list[int], include_flagged: bool, confidence: float) -> dict:
    """Fisher's test of the two pooled shares on each release alone, over the years both releases cover: its verdict.

    None for a release that leaves a stage without a share.
    """
    last_common = last_common_year(data.glotip)
    on_release = {}
    for source_id, rows in each_release(data.glotip).items():
        alone = labor_shares(rows, data.series_breaks, [y for y in years if y <= last_common], "latest",
                             include_flagged, confidence)
        sums = pooled_counts(alone, data.glotip)
        on_release[source_id] = (compare_shares(*sums["detected victims"], *sums["persons convicted"],
                                                confidence).verdict
                                 if all(stage in sums for stage in STAGES.values()) else None)
    return on_release


def _by_year(shares: pd.DataFrame) -> pd.DataFrame:
    """The table the notebook shows: one row a year, each stage's share and its interval as printed."""
    wide = shares.pivot(index="year", columns="stage", values="share").reset_index()
    wide = wide.rename(columns={"detected victims": "share_of_victims", "persons convicted": "share_of_convicted"})
    wide.columns.name = None
    cis = shares.assign(ci=[shown_interval((r.share_ci_low, r.share_ci_high), percent=True)
                            for r in shares.itertuples()])
    wide_ci = cis.pivot(index="year", columns="stage", values="ci")
    wide["ci_of_victims"] = wide.year.map(wide_ci["detected victims"])
    wide["ci_of_convicted"] = wide.year.map(wide_ci["persons convicted"])
    return wide


def _crossing(shares: pd.DataFrame) -> list[tuple[str, int]]:
    """Each stage whose pooled share crosses a break in its series (flag b), with the break's first year."""
    broken = shares[shares.total_flags.str.contains("b") & shares.share_low.notna()]
    return [(stage, int(rows.year.min())) for stage, rows in broken.groupby("stage", sort=False)
            if rows.year.min() > shares[(shares.stage == stage) & shares.share_low.notna()].year.min()]


@analysis_of(headline=("pooled.detected victims", "forced labour's share of detected victims, pooled"))
def analyse(data: Dataset, first_year: Annotated[int, YEARS] = 2007, last_year: Annotated[int, YEARS] = 2022,
            release: Annotated[str, OneOf(RELEASES)] = "latest", include_flagged: Annotated[bool, Flag()] = False,
            confidence: Annotated[float, CONFIDENCE] = 0.95) -> Result:
    """Forced labour's share of detected victims and of persons convicted in Norway, by year and pooled.

    Each share comes with its Wilson interval.

    Args:
        data: The curated data; loaded when not given.
        first_year: first calendar year
        last_year: last calendar year
        release: GLOTIP release to use where both give a count: first (2023) or latest (2025)
        include_flagged: keep GLOTIP rows the quality checks flag (left out by default)
        confidence: level of the intervals for chance, strictly between 0 and 1
    """
    years = list(range(first_year, last_year + 1))
    shares = labor_shares(data.glotip, data.series_breaks, years, release, include_flagged, confidence)
    counts = pooled_counts(shares, data.glotip)
    together = {stage: share(labor, total) for stage, (labor, total) in counts.items()}
    chance = {stage: share_interval(labor, total, confidence) for stage, (labor, total) in counts.items()}
    shaky_pooled = {stage: share_unreliable(labor, total) for stage, (labor, total) in counts.items()}
    # The years' shares vary more than one binomial sample's would: the quasi-binomial interval, where no count is '<5'
    spread = {stage: pooled_share(labor, total, confidence)
              for stage, (labor, total) in yearly_bounds(shares, data.glotip).items()}
    # The comparison on each release alone, over the years both releases cover: a verdict stands if both give it
    on_release = _on_each_release(data, years, include_flagged, confidence)
    nan = (float("nan"), float("nan"))
    victims, convicted = (together.get(stage, nan) for stage in STAGES.values())
    victims_ci, convicted_ci = (chance.get(stage, nan) for stage in STAGES.values())
    both = all(stage in counts for stage in STAGES.values())
    compared = compare_shares(*counts["detected victims"], *counts["persons convicted"], confidence) if both else None
    wide = _by_year(shares)
    counted = {stage: len(rows.dropna(subset=["share_low"])) for stage, rows in shares.groupby("stage")}
    # How many yearly shares of each stage are unreliable by NCHS's standard for proportions.
    shaky = [{"stage": stage, "unreliable": int(rows.unreliable.sum()), "years": len(rows)}
             for stage, rows in shares.dropna(subset=["share_low"]).groupby("stage", sort=False)]
    crossing = _crossing(shares)
    story = words.render(__name__, {
        "crossing": crossing, "release": release, "include_flagged": include_flagged, "first_year": first_year,
        "last_year": last_year,
        "confidence": confidence, "by_year": list(wide.itertuples()), "victims": victims, "convicted": convicted,
        "victims_ci": victims_ci, "convicted_ci": convicted_ci, "victims_years": counted.get("detected victims", 0),
        "convicted_years": counted.get("persons convicted", 0), "compared": compared, "shaky": shaky,
        "shaky_pooled": shaky_pooled, "spread": spread, "on_release": on_release,
        "releases_agree": compared is not None and all(v == compared.verdict for v in on_release.values())})
    ids = [i for cell in shares.ids for i in cell]
    return Result(
        title=story.title,
        table=shares,
        facts={"pooled": together, "pooled_ci": chance, "pooled_unreliable": shaky_pooled,
               "years_with_share": counted, "confidence": confidence,
               "verdict": None if compared is None else compared.verdict,
               "p_value": None if compared is None else compared.p_value,
               "p_range": None if compared is None else tuple(float(v) for v in compared.p_range),
               "verdict_on_each_release": on_release, "derivations": yearly_shares(data, shares, confidence),
               "pooled_quasi_binomial": {stage: None if s is None else {"share": s.share, "ci": (s.low, s.high),
                                                                        "dispersion": s.dispersion}
                                         for stage, s in spread.items()}},
        figure_ids=tuple(dict.fromkeys(ids)),
        sources=sources_of(data.figures, data.sources, ids, data.glotip),
        summary=story.summary,
        closing=story.closing,
        caveats=story.caveats,
        tables={"by_year": wide},
    )
