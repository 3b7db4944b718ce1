"""Notebook 12: Norway beside Sweden, Denmark, Finland and Iceland in UNODC's counts.

The counts, their pooling and the comparisons with Norway are in :mod:`~analysis.analyses.nordic_pooling`, the
funnel plots in :mod:`~analysis.analyses.nordic_funnel`; here are the parameters' domains, and the analysis that puts
their results in words and facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import pandas as pd

from ..data import Dataset, sources_of
from ..data.flags import FLAG_CODES
from ..data.glotip import COUNTRIES
from ..data.world_bank import population
from . import words
from .domains import CONFIDENCE, Flag, Holds, OneOf, Range, SomeOf
from .nordic_derivations import country_years as derived_country_years
from .nordic_funnel import FUNNEL_LEVELS, funnel_limits, funnels, population_grid
from .nordic_pooling import (
    CONVICTED_PER,
    FEWEST_YEARS,
    MEASURES,
    VICTIMS_PER,
    against,
    against_each_release,
    by_country,
    counted_years,
    country_years,
    flag_counts,
    pooled,
    years_all_report,
)
from .result import Result, analysis_of
from .uncertainty import DIFFERS, NOT_DETECTED, UNDETERMINED
from .unodc import RELEASES


def _counted_years(data: Dataset, p: dict) -> list[int]:
    """The years UNODC counts any country in (none without UNODC's counts)."""
    return [] if data.glotip is None else list(data.glotip.year)


def _populations(data: Dataset, p: dict) -> None:
    """Raises LookupError when the range cannot give a funnel and rates per inhabitant.

    That is, when the World Bank lacks the population of a country chosen in a year UNODC counts it, or when the
    countries chosen give fewer than :data:`FEWEST_YEARS` country-years of a count (the funnel's target pools them).
    """
    if data.glotip is None or data.world_bank is None:
        return
    population(data.world_bank, list(p["countries"]),
               counted_years(data.glotip, p["countries"], p["first_year"], p["last_year"]))
    table = by_country(data.glotip, list(p["countries"]), list(range(p["first_year"], p["last_year"] + 1)),
                       p["release"], p["include_flagged"])
    for name, what in (("detected", "victims detected"), ("convicted", "persons convicted")):
        given = table.dropna(subset=[f"{name}_low"])
        if len(given) < FEWEST_YEARS:
            raise LookupError(f"the countries chosen give {len(given)} country-year(s) with a count of {what} "
                              f"({', '.join(f'{r.iso3} {r.year}' for r in given.itertuples()) or 'none'}); the "
                              f"funnel and the pooled rates need at least {FEWEST_YEARS}: choose a wider range or "
                              "more countries")


YEARS = Range("first_year", "last_year", _counted_years, holds=_populations,
              needs=("countries", "release", "include_flagged"))


def _enough_common_years(data: Dataset, p: dict) -> None:
    """With ``common_years``, at least :data:`FEWEST_YEARS` years in the range in which every country chosen reports.

    Raises:
        LookupError: Naming the years that are common, and how many each country reports.
    """
    if not p["common_years"] or data.glotip is None:
        return
    years = list(range(p["first_year"], p["last_year"] + 1))
    table = by_country(data.glotip, list(p["countries"]), years, p["release"], p["include_flagged"])
    common = years_all_report(table, list(p["countries"]))
    if len(common) < FEWEST_YEARS:
        have = table.dropna(subset=["detected_low", "convicted_low"]).groupby("iso3").size()
        raise LookupError(
            f"every country chosen reports both counts in {len(common)} year(s) of {p['first_year']}-{p['last_year']}"
            f" ({', '.join(map(str, common)) or 'none'}); pooling needs at least {FEWEST_YEARS}. Years with both "
            f"counts: {', '.join(f'{c} {int(have.get(c, 0))}' for c in p['countries'])}; choose fewer countries or "
            "a wider range, or leave common_years False")


COMMON = Flag() & Holds(_enough_common_years, needs=("first_year", "last_year", "countries", "release",
                                                       "include_flagged"))


@analysis_of(headline=("pooled.NOR", "detected victims per person convicted in Norway, pooled"))
def analyse(data: Dataset, first_year: Annotated[int, YEARS] = 2007, last_year: Annotated[int, YEARS] = 2022,
            countries: Annotated[tuple[str, ...], SomeOf(
                COUNTRIES, message="{name} must be ISO3 codes among {allowed}; got {value}")]
            = ("NOR", "SWE", "DNK", "FIN", "ISL"),
            release: Annotated[str, OneOf(RELEASES)] = "latest", include_flagged: Annotated[bool, Flag()] = False,
            confidence: Annotated[float, CONFIDENCE] = 0.95, common_years: Annotated[bool, COMMON] = False) -> Result:
    """Victims detected and persons convicted by country and year, per inhabitant, and a funnel plot of them.

    Also victims per conviction, pooled over the years.

    Rates per inhabitant divide by the World Bank's mid-year population. Pooled
    figures and each country against Norway come from the year-level negative
    binomial model (:mod:`~analysis.analyses.count_models`), the comparisons
    adjusted together by Holm's method; the tests are run again on each GLOTIP
    release alone, over the years both cover, and a verdict is stated only
    where both releases give it.

    Each country is pooled over the years it reports, so the periods differ; with ``common_years``, every figure is
    computed over only the years in which every country chosen reports both counts (few: 2018 and 2020 for all five).

    Args:
        data: The curated data; loaded when not given.
        first_year: first calendar year
        last_year: last calendar year
        countries: ISO3 codes of the countries to compare
        release: GLOTIP release to use where both give a count: first (2023) or latest (2025)
        include_flagged: keep GLOTIP rows the quality checks flag (left out by default)
        confidence: level of the intervals for chance, strictly between 0 and 1
        common_years: pool only the years in which every country chosen reports both counts
    """
    years = list(range(first_year, last_year + 1))
    table, years, common_to_all = country_years(data, list(countries), years, release, include_flagged, confidence,
                                                common_years)
    together = pooled(table, confidence)
    versus = against(table, confidence=confidence)
    common, releases = against_each_release(data, versus, list(countries), years, include_flagged, confidence)
    table, centre, tally, tally_own = funnels(table)
    found = Findings(table, together, versus, centre, tally, tally_own, common, releases, common_to_all)
    chosen = {"first_year": first_year, "last_year": last_year, "release": release,
              "include_flagged": include_flagged, "confidence": confidence, "common_years": common_years}
    story = words.render(__name__, _story_values(found, chosen))
    ids = [i for cell in table.ids for i in cell]
    return Result(
        title=story.title,
        table=table,
        facts=_facts(found, confidence),
        figure_ids=tuple(dict.fromkeys(ids)),
        sources=sources_of(data.figures, data.sources, ids, data.glotip, world_bank=data.world_bank),
        summary=story.summary,
        closing=story.closing,
        caveats=story.caveats,
        tables=_tables(found),
    )


@dataclass(frozen=True)
class Findings:
    """What the analysis computes before it puts it in words and facts.

    Attributes:
        table: One row per country-year (:func:`~analysis.analyses.nordic_pooling.country_years`), with where it
            lies in each funnel.
        together: Each country pooled over its years (:func:`~analysis.analyses.nordic_pooling.pooled`).
        versus: Each country against Norway, with each release's verdict (:func:`.nordic_pooling.against_each_release`).
        centre, tally, tally_own: Each measure's funnel target and dispersions, and its tally of years beyond the
            limits by the shared and by each country's own dispersion
            (:func:`~analysis.analyses.nordic_funnel.funnels`).
        common: The years both releases cover. releases: The releases, by source id.
        common_to_all: The years in which every country chosen reports both counts.
    """

    table: pd.DataFrame
    together: pd.DataFrame
    versus: pd.DataFrame
    centre: dict
    tally: dict
    tally_own: dict
    common: list[int]
    releases: list[str]
    common_to_all: list[int]


def _story_values(found: Findings, chosen: dict) -> dict:
    """The values the words of notebook 12 are filled in with, ``chosen`` the parameters they name."""
    table, versus = found.table, found.versus
    ranked = found.together.dropna(subset=["detected_rate"]).sort_values("detected_rate", ascending=False)
    detected_vs, convicted_vs = (versus[versus.measure == m] for m in MEASURES)
    # a pooled count that crosses a break in its series (flag b) is said to, with the break's first year
    crossing = {name: [(r.country, int(r.year)) for r in table[table[f"{name}_flags"].str.contains("b")]
                       .groupby("iso3", sort=False).head(1).itertuples()] for name in MEASURES}
    return {
        **chosen, "pooled": list(found.together.itertuples()), "ranked": list(ranked.itertuples()),
        "against_detected": list(detected_vs.itertuples()), "against_convicted": list(convicted_vs.itertuples()),
        "tests": len(versus), "common_first": found.common[0] if found.common else None,
        "common_last": found.common[-1] if found.common else None,
        "releases": found.releases, "level": FUNNEL_LEVELS[-1], "inner_level": FUNNEL_LEVELS[0],
        "funnel_detected": found.centre["detected"], "funnel_convicted": found.centre["convicted"],
        "tally_detected": list(found.tally["detected"].itertuples()),
        "tally_convicted": list(found.tally["convicted"].itertuples()),
        "own_detected": list(found.tally_own["detected"].itertuples()),
        "own_convicted": list(found.tally_own["convicted"].itertuples()),
        "flag_counts": flag_counts(table), "flag_codes": FLAG_CODES, "crossing": crossing,
        "common_to_all": found.common_to_all, "fewest_years": FEWEST_YEARS,
        "differ": list(detected_vs[detected_vs.both_releases == DIFFERS].country),
        "not_detected": list(detected_vs[detected_vs.both_releases == NOT_DETECTED].country),
        "unsettled": list(detected_vs[detected_vs.both_releases.isna()
                                      | (detected_vs.both_releases == UNDETERMINED)].country)}


def _facts(found: Findings, confidence: float) -> dict:
    """The numbers the words state, by name: pooled ratios and rates, the comparisons with Norway, the funnels."""
    together, versus, centre = list(found.together.itertuples()), found.versus, found.centre
    norway = found.tally["detected"].set_index("iso3")
    by_measure = {name: list(versus[versus.measure == name].itertuples()) for name in MEASURES}
    return {"pooled": {r.iso3: (float(r.ratio_low), float(r.ratio_high)) for r in together},
            "pooled_model": {r.iso3: float(r.ratio_model) for r in together},
            "pooled_ci": {r.iso3: (float(r.ratio_ci_low), float(r.ratio_ci_high)) for r in together},
            "detected_per_100000": {r.iso3: float(r.detected_rate) for r in together},
            "detected_per_100000_ci": {r.iso3: (float(r.detected_rate_ci_low), float(r.detected_rate_ci_high))
                                       for r in together},
            "detected_per_100000_poisson_ci": {r.iso3: (float(r.detected_poisson_ci_low),
                                                        float(r.detected_poisson_ci_high)) for r in together},
            "convicted_per_million": {r.iso3: float(r.convicted_rate) for r in together},
            "convicted_per_million_ci": {r.iso3: (float(r.convicted_rate_ci_low), float(r.convicted_rate_ci_high))
                                         for r in together},
            "verdict_against_norway": {name: {r.iso3: r.verdict for r in rows} for name, rows in by_measure.items()},
            "p_holm_against_norway": {name: {r.iso3: float(r.p_holm) for r in rows}
                                      for name, rows in by_measure.items()},
            "verdict_both_releases": {name: {r.iso3: r.both_releases if isinstance(r.both_releases, str) else None
                                             for r in rows} for name, rows in by_measure.items()},
            "funnel_target": {n: float(c["target"]) for n, c in centre.items()},
            "funnel_alpha": {n: float(c["alpha"]) for n, c in centre.items()},
            "funnel_alpha_by_country": {name: {k: float(v) for k, v in c["alpha_by_country"].items()}
                                        for name, c in centre.items()},
            "years_beyond_own_limits": {name: {r.iso3: int(r.above + r.below) for r in t.itertuples()}
                                        for name, t in found.tally_own.items()},
            "norway_years_above_funnel": int(norway.above.get("NOR", 0)) if len(norway) else 0,
            "flag_counts": flag_counts(found.table), "years_all_countries_report": found.common_to_all,
            "years_with_both": {r.iso3: int(r.years) for r in together}, "confidence": confidence,
            "derivations": derived_country_years(found.table, confidence)}


def _tables(found: Findings) -> dict[str, pd.DataFrame]:
    """The other tables the notebook shows: the years, the pooled figures, the comparisons, the funnels' limits."""
    table, centre = found.table, found.centre
    return {"by_year": table[["country", "year", "detected", "detected_flags", "convicted", "convicted_flags",
                              "ratio", "ratio_ci_low", "ratio_ci_high", "unreliable",
                              "detected_rate_low", "detected_rate_ci_low", "detected_rate_ci_high",
                              "convicted_rate_low", "convicted_rate_high"]],
            "pooled": found.together, "against_norway": found.versus,
            "funnel_detected": funnel_limits(centre["detected"]["target"], centre["detected"]["alpha"],
                                             VICTIMS_PER, population_grid(table)),
            "funnel_convicted": funnel_limits(centre["convicted"]["target"], centre["convicted"]["alpha"],
                                              CONVICTED_PER, population_grid(table))}
