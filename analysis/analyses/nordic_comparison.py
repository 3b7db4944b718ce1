"""Notebook 12: Norway beside Sweden, Denmark, Finland and Iceland in UNODC's counts."""

from __future__ import annotations

from typing import Annotated

import pandas as pd

from ..data import Dataset, sources_of
from ..data.glotip import COUNTRIES
from ..data.vintages import choose_release
from ..data.world_bank import population
from . import words
from .domains import CONFIDENCE, Flag, OneOf, Range, SomeOf
from .intervals import ratio, shown
from .result import Result, analysis_of
from .uncertainty import (
    compare_rates,
    rate_interval,
    ratio_interval,
    unreliable,
)
from .unodc import RELEASES, yearly_counts

#: Detected victims per this many inhabitants, and persons convicted per this many.
VICTIMS_PER, CONVICTED_PER = 100_000, 1_000_000


def _counted_years(data: Dataset, p: dict) -> list[int]:
    """The years UNODC counts any country in (none without UNODC's counts)."""
    return [] if data.glotip is None else list(data.glotip.year)


def _populations(data: Dataset, p: dict) -> None:
    """Raises LookupError when the World Bank lacks the population of a country chosen in a year UNODC counts it."""
    if data.glotip is None or data.world_bank is None:
        return
    glotip = data.glotip
    counted = glotip[glotip.iso3.isin(p["countries"]) & glotip.year.between(p["first_year"], p["last_year"])]
    population(data.world_bank, list(p["countries"]), sorted(set(int(y) for y in counted.year)))


YEARS = Range("first_year", "last_year", _counted_years, holds=_populations, needs=("countries",))


def by_country(glotip: pd.DataFrame, countries: list[str], years: list[int], release: str, include_flagged: bool,
               world_bank: pd.DataFrame | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Per country and year: victims detected and persons convicted (as written and bounded).

    Also victims per conviction with its exact conditional interval, and, given the World Bank's population, both counts
    per inhabitant with Garwood intervals.
    """
    chosen = choose_release(glotip, release, include_flagged)
    people = None if world_bank is None else population(world_bank, countries, years).set_index(["iso3", "year"])
    rows = []
    for iso3 in countries:
        detected = yearly_counts(chosen, iso3, "victims_detected", years)
        convicted = yearly_counts(chosen, iso3, "persons_convicted", years)
        for d, c in zip(detected.itertuples(), convicted.itertuples(), strict=True):
            low, high = ratio((d.low, d.high), (c.low, c.high))
            ci_low, ci_high = ratio_interval((d.low, d.high), (c.low, c.high), confidence)
            row = {"iso3": iso3, "country": COUNTRIES[iso3], "year": d.year, "detected": d.written,
                   "detected_low": d.low,
                   "detected_high": d.high, "convicted": c.written, "convicted_low": c.low, "convicted_high": c.high,
                   "ratio_low": low, "ratio_high": high, "ratio": shown((low, high)), "ratio_ci_low": ci_low,
                   "ratio_ci_high": ci_high,
                   "unreliable": unreliable((d.low, d.high), (c.low, c.high)) and not pd.isna(low),
                   "ids": tuple(i for i in (d.id, c.id) if isinstance(i, str))}
            if people is not None:
                inhabitants = float(people.loc[(iso3, d.year), "population"])
                row["population"] = inhabitants
                for name, count, per in (("detected", d, VICTIMS_PER), ("convicted", c, CONVICTED_PER)):
                    rate = (count.low / inhabitants * per, count.high / inhabitants * per)
                    interval = rate_interval((count.low, count.high), inhabitants, confidence, per)
                    row.update({f"{name}_rate_low": rate[0], f"{name}_rate_high": rate[1],
                                f"{name}_rate_ci_low": interval[0], f"{name}_rate_ci_high": interval[1],
                                f"{name}_rate_unreliable": unreliable((count.low, count.high))})
                row["ids"] = (*row["ids"], people.loc[(iso3, d.year), "id"])
            rows.append(row)
    return pd.DataFrame(rows)


def pooled(table: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per country, over the years where both counts are given.

    Detected victims per person convicted, as a range and an interval.

    With population in ``table``, also each count per inhabitant a year, pooled
    over the years where that count is given: the summed count over the summed
    population (person-years), with its Garwood interval and those years' number.
    """
    both = table.dropna(subset=["detected_low", "convicted_low"])
    sums = both.groupby(["iso3", "country"],
                        sort=False)[["detected_low", "detected_high", "convicted_low", "convicted_high"]].sum()
    sums["years"] = both.groupby(["iso3", "country"], sort=False).size()
    bounds = [ratio((r.detected_low, r.detected_high), (r.convicted_low, r.convicted_high)) for r in sums.itertuples()]
    sums["ratio_low"], sums["ratio_high"] = [b[0] for b in bounds], [b[1] for b in bounds]
    sums["ratio"] = [shown(b) for b in bounds]
    chance = [ratio_interval((r.detected_low, r.detected_high), (r.convicted_low, r.convicted_high), confidence)
              for r in sums.itertuples()]
    sums["ratio_ci_low"], sums["ratio_ci_high"] = [c[0] for c in chance], [c[1] for c in chance]
    sums["unreliable"] = [unreliable((r.detected_low, r.detected_high), (r.convicted_low, r.convicted_high))
                          for r in sums.itertuples()]
    if "population" in table:
        for name, per in (("detected", VICTIMS_PER), ("convicted", CONVICTED_PER)):
            given = table.dropna(subset=[f"{name}_low"]).groupby(["iso3", "country"], sort=False)
            counts = given[[f"{name}_low", f"{name}_high", "population"]].sum().reindex(sums.index)
            sums[f"{name}_years"] = given.size().reindex(sums.index).fillna(0).astype(int)
            sums[f"{name}_count_low"], sums[f"{name}_count_high"] = counts[f"{name}_low"], counts[f"{name}_high"]
            sums[f"{name}_person_years"] = counts.population
            sums[f"{name}_rate_low"] = counts[f"{name}_low"] / counts.population * per
            sums[f"{name}_rate_high"] = counts[f"{name}_high"] / counts.population * per
            rates = [rate_interval((lo, hi), years, confidence, per) for lo, hi, years in
                     zip(counts[f"{name}_low"], counts[f"{name}_high"], counts.population, strict=True)]
            sums[f"{name}_rate_ci_low"], sums[f"{name}_rate_ci_high"] = [r[0] for r in rates], [r[1] for r in rates]
            sums[f"{name}_rate_unreliable"] = [unreliable((lo, hi))
                                               for lo, hi in zip(counts[f"{name}_low"], counts[f"{name}_high"],
                                                                 strict=True)]
    return sums.reset_index()


def against(together: pd.DataFrame, name: str, reference: str = "NOR", confidence: float = 0.95) -> pd.DataFrame:
    """Each country's pooled rate of ``name`` (detected or convicted) per inhabitant against ``reference``'s.

    The exact conditional test.
    """
    by = together.set_index("iso3")
    if reference not in by.index:
        return pd.DataFrame(columns=["iso3", "country", "rate_ratio_low", "rate_ratio_high", "ci_low", "ci_high",
                                     "p_value", "differs"])
    ref = by.loc[reference]
    rows = []
    for iso3, row in by.drop(index=reference).iterrows():
        test = compare_rates((ref[f"{name}_count_low"], ref[f"{name}_count_high"]), ref[f"{name}_person_years"],
                             (row[f"{name}_count_low"], row[f"{name}_count_high"]), row[f"{name}_person_years"],
                             confidence)
        rows.append({"iso3": iso3, "country": row.country, "rate_ratio_low": test.ratio[0],
                     "rate_ratio_high": test.ratio[1],
                     "ci_low": test.low, "ci_high": test.high, "p_value": test.p_value, "differs": test.differs})
    return pd.DataFrame(rows)


#: The tables of the data this analysis reads: its notebook is run again when one of their files changes
#: (see analysis.regenerate.incremental; tests/regenerate/test_incremental.py runs it and checks).
READS = ("figures", "glotip", "sources", "world_bank")


@analysis_of("12_nordic_comparison", glotip=True, world_bank=True,
             headline=("pooled.NOR", "detected victims per person convicted in Norway, pooled"))
def analyse(data: Dataset, first_year: Annotated[int, YEARS] = 2007, last_year: Annotated[int, YEARS] = 2022,
            countries: Annotated[tuple[str, ...], SomeOf(
                COUNTRIES, message="{name} must be ISO3 codes among {allowed}; got {value}")]
            = ("NOR", "SWE", "DNK", "FIN", "ISL"),
            release: Annotated[str, OneOf(RELEASES)] = "latest", include_flagged: Annotated[bool, Flag()] = False,
            confidence: Annotated[float, CONFIDENCE] = 0.95) -> Result:
    """Victims detected and persons convicted by country and year, per inhabitant.

    Also victims per conviction, pooled over the years.

    Rates per inhabitant divide by the World Bank's mid-year population; each
    country's pooled rates are set against Norway's with the exact conditional test.
    """
    years = list(range(first_year, last_year + 1))
    table = by_country(data.glotip, list(countries), years, release, include_flagged, data.world_bank, confidence)
    together = pooled(table, confidence)
    versus = {name: against(together, name, confidence=confidence) for name in ("detected", "convicted")}
    ids = [i for cell in table.ids for i in cell]
    ranked = together.sort_values("detected_rate_low", ascending=False)
    detected_vs = versus["detected"]
    story = words.render(__name__, {
        "first_year": first_year, "last_year": last_year, "release": release, "include_flagged": include_flagged,
        "confidence": confidence, "pooled": list(together.itertuples()), "ranked": list(ranked.itertuples()),
        "against_detected": list(detected_vs.itertuples()), "against_convicted": list(versus["convicted"].itertuples()),
        "differ": list(detected_vs[detected_vs.differs].country) if len(detected_vs) else [],
        "same": list(detected_vs[~detected_vs.differs].country) if len(detected_vs) else []})
    return Result(
        title=story.title,
        table=table,
        facts={"pooled": {r.iso3: (float(r.ratio_low), float(r.ratio_high)) for r in together.itertuples()},
               "pooled_ci": {r.iso3: (float(r.ratio_ci_low), float(r.ratio_ci_high)) for r in together.itertuples()},
               "detected_per_100000": {r.iso3: (float(r.detected_rate_low), float(r.detected_rate_high))
                                       for r in together.itertuples()},
               "detected_per_100000_ci": {r.iso3: (float(r.detected_rate_ci_low), float(r.detected_rate_ci_high))
                                          for r in together.itertuples()},
               "convicted_per_million": {r.iso3: (float(r.convicted_rate_low), float(r.convicted_rate_high))
                                         for r in together.itertuples()},
               "convicted_per_million_ci": {r.iso3: (float(r.convicted_rate_ci_low), float(r.convicted_rate_ci_high))
                                            for r in together.itertuples()},
               "differs_from_norway": {name: {r.iso3: bool(r.differs) for r in rows.itertuples()}
                                       for name, rows in versus.items()},
               "years_with_both": {r.iso3: int(r.years) for r in together.itertuples()}, "confidence": confidence},
        figure_ids=tuple(dict.fromkeys(ids)),
        sources=sources_of(data.figures, data.sources, ids, data.glotip, world_bank=data.world_bank),
        summary=story.summary,
        closing=story.closing,
        caveats=story.caveats,
        tables={"by_year": table[["country", "year", "detected", "convicted", "ratio", "ratio_ci_low", "ratio_ci_high",
                                  "unreliable",
                                  "detected_rate_low", "detected_rate_ci_low", "detected_rate_ci_high",
                                  "convicted_rate_low",
                                  "convicted_rate_high"]],
                "pooled": together, "against_norway_detected": versus["detected"],
                "against_norway_convicted": versus["convicted"]},
    )
