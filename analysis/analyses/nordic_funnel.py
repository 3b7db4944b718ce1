"""Notebook 12's funnel plots: each country-year's rate per inhabitant against limits widened for overdispersion.

:func:`funnel` places every country-year, :func:`funnel_limits` gives the limits the chart draws, :func:`tally`
counts each country's years beyond them, and :func:`funnels` does all three for both measures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy

from .count_models import common_dispersion, pooled_rate
from .nordic_pooling import CONVICTED_PER, FEWEST_YEARS, VICTIMS_PER, bounds_of

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
    target = pooled_rate(bounds_of(given, name), given.population, interval=False).rate
    alpha, _ = common_dispersion(bounds_of(given, name), given.population, given.iso3)
    rows = given[["iso3", "country", "year", "population"]].copy()
    rows["rate_low"] = given[f"{name}_low"] / given.population * per
    rows["rate_high"] = given[f"{name}_high"] / given.population * per
    own = {iso3: pooled_rate(bounds_of(part, name), part.population, interval=False).alpha
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
        z = scipy.stats.norm.ppf(1 - (1 - level) / 2)
        spread = ((target / per) / out.population + alpha * (target / per) ** 2) ** 0.5 * z * per
        out[f"upper_{level * 1000:g}"] = target + spread
        out[f"lower_{level * 1000:g}"] = (target - spread).clip(lower=0)
    return out


def tally(rows: pd.DataFrame, level: float, own: bool = False) -> pd.DataFrame:
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


def population_grid(table: pd.DataFrame) -> list[float]:
    """Populations from a third below the smallest country-year's to half above the largest, even on a log scale."""
    low, high = table.population.min() / 1.5, table.population.max() * 1.5
    return [float(v) for v in np.geomspace(low, high, 60)]


def funnels(table: pd.DataFrame) -> tuple[pd.DataFrame, dict, dict, dict]:
    """Both measures' funnels: where each country-year lies, and how many of each country's years lie beyond.

    Returns:
        ``table`` with where each country-year lies at each level (``detected_beyond_*``, ``convicted_beyond_*``),
        each measure's target and dispersions (:func:`funnel`), and each measure's tally of years at the outer
        level, by the shared dispersion and by each country's own.
    """
    centre, funnel_rows = {}, {}
    for name, per in (("detected", VICTIMS_PER), ("convicted", CONVICTED_PER)):
        centre[name], funnel_rows[name] = funnel(table, name, per)
    for name in ("detected", "convicted"):
        table = table.merge(funnel_rows[name][["iso3", "year", *(f"beyond_{lv * 1000:g}" for lv in FUNNEL_LEVELS)]]
                            .rename(columns=lambda c, name=name: f"{name}_{c}" if c.startswith("beyond") else c),
                            on=["iso3", "year"], how="left")
    tallies = {name: tally(rows, FUNNEL_LEVELS[-1]) for name, rows in funnel_rows.items()}
    own = {name: tally(rows.dropna(subset=["own_alpha"]), FUNNEL_LEVELS[-1], own=True)
           for name, rows in funnel_rows.items()}
    return table, centre, tallies, own
