"""Notebook 08's analysis (analysis/analyses/series_funding.py): funding per victim under each count of victims.

Expected values are the funding lines as the TIP's editions print them and the counts of victims as their sources
print them, worked out by hand.
"""

from __future__ import annotations

import pytest

from analysis.analyses import series_funding


@pytest.mark.parametrize(("first", "last"), [(2014, 2018), (2016, 2017), (2014, 2014)])
def test_series_funding_for_every_documented_parameter(data, first, last):
    totals = {2014: 2_500_000 + 4_500_000, 2015: 7_000_000, 2016: 3_750_000 + 5_900_000 + 2_250_000,
              2017: 20_000_000, 2018: 30_000_000 + 2_900_000 + 5_000_000}
    result = series_funding.analyse(data, first_year=first, last_year=last)
    assert result.facts["totals"] == {y: totals[y] for y in range(first, last + 1)}
    assert result.title.startswith(f"Funding lines the TIP names: NOK {totals[first] / 1e6:.1f} million for {first}, "
                                   f"NOK {totals[last] / 1e6:.1f} million for {last}; per victim in 2018 kroner, NOK ")
    assert result.title.endswith("; lines of changing scope")


#: The counts of victims each year, as the sources print them: the TIP's government count (about 270 and 290, then
#: 262; none for 2017-2018), UNODC's detected victims (none for 2017) and KOM's victims followed up (none after 2016).
COUNTS_BY_YEAR = {"tip": {2014: 270, 2015: 290, 2016: 262},
                  "unodc_detected": {2014: 324, 2015: 301, 2016: 262, 2018: 106},
                  "kom": {2014: 324, 2015: 301, 2016: 262}}
TOTALS = {2014: 2_500_000 + 4_500_000, 2015: 7_000_000, 2016: 3_750_000 + 5_900_000 + 2_250_000, 2017: 20_000_000,
          2018: 30_000_000 + 2_900_000 + 5_000_000}


@pytest.mark.parametrize("denominator", ["unodc_detected", "tip", "kom"])
def test_series_funding_per_victim_under_every_count_side_by_side(data, denominator):
    result = series_funding.analyse(data, denominator=denominator)
    expected = {key: {y: TOTALS[y] / v for y, v in by_year.items()} for key, by_year in COUNTS_BY_YEAR.items()}
    assert set(result.facts["per_victim_by_count"]) == set(expected)
    for key, by_year in expected.items():
        assert result.facts["per_victim_by_count"][key] == pytest.approx(by_year)
    assert result.facts["per_victim"] == pytest.approx(expected[denominator])
    assert result.facts["per_victim_by_count"]["tip"][2014] == pytest.approx(25_925.93, abs=0.01)
    assert result.facts["per_victim_by_count"]["unodc_detected"][2014] == pytest.approx(21_604.94, abs=0.01)
    table = result.table.drop_duplicates("year").set_index("year")
    for key, by_year in COUNTS_BY_YEAR.items():
        assert table[f"victims_{key}"].dropna().to_dict() == by_year
    assert table.denominator.eq(denominator).all()
    # the title gives the range the counts give, in constant kroner (checked against a price index chained by hand in
    # test_intervals_in_analyses.py), for the first and last year with any count
    low, high = result.facts["per_victim_constant_range"][2014]
    assert (f"per victim in 2018 kroner, NOK {low:,.0f} to {high:,.0f} (2014) and "
            f"{37_900_000 / 106:,.0f} (2018, UNODC's count alone, flagged u), by which count of victims is used"
            ) in result.title
    assert "no chance" not in result.summary and "CI" not in result.summary
    assert "No interval for chance is given" in result.caveats


def test_series_funding_says_why_a_count_is_missing(data, analysed):
    result = analysed("08_series_funding")
    assert ("- 2017: NOK 20.00 million; TIP: no count (not reported by the government); **UNODC: no count (not "
            "reported to UNODC)**; KOM: no count (not reported by the government)") in result.summary
    assert "KOM: no count (not in the data)" in result.summary.split("- 2018:")[1]
    counts = series_funding.counts_by_year(data, [2017, 2018], "latest").set_index(["year", "count"])
    assert counts.victims.isna().sum() == 5 and counts.loc[(2018, "unodc_detected"), "victims"] == 106
