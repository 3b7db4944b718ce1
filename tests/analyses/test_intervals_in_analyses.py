"""The intervals the analyses print, against values worked out here.

Rates per inhabitant and funding per victim over the years.

Counts come from the workbook cells as the README states them and from the
World Bank's raw CSV files read with the csv module; intervals from scipy's
binomial test and the chi-square form of the Poisson interval, not from the
package's own interval code.
"""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats
from second_routes import exact_ratio, garwood

import analysis
from analysis import config
from analysis.analyses import (
    ParameterError,
    parameter_problems,
    series_funding,
)

GAP, NORDIC = "06_series_conviction_gap", "12_nordic_comparison"


def _raw(name: str, column: str) -> dict[tuple[str, int], float]:
    with open(config.RAW / name, newline="", encoding="utf-8") as handle:
        return {(row["Country Code"], int(row["Year"])): float(row[column]) for row in csv.DictReader(handle)}


POPULATION = _raw("world_bank_population.csv", "Value")
INFLATION = _raw("world_bank_cpi_inflation.csv", "CPI")


# --- 06: Norway's detected victims per person convicted, and the trend in persons convicted ---

@pytest.mark.slow
def test_series_gap_intervals_by_year(analysed):
    result = analysed(GAP)
    ci = result.facts["glotip_ratio_ci"]
    assert ci[2014] == pytest.approx(exact_ratio(324, 8))  # 324 detected, 8 convicted (2025 release)
    assert ci[2018] == pytest.approx(exact_ratio(106, 13))
    # 2020: 254 detected, "<5" convicted (the 2023 release's, the 2025 row is flagged): the union over 1 to 4.
    assert ci[2020] == pytest.approx((exact_ratio(254, 4)[0], exact_ratio(254, 1)[1]))
    assert 2017 not in ci and 2021 not in ci  # not reported: no interval, neither zero nor censored
    assert result.facts["unreliable"] == sorted(ci)  # every year rests on fewer than 20 persons convicted
    assert result.facts["tip_ratio_ci"][2014] == pytest.approx(exact_ratio(270, 5))


@pytest.mark.slow
def test_series_gap_tests_every_year_at_once_and_fits_the_trend_by_the_negative_binomial(analysed):
    result = analysed(GAP)
    assert "extremes" not in result.facts  # no test of the lowest year against the highest, picked after the data
    # Pearson's chi-square over the 14 years with both counts, by its formula, each "<5" at 1 and at 4.
    detected = {y: c for y, c in NORWAY_DETECTED.items() if y != 2021}
    convicted = {2007: 9, 2009: 5, 2010: 8, 2012: 8, 2013: 5, 2014: 8, 2015: 12, 2016: 16, 2018: 13, 2019: 5}
    censored = [2008, 2011, 2020, 2022]
    statistics = []
    for k in (1, 4):
        row = [convicted.get(y, k) for y in detected]
        table = np.array([row, list(detected.values())], float)
        expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
        statistics.append(((table - expected) ** 2 / expected).sum())
    spread = result.facts["homogeneity"]
    assert spread["df"] == 13 and len(censored) == 4
    assert spread["statistic"][0] <= min(statistics) and spread["statistic"][1] >= max(statistics)
    assert spread["verdict"] == "differs" and spread["p_range"][1] == pytest.approx(
        stats.chi2.sf(spread["statistic"][0], 13))
    trend = result.facts["trend_convicted"]
    assert trend["censored_years"] == censored
    assert trend["model"].startswith("negative binomial") and trend["alpha"] > 0
    assert trend["ci"][0] < 0 < trend["ci"][1] and trend["detectable_change"] > 5
    assert f"a change under about {trend['detectable_change']:.0f}% a year would go undetected" in result.title
    # the Penal Code of 2015 is a break in the series (flag b), so a second fit lets the level shift there
    assert result.facts["trend_convicted_with_break"]["model"].endswith("level shifting from 2015")
    # and on each side of it alone, a window the law fixes
    sides = result.facts["trend_convicted_each_side_of_break"]
    assert [side["years"] for side in sides] == [(2007, 2014), (2015, 2022)]
    assert sides[1]["censored_years"] == [2020, 2022]
    flags = result.table.set_index("year").glotip_convicted_flags
    assert all("b" in flags[y] for y in (2015, 2016, 2018)) and "b" not in flags[2014]


def test_series_gap_with_too_few_years_for_a_trend_says_so(analysed):
    result = analysed(GAP, first_year=2013, last_year=2014)
    assert result.facts["trend_convicted"] is None
    assert "too few for a trend" in result.summary and "trend" not in result.title
    # 2013 (5 of 124) and 2014 (8 of 324): Pearson's chi-square of the 2 x 2 table, by its formula, finds nothing
    table = np.array([[5, 8], [124, 324]], float)
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    p = stats.chi2.sf(((table - expected) ** 2 / expected).sum(), 1)
    assert result.facts["homogeneity"]["verdict"] == "no difference detected" and p > 0.05
    assert result.title.endswith(f"show no variation between years beyond chance that the test could detect "
                                 f"(p = {p:.2g})")


# --- 12: rates per inhabitant ---

#: Norway, 2025 release: detected victims in the 15 years that give them (2017 not reported), as the workbook writes
#: them.
NORWAY_DETECTED = {2007: 203, 2008: 256, 2009: 292, 2010: 127, 2011: 134, 2012: 136, 2013: 124, 2014: 324, 2015: 301,
                   2016: 262,
                   2018: 106, 2019: 241, 2020: 254, 2021: 86, 2022: 86}


@pytest.mark.slow
def test_nordic_detection_rate_is_the_negative_binomial_pooled_rate_and_wider_than_poissons(analysed):
    result = analysed(NORDIC)
    years = sorted(NORWAY_DETECTED)
    counts = np.array([NORWAY_DETECTED[y] for y in years])
    exposure = np.array([POPULATION[("NOR", y)] for y in years])
    nb = sm.NegativeBinomial(counts, np.ones((len(years), 1)), loglike_method="nb2",
                             exposure=exposure).fit(disp=False, maxiter=500)
    assert result.facts["detected_per_100000"]["NOR"] == pytest.approx(math.exp(nb.params[0]) * 1e5, rel=1e-4)
    low, high = result.facts["detected_per_100000_ci"]["NOR"]
    poisson = garwood(int(counts.sum()))
    person_years = exposure.sum()
    assert result.facts["detected_per_100000_poisson_ci"]["NOR"] == pytest.approx(
        (poisson[0] / person_years * 1e5, poisson[1] / person_years * 1e5))
    assert (high - low) > 4 * (poisson[1] - poisson[0]) / person_years * 1e5
    pooled = result.tables["pooled"].set_index("iso3")
    assert pooled.loc["NOR", "detected_years"] == 15
    assert (pooled.loc["NOR", "detected_first"], pooled.loc["NOR", "detected_last"]) == (2007, 2022)


@pytest.mark.slow
def test_nordic_comparisons_are_one_family_adjusted_by_holm_and_stated_only_where_both_releases_agree(analysed):
    result = analysed(NORDIC)
    versus = result.tables["against_norway"]
    assert len(versus) == 8  # four countries, two measures
    raw = list(versus.p_value)
    order = np.argsort(raw)
    by_hand = np.empty(8)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (8 - rank) * raw[index]))
        by_hand[index] = running
    assert list(versus.p_holm) == pytest.approx(list(by_hand))
    assert list(versus.verdict) == ["differs" if p < 0.05 else "no difference detected" for p in by_hand]
    both = result.facts["verdict_both_releases"]
    for row in versus.itertuples():
        agree = row.verdict == row.verdict_glotip2023 == row.verdict_glotip2025
        assert both[row.measure][row.iso3] == (row.verdict if agree else None)
    # Iceland's conviction rate: "differs" in the release chosen, not in each alone, so no verdict is stated
    assert both["convicted"]["ISL"] is None
    assert "differs from those of Sweden, Denmark and Finland" in result.title


@pytest.mark.slow
def test_nordic_funnel_limits_follow_their_formula(analysed):
    result = analysed(NORDIC)
    target = result.facts["funnel_target"]["detected"] / 1e5
    alpha = result.facts["funnel_alpha"]["detected"]
    limits = result.tables["funnel_detected"]
    for row in limits.iloc[[0, 30, -1]].itertuples():
        for level, column in ((0.95, "upper_950"), (0.998, "upper_998")):
            z = stats.norm.ppf(1 - (1 - level) / 2)
            assert getattr(row, column) == pytest.approx((target + z * math.sqrt(target / row.population
                                                                                 + alpha * target ** 2)) * 1e5)
    # each country-year against its own limits, by hand: above only when its whole range is
    z = stats.norm.ppf(1 - 0.002 / 2)
    for row in result.table.dropna(subset=["detected_low"]).itertuples():
        spread = z * math.sqrt(target / row.population + alpha * target ** 2)
        upper, lower = (target + spread) * 1e5, max(target - spread, 0) * 1e5
        low, high = row.detected_low / row.population * 1e5, row.detected_high / row.population * 1e5
        expected = ("above" if low > upper else "below" if high < lower
                    else "within" if lower <= low and high <= upper else "undetermined")
        assert row.detected_beyond_998 == expected, (row.country, row.year)


def test_nordic_refuses_a_year_without_population_naming_country_and_year(data):
    world_bank = data.world_bank[~((data.world_bank.iso3 == "ISL") & (data.world_bank.year == 2020)
                                   & (data.world_bank.indicator == "population"))]
    gappy = analysis.data.Dataset(**{**data.__dict__, "world_bank": world_bank})
    problems = parameter_problems("12_nordic_comparison", {}, gappy)
    assert any("Iceland (ISL)" in p and "2020" in p for p in problems), problems


# --- 08: funding per victim over the years, in constant kroner and with no chance interval ---

def _index(base: int, year: int) -> float:
    """Norway's price level of ``year`` over ``base``'s, chained by hand from the raw inflation."""
    level = 1.0
    for y in range(min(base, year) + 1, max(base, year) + 1):
        level *= 1 + INFLATION[("NOR", y)] / 100
    return level if year >= base else 1 / level


@pytest.mark.parametrize(("denominator", "victims"), [("unodc_detected", {2014: 324, 2015: 301, 2016: 262, 2018: 106}),
                                                       ("tip", {2014: 270, 2015: 290, 2016: 262}),
                                                       ("kom", {2014: 324, 2015: 301, 2016: 262})])
@pytest.mark.parametrize("base_year", [2018, 2014])
def test_funding_per_victim_in_current_and_constant_kroner(data, denominator, victims, base_year):
    totals = {2014: 7_000_000, 2015: 7_000_000, 2016: 11_900_000, 2017: 20_000_000, 2018: 37_900_000}
    result = series_funding.analyse(data, denominator=denominator, base_year=base_year)
    assert result.facts["per_victim"] == pytest.approx({y: totals[y] / v for y, v in victims.items()})
    constant = {y: totals[y] / v / _index(base_year, y) for y, v in victims.items()}
    assert result.facts["per_victim_constant"] == pytest.approx(constant)
    assert result.facts["per_victim_constant_first"] == pytest.approx(constant[2014])
    # the range over the three counts, in constant kroner: 2014 divides by 270 (TIP) and 324 (UNODC, KOM)
    assert result.facts["per_victim_constant_range"][2014] == pytest.approx(
        (totals[2014] / 324 / _index(base_year, 2014), totals[2014] / 270 / _index(base_year, 2014)))
    assert "per_victim_ci" not in result.facts and "confidence" not in result.facts
    assert not any("ci" in column.split("_") or column == "unreliable" for column in result.table.columns)
    assert "not what Norway spent" in result.summary
    assert result.title.startswith("Funding lines the TIP names: NOK 7.0 million for 2014, NOK 37.9 million for 2018; ")


def test_funding_per_victim_over_the_years_takes_no_confidence_level(data):
    with pytest.raises(ParameterError, match="unknown parameter 'confidence'"):
        series_funding.analyse(data, confidence=0.99)


def test_funding_refuses_a_base_year_without_prices(data):
    with pytest.raises(ParameterError,
                       match=r"base_year: no World Bank consumer price inflation for Norway \(NOR\) in 2025, 2026"):
        series_funding.analyse(data, base_year=2026)


@pytest.mark.slow
def test_a_different_confidence_changes_the_interval_and_its_label(analysed):
    """At 90 %, the level tests/charts/test_charts.py draws 06's chart at, so the two share one run."""
    narrow = analysed(GAP, confidence=0.9)
    assert narrow.facts["glotip_ratio_ci"][2014] == pytest.approx(exact_ratio(324, 8, 0.9))
    assert narrow.facts["glotip_ratio_ci"][2014] != pytest.approx(exact_ratio(324, 8))
    assert "90% CI" in narrow.summary and "95% CI" not in narrow.summary
    assert math.isclose(narrow.facts["confidence"], 0.9)
