"""Across editions and sources.

Vintages, the series analyses of notebooks 06-10, and the rules of the multi-source data.

Expected values are the numbers as the sources print them (TIP 2015-2024 editions,
KOM via the police and the press), worked out by hand here.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats
from second_routes import nchs_unreliable, wilson

from analysis import config
from analysis.analyses import (
    ParameterError,
    series_attention,
    series_conviction_gap,
    series_funding,
    tiers_and_drift,
    tip_vs_kom,
    victim_counts,
)
from analysis.data import choose_vintage, restatements


def test_every_edition_2011_to_2025_has_its_tier(data):
    placed = tiers_and_drift.tier_timeline(data.figures, list(range(2011, 2026))).set_index("edition").tier
    assert placed.notna().all()
    assert placed.loc[2011:2020].eq(1).all() and placed.loc[2021:2025].eq(2).all()


def test_every_source_is_registered_with_an_address_and_every_row_has_a_locator(data):
    assert set(data.figures.source_id) <= set(data.sources.source_id)
    assert data.sources.url.str.match(r"https?://").all()
    assert data.figures.locator.notna().all()
    kom = data.sources[data.sources.series == "KOM"]
    assert len(kom) >= 10 and kom.file.isna().all()


def test_values_without_a_local_copy_still_read_from_their_quote(data):
    remote = data.figures[~data.figures.source_id.isin(data.sources.source_id[data.sources.file.notna()])]
    given = remote[remote.value.notna()]
    assert given.quote.notna().all() and given.value_as_written.notna().all()
    gaps = remote[remote.value.isna()]
    assert gaps.missing_reason.isin(["not reported by the government", "source not readable",
                                     "not stated in the source"]).all()


def test_missing_is_never_zero(data):
    gap = data.figures.set_index("id").loc["tip2019-victims-2018"]
    assert pd.isna(gap.value) and gap.missing_reason == "not reported by the government"
    victims = victim_counts.victims_per_year(data.figures, data.sources, [2017, 2018, 2023]).set_index("year")
    assert victims.victims.isna().all()
    assert victims.missing_reason.to_dict() == {2017: "not reported by the government",
                                                2018: "not reported by the government",
                                                2023: "source not readable"}


def test_choose_vintage_first_and_latest(data):
    # 262 victims in 2016: first reported by the 2017 edition, restated by 2019, 2020, 2021, 2022 and 2023
    def pick(rule):
        chosen = choose_vintage(data.figures, data.sources, rule)
        row = chosen[(chosen.metric == "victims_identified_assisted") & (chosen.period_start == 2016)
                     & (chosen.population == "all") & (chosen.form == "unsplit") & (chosen.series == "TIP")]
        assert len(row) == 1
        return row.iloc[0]
    assert (pick("first").report_year, pick("first").value, pick("first").editions) == (2017, 262, 6)
    assert (pick("latest").report_year, pick("latest").value) == (2023, 262)
    # a value beats an edition that could not give one: 2013 victims, unreadable in the 2014 edition, 350 in 2015
    chosen = choose_vintage(data.figures, data.sources, "first")
    row = chosen[(chosen.metric == "victims_identified_assisted") & (chosen.period_start == 2013)
                 & (chosen.series == "TIP")
                 & (chosen.population == "all") & (chosen.form == "unsplit")].iloc[0]
    assert (row.report_year, row.value) == (2015, 350)
    with pytest.raises(ValueError, match="rule must be"):
        choose_vintage(data.figures, data.sources, "median")


def test_cumulative_drift(data):
    drift = tiers_and_drift.cumulative_drift(data.figures, data.sources)
    tip = drift[drift.series == "TIP"].set_index("report_year")
    assert tip.value.to_dict() == {2015: 35, 2016: 46, 2017: 50}
    assert tip.change_from_previous_edition.loc[2016] == 46 - 35
    assert tip.change_from_previous_edition.loc[2017] == 50 - 46
    kom = drift[drift.series == "KOM"].iloc[0]
    assert (kom.value, kom.period_end) == (28, 2013)


def test_victims_and_convictions_per_year(data):
    years = list(range(2010, 2025))
    victims = victim_counts.victims_per_year(data.figures, data.sources, years).set_index("year")
    assert victims.victims.loc[2014] == 270 and victims.measure.loc[2014] == "victims_identified_assisted"
    assert victims.victims.loc[2019] == 100 and victims.measure.loc[2019] == "victims_estimated"
    assert victims.victims.loc[2022] == 57 + 2 and victims.measure.loc[2022] == "victims_identified"
    # one child alone is not a count of all victims
    assert math.isnan(victims.victims.loc[2021])
    convictions = series_conviction_gap.convictions_per_year(data.figures, data.sources, years).set_index("year")
    assert convictions.convictions.loc[2013] == 3 + 2 and convictions.convictions.loc[2014] == 4 + 1
    assert convictions.convictions.loc[2020] == 1 and convictions.convictions.loc[2023] == 0
    assert convictions.missing_reason.loc[2016] == "source not readable"


def test_sex_share_by_year(data):
    shares = series_attention.sex_share_by_year(data.figures, data.sources, list(range(2010, 2025)))
    by = shares.set_index(["year", "series"]).share_sex
    assert by.loc[(2013, "TIP")] == pytest.approx(30 / (30 + 39))
    assert by.loc[(2014, "KOM")] == pytest.approx(37 / 106)
    assert by.loc[(2017, "KOM")] == pytest.approx(0.60)
    assert by.loc[(2023, "KOM")] == pytest.approx(17 / 27)


def test_funding_by_year(data):
    lines = series_funding.funding_by_year(data.figures, data.sources, list(range(2014, 2019)))
    totals = lines.groupby("year").nok.sum()
    assert totals.to_dict() == {2014: 2_500_000 + 4_500_000, 2015: 7_000_000, 2016: 3_750_000 + 5_900_000 + 2_250_000,
                                2017: 20_000_000, 2018: 30_000_000 + 2_900_000 + 5_000_000}


def test_reconcile_tip_against_kom(data):
    table = tip_vs_kom.reconcile(data.figures, data.sources).set_index(["tip_metric", "year", "form", "population"])
    victims14 = table.loc[("victims_identified_assisted", 2014, "unsplit", "all")]
    assert (victims14.value_tip, victims14.value_kom, victims14.difference) == (270, 324, 324 - 270)
    assert victims14.ratio_kom_to_tip == pytest.approx(324 / 270)
    women16 = table.loc[("victims_identified_assisted", 2016, "unsplit", "women")]
    assert (women16.value_tip, women16.value_kom) == (199, 197)
    labor14 = table.loc[("investigations", 2014, "labor", "all")]
    assert (labor14.value_tip, labor14.value_kom) == (68, 68)
    assert "followed up" in victims14.definition_kom and "identified" in victims14.definition_tip


def test_restatements_agree_or_appear_in_the_reconciliation(data):
    restated = restatements(data.figures, data.sources)
    assert {"tip2017-victims-2016", "tip2023-victims-2016",
            "tip2015-potential-victims-assisted-2007-2013"} <= set(restated.id)
    differing = set(restated[~restated.agrees].id)
    shown = pd.read_csv(config.FIGURES / "10_tip_vs_kom.csv")
    assert differing <= set(shown[shown.panel == "restatements"].id)
    assert set(restated.id) == set(shown[shown.panel == "restatements"].id), "refresh the figures: make run"


def test_a_restatement_that_differs_is_flagged(data):
    figures = data.figures.copy()
    figures.loc[figures.id == "tip2021-victims-2016", "value"] = 263.0
    restated = restatements(figures, data.sources).set_index("id")
    assert not restated.loc["tip2021-victims-2016", "agrees"]
    assert restated.loc["tip2021-victims-2016", "difference"] == 1


# --- the analyses of notebooks 06-10, for every parameter value their notebooks document ------

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


@pytest.mark.parametrize("rule", ["latest", "first"])
@pytest.mark.parametrize("release", ["latest", "first"])
@pytest.mark.parametrize(("first", "last"), [(2007, 2022), (2013, 2014), (2016, 2022)])
@pytest.mark.slow
def test_series_gap_for_every_documented_parameter(data, rule, release, first, last):
    result = series_conviction_gap.analyse(data, first_year=first, last_year=last, rule=rule, release=release)
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


@pytest.mark.parametrize(("first", "last", "expected_first", "expected_last"), [
    (2010, 2024, (2013, "TIP", 30 / (30 + 39)), (2023, "KOM", 17 / 27)),
    (2014, 2018, (2014, "KOM", 37 / 106), (2018, "KOM", None)),
])
def test_series_attention_for_every_documented_parameter(data, first, last, expected_first, expected_last):
    result = series_attention.analyse(data, first_year=first, last_year=last)
    year, series, share = result.facts["first"]
    assert (year, series) == expected_first[:2] and share == pytest.approx(expected_first[2])
    assert result.facts["last"][:2] == expected_last[:2]
    assert all(first <= y <= last for y in result.table.year)


def test_series_attention_tests_kom_s_two_years_with_counts(data):
    result = series_attention.analyse(data)
    # KOM's police reports: sexual exploitation 37 of 106 in 2014, 17 of 27 in 2023 (2017 and 2018: stated shares).
    p = stats.fisher_exact([[37, 106 - 37], [17, 27 - 17]]).pvalue
    assert p < 0.05 and result.facts["p_value"] == pytest.approx(p) and result.facts["p_range"] == pytest.approx((p, p))
    assert result.facts["compared"] == ("KOM", 2014, 2023) and result.facts["verdict"] == "differs"
    (a, b), (c, d) = wilson(37, 106), wilson(17, 27)
    assert result.title.endswith(f": a difference beyond chance (95% CI {a:.0%}-{b:.0%} and {c:.0%}-{d:.0%})"
                                 .replace("%-", "-"))
    assert "as counts only for 2014 and 2023 (for 2017 and 2018 it states a share, which no test can use)" in (
        result.summary)
    assert f"The two years differ beyond chance (p = {p:.2g})" in result.summary
    # shares judged by NCHS's standard for proportions: 17 of 27 is on a sample under 30; stated shares are not judged
    shares = result.table.set_index(["year", "series"])
    for (year, series), row in shares.iterrows():
        expected = False if row.basis != "counts" else nchs_unreliable(int(row.sex), int(row.total))
        assert row.unreliable == expected, (year, series)
    assert shares.unreliable.to_dict()[(2023, "KOM")] and not shares.unreliable.to_dict()[(2014, "KOM")]


def test_series_attention_words_when_no_difference_is_detected(data):
    # 2013-2014: the TIP's investigations, 30 of 69 and 36 of 104 sexual exploitation
    result = series_attention.analyse(data, first_year=2013, last_year=2014)
    p = stats.fisher_exact([[30, 39], [36, 68]]).pvalue
    assert p >= 0.05 and result.facts["verdict"] == "no difference detected"
    (a, b), (c, d) = wilson(30, 69), wilson(36, 104)
    assert result.title.endswith(f": no difference detected (95% CI {a:.0%}-{b:.0%} and {c:.0%}-{d:.0%})"
                                 .replace("%-", "-"))
    assert "no difference is detected between 2013 and 2014, which is not to say they are alike" in result.closing
    assert "within chance" not in result.title + result.summary + result.closing


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


def test_series_funding_says_why_a_count_is_missing(data):
    result = series_funding.analyse(data)
    assert ("- 2017: NOK 20.00 million; TIP: no count (not reported by the government); **UNODC: no count (not "
            "reported to UNODC)**; KOM: no count (not reported by the government)") in result.summary
    assert "KOM: no count (not in the data)" in result.summary.split("- 2018:")[1]
    counts = series_funding.counts_by_year(data, [2017, 2018], "latest").set_index(["year", "count"])
    assert counts.victims.isna().sum() == 5 and counts.loc[(2018, "unodc_detected"), "victims"] == 106


@pytest.mark.parametrize(("first", "last", "title"), [
    (2011, 2025, "Tier 1 until the 2020 edition, Tier 2 from 2021"),
    (2015, 2020, "Tier 1 in every edition 2015-2020"),
    (2021, 2025, "Tier 2 in every edition 2021-2025"),
])
def test_tiers_for_every_documented_parameter(data, first, last, title):
    result = tiers_and_drift.analyse(data, first_edition=first, last_edition=last)
    assert result.title.startswith(title + "; convictions since 2003 went from 35 to 50 in 2 editions")
    assert result.facts["convictions_since_2003"] == {2015: 35, 2016: 46, 2017: 50}
    kom = result.tables["drift"].set_index("series").loc["KOM"]
    assert kom.label == "28 (KOM, 2013)"  # from the data: KOM's count to mid-2013, in its 2013 report


@pytest.mark.parametrize("rule", ["latest", "first"])
@pytest.mark.parametrize("release", ["latest", "first"])
def test_tip_vs_kom_for_every_documented_parameter(data, rule, release):
    result = tip_vs_kom.analyse(data, rule=rule, release=release)
    # TIP against KOM as the sources print them: victims 2013 350/300, 2014 270/324, 2015 290/301, 2016 262/262,
    # women 199/197, men 46/46, children 17/18; investigations 2013 labor 39/39, 2014 labor 68/68, sex 36/37;
    # convictions 2023 0/0
    assert result.facts["comparisons"] == 11 and result.facts["agree"] == 5
    assert result.facts["widest"] == "victims 2014" and result.facts["widest_values"] == (270, 324)
    assert result.title == ("TIP and KOM agree in 5 of 11 comparisons; the widest gap is victims 2014: 270 against "
                            "324; UNODC's count equals KOM's in 2014, 2015, 2016 (both releases)")
    # UNODC's detected victims as the workbook writes them against KOM's followed up: 2012 136/349, 2013 124/300,
    # 2014-2016 equal
    three = result.tables["three_sources"].set_index("year")
    assert three.glotip.to_dict() == {2012: "136", 2013: "124", 2014: "324", 2015: "301", 2016: "262"}
    assert three.kom.to_dict() == {2012: 349, 2013: 300, 2014: 324, 2015: 301, 2016: 262}
    assert result.facts["glotip_equals_kom"] == [2014, 2015, 2016] and result.facts["glotip_differs_from_kom"] == [2012,
                                                                                                                   2013]


def test_widest_gap_is_relative_and_ignores_zero_against_zero():
    pairs = pd.DataFrame({"label": ["a", "b", "c"], "value_tip": [0.0, 100.0, 10.0], "value_kom": [0.0, 150.0, 20.0]})
    pairs["difference"] = pairs.value_kom - pairs.value_tip
    assert tip_vs_kom.widest_gap(pairs).label == "c"  # 10 of 20 is wider than 50 of 150


def test_series_attention_refuses_a_range_without_a_count_rather_than_failing_inside(data):
    """A range of years that holds only gaps is refused by name, not failed inside with a KeyError.

    2010-2012 stand in the figures only as gaps: no investigations or police reports counted.
    """
    figures = data.figures
    counted = figures[figures.metric.isin(["investigations", "police_reports", "police_reports_share"])
                      & figures.value.notna()]
    assert not counted.period_start.between(2010, 2012).any()
    with pytest.raises(ParameterError, match=r"first_year-last_year 2010-2012 holds no year of the data"):
        series_attention.analyse(data, first_year=2010, last_year=2012)


def test_series_gap_refuses_a_range_without_a_single_ratio_and_names_the_years_that_have_one(data):
    """2020-2022 have only "<5" or missing counts of persons convicted: nothing to compare, so a clear refusal.

    The years it names are those whose ratio the default run's table gives as a single value.
    """
    table = series_conviction_gap.analyse(data).table
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
