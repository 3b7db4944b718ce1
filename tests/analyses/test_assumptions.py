"""The assumptions a user may change, each checked by a route that does not go through the code under test.

What a "<5" may be and the break model (06), the years pooled and the spread that widens the funnel (12).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from analysis.analyses import ParameterError, nordic_comparison, parameter_problems, series_conviction_gap
from analysis.analyses.nordic_funnel import funnels
from analysis.analyses.nordic_pooling import country_years

GAP, NORDIC = "06_series_conviction_gap", "12_nordic_comparison"

#: Norway, 2025 release, as written: persons convicted, 2007-2022 ("<5" as None, not reported as "n/a").
CONVICTED = {2007: 9, 2008: None, 2009: 5, 2010: 8, 2011: None, 2012: 8, 2013: 5, 2014: 8, 2015: 12, 2016: 16,
             2017: "n/a", 2018: 13, 2019: 5, 2020: None, 2021: "n/a", 2022: None}
#: Norway's detected victims in the years a persons-convicted count is "<5" (2025 release).
DETECTED_WHERE_CENSORED = {2008: 256, 2011: 134, 2020: 254, 2022: 86}


@pytest.fixture(scope="module")
def from_zero(analysed):
    return analysed(GAP, censored_low=0)


@pytest.fixture(scope="module")
def from_one(analysed):
    return analysed(GAP)


@pytest.mark.slow
def test_a_censored_count_taken_from_zero_gives_a_ratio_without_an_upper_end(from_zero, from_one):
    zero, one = from_zero.table.set_index("year"), from_one.table.set_index("year")
    for year, detected in DETECTED_WHERE_CENSORED.items():
        assert (zero.loc[year, "glotip_convicted_low"], zero.loc[year, "glotip_convicted_high"]) == (0, 4)
        assert zero.loc[year, "glotip_ratio_low"] == pytest.approx(detected / 4)
        assert zero.loc[year, "glotip_ratio_high"] == math.inf
        assert zero.loc[year, "glotip_ratio"] == f"{round(detected / 4):,} or more"
        assert (one.loc[year, "glotip_ratio_low"], one.loc[year, "glotip_ratio_high"]) == (detected / 4, detected / 1)
    published = [y for y, c in CONVICTED.items() if isinstance(c, int)]
    assert (zero.loc[published, "glotip_ratio"] == one.loc[published, "glotip_ratio"]).all()


@pytest.mark.slow
def test_each_assumption_shows_the_other_once_and_the_two_runs_mirror_each_other(from_zero, from_one):
    """Run with 0, the effect shown of 1 is the default run's own result, and the other way round."""
    zero, one = from_zero.facts, from_one.facts
    assert one["censored_low"] == 1 and zero["censored_low"] == 0
    assert one["if_censored_low_were_other"]["censored_low"] == 0
    assert zero["if_censored_low_were_other"]["trend_percent_a_year"] == pytest.approx(
        one["trend_convicted"]["percent_a_year"], rel=1e-6)
    assert one["if_censored_low_were_other"]["trend_percent_a_year"] == pytest.approx(
        zero["trend_convicted"]["percent_a_year"], rel=1e-6)
    assert tuple(zero["if_censored_low_were_other"]["homogeneity_p_range"]) == pytest.approx(
        one["homogeneity"]["p_range"], rel=1e-6)
    assert zero["trend_convicted"]["censored_years"] == [2008, 2011, 2020, 2022]
    assert "taken to be 0 to 4 throughout" in from_zero.summary and "were it 1 to 4" in from_zero.summary
    assert "taken to be 1 to 4 throughout" in from_one.summary and "were it 0 to 4" in from_one.summary


@pytest.mark.slow
def test_the_break_model_is_a_choice_and_the_words_say_the_trend_crosses_the_break_without_it(analysed, from_one):
    without = analysed(GAP, break_fit=False)
    assert without.facts["trend_convicted_with_break"] is None
    assert without.facts["trend_convicted_each_side_of_break"] == []
    assert without.facts["trend_convicted"] == from_one.facts["trend_convicted"]
    assert "fitted across it as one series" in without.summary
    assert from_one.facts["trend_convicted_with_break"] is not None
    assert [s["years"] for s in from_one.facts["trend_convicted_each_side_of_break"]] == [(2007, 2014), (2015, 2022)]


def test_censored_low_and_break_fit_refuse_other_values(data):
    with pytest.raises(ParameterError, match="censored_low"):
        series_conviction_gap.analyse(data, censored_low=2)
    with pytest.raises(ParameterError, match="break_fit must be True or False"):
        series_conviction_gap.analyse(data, break_fit="yes")


def _both_counts(data, countries, years):
    """Per country, the years with both counts as written in the 2025 release (flagged rows kept out as 12 does)."""
    rows = data.glotip[(data.glotip.source_id == "glotip2025") & data.glotip.iso3.isin(countries)
                       & data.glotip.metric.isin(["victims_detected", "persons_convicted"])
                       & (data.glotip.form == "unsplit") & (data.glotip.sex == "Total") & (data.glotip.age == "Total")
                       & data.glotip.year.isin(years)]
    return {iso3: {int(y) for y, n in part.groupby("year").metric.nunique().items() if n == 2}
            for iso3, part in rows.groupby("iso3")}


@pytest.mark.slow
def test_common_years_are_those_every_country_reports_and_every_pooled_figure_uses_only_them(data, analysed):
    countries = ["NOR", "SWE", "DNK", "FIN", "ISL"]
    years = range(2007, 2023)
    by_hand = sorted(set.intersection(*_both_counts(data, countries, years).values()))
    assert by_hand == [2018, 2020]
    result = nordic_comparison.analyse(data, common_years=True)
    assert result.facts["years_all_countries_report"] == by_hand
    assert sorted(result.table.year.unique()) == by_hand
    assert set(result.facts["years_with_both"].values()) == {2}
    # Norway's pooled detection rate over the two years: statsmodels' NB2 with the population as exposure
    norway = result.table[result.table.iso3 == "NOR"]
    nb = sm.NegativeBinomial(norway.detected_low.to_numpy(), np.ones((2, 1)), loglike_method="nb2",
                             exposure=norway.population.to_numpy()).fit(disp=False, maxiter=500)
    assert result.facts["detected_per_100000"]["NOR"] == pytest.approx(math.exp(nb.params[0]) * 1e5, rel=1e-4)
    assert "only the 2 years in which every country chosen reports both counts (2018, 2020)" in result.summary
    assert "the parameter common_years restricts every figure to those years" in analysed(NORDIC).summary


def test_common_years_refuses_a_range_in_which_the_countries_share_too_few_years(data):
    """Refused with Iceland; without it, allowed, and the table keeps the years the other three share.

    The table and its common years are the step of the analysis that makes them
    (:func:`~analysis.analyses.nordic_pooling.country_years`); that the analysis states and pools exactly those is
    the test above.
    """
    with pytest.raises(ParameterError, match=r"common_years: every country chosen reports both counts in 0 year\(s\) "
                                             r"of 2007-2016 \(none\); pooling needs at least 2.*ISL 0"):
        nordic_comparison.analyse(data, first_year=2007, last_year=2016, common_years=True)
    three = ["NOR", "SWE", "DNK"]
    values = {"first_year": 2007, "last_year": 2016, "common_years": True, "countries": three}
    assert parameter_problems(NORDIC, values, data) == []
    by_hand = sorted(set.intersection(*_both_counts(data, three, range(2007, 2017)).values()))
    assert len(by_hand) >= 2
    table, years, common = country_years(data, three, list(range(2007, 2017)), "latest", False, 0.95, True)
    assert common == years == by_hand
    assert sorted(table.year.unique()) == by_hand


@pytest.mark.slow
def test_each_countrys_own_dispersion_is_its_years_alone_and_judges_its_years_by_the_funnel_formula(analysed):
    result = analysed(NORDIC)
    norway = result.table[result.table.iso3 == "NOR"].dropna(subset=["detected_low"])
    nb = sm.NegativeBinomial(norway.detected_low.to_numpy(), np.ones((len(norway), 1)), loglike_method="nb2",
                             exposure=norway.population.to_numpy()).fit(disp=False, maxiter=500)
    alpha = result.facts["funnel_alpha_by_country"]["detected"]["NOR"]
    assert alpha == pytest.approx(nb.params[1], rel=1e-3)
    # Spiegelhalter's limits with Norway's own alpha about the Nordic target, at 99.8 %
    target = result.facts["funnel_target"]["detected"] / 1e5
    z = stats.norm.ppf(1 - 0.002 / 2)
    spread = z * np.sqrt(target / norway.population + alpha * target ** 2)
    rate = norway.detected_low / norway.population
    beyond = int(((rate > target + spread) | (rate < target - spread)).sum())
    assert result.facts["years_beyond_own_limits"]["detected"]["NOR"] == beyond == 6
    assert f"{beyond} by limits widened only by Norway's own spread" in result.closing


@pytest.mark.slow
def test_a_country_with_one_year_is_said_to_be_too_few_to_pool_never_printed_as_nan(data):
    result = nordic_comparison.analyse(data, countries=["NOR", "ISL"], first_year=2020)
    assert "nan" not in result.title + result.summary + result.closing
    assert "- Iceland: not pooled: 1 year with a count, too few (at least 2)" in result.summary
    assert result.title.endswith("pooled, Norway 2.6 (overdispersed model; no country set against Norway)")


def test_a_range_with_fewer_than_two_country_years_of_a_count_is_refused_before_any_model(data):
    with pytest.raises(ParameterError, match=r"first_year-last_year: the countries chosen give 1 country-year\(s\) "
                                             r"with a count of persons convicted \(NOR 2022\)"):
        nordic_comparison.analyse(data, countries=["NOR", "ISL"], first_year=2021)


def test_a_range_beyond_the_population_series_needs_populations_only_for_the_years_counted(data):
    """2003-2025 is allowed though the World Bank gives no population for 2025; the years counted all have theirs.

    The table is the analysis's own step (:func:`~analysis.analyses.nordic_pooling.country_years`), and the funnel,
    what needs the populations, places every country-year counted.
    """
    countries = ["NOR", "SWE", "DNK", "FIN", "ISL"]
    assert parameter_problems(NORDIC, {"first_year": 2003, "last_year": 2025}, data) == []
    table, _, _ = country_years(data, countries, list(range(2003, 2026)), "latest", False, 0.95, False)
    counted = table.dropna(subset=["detected_low"])
    populations = data.world_bank[data.world_bank.indicator == "population"].set_index(["iso3", "year"]).value
    assert [float(populations[(r.iso3, r.year)]) for r in counted.itertuples()] == counted.population.tolist()
    assert table.year.min() == 2003 and table[table.year == 2025].population.isna().all()
    placed = funnels(table)[0].dropna(subset=["detected_low"])
    assert len(placed) == len(counted)
    assert placed.detected_beyond_998.isin(["above", "below", "within", "undetermined"]).all()
