"""The analyses of notebooks 01-05, against values worked out by hand from the 2015 narrative.

Expected values are computed here from the numbers as the report prints them
(270 victims, 4 + 1 convictions, 2.5 + 4.5 million kroner for $314,000 + $565,000),
not from the functions under test. Each analysis is run for every parameter value
its notebook documents.
"""

from __future__ import annotations

import math

import pytest
from scipy import stats
from second_routes import exact_ratio, wilson

import analysis
from analysis.analyses import (
    ParameterError,
    conviction_gap,
    funding_per_victim,
    labor_vs_sex_attention,
    victim_protection,
    what_the_sources_name,
)
from analysis.data import victim_count


@pytest.fixture(scope="module")
def loaded():
    return analysis.load()


@pytest.fixture(scope="module")
def data(loaded):
    # the 2015 narrative's own figures; other editions restate some of them
    return analysis.Dataset(loaded.sources, loaded.metrics, analysis.from_source(loaded.figures, "tip2015"),
                            loaded.statements)


# --- 01: the conviction gap ---------------------------------------------------------------

def test_victims_per_conviction_per_year(data):
    table = conviction_gap.victims_per_conviction(data.figures, "victims_identified_assisted",
                                                  [2013, 2014]).set_index("year")
    assert table.loc[2014, "convictions"] == 4 + 1
    assert table.loc[2013, "convictions"] == 3 + 2
    assert table.loc[2014, "victims_per_conviction"] == pytest.approx(270 / 5)
    assert table.loc[2013, "victims_per_conviction"] == pytest.approx(350 / 5)
    assert table.loc[2014, "victims_hedge"] == "approximately"


def test_victims_per_conviction_with_another_denominator(data):
    table = conviction_gap.victims_per_conviction(data.figures, "initial_contacts", [2014])
    assert table.victims_per_conviction.tolist() == [pytest.approx(139 / 5)]


def test_victims_per_conviction_refuses_unknown_measure_and_missing_year(data):
    with pytest.raises(ValueError,
                       match="unknown victim measure 'victims': expected one of victims_identified_assisted"):
        conviction_gap.victims_per_conviction(data.figures, "victims", [2014])
    with pytest.raises(LookupError, match="no count of victims identified and assisted for 2012"):
        conviction_gap.victims_per_conviction(data.figures, "victims_identified_assisted", [2012])


def test_cumulative_comparison_flags_the_mismatched_windows(data):
    table = conviction_gap.cumulative_comparison(data.figures).set_index("measure")
    assert table.loc["potential_victims_assisted", "years"] == 7          # 2007..2013
    assert table.loc["convictions", "years"] == 12                        # 2003..2014
    assert table.loc["potential_victims_assisted", "per_year"] == pytest.approx(2000 / 7)
    assert table.loc["convictions", "per_year"] == pytest.approx(35 / 12)
    assert not table.windows_match.any()


#: Every denominator notebook 01 documents, with the counts the narrative gives for 2013 and 2014.
DENOMINATORS_01 = {
    "victims_identified_assisted": {2013: 350, 2014: 270},
    "initial_contacts": {2013: 132, 2014: 139},
    "reflection_periods_granted": {2013: 30, 2014: 27},
    "temporary_residence_permits_granted": {2013: 38, 2014: 41},
}


@pytest.mark.parametrize("denominator", DENOMINATORS_01)
@pytest.mark.parametrize("years", [[2013, 2014], [2013], [2014]])
def test_conviction_gap_for_every_documented_parameter(loaded, denominator, years):
    result = conviction_gap.analyse(loaded, denominator=denominator, years=years)
    convictions = {2013: 3 + 2, 2014: 4 + 1}
    per_year = result.tables["per_year"].set_index("year").victims_per_conviction
    assert per_year.to_dict() == pytest.approx({y: DENOMINATORS_01[denominator][y] / convictions[y] for y in years})
    assert result.facts["year"] == max(years)
    assert result.facts["victims_per_conviction"] == pytest.approx(DENOMINATORS_01[denominator][max(years)] / 5)
    assert f"for every trafficker convicted in {max(years)}" in result.title
    assert list(result.sources.source_id) == ["tip2015"]
    assert result.changed == {k: v for k, v in {"denominator": denominator, "years": years}.items()
                              if v != conviction_gap.analyse.defaults[k]}


def test_conviction_gap_headline(loaded):
    result = conviction_gap.analyse(loaded)
    low, high = exact_ratio(270, 5)
    assert (round(low), round(high)) == (23, 168)
    # 2013 against 2014: 5 convictions of 355 events against 5 of 275, the exact conditional test of convictions per
    # victim.
    p = stats.binomtest(5, 10, 350 / (350 + 270)).pvalue
    assert p > 0.05 and result.facts["p_value"] == pytest.approx(p)
    assert result.title == ("About 54 victims identified and assisted for every trafficker convicted in 2014 (95% CI "
                            "23-168); no difference beyond chance from 2013's about 70")
    assert result.facts["ci"] == pytest.approx((low, high)) and result.facts["unreliable"]
    per_year = result.tables["per_year"].set_index("year")
    assert (per_year.loc[2013, "ci_low"], per_year.loc[2013, "ci_high"]) == pytest.approx(exact_ratio(350, 5))
    # The cumulative contrast: 2,000 potential victims over 7 years against 35 convictions over 12.
    ci = stats.binomtest(2000, 2035).proportion_ci(method="exact")
    assert result.facts["cumulative_ratio_ci"] == pytest.approx((ci.low / (1 - ci.low) * 12 / 7,
                                                                 ci.high / (1 - ci.high) * 12 / 7))
    assert result.changed == {}
    assert set(result.figure_ids) >= {"tip2015-victims-2014", "tip2015-convictions-sex-2014",
                                      "tip2015-convictions-labor-2014",
                                      "tip2015-potential-victims-assisted-2007-2013", "tip2015-convictions-since-2003"}
    assert "Windows do NOT match" in result.summary


@pytest.mark.parametrize(("values", "message"), [
    ({"denominator": "victims"}, "denominator must be one of victims_identified_assisted, victims_identified"),
    ({"years": [2012]}, "years: no data for 2012; expected years among 2013, 2014"),
    ({"years": []}, "years must name at least one year"),
    ({"source": "tip2099"}, "source must be a source with figures"),
    ({"source": "tip2017"}, "years: no data for 2013, 2014; expected years among"),
    ({"colour": "red"}, "unknown parameter 'colour': expected one of source, denominator, years"),
])
def test_conviction_gap_refuses_values_outside_the_data(loaded, values, message):
    with pytest.raises(ParameterError, match="^01_conviction_gap: ") as info:
        conviction_gap.analyse(loaded, **values)
    assert any(message in p for p in info.value.problems), info.value.problems


# --- 02: labor against sex ------------------------------------------------------------------

def test_stage_table_shares(data):
    table = labor_vs_sex_attention.stage_table(data.figures, [2013, 2014], list(labor_vs_sex_attention.STAGES))
    by = table.set_index(["year", "stage"])
    assert by.loc[(2014, "investigations"), "share_labor"] == pytest.approx(68 / (36 + 68))
    assert by.loc[(2013, "investigations"), "share_labor"] == pytest.approx(39 / (30 + 39))
    assert by.loc[(2014, "prosecutions"), "share_labor"] == pytest.approx(1 / 5)
    assert by.loc[(2013, "prosecutions"), "share_labor"] == pytest.approx(3 / 9)
    assert by.loc[(2013, "convictions"), "share_labor"] == pytest.approx(2 / 5)
    assert table.stage.tolist() == ["investigations", "prosecutions", "convictions"] * 2
    assert by.loc[(2014, "prosecutions"), "unit"] == "suspects"


def test_attrition(data):
    stages = labor_vs_sex_attention.stage_table(data.figures, [2014], ["investigations", "convictions"])
    table = labor_vs_sex_attention.attrition(stages).set_index("form")
    assert table.loc["sex", "convictions_per_investigation"] == pytest.approx(4 / 36)
    assert table.loc["labor", "convictions_per_investigation"] == pytest.approx(1 / 68)


def test_stage_table_refuses_unknown_stage_and_year(data):
    with pytest.raises(ValueError, match="unknown stage"):
        labor_vs_sex_attention.stage_table(data.figures, [2014], ["arrests"])
    with pytest.raises(LookupError, match=r"\(2012, 'investigations'\)"):
        labor_vs_sex_attention.stage_table(data.figures, [2012], ["investigations"])


#: Labor's share by year and stage, from the narrative's counts (labor, sex).
LABOR = {(2013, "investigations"): (39, 30), (2014, "investigations"): (68, 36), (2013, "prosecutions"): (3, 6),
         (2014, "prosecutions"): (1, 4), (2013, "convictions"): (2, 3), (2014, "convictions"): (1, 4)}


@pytest.mark.parametrize("years", [[2013, 2014], [2013], [2014]])
@pytest.mark.parametrize("stages",
                         [["investigations", "prosecutions", "convictions"], ["investigations", "convictions"],
                          ["prosecutions", "convictions"]])
def test_attention_for_every_documented_parameter(loaded, years, stages):
    result = labor_vs_sex_attention.analyse(loaded, years=years, stages=stages)
    last = max(years)
    first_share = LABOR[(last, stages[0])][0] / sum(LABOR[(last, stages[0])])
    last_share = LABOR[(last, stages[-1])][0] / sum(LABOR[(last, stages[-1])])
    assert result.facts["share_labor_first_stage"] == pytest.approx(first_share)
    assert result.facts["share_labor_last_stage"] == pytest.approx(last_share)
    assert result.title.startswith(f"Labor trafficking: {first_share:.0%} of {stages[0]}, {last_share:.0%} of "
                                   f"{stages[-1]} in {last}; ")
    first, final = LABOR[(last, stages[0])], LABOR[(last, stages[-1])]
    p = stats.fisher_exact([[first[0], first[1]], [final[0], final[1]]]).pvalue
    assert result.facts["p_value"] == pytest.approx(p)
    assert ("a difference beyond chance" in result.title) == (p < 0.05) == result.facts["differ"]
    assert ("within chance of each other" in result.title) == (p >= 0.05)
    assert len(result.table) == len(years) * len(stages)
    assert "bulk of resources and attention" in result.summary


def test_attention_refuses_unknown_stage_and_year(loaded):
    with pytest.raises(ParameterError, match="stages must be two or more of investigations, prosecutions, convictions"):
        labor_vs_sex_attention.analyse(loaded, stages=["arrests", "convictions"])
    with pytest.raises(ParameterError, match="years: no data for 2016"):
        labor_vs_sex_attention.analyse(loaded, years=[2016])


# --- 03: funding per victim -----------------------------------------------------------------

def test_implied_rate_and_funding_per_victim(data):
    lines = funding_per_victim.lines_for(data.figures, 2014)
    rate = funding_per_victim.implied_rate(lines)
    assert rate == pytest.approx((2_500_000 + 4_500_000) / (314_000 + 565_000))
    victims = victim_count(data.figures, "victims_identified_assisted", 2014)
    assert victims.value == 270 and "about 270" in victims.label
    table = funding_per_victim.per_victim(lines, victims.value, "USD", rate).set_index("id")
    assert table.loc["total", "nok_per_victim"] == pytest.approx(7_000_000 / 270)
    assert table.loc["total", "usd_per_victim"] == pytest.approx(7_000_000 / 270 / rate)
    assert table.loc["tip2015-funding-ngo-nok", "nok_per_victim"] == pytest.approx(2_500_000 / 270)


def test_funding_with_shelter_denominator_and_one_line(data):
    lines = funding_per_victim.lines_for(data.figures, 2014, ["tip2015-funding-safe-houses-nok"])
    assert lines.nok.tolist() == [4_500_000]
    victims = victim_count(data.figures, "shelter_accepted", 2014)
    assert victims.value == 41 + 1
    table = funding_per_victim.per_victim(lines, victims.value, "EUR", 8.5).set_index("id")
    assert table.loc["total", "eur_per_victim"] == pytest.approx(4_500_000 / 8.5 / 42)


def test_funding_refuses_bad_inputs(data):
    lines = funding_per_victim.lines_for(data.figures, 2014)
    with pytest.raises(LookupError, match="unknown funding line"):
        funding_per_victim.lines_for(data.figures, 2014, ["tip2015-funding-ngo-usd"])
    with pytest.raises(ValueError, match="exchange rate must be positive"):
        funding_per_victim.per_victim(lines, 270, "USD", 0)
    with pytest.raises(ValueError, match="unknown victim measure 'everyone'"):
        victim_count(data.figures, "everyone", 2014)


REPORT_RATE = (2_500_000 + 4_500_000) / (314_000 + 565_000)
VICTIMS_2014 = {"victims_identified_assisted": 270, "initial_contacts": 139, "shelter_accepted": 41 + 1}


@pytest.mark.parametrize("denominator", VICTIMS_2014)
@pytest.mark.parametrize(("currency", "rate"), [("USD", None), ("USD", 10.5), ("EUR", 11.5), ("SEK", 0.95)])
@pytest.mark.parametrize("lines", [[], ["tip2015-funding-ngo-nok"], ["tip2015-funding-safe-houses-nok"]])
def test_funding_for_every_documented_parameter(loaded, denominator, currency, rate, lines):
    result = funding_per_victim.analyse(loaded, denominator=denominator, currency=currency, exchange_rate=rate,
                                        funding_lines=lines)
    nok = {"tip2015-funding-ngo-nok": 2_500_000, "tip2015-funding-safe-houses-nok": 4_500_000}
    total = sum(nok[i] for i in (lines or nok))
    used = REPORT_RATE if rate is None else rate
    assert result.facts["nok_per_victim"] == pytest.approx(total / VICTIMS_2014[denominator])
    assert result.facts["per_victim"] == pytest.approx(total / used / VICTIMS_2014[denominator])
    assert (result.table.set_index("id").loc["total", f"{currency.lower()}_per_victim"]
            == pytest.approx(total / used / VICTIMS_2014[denominator]))
    if rate is None:
        assert result.supplied == {} and "implied by the report's own NOK/USD pairs" in result.summary
    else:
        assert result.supplied == {"exchange_rate": f"NOK per {currency}, supplied by the user, not from a source"}
        assert "supplied by the user, not from a source" in result.summary
    assert result.title.startswith(f"NOK {total / VICTIMS_2014[denominator]:,.0f} ({currency} ")


@pytest.mark.parametrize(("values", "message"), [
    ({"currency": "EUR"}, "exchange_rate: the data hold no rate for EUR; give one (NOK per EUR)"),
    ({"currency": "euro", "exchange_rate": 11.0}, "currency must be a three-letter ISO 4217 code in capitals"),
    ({"exchange_rate": 0.0},
     "exchange_rate must be a positive number of NOK per USD, or None for the report's rate; got 0.0"),
    ({"exchange_rate": -7.9}, "exchange_rate must be a positive number"),
    ({"year": 2013}, "year: no data for 2013; expected years among 2014"),
    ({"denominator": "reflection_periods"}, "denominator must be one of"),
    ({"denominator": "victims_estimated"},
     "denominator: tip2015 gives no count of victims_estimated for 2014; expected one of "
     "victims_identified_assisted, initial_contacts, shelter_accepted"),
    ({"funding_lines": ["tip2015-funding-ngo-usd"]}, "funding_lines: unknown id(s) tip2015-funding-ngo-usd"),
])
def test_funding_refuses_values_outside_the_data(loaded, values, message):
    with pytest.raises(ParameterError) as info:
        funding_per_victim.analyse(loaded, **values)
    assert any(p.startswith(message) for p in info.value.problems), info.value.problems


# --- 04: protection --------------------------------------------------------------------------

def test_protection_per_100_victims(data):
    table = victim_protection.protection_table(data.figures, [2013, 2014]).set_index(["year", "measure"])
    assert table.loc[(2014, "temporary_residence_permits_granted"), "per_100_victims"] == pytest.approx(100 * 41 / 270)
    assert table.loc[(2013, "reflection_periods_granted"), "per_100_victims"] == pytest.approx(100 * 30 / 350)
    assert table.loc[(2014, "asylum_grants"), "count"] == 11
    assert table.loc[(2014, "shelter_accepted"), "count"] == 42
    # not given for 2013: missing, not zero
    assert math.isnan(table.loc[(2013, "shelter_accepted"), "count"])


@pytest.mark.parametrize("years", [[2013, 2014], [2013], [2014]])
def test_protection_for_every_documented_parameter(loaded, years):
    result = victim_protection.analyse(loaded, years=years)
    permits = {2013: 38 / 350, 2014: 41 / 270}[max(years)] * 100
    reflection = {2013: 30 / 350, 2014: 27 / 270}[max(years)] * 100
    assert result.facts["permits_per_100"] == pytest.approx(permits)
    assert result.facts["reflection_per_100"] == pytest.approx(reflection)
    victims = {2013: 350, 2014: 270}[max(years)]
    permit_ci = [100 * v for v in wilson(round(permits * victims / 100), victims)]
    reflection_ci = [100 * v for v in wilson(round(reflection * victims / 100), victims)]
    assert result.facts["permits_ci"] == pytest.approx(permit_ci)
    assert result.title == (f"In {max(years)}, about {permits:.0f} in 100 victims identified got a "
                            "temporary residence permit "
                            f"(95% CI {permit_ci[0]:.0f}-{permit_ci[1]:.0f}) and {reflection:.0f} a reflection period "
                            f"({reflection_ci[0]:.0f}-{reflection_ci[1]:.0f})")
    assert ("shelter accepted 2013" in result.summary) == (2013 in years)
    with pytest.raises(ParameterError, match="years: no data for 2015"):
        victim_protection.analyse(loaded, years=[*years, 2015])


# --- 05: what the sources name ---------------------------------------------------------------

def test_side_by_side_agreement(data):
    table = what_the_sources_name.side_by_side(data.statements, ["tip2015", "gcm2017"])
    both = set(table[table.named_by == "both"].subject)
    assert both == {"destination", "sex trafficking", "forced labor", "forced begging", "construction"}
    assert set(table[table.named_by == "only gcm2017"].subject) == {"agriculture", "irregular migrants"}
    assert "Nigeria" in set(table[table.named_by == "only tip2015"].subject)


def test_policy_timeline(data):
    table = what_the_sources_name.policy_timeline(data.statements, data.sources, ["tip2015", "gcm2017"])
    dated = table[table.dated].set_index("id").year
    assert dated["tip2015-policy-criminalisation"] == 2003
    assert dated["gcm2017-policy-work-crime-strategy"] == 2015
    undated = table[~table.dated].set_index("id").year
    assert undated["gcm2017-policy-intelligence-centre"] == 2017  # placed at the statement's edition
    assert table.year.is_monotonic_increasing


@pytest.mark.parametrize("sources", [["tip2015", "gcm2017"], ["gcm2017", "tip2015"]])
def test_sources_named_for_every_documented_parameter(loaded, sources):
    result = what_the_sources_name.analyse(loaded, sources=sources)
    assert result.title == "8 policy measures named, 2003-2017; 4 without a stated year"
    assert set(result.facts["named_by_all"]) == {"destination", "sex trafficking", "forced labor", "forced begging",
                                                 "construction"}
    # in the order the timeline names them
    assert list(result.sources.source_id) == sorted(sources, key=["tip2015", "gcm2017"].index)
    with pytest.raises(ParameterError, match="sources must be two or more sources with statements"):
        what_the_sources_name.analyse(loaded, sources=["tip2015"])
