"""The analyses UNODC's counts open (notebooks 11 and 12), against sums worked out by hand from the workbook's cells."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats
from second_routes import nchs_unreliable

from analysis import config
from analysis.analyses import ParameterError, labor_share_series, nordic_comparison

LABOR, NORDIC = "11_labor_share_series", "12_nordic_comparison"

#: Norway, 2025 release, as written: year -> (detected victims, of them forced labour), for the years that give both.
VICTIMS = {2007: (203, 32), 2008: (256, 71), 2009: (292, 80), 2011: (134, 45), 2012: (136, 47), 2013: (124, 41),
           2014: (324, 103),
           2015: (301, 86), 2016: (262, 59), 2019: (241, 80), 2020: (254, 96)}


@pytest.mark.slow
def test_labor_share_of_detected_victims(analysed):
    result = analysed(LABOR)
    victims = result.table[result.table.stage == "detected victims"].set_index("year")
    for year, (total, labor) in VICTIMS.items():
        assert victims.loc[year, "share_low"] == pytest.approx(labor / total)
        assert victims.loc[year, "share_high"] == pytest.approx(labor / total)
    assert victims.loc[2010, "share"] == "n/a"  # the flagged parts (105 + 194 against 127) are left out
    pooled = sum(v[1] for v in VICTIMS.values()) / sum(v[0] for v in VICTIMS.values())
    assert result.facts["pooled"]["detected victims"] == pytest.approx((pooled, pooled))
    assert result.title.startswith(f"Forced labour: {pooled:.0%} of detected victims")


@pytest.mark.slow
def test_pooled_shares_the_censoring_leaves_undetermined(analysed):
    """Forced labour among detected victims (pooled, no "<5") against among persons convicted (pooled, with "<5")."""
    result = analysed(LABOR)
    victims_labor, victims_total = sum(v[1] for v in VICTIMS.values()), sum(v[0] for v in VICTIMS.values())
    # Persons convicted, the nine years with both counts: labour "<5" in eight of them and 12 in 2018; the total 9 + 8 +
    # 8 + 12 + 16 + 5 + 13 + 5 written, plus 2020's "<5". So labour 20 to 44 of 77 to 80.
    every = [stats.fisher_exact([[k, n - k], [victims_labor, victims_total - victims_labor]]).pvalue
             for k in range(8 + 12, 32 + 12 + 1) for n in range(76 + 1, 76 + 4 + 1)]
    assert result.facts["p_range"] == pytest.approx((min(every), max(every)), rel=1e-9)
    assert min(every) < 0.05 <= max(every) and result.facts["verdict"] == "undetermined"
    assert "; the '<5' counts decide whether they differ (95% CI" in result.title
    assert "Whether the two pooled shares differ, the '<5' counts decide" in result.summary
    assert f"Fisher's exact test gives p from below 0.001 to {max(every):.2g}" in result.summary
    assert "beyond chance" not in result.title and "within chance" not in result.title + result.closing


@pytest.mark.slow
def test_yearly_shares_are_judged_by_the_standard_for_proportions(analysed):
    result = analysed(LABOR)
    victims = result.table[result.table.stage == "detected victims"].set_index("year")
    for year, (total, labor) in VICTIMS.items():
        assert victims.loc[year, "unreliable"] == nchs_unreliable(labor, total), year
    convicted = result.table[(result.table.stage == "persons convicted") & result.table.share_low.notna()]
    assert convicted.unreliable.all()  # every yearly whole of persons convicted is under 30
    # pooled: 740 of 2,527 and 20-44 of 77-80, reliable for every value
    assert result.facts["pooled_unreliable"] == {"detected victims": False, "persons convicted": False}
    assert not any(nchs_unreliable(k, n) for k in range(20, 45) for n in range(77, 81))


@pytest.mark.slow
def test_labor_share_of_persons_convicted_is_a_range_where_a_count_is_censored(data, analysed):
    convicted = analysed(LABOR).table
    convicted = convicted[convicted.stage == "persons convicted"].set_index("year")
    # "<5" of 9
    assert (convicted.loc[2007, "share_low"], convicted.loc[2007, "share_high"]) == pytest.approx((1 / 9, 4 / 9))
    assert convicted.loc[2018, "share"] == "92%"  # 12 of 13
    assert convicted.loc[2020, "share"] == "25-100%"  # "<5" of "<5" (the 2023 release's; the 2025 one is flagged)
    with_flagged = labor_share_series.analyse(data, include_flagged=True).table
    row = with_flagged[(with_flagged.stage == "persons convicted") & (with_flagged.year == 2019)].iloc[0]
    # the repeated victim count, capped: why it is flagged
    assert (row.labor, row.total, row.share) == ("80", "5", "100%")


@pytest.mark.parametrize(("values", "message"), [
    ({"release": "newest"}, "release must be one of first, latest; got 'newest'"),
    ({"first_year": 2030, "last_year": 2031}, "first_year-last_year 2030-2031 holds no year of the data"),
])
def test_labor_share_refuses_values_outside_the_data(data, values, message):
    with pytest.raises(ParameterError, match=message):
        labor_share_series.analyse(data, **values)


@pytest.mark.slow
def test_nordic_pooled_victims_per_conviction(analysed):
    result = analysed(NORDIC)
    # Norway: 2,846 detected over the 14 years with both counts; 89 convicted where written, plus four "<5" (1 to 4
    # each)
    assert result.facts["pooled"]["NOR"] == pytest.approx((2846 / (89 + 16), 2846 / (89 + 4)))
    assert result.facts["years_with_both"]["NOR"] == 14
    assert set(result.facts["pooled"]) == {"NOR", "SWE", "DNK", "FIN", "ISL"}
    norway = result.table[result.table.iso3 == "NOR"].set_index("year")
    assert norway.loc[2020, "ratio"] == "64-254" and norway.loc[2021, "ratio"] == "n/a"
    # the summed counts' ratio stands beside the model's in the summary
    assert "the summed counts give 27-31: 2,846 detected, 93-105 convicted, 14 years" in result.summary


@pytest.mark.slow
@pytest.mark.parametrize("countries", [["NOR", "SWE"], ["NOR"], ["DNK", "FIN", "ISL"]])
def test_nordic_for_other_countries_and_years(analysed, countries):
    result = analysed(NORDIC, countries=countries, first_year=2015, last_year=2020)
    assert list(result.tables["pooled"].iso3) == countries
    assert result.table.year.between(2015, 2020).all()


def test_nordic_refuses_an_unknown_country(data):
    with pytest.raises(ParameterError,
                       match="countries must be ISO3 codes among NOR, SWE, DNK, FIN, ISL; got \\['NOR', 'DEU'\\]"):
        nordic_comparison.analyse(data, countries=["NOR", "DEU"])


#: In each chart's CSV, the columns that hold a UNODC value, and the column of the row's GLOTIP id (None: no id column).
UNODC_VALUES = {"03_funding_per_victim": {"victims_unodc_detected": None},
                "06_series_conviction_gap": {"glotip_detected": "glotip_detected_id",
                                             "glotip_convicted": "glotip_convicted_id"},
                "08_series_funding": {"victims_unodc_detected": None},
                "11_labor_share_series": {"labor": None, "total": None},
                "12_nordic_comparison": {"detected": "detected_id", "convicted": "convicted_id"}}


@pytest.mark.parametrize("name", sorted(UNODC_VALUES))
def test_every_unodc_value_in_a_chart_csv_carries_its_flags(data, name):
    """The published CSV has a flags column beside each UNODC value, in Eurostat's codes, equal to the row's flags."""
    from analysis.data.flags import FLAG_CODES, value_flags
    from analysis.data.vintages import choose_release

    table = pd.read_csv(config.ROOT / "figures" / f"{name}.csv", dtype=str, keep_default_na=False)
    flags = value_flags(data.glotip, data.series_breaks, choose_release(data.glotip, "latest")).set_index("id")
    for column, id_column in UNODC_VALUES[name].items():
        assert f"{column}_flags" in table.columns, (name, column)
        assert set("".join(table[f"{column}_flags"])) <= set(FLAG_CODES), (name, column)
        if id_column:
            given = table[table[id_column] != ""]
            assert list(given[f"{column}_flags"]) == [flags["flags"][i] for i in given[id_column]], (name, column)


@pytest.mark.slow
def test_nordic_title_without_norway_states_the_pooled_rates_and_no_comparison(data):
    result = nordic_comparison.analyse(data, countries=["SWE", "ISL"])
    rates = result.facts["detected_per_100000"]
    assert result.title == ("Detected victims per 100,000 a year, Nordic countries: pooled, "
                            f"Iceland {rates['ISL']:,.1f}, Sweden {rates['SWE']:,.1f} "
                            "(overdispersed model; no country set against Norway)")
    assert result.facts["verdict_against_norway"] == {"detected": {}, "convicted": {}}


def test_unodc_against_kom_and_funding_per_victim_are_judged_on_each_release_alone(data, analysed):
    glotip = data.glotip
    total = glotip[(glotip.iso3 == "NOR") & (glotip.metric == "victims_detected") & (glotip.form == "unsplit")
                   & (glotip.sex == "Total") & (glotip.age == "Total")]
    kom = {2012: 349, 2013: 300, 2014: 324, 2015: 301, 2016: 262}  # KOM's counts of victims followed up
    for source_id in ("glotip2023", "glotip2025"):
        own = total[total.source_id == source_id].set_index("year").value_as_written
        equal = [y for y in kom if str(kom[y]) == own.get(y)]
        assert analysed("10_tip_vs_kom").facts["glotip_equals_kom_on_each_release"][source_id] == equal
    assert analysed("10_tip_vs_kom").title.endswith("UNODC's count equals KOM's in 2014, 2015, 2016 (both releases)")
    both = total.pivot_table(index="year", columns="source_id", values="value_as_written", aggfunc="first")
    assert (both.loc[2014:2018, "glotip2023"] == both.loc[2014:2018, "glotip2025"]).all()
    assert "the same in every year shown, so the figures per victim do not depend on the release" in (
        analysed("08_series_funding").summary)
