"""Notebook 12's counts by country and year, pooled over the years, and each country compared with Norway.

Per country and year: UNODC's victims detected and persons convicted, their ratio and rates per inhabitant with their
intervals (:func:`by_country`); pooled by the negative binomial model (:func:`pooled`); each country's rates against
Norway's, with Holm's adjustment (:func:`against`), on the release chosen and on each release alone
(:func:`against_each_release`).
"""

from __future__ import annotations

import math

import pandas as pd

from ..data import Dataset
from ..data.flags import FLAG_CODES, of_ids, value_flags
from ..data.glotip import COUNTRIES
from ..data.vintages import choose_release, each_release, last_common_year
from ..data.world_bank import population
from .count_models import pooled_rate, rate_ratio
from .intervals import ratio, shown
from .uncertainty import holm, rate_interval, ratio_interval, unreliable, verdict_of
from .unodc import yearly_counts

#: Detected victims per this many inhabitants, and persons convicted per this many.
VICTIMS_PER, CONVICTED_PER = 100_000, 1_000_000

#: The fewest years a pooled figure, a comparison or a dispersion is estimated from.
FEWEST_YEARS = 2


def counted_years(glotip: pd.DataFrame, countries, first_year: int, last_year: int) -> list[int]:
    """The years of the range in which UNODC counts any of ``countries``: those whose population a rate needs."""
    rows = glotip[glotip.iso3.isin(list(countries)) & glotip.year.between(first_year, last_year)]
    return sorted({int(y) for y in rows.year})


def years_all_report(table: pd.DataFrame, countries: list[str]) -> list[int]:
    """The years of ``table`` (from :func:`by_country`) in which every one of ``countries`` reports both counts."""
    both = table[table.iso3.isin(countries)].dropna(subset=["detected_low", "convicted_low"])
    per_year = both.groupby("year").iso3.nunique()
    return sorted(int(y) for y in per_year[per_year == len(set(countries))].index)


def by_country(glotip: pd.DataFrame, countries: list[str], years: list[int], release: str, include_flagged: bool,
               world_bank: pd.DataFrame | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Per country and year: victims detected and persons convicted (as written and bounded).

    Also victims per conviction with its exact conditional interval, and, given the World Bank's population, both counts
    per inhabitant with Garwood intervals.
    """
    chosen = choose_release(glotip, release, include_flagged)
    people = None if world_bank is None else population(
        world_bank, countries, counted_years(glotip, countries, years[0], years[-1]) if years else []
    ).set_index(["iso3", "year"])
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
                   "detected_id": d.id, "convicted_id": c.id,
                   "ratio_low": low, "ratio_high": high, "ratio": shown((low, high)), "ratio_ci_low": ci_low,
                   "ratio_ci_high": ci_high,
                   "unreliable": unreliable((d.low, d.high), (c.low, c.high)) and not pd.isna(low),
                   "ids": tuple(i for i in (d.id, c.id) if isinstance(i, str))}
            if people is not None and (iso3, d.year) in people.index:
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


def bounds_of(rows: pd.DataFrame, name: str) -> list[tuple[float, float]]:
    """The bounds ``(low, high)`` of the count ``name`` in each row."""
    return list(zip(rows[f"{name}_low"], rows[f"{name}_high"], strict=True))


def pooled(table: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per country, pooled over the years: victims per person convicted, and each count per inhabitant.

    Counts vary from year to year far more than a Poisson count would, so
    the pooled figures come from the year-level negative binomial model
    (:mod:`~analysis.analyses.count_models`), whose profile-likelihood
    interval takes that spread, and a "<5" year, into account:

    - detected victims per person convicted, over the years where both counts
      are given: the ratio of the two pooled rates (the same population),
      ``ratio_model`` with ``ratio_ci_low``/``ratio_ci_high``; ``ratio_low``/``ratio_high``
      the summed counts' ratio (a range where a count is "<5");
    - with population in ``table``, each count per inhabitant a year, over
      the years where that count is given: ``{name}_rate`` (the model's),
      ``{name}_rate_ci_low``/``_high``, ``{name}_alpha`` (the overdispersion),
      the summed count over the summed population ``{name}_rate_low``/``_high``,
      and ``{name}_poisson_ci_low``/``_high``, the Garwood interval of the sum,
      which treats fifteen years as one Poisson count (kept to show how much
      too narrow that would be); ``{name}_first``/``{name}_last``/``{name}_years``: the period.
    """
    both = table.dropna(subset=["detected_low", "convicted_low"])
    sums = both.groupby(["iso3", "country"],
                        sort=False)[["detected_low", "detected_high", "convicted_low", "convicted_high"]].sum()
    sums["years"] = both.groupby(["iso3", "country"], sort=False).size()
    bounds = [ratio((r.detected_low, r.detected_high), (r.convicted_low, r.convicted_high)) for r in sums.itertuples()]
    sums["ratio_low"], sums["ratio_high"] = [b[0] for b in bounds], [b[1] for b in bounds]
    sums["ratio"] = [shown(b) for b in bounds]
    models = []
    for iso3, _ in sums.index:
        rows = both[both.iso3 == iso3]
        exposure = rows.population if "population" in rows else [1.0] * len(rows)
        models.append(rate_ratio(bounds_of(rows, "detected"), exposure, bounds_of(rows, "convicted"), exposure,
                                 confidence) if len(rows) >= 2 else None)
    sums["ratio_model"] = [m.ratio if m else math.nan for m in models]
    sums["ratio_ci_low"] = [m.low if m else math.nan for m in models]
    sums["ratio_ci_high"] = [m.high if m else math.nan for m in models]
    sums["unreliable"] = [unreliable((r.detected_low, r.detected_high), (r.convicted_low, r.convicted_high))
                          for r in sums.itertuples()]
    if "population" in table:
        for name, per in (("detected", VICTIMS_PER), ("convicted", CONVICTED_PER)):
            given = table.dropna(subset=[f"{name}_low"]).groupby(["iso3", "country"], sort=False)
            counts = given[[f"{name}_low", f"{name}_high", "population"]].sum().reindex(sums.index)
            sums[f"{name}_years"] = given.size().reindex(sums.index).fillna(0).astype(int)
            sums[f"{name}_first"] = given.year.min().reindex(sums.index)
            sums[f"{name}_last"] = given.year.max().reindex(sums.index)
            sums[f"{name}_count_low"], sums[f"{name}_count_high"] = counts[f"{name}_low"], counts[f"{name}_high"]
            sums[f"{name}_person_years"] = counts.population
            sums[f"{name}_rate_low"] = counts[f"{name}_low"] / counts.population * per
            sums[f"{name}_rate_high"] = counts[f"{name}_high"] / counts.population * per
            fits = []
            for iso3, _ in sums.index:
                rows = table[(table.iso3 == iso3)].dropna(subset=[f"{name}_low"])
                fits.append(pooled_rate(bounds_of(rows, name), rows.population, confidence, per)
                            if len(rows) >= 2 else None)
            sums[f"{name}_rate"] = [f.rate if f else math.nan for f in fits]
            sums[f"{name}_rate_ci_low"] = [f.low if f else math.nan for f in fits]
            sums[f"{name}_rate_ci_high"] = [f.high if f else math.nan for f in fits]
            sums[f"{name}_alpha"] = [f.alpha if f else math.nan for f in fits]
            poisson = [rate_interval((lo, hi), years, confidence, per) for lo, hi, years in
                       zip(counts[f"{name}_low"], counts[f"{name}_high"], counts.population, strict=True)]
            sums[f"{name}_poisson_ci_low"] = [r[0] for r in poisson]
            sums[f"{name}_poisson_ci_high"] = [r[1] for r in poisson]
            sums[f"{name}_rate_unreliable"] = [unreliable((lo, hi))
                                               for lo, hi in zip(counts[f"{name}_low"], counts[f"{name}_high"],
                                                                 strict=True)]
    return sums.reset_index()


#: The two measures compared, each country against Norway: one family of tests, adjusted together by Holm's method.
MEASURES = ("detected", "convicted")


def against(table: pd.DataFrame, reference: str = "NOR", confidence: float = 0.95,
            interval: bool = True) -> pd.DataFrame:
    """Each country's rate of each measure per inhabitant against ``reference``'s, by the negative binomial model.

    One row per country and measure: the rate ratio (reference over the
    country), its profile-likelihood interval, the likelihood-ratio test's
    p-value, and that p-value adjusted by Holm's method over the whole family
    (every country, both measures), from which the verdict is read. Without
    ``interval``, only the tests (for a second release, whose verdicts are compared).
    """
    columns = ["iso3", "country", "measure", "rate_ratio", "ci_low", "ci_high", "p_value", "p_holm", "verdict"]
    if reference not in set(table.iso3):
        return pd.DataFrame(columns=columns)
    ref = table[table.iso3 == reference]
    rows = []
    for iso3, other in table[table.iso3 != reference].groupby("iso3", sort=False):
        for name in MEASURES:
            a, b = ref.dropna(subset=[f"{name}_low"]), other.dropna(subset=[f"{name}_low"])
            if len(a) < 2 or len(b) < 2:
                continue
            test = rate_ratio(bounds_of(a, name), a.population, bounds_of(b, name), b.population, confidence, interval)
            rows.append({"iso3": iso3, "country": other.country.iloc[0], "measure": name, "rate_ratio": test.ratio,
                         "ci_low": test.low, "ci_high": test.high, "p_value": test.p_value})
    if not rows:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame(rows)
    out["p_holm"] = [high for _, high in holm([(p, p) for p in out.p_value])]
    out["verdict"] = [verdict_of((p, p), confidence) for p in out.p_holm]
    return out[columns]


def country_years(data: Dataset, countries: list[str], years: list[int], release: str, include_flagged: bool,
                  confidence: float, common_years: bool) -> tuple[pd.DataFrame, list[int], list[int]]:
    """The table of country-years the notebook shows, with each count's quality flags.

    Returns:
        The table (with ``common_years``, only the years every country reports both counts), the years it covers,
        and the years in which every country reports both counts.
    """
    table = by_country(data.glotip, countries, years, release, include_flagged, data.world_bank, confidence)
    common_to_all = years_all_report(table, countries)
    if common_years:
        years = common_to_all
        table = table[table.year.isin(years)].reset_index(drop=True)
    flags = value_flags(data.glotip, data.series_breaks, choose_release(data.glotip, release, include_flagged))
    for name in MEASURES:
        table[f"{name}_flags"], table[f"{name}_flag_reasons"] = of_ids(flags, table[f"{name}_id"])
    return table, years, common_to_all


def against_each_release(data: Dataset, versus: pd.DataFrame, countries: list[str], years: list[int],
                         include_flagged: bool, confidence: float) -> tuple[list[int], list[str]]:
    """The tests of :func:`against` run again on each GLOTIP release alone, over the years both releases cover.

    Adds to ``versus`` each release's verdict and Holm-adjusted p-value, and ``both_releases``: the verdict where
    every release gives the one of the release chosen, else None.

    Returns:
        The years both releases cover, and the releases, by source id.
    """
    common = [y for y in years if y <= last_common_year(data.glotip)]
    by_release = {}
    for source_id, rows in each_release(data.glotip).items():
        alone = by_country(rows, countries, common, "latest", include_flagged, data.world_bank, confidence)
        by_release[source_id] = against(alone, confidence=confidence, interval=False).set_index(["iso3", "measure"])
    for source_id, tests in by_release.items():
        versus[f"verdict_{source_id}"] = [tests.verdict.get((r.iso3, r.measure)) for r in versus.itertuples()]
        versus[f"p_holm_{source_id}"] = [tests.p_holm.get((r.iso3, r.measure), math.nan) for r in versus.itertuples()]
    release_columns = [f"verdict_{s}" for s in by_release]
    versus["both_releases"] = [r.verdict if all(getattr(r, c) == r.verdict for c in release_columns) else None
                               for r in versus.itertuples()]
    return common, list(by_release)


def flag_counts(table: pd.DataFrame) -> dict[str, int]:
    """How many counts of the table carry each quality flag."""
    flagged = table[[f"{name}_flags" for name in MEASURES]].stack()
    return {code: int(flagged.str.contains(code).sum()) for code in FLAG_CODES}
