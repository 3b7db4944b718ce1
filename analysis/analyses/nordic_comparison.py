"""Notebook 12: Norway beside Sweden, Denmark, Finland and Iceland in UNODC's counts."""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
import pandas as pd
from scipy import stats

from ..data import Dataset, sources_of
from ..data.flags import FLAG_CODES, of_ids, value_flags
from ..data.glotip import COUNTRIES
from ..data.vintages import choose_release, each_release, last_common_year
from ..data.world_bank import population
from . import words
from .count_models import common_dispersion, pooled_rate, rate_ratio
from .domains import CONFIDENCE, Flag, Holds, OneOf, Range, SomeOf
from .intervals import ratio, shown
from .result import Result, analysis_of
from .uncertainty import (
    DIFFERS,
    NOT_DETECTED,
    UNDETERMINED,
    holm,
    rate_interval,
    ratio_interval,
    unreliable,
    verdict_of,
)
from .unodc import RELEASES, yearly_counts

#: Detected victims per this many inhabitants, and persons convicted per this many.
VICTIMS_PER, CONVICTED_PER = 100_000, 1_000_000


def _counted_years(data: Dataset, p: dict) -> list[int]:
    """The years UNODC counts any country in (none without UNODC's counts)."""
    return [] if data.glotip is None else list(data.glotip.year)


def _counted(glotip: pd.DataFrame, countries, first_year: int, last_year: int) -> list[int]:
    """The years of the range in which UNODC counts any of ``countries``: those whose population a rate needs."""
    rows = glotip[glotip.iso3.isin(list(countries)) & glotip.year.between(first_year, last_year)]
    return sorted({int(y) for y in rows.year})


def _populations(data: Dataset, p: dict) -> None:
    """Raises LookupError when the range cannot give a funnel and rates per inhabitant.

    That is, when the World Bank lacks the population of a country chosen in a year UNODC counts it, or when the
    countries chosen give fewer than :data:`FEWEST_YEARS` country-years of a count (the funnel's target pools them).
    """
    if data.glotip is None or data.world_bank is None:
        return
    population(data.world_bank, list(p["countries"]),
               _counted(data.glotip, p["countries"], p["first_year"], p["last_year"]))
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


def years_all_report(table: pd.DataFrame, countries: list[str]) -> list[int]:
    """The years of ``table`` (from :func:`by_country`) in which every one of ``countries`` reports both counts."""
    both = table[table.iso3.isin(countries)].dropna(subset=["detected_low", "convicted_low"])
    per_year = both.groupby("year").iso3.nunique()
    return sorted(int(y) for y in per_year[per_year == len(set(countries))].index)


#: The fewest years a pooled figure, a comparison or a dispersion is estimated from.
FEWEST_YEARS = 2


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


def by_country(glotip: pd.DataFrame, countries: list[str], years: list[int], release: str, include_flagged: bool,
               world_bank: pd.DataFrame | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Per country and year: victims detected and persons convicted (as written and bounded).

    Also victims per conviction with its exact conditional interval, and, given the World Bank's population, both counts
    per inhabitant with Garwood intervals.
    """
    chosen = choose_release(glotip, release, include_flagged)
    people = None if world_bank is None else population(
        world_bank, countries, _counted(glotip, countries, years[0], years[-1]) if years else []
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


def _bounds(rows: pd.DataFrame, name: str) -> list[tuple[float, float]]:
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
        models.append(rate_ratio(_bounds(rows, "detected"), exposure, _bounds(rows, "convicted"), exposure, confidence)
                      if len(rows) >= 2 else None)
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
                fits.append(pooled_rate(_bounds(rows, name), rows.population, confidence, per)
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
            test = rate_ratio(_bounds(a, name), a.population, _bounds(b, name), b.population, confidence, interval)
            rows.append({"iso3": iso3, "country": other.country.iloc[0], "measure": name, "rate_ratio": test.ratio,
                         "ci_low": test.low, "ci_high": test.high, "p_value": test.p_value})
    if not rows:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame(rows)
    out["p_holm"] = [high for _, high in holm([(p, p) for p in out.p_value])]
    out["verdict"] = [verdict_of((p, p), confidence) for p in out.p_holm]
    return out[columns]


#: The funnel's control limits: two levels, as England's public-health profiles draw them.
FUNNEL_LEVELS = (0.95, 0.998)


def funnel(table: pd.DataFrame, name: str, per: float) -> tuple[dict, pd.DataFrame]:
    """A funnel plot of every country-year's rate of ``name`` (Spiegelhalter 2005), widened for overdispersion.

    The target is the rate of all the countries' years pooled (the negative
    binomial model over every country-year). A year's rate would fall within
    ``target +- z sqrt(target / P + alpha target**2)`` by chance alone (P its
    population), where alpha is the overdispersion of each country's years
    about its own level, estimated once for all the countries
    (:func:`~analysis.analyses.count_models.common_dispersion`): limits widened
    by the additive overdispersion Spiegelhalter describes. Each country-year
    is ``above`` or ``below`` a limit only if its whole range lies beyond it
    (a "<5" can straddle a limit: ``undetermined``), else ``within``.

    Each country's own overdispersion (its years alone, about its own level) is estimated too, and every year judged
    again against limits widened by its own country's: ``beyond_own_*``, a check of the shared estimate (a
    country's few years estimate its spread poorly, which is why the chart draws the shared one).

    Returns:
        The target, alpha and each country's alpha, and one row per country-year: rate range, population and where it
        lies at each level, by the shared alpha and by its country's own.
    """
    given = table.dropna(subset=[f"{name}_low"])
    target = pooled_rate(_bounds(given, name), given.population, interval=False).rate
    alpha, _ = common_dispersion(_bounds(given, name), given.population, given.iso3)
    rows = given[["iso3", "country", "year", "population"]].copy()
    rows["rate_low"] = given[f"{name}_low"] / given.population * per
    rows["rate_high"] = given[f"{name}_high"] / given.population * per
    own = {iso3: pooled_rate(_bounds(part, name), part.population, interval=False).alpha
           for iso3, part in given.groupby("iso3", sort=False) if len(part) >= FEWEST_YEARS}
    rows["own_alpha"] = given.iso3.map(own)
    shared = funnel_limits(target * per, alpha, per, given.population).set_index(given.index)
    for suffix, limits in (("", shared), ("own_", _own_limits(target * per, rows.own_alpha, per, given.population))):
        for level in FUNNEL_LEVELS:
            upper, lower = limits[f"upper_{level * 1000:g}"], limits[f"lower_{level * 1000:g}"]
            where = pd.Series("within", index=given.index)
            where[rows.rate_low > upper] = "above"
            where[rows.rate_high < lower] = "below"
            where[((rows.rate_low <= upper) & (rows.rate_high > upper))
                  | ((rows.rate_high >= lower) & (rows.rate_low < lower))] = "undetermined"
            where[upper.isna()] = None  # a country with one year has no dispersion of its own
            rows[f"beyond_{suffix}{level * 1000:g}"] = where.to_numpy()
    return {"target": target * per, "alpha": alpha, "alpha_by_country": own}, rows.reset_index(drop=True)


def _own_limits(target: float, alphas: pd.Series, per: float, populations: pd.Series) -> pd.DataFrame:
    """Each country-year's limits, widened by its own country's alpha (NaN where the country has none)."""
    parts = [funnel_limits(target, a, per, populations[alphas == a]).set_index(populations[alphas == a].index)
             for a in alphas.dropna().unique()]
    empty = pd.DataFrame(index=populations.index, columns=[f"{side}_{lv * 1000:g}" for lv in FUNNEL_LEVELS
                                                           for side in ("upper", "lower")], dtype=float)
    return pd.concat(parts).reindex(populations.index) if parts else empty


def funnel_limits(target: float, alpha: float, per: float, populations) -> pd.DataFrame:
    """The funnel's limits at each level over ``populations``: what the chart draws."""
    out = pd.DataFrame({"population": populations})
    for level in FUNNEL_LEVELS:
        z = stats.norm.ppf(1 - (1 - level) / 2)
        spread = ((target / per) / out.population + alpha * (target / per) ** 2) ** 0.5 * z * per
        out[f"upper_{level * 1000:g}"] = target + spread
        out[f"lower_{level * 1000:g}"] = (target - spread).clip(lower=0)
    return out


def _tally(rows: pd.DataFrame, level: float, own: bool = False) -> pd.DataFrame:
    """Per country: how many of its years lie above, below, within or undetermined at ``level``.

    By the shared dispersion, or with ``own`` by each country's.
    """
    column = f"beyond_{'own_' if own else ''}{level * 1000:g}"
    counts = rows.groupby(["iso3", "country"], sort=False)[column].value_counts().unstack(fill_value=0)
    for state in ("above", "below", "within", "undetermined"):
        if state not in counts:
            counts[state] = 0
    counts["years"] = rows.groupby(["iso3", "country"], sort=False).size()
    return counts[["years", "above", "below", "within", "undetermined"]].reset_index()


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
    """
    years = list(range(first_year, last_year + 1))
    table = by_country(data.glotip, list(countries), years, release, include_flagged, data.world_bank, confidence)
    common_to_all = years_all_report(table, list(countries))
    if common_years:
        years = common_to_all
        table = table[table.year.isin(years)].reset_index(drop=True)
    flags = value_flags(data.glotip, data.series_breaks, choose_release(data.glotip, release, include_flagged))
    for name in MEASURES:
        table[f"{name}_flags"], table[f"{name}_flag_reasons"] = of_ids(flags, table[f"{name}_id"])
    together = pooled(table, confidence)
    versus = against(table, confidence=confidence)
    # The same tests on each release alone, over the years both releases cover.
    common = [y for y in years if y <= last_common_year(data.glotip)]
    by_release = {}
    for source_id, rows in each_release(data.glotip).items():
        alone = by_country(rows, list(countries), common, "latest", include_flagged, data.world_bank, confidence)
        by_release[source_id] = against(alone, confidence=confidence, interval=False).set_index(["iso3", "measure"])
    for source_id, tests in by_release.items():
        versus[f"verdict_{source_id}"] = [tests.verdict.get((r.iso3, r.measure)) for r in versus.itertuples()]
        versus[f"p_holm_{source_id}"] = [tests.p_holm.get((r.iso3, r.measure), math.nan) for r in versus.itertuples()]
    release_columns = [f"verdict_{s}" for s in by_release]
    versus["both_releases"] = [r.verdict if all(getattr(r, c) == r.verdict for c in release_columns) else None
                               for r in versus.itertuples()]
    centre, funnel_rows = {}, {}
    for name, per in (("detected", VICTIMS_PER), ("convicted", CONVICTED_PER)):
        centre[name], funnel_rows[name] = funnel(table, name, per)
    table = table.merge(funnel_rows["detected"][["iso3", "year", *(f"beyond_{lv * 1000:g}" for lv in FUNNEL_LEVELS)]]
                        .rename(columns=lambda c: f"detected_{c}" if c.startswith("beyond") else c),
                        on=["iso3", "year"], how="left")
    table = table.merge(funnel_rows["convicted"][["iso3", "year", *(f"beyond_{lv * 1000:g}" for lv in FUNNEL_LEVELS)]]
                        .rename(columns=lambda c: f"convicted_{c}" if c.startswith("beyond") else c),
                        on=["iso3", "year"], how="left")
    tally = {name: _tally(rows, FUNNEL_LEVELS[-1]) for name, rows in funnel_rows.items()}
    tally_own = {name: _tally(rows.dropna(subset=["own_alpha"]), FUNNEL_LEVELS[-1], own=True)
                 for name, rows in funnel_rows.items()}
    ids = [i for cell in table.ids for i in cell]
    ranked = together.dropna(subset=["detected_rate"]).sort_values("detected_rate", ascending=False)
    detected_vs, convicted_vs = (versus[versus.measure == m] for m in MEASURES)
    # a pooled count that crosses a break in its series (flag b) is said to, with the break's first year
    crossing = {name: [(r.country, int(r.year)) for r in table[table[f"{name}_flags"].str.contains("b")]
                       .groupby("iso3", sort=False).head(1).itertuples()] for name in MEASURES}
    flagged = table[[f"{name}_flags" for name in MEASURES]].stack()
    flag_counts = {code: int(flagged.str.contains(code).sum()) for code in FLAG_CODES}
    story = words.render(__name__, {
        "first_year": first_year, "last_year": last_year, "release": release, "include_flagged": include_flagged,
        "confidence": confidence, "pooled": list(together.itertuples()), "ranked": list(ranked.itertuples()),
        "against_detected": list(detected_vs.itertuples()), "against_convicted": list(convicted_vs.itertuples()),
        "tests": len(versus), "common_first": common[0] if common else None,
        "common_last": common[-1] if common else None,
        "releases": list(by_release), "level": FUNNEL_LEVELS[-1], "inner_level": FUNNEL_LEVELS[0],
        "funnel_detected": centre["detected"], "funnel_convicted": centre["convicted"],
        "tally_detected": list(tally["detected"].itertuples()),
        "tally_convicted": list(tally["convicted"].itertuples()),
        "own_detected": list(tally_own["detected"].itertuples()),
        "own_convicted": list(tally_own["convicted"].itertuples()),
        "flag_counts": flag_counts, "flag_codes": FLAG_CODES, "crossing": crossing,
        "common_years": common_years, "common_to_all": common_to_all, "fewest_years": FEWEST_YEARS,
        "differ": list(detected_vs[detected_vs.both_releases == DIFFERS].country),
        "not_detected": list(detected_vs[detected_vs.both_releases == NOT_DETECTED].country),
        "unsettled": list(detected_vs[detected_vs.both_releases.isna()
                                      | (detected_vs.both_releases == UNDETERMINED)].country)})
    norway = tally["detected"].set_index("iso3")
    return Result(
        title=story.title,
        table=table,
        facts={"pooled": {r.iso3: (float(r.ratio_low), float(r.ratio_high)) for r in together.itertuples()},
               "pooled_model": {r.iso3: float(r.ratio_model) for r in together.itertuples()},
               "pooled_ci": {r.iso3: (float(r.ratio_ci_low), float(r.ratio_ci_high)) for r in together.itertuples()},
               "detected_per_100000": {r.iso3: float(r.detected_rate) for r in together.itertuples()},
               "detected_per_100000_ci": {r.iso3: (float(r.detected_rate_ci_low), float(r.detected_rate_ci_high))
                                          for r in together.itertuples()},
               "detected_per_100000_poisson_ci": {r.iso3: (float(r.detected_poisson_ci_low),
                                                           float(r.detected_poisson_ci_high))
                                                  for r in together.itertuples()},
               "convicted_per_million": {r.iso3: float(r.convicted_rate) for r in together.itertuples()},
               "convicted_per_million_ci": {r.iso3: (float(r.convicted_rate_ci_low), float(r.convicted_rate_ci_high))
                                            for r in together.itertuples()},
               "verdict_against_norway": {name: {r.iso3: r.verdict for r in versus[versus.measure == name].itertuples()}
                                          for name in MEASURES},
               "p_holm_against_norway": {name: {r.iso3: float(r.p_holm)
                                                for r in versus[versus.measure == name].itertuples()}
                                         for name in MEASURES},
               "verdict_both_releases": {name: {r.iso3: r.both_releases if isinstance(r.both_releases, str) else None
                                                for r in versus[versus.measure == name].itertuples()}
                                         for name in MEASURES},
               "funnel_target": {name: float(c["target"]) for name, c in centre.items()},
               "funnel_alpha": {name: float(c["alpha"]) for name, c in centre.items()},
               "funnel_alpha_by_country": {name: {k: float(v) for k, v in c["alpha_by_country"].items()}
                                           for name, c in centre.items()},
               "years_beyond_own_limits": {name: {r.iso3: int(r.above + r.below) for r in t.itertuples()}
                                           for name, t in tally_own.items()},
               "norway_years_above_funnel": int(norway.above.get("NOR", 0)) if len(norway) else 0,
               "flag_counts": flag_counts, "years_all_countries_report": common_to_all,
               "years_with_both": {r.iso3: int(r.years) for r in together.itertuples()}, "confidence": confidence},
        figure_ids=tuple(dict.fromkeys(ids)),
        sources=sources_of(data.figures, data.sources, ids, data.glotip, world_bank=data.world_bank),
        summary=story.summary,
        closing=story.closing,
        caveats=story.caveats,
        tables={"by_year": table[["country", "year", "detected", "detected_flags", "convicted", "convicted_flags",
                                  "ratio", "ratio_ci_low", "ratio_ci_high", "unreliable",
                                  "detected_rate_low", "detected_rate_ci_low", "detected_rate_ci_high",
                                  "convicted_rate_low", "convicted_rate_high"]],
                "pooled": together, "against_norway": versus,
                "funnel_detected": funnel_limits(centre["detected"]["target"], centre["detected"]["alpha"],
                                                 VICTIMS_PER, _population_grid(table)),
                "funnel_convicted": funnel_limits(centre["convicted"]["target"], centre["convicted"]["alpha"],
                                                  CONVICTED_PER, _population_grid(table))},
    )


def _population_grid(table: pd.DataFrame) -> list[float]:
    """Populations from a third below the smallest country-year's to half above the largest, even on a log scale."""
    low, high = table.population.min() / 1.5, table.population.max() * 1.5
    return [float(v) for v in np.geomspace(low, high, 60)]
