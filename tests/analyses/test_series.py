"""Across editions and sources: vintages, the series analyses of notebooks 07, 09 and 10, the multi-source rules.

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


# --- the analyses of notebooks 07, 09 and 10 for every parameter value they document (06, 08: their own modules) ---


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


def test_series_attention_tests_kom_s_two_years_with_counts(analysed):
    result = analysed("07_series_attention")
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
