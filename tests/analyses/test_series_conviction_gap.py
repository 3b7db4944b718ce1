"""Notebook 06's analysis (analysis/analyses/series_conviction_gap.py), for every parameter value it documents.

Expected values are UNODC's counts as the 2025 workbook writes them and the TIP's as its editions print them, read by
hand.
"""

from __future__ import annotations

import pytest

from analysis.analyses import ParameterError, series_conviction_gap

#: UNODC's Norway counts as the 2025 workbook writes them (detected victims, persons convicted), read by hand.
UNODC_NORWAY = {2007: (203, 9), 2008: (256, "<5"), 2009: (292, 5), 2010: (127, 8), 2011: (134, "<5"), 2012: (136, 8),
                2013: (124, 5),
                2014: (324, 8), 2015: (301, 12), 2016: (262, 16), 2017: (None, 5), 2018: (106, 13), 2019: (241, 5),
                2020: (254, "<5"),
                2021: (86, None), 2022: (86, "<5")}


def _expected_ratio(victims, convicted):
    if victims is None or convicted is None:
        return None
    return (victims / 4, victims / 1) if convicted == "<5" else (victims / convicted, victims / convicted)


#: Every documented value of each parameter of 06 (years, the TIP's vintage rule, UNODC's release) and every pair of
#: values of two of them: the rule picks among the TIP's editions and the release among UNODC's workbooks, two tables
#: the analysis reads apart, so the pairs cover what all twelve combinations would. Two years fit no trend and take
#: a fraction of a second: all four combinations; the longer ranges fit trends: a second or more each.
GAP_VALUES = [
    *(pytest.param(2013, 2014, rule, release) for rule in ("latest", "first") for release in ("latest", "first")),
    *(pytest.param(*values, marks=pytest.mark.slow) for values in (
        (2007, 2022, "latest", "latest"), (2007, 2022, "first", "first"),
        (2016, 2022, "latest", "first"), (2016, 2022, "first", "latest")))]


@pytest.mark.parametrize(("first", "last", "rule", "release"), GAP_VALUES)
def test_series_gap_for_every_documented_parameter(analysed, rule, release, first, last):
    result = analysed("06_series_conviction_gap", first_year=first, last_year=last, rule=rule, release=release)
    # TIP: 2013 ~350 / (3 + 2); 2014 ~270 / (4 + 1) (2015 edition); 2020: an estimate of 100 / 1 conviction (2021
    # edition)
    expected_tip = {year: r
                    for year, r in {2013: 350 / 5, 2014: 270 / 5, 2020: 100 / 1}.items() if first <= year <= last}
    assert result.facts["tip_ratio"] == pytest.approx(expected_tip)
    # the releases agree on these totals; a year only the 2025 release gives (2021, 2022) comes from it under either
    # rule
    covered = {y: v for y, v in UNODC_NORWAY.items() if first <= y <= last}
    expected = {y: _expected_ratio(*v) for y, v in covered.items() if _expected_ratio(*v)}
    assert sorted(result.facts["glotip_ratio"]) == sorted(expected)
    for year, bounds in expected.items():
        assert result.facts["glotip_ratio"][year] == pytest.approx(bounds), year
    assert result.facts["ranges"] == [y for y, (_, c) in covered.items() if c == "<5" and _expected_ratio(*covered[y])]


@pytest.mark.slow
def test_series_gap_with_flagged_rows_and_the_kom_counts(data):
    result = series_conviction_gap.analyse(data, include_flagged=True).table.set_index("year")
    assert result.loc[2014, "kom_victims"] == 324 and result.loc[2012, "kom_victims"] == 349
    assert result.loc[2014, "glotip_detected"] == "324"  # UNODC's 2014 count equals KOM's
    assert result.loc[2020, "glotip_ratio"] == "64-254"


def test_series_gap_refuses_a_range_outside_the_data(data):
    with pytest.raises(ParameterError, match="first_year \\(2020\\) must not be after last_year \\(2019\\)"):
        series_conviction_gap.analyse(data, first_year=2020, last_year=2019)
    with pytest.raises(ParameterError, match="first_year-last_year 1990-1995 holds no year of the data"):
        series_conviction_gap.analyse(data, first_year=1990, last_year=1995)
    with pytest.raises(ParameterError, match="release must be one of first, latest; got '2024'"):
        series_conviction_gap.analyse(data, release="2024")
    with pytest.raises(ParameterError, match="rule must be one of first, latest; got 'median'"):
        series_conviction_gap.analyse(data, rule="median")


@pytest.mark.slow
def test_series_gap_refuses_a_range_without_a_single_ratio_and_names_the_years_that_have_one(data, analysed):
    """2020-2022 have only "<5" or missing counts of persons convicted: nothing to compare, so a clear refusal.

    The years it names are those whose ratio the default run's table gives as a single value.
    """
    table = analysed("06_series_conviction_gap").table
    single = table[table.glotip_ratio_low == table.glotip_ratio_high].year.tolist()
    assert single and not any(2020 <= year <= 2022 for year in single)
    expected = ", ".join(str(year) for year in single)
    with pytest.raises(ParameterError, match=rf"no year in 2020-2022 has .* years that do: {expected}$"):
        series_conviction_gap.analyse(data, first_year=2020, last_year=2022)


def test_series_gap_defaults_pass_the_check_of_data_loaded_without_unodc_counts():
    """Data loaded without UNODC's counts leave the range's check of them unjudged.

    `tip-norway refresh` checks the notebooks' defaults against the core tables alone; the check failed there with an
    AttributeError on the missing table.
    """
    import analysis
    from analysis.analyses import parameter_problems

    core = analysis.load()
    assert core.glotip is None
    assert parameter_problems("06_series_conviction_gap", {}, core) == []
