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

import pytest
from scipy import stats
from second_routes import exact_ratio, garwood

import analysis
from analysis.analyses import (
    ParameterError,
    nordic_comparison,
    parameter_problems,
    series_conviction_gap,
    series_funding,
)
from analysis.data import paths
from analysis.regenerate.cli import main


def _raw(name: str, column: str) -> dict[tuple[str, int], float]:
    with open(paths.RAW / name, newline="", encoding="utf-8") as handle:
        return {(row["Country Code"], int(row["Year"])): float(row[column]) for row in csv.DictReader(handle)}


POPULATION = _raw("world_bank_population.csv", "Value")
INFLATION = _raw("world_bank_cpi_inflation.csv", "CPI")


# --- 06: Norway's detected victims per person convicted, and the trend in persons convicted ---

@pytest.mark.slow
def test_series_gap_intervals_by_year(data):
    result = series_conviction_gap.analyse(data)
    ci = result.facts["glotip_ratio_ci"]
    assert ci[2014] == pytest.approx(exact_ratio(324, 8))  # 324 detected, 8 convicted (2025 release)
    assert ci[2018] == pytest.approx(exact_ratio(106, 13))
    # 2020: 254 detected, "<5" convicted (the 2023 release's, the 2025 row is flagged): the union over 1 to 4.
    assert ci[2020] == pytest.approx((exact_ratio(254, 4)[0], exact_ratio(254, 1)[1]))
    assert 2017 not in ci and 2021 not in ci  # not reported: no interval, neither zero nor censored
    assert result.facts["unreliable"] == sorted(ci)  # every year rests on fewer than 20 persons convicted
    assert result.facts["tip_ratio_ci"][2014] == pytest.approx(exact_ratio(270, 5))


@pytest.mark.slow
def test_series_gap_compares_its_extremes_and_fits_the_trend(data):
    result = series_conviction_gap.analyse(data)
    # 2018 (13 of 106) against 2009 (5 of 292): convictions per detected victim, conditional on 18.
    p = stats.binomtest(13, 18, 106 / (106 + 292)).pvalue
    assert result.facts["extremes"]["years"] == (2018, 2009)
    assert result.facts["extremes"]["p_value"] == pytest.approx(p) and p < 0.05
    trend = result.facts["trend_convicted"]
    assert trend["censored_years"] == [2008, 2011, 2020, 2022]
    assert trend["model"] == "negative binomial" and trend["dispersion"] > 1
    assert trend["ci"][0] < 0 < trend["ci"][1]
    assert "a difference beyond chance; no detectable trend in persons convicted 2007-2022" in result.title


def test_series_gap_with_too_few_years_for_a_trend_says_so(data):
    result = series_conviction_gap.analyse(data, first_year=2013, last_year=2014)
    assert result.facts["trend_convicted"] is None
    assert "too few for a trend" in result.summary and "trend" not in result.title


# --- 12: rates per inhabitant ---

#: Norway, 2025 release: detected victims in the 15 years that give them (2017 not reported), as the workbook writes
#: them.
NORWAY_DETECTED = {2007: 203, 2008: 256, 2009: 292, 2010: 127, 2011: 134, 2012: 136, 2013: 124, 2014: 324, 2015: 301,
                   2016: 262,
                   2018: 106, 2019: 241, 2020: 254, 2021: 86, 2022: 86}


@pytest.mark.slow
def test_nordic_detection_rate_per_inhabitant_with_its_interval(data):
    result = nordic_comparison.analyse(data)
    person_years = sum(POPULATION[("NOR", y)] for y in NORWAY_DETECTED)
    total = sum(NORWAY_DETECTED.values())
    rate = total / person_years * 1e5
    assert result.facts["detected_per_100000"]["NOR"] == pytest.approx((rate, rate))
    low, high = garwood(total)
    assert result.facts["detected_per_100000_ci"]["NOR"] == pytest.approx((low / person_years * 1e5,
                                                                           high / person_years * 1e5))
    assert f"Norway {rate:.1f}" in result.title
    pooled = result.tables["pooled"].set_index("iso3")
    assert pooled.loc["NOR", "detected_years"] == 15


@pytest.mark.slow
def test_nordic_pooled_ratio_interval_spans_the_censored_convictions(data):
    result = nordic_comparison.analyse(data)
    # 2,846 detected over the 14 years with both counts, 93 to 105 convicted (four "<5").
    assert result.facts["pooled_ci"]["NOR"] == pytest.approx((exact_ratio(2846, 105)[0], exact_ratio(2846, 93)[1]))


@pytest.mark.slow
def test_nordic_norway_against_denmark_is_the_exact_conditional_test(data):
    result = nordic_comparison.analyse(data)
    pooled = result.tables["pooled"].set_index("iso3")
    assert pooled.loc["DNK", "detected_count_low"] == pooled.loc["DNK", "detected_count_high"]  # no "<5" year
    denmark = int(pooled.loc["DNK", "detected_count_low"])
    norway_py = sum(POPULATION[("NOR", y)] for y in NORWAY_DETECTED)
    denmark_years = [y for y in range(2007, 2023)]
    assert pooled.loc["DNK", "detected_years"] == len(denmark_years)
    denmark_py = sum(POPULATION[("DNK", y)] for y in denmark_years)
    p = stats.binomtest(2932, 2932 + denmark, norway_py / (norway_py + denmark_py)).pvalue
    row = result.tables["against_norway_detected"].set_index("iso3").loc["DNK"]
    assert row.p_value == pytest.approx(p, rel=1e-9) and bool(row.differs) == (p < 0.05)
    assert row.rate_ratio_low == pytest.approx((2932 / norway_py) / (denmark / denmark_py))


def test_nordic_refuses_a_year_without_population_naming_country_and_year(data):
    world_bank = data.world_bank[~((data.world_bank.iso3 == "ISL") & (data.world_bank.year == 2020)
                                   & (data.world_bank.indicator == "population"))]
    gappy = analysis.data.Dataset(**{**data.__dict__, "world_bank": world_bank})
    problems = parameter_problems("12_nordic_comparison", {}, gappy)
    assert any("Iceland (ISL)" in p and "2020" in p for p in problems), problems


# --- 08: funding per victim over the years ---

def _index(base: int, year: int) -> float:
    """Norway's price level of ``year`` over ``base``'s, chained by hand from the raw inflation."""
    level = 1.0
    for y in range(min(base, year) + 1, max(base, year) + 1):
        level *= 1 + INFLATION[("NOR", y)] / 100
    return level if year >= base else 1 / level


@pytest.mark.parametrize(("denominator", "victims"), [("unodc_detected", {2014: 324, 2015: 301, 2016: 262, 2018: 106}),
                                                       ("tip", {2014: 270, 2015: 290, 2016: 262})])
@pytest.mark.parametrize("base_year", [2018, 2014])
def test_funding_per_victim_in_current_and_constant_kroner(data, denominator, victims, base_year):
    totals = {2014: 7_000_000, 2015: 7_000_000, 2016: 11_900_000, 2017: 20_000_000, 2018: 37_900_000}
    result = series_funding.analyse(data, denominator=denominator, base_year=base_year)
    assert result.facts["per_victim"] == pytest.approx({y: totals[y] / v for y, v in victims.items()})
    constant = {y: totals[y] / v / _index(base_year, y) for y, v in victims.items()}
    assert result.facts["per_victim_constant"] == pytest.approx(constant)
    low, high = garwood(victims[2014])
    assert result.facts["per_victim_ci"][2014] == pytest.approx((totals[2014] / high, totals[2014] / low))
    assert "not what Norway spent" in result.summary
    assert result.title.startswith("Funding lines the TIP names: NOK 7.0 million for 2014, NOK 37.9 million for 2018; ")


def test_funding_refuses_a_base_year_without_prices(data):
    with pytest.raises(ParameterError,
                       match=r"base_year: no World Bank consumer price inflation for Norway \(NOR\) in 2025, 2026"):
        series_funding.analyse(data, base_year=2026)


# --- the confidence level, before any kernel starts ---

@pytest.mark.parametrize("notebook",
                         ["01_conviction_gap", "06_series_conviction_gap", "11_labor_share_series",
                          "12_nordic_comparison"])
@pytest.mark.parametrize("bad", [0, 1, 1.5])
def test_confidence_outside_zero_one_is_refused_by_the_analysis(data, notebook, bad):
    problems = parameter_problems(notebook, {"confidence": bad}, data)
    assert any(p.startswith("confidence must be a number strictly between 0 and 1") and repr(bad) in p
               for p in problems), problems


def test_confidence_outside_zero_one_stops_a_run_before_any_kernel(tmp_path, capsys):
    code = main(["run", "06", "-p", "confidence", "1.5", "--output-dir", str(tmp_path / "out"), "--figures-dir",
                 str(tmp_path / "fig")])
    assert code == 2
    err = capsys.readouterr().err
    assert "06_series_conviction_gap" in err and ("confidence must be a "
                                                  "number strictly between 0 and 1") in err and "got 1.5" in err
    assert not (tmp_path / "fig").exists() or not any((tmp_path / "fig").iterdir())


@pytest.mark.slow
def test_a_different_confidence_changes_the_interval_and_its_label(data):
    wide = series_conviction_gap.analyse(data, confidence=0.99)
    assert wide.facts["glotip_ratio_ci"][2014] == pytest.approx(exact_ratio(324, 8, 0.99))
    assert "99% CI" in wide.summary
    assert math.isclose(wide.facts["confidence"], 0.99)
