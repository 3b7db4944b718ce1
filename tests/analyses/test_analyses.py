"""The analyses of notebooks 01-05, against values worked out by hand from the 2015 narrative.

Expected values are computed here from the numbers as the report prints them
(270 victims, 4 + 1 convictions, 2.5 + 4.5 million kroner for $314,000 + $565,000),
not from the functions under test; the other counts of victims 03 sets beside the TIP's
are read here from data/processed/ with the csv module. Each analysis is run for every
parameter value its notebook documents.
"""

from __future__ import annotations

import csv
import math

import pytest
from scipy import stats
from second_routes import central_p, exact_ratio, nchs_unreliable, wilson

import analysis
from analysis import config
from analysis.analyses import (
    ParameterError,
    conviction_gap,
    funding_per_victim,
    labor_vs_sex_attention,
    victim_protection,
    what_the_sources_name,
)
from analysis.data import victim_count

# ``data``: the session's curated data (tests/conftest.py), UNODC's counts with them: 03 sets UNODC's detected victims
# beside the TIP's count.


@pytest.fixture(scope="module")
def narrative(data):
    # the 2015 narrative's own figures; other editions restate some of them
    return analysis.Dataset(data.sources, data.metrics, analysis.from_source(data.figures, "tip2015"),
                            data.statements)


# --- 01: the conviction gap ---------------------------------------------------------------

def test_victims_per_conviction_per_year(narrative):
    table = conviction_gap.victims_per_conviction(narrative.figures, "victims_identified_assisted",
                                                  [2013, 2014]).set_index("year")
    assert table.loc[2014, "convictions"] == 4 + 1
    assert table.loc[2013, "convictions"] == 3 + 2
    assert table.loc[2014, "victims_per_conviction"] == pytest.approx(270 / 5)
    assert table.loc[2013, "victims_per_conviction"] == pytest.approx(350 / 5)
    assert table.loc[2014, "victims_hedge"] == "approximately"


def test_victims_per_conviction_with_another_denominator(narrative):
    table = conviction_gap.victims_per_conviction(narrative.figures, "initial_contacts", [2014])
    assert table.victims_per_conviction.tolist() == [pytest.approx(139 / 5)]


def test_victims_per_conviction_refuses_unknown_measure_and_missing_year(narrative):
    with pytest.raises(ValueError,
                       match="unknown victim measure 'victims': expected one of victims_identified_assisted"):
        conviction_gap.victims_per_conviction(narrative.figures, "victims", [2014])
    with pytest.raises(LookupError, match="no count of victims identified and assisted for 2012"):
        conviction_gap.victims_per_conviction(narrative.figures, "victims_identified_assisted", [2012])


def test_cumulative_comparison_flags_the_mismatched_windows(narrative):
    table = conviction_gap.cumulative_comparison(narrative.figures).set_index("measure")
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
def test_conviction_gap_for_every_documented_parameter(data, denominator, years):
    result = conviction_gap.analyse(data, denominator=denominator, years=years)
    convictions = {2013: 3 + 2, 2014: 4 + 1}
    per_year = result.tables["per_year"].set_index("year").victims_per_conviction
    assert per_year.to_dict() == pytest.approx({y: DENOMINATORS_01[denominator][y] / convictions[y] for y in years})
    assert result.facts["year"] == max(years)
    assert result.facts["victims_per_conviction"] == pytest.approx(DENOMINATORS_01[denominator][max(years)] / 5)
    assert f"for every trafficker convicted in {max(years)}" in result.title
    assert list(result.sources.source_id) == ["tip2015"]
    assert result.changed == {k: v for k, v in {"denominator": denominator, "years": years}.items()
                              if v != conviction_gap.analyse.defaults[k]}


def test_conviction_gap_headline(analysed):
    result = analysed("01_conviction_gap")
    low, high = exact_ratio(270, 5)
    assert (round(low), round(high)) == (23, 168)
    # 2013 against 2014: 5 convictions against 350 victims, 5 against 270: the central exact conditional test of
    # convictions per victim, scipy's one-sided binomial tails of 5 in 10 at 350 / 620, the smaller doubled.
    p = 2 * min(stats.binomtest(5, 10, 350 / 620, alternative=side).pvalue for side in ("less", "greater"))
    assert p > 0.05 and result.facts["p_value"] == pytest.approx(p) and result.facts["p_range"] == pytest.approx((p, p))
    assert result.facts["years_verdict"] == "no difference detected"
    assert result.facts["rate_ratio"] == pytest.approx(((5 / 350) / (5 / 270),) * 2)
    # the rate ratio's interval: Clopper-Pearson for 5 of 10, mapped to the ratio and scaled by the victims
    assert result.facts["rate_ratio_ci"] == pytest.approx(tuple(v * 270 / 350 for v in exact_ratio(5, 5)))
    assert result.title == ("About 54 victims identified and assisted for every trafficker convicted in 2014 (95% CI "
                            "23-168); no difference detected from 2013's about 70")
    low_ratio, high_ratio = (v * 270 / 350 for v in exact_ratio(5, 5))
    assert (f"No difference detected between 2013 and 2014 (exact conditional test of convictions per victim, "
            f"p = {p:.2g})") in result.summary
    assert f"any ratio within its 95% CI, {low_ratio:.2f}-{high_ratio:.2f}" in result.summary
    assert "not to say they are alike" in result.closing
    for sameness in ("within chance", "do not differ", "does not differ", "the same"):
        assert sameness not in result.title + result.summary + result.closing
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
def test_conviction_gap_refuses_values_outside_the_data(data, values, message):
    with pytest.raises(ParameterError, match="^01_conviction_gap: ") as info:
        conviction_gap.analyse(data, **values)
    assert any(message in p for p in info.value.problems), info.value.problems


# --- 02: labor against sex ------------------------------------------------------------------

def test_stage_table_shares(narrative):
    table = labor_vs_sex_attention.stage_table(narrative.figures, [2013, 2014], list(labor_vs_sex_attention.STAGES))
    by = table.set_index(["year", "stage"])
    assert by.loc[(2014, "investigations"), "share_labor"] == pytest.approx(68 / (36 + 68))
    assert by.loc[(2013, "investigations"), "share_labor"] == pytest.approx(39 / (30 + 39))
    assert by.loc[(2014, "prosecutions"), "share_labor"] == pytest.approx(1 / 5)
    assert by.loc[(2013, "prosecutions"), "share_labor"] == pytest.approx(3 / 9)
    assert by.loc[(2013, "convictions"), "share_labor"] == pytest.approx(2 / 5)
    assert table.stage.tolist() == ["investigations", "prosecutions", "convictions"] * 2
    assert by.loc[(2014, "prosecutions"), "unit"] == "suspects"


def test_attrition(narrative):
    stages = labor_vs_sex_attention.stage_table(narrative.figures, [2014], ["investigations", "convictions"])
    table = labor_vs_sex_attention.attrition(stages).set_index("form")
    assert table.loc["sex", "convictions_per_investigation"] == pytest.approx(4 / 36)
    assert table.loc["labor", "convictions_per_investigation"] == pytest.approx(1 / 68)


def test_stage_table_refuses_unknown_stage_and_year(narrative):
    with pytest.raises(ValueError, match="unknown stage"):
        labor_vs_sex_attention.stage_table(narrative.figures, [2014], ["arrests"])
    with pytest.raises(LookupError, match=r"\(2012, 'investigations'\)"):
        labor_vs_sex_attention.stage_table(narrative.figures, [2012], ["investigations"])


#: Labor's share by year and stage, from the narrative's counts (labor, sex).
LABOR = {(2013, "investigations"): (39, 30), (2014, "investigations"): (68, 36), (2013, "prosecutions"): (3, 6),
         (2014, "prosecutions"): (1, 4), (2013, "convictions"): (2, 3), (2014, "convictions"): (1, 4)}


@pytest.mark.parametrize("years", [[2013, 2014], [2013], [2014]])
@pytest.mark.parametrize("stages",
                         [["investigations", "prosecutions", "convictions"], ["investigations", "convictions"],
                          ["prosecutions", "convictions"]])
def test_attention_for_every_documented_parameter(data, years, stages):
    result = labor_vs_sex_attention.analyse(data, years=years, stages=stages)
    last = max(years)
    first_share = LABOR[(last, stages[0])][0] / sum(LABOR[(last, stages[0])])
    last_share = LABOR[(last, stages[-1])][0] / sum(LABOR[(last, stages[-1])])
    assert result.facts["share_labor_first_stage"] == pytest.approx(first_share)
    assert result.facts["share_labor_last_stage"] == pytest.approx(last_share)
    assert result.title.startswith(f"Labor trafficking: {first_share:.0%} of {stages[0]}, {last_share:.0%} of "
                                   f"{stages[-1]} in {last}; ")
    first, final = LABOR[(last, stages[0])], LABOR[(last, stages[-1])]
    p = stats.fisher_exact([[first[0], first[1]], [final[0], final[1]]]).pvalue
    assert result.facts["p_value"] == pytest.approx(p) and result.facts["p_range"] == pytest.approx((p, p))
    assert result.facts["verdict"] == ("differs" if p < 0.05 else "no difference detected")
    assert ("a difference beyond chance" in result.title) == (p < 0.05)
    assert ("no difference detected" in result.title) == (p >= 0.05)
    assert "within chance" not in result.title + result.summary + result.closing
    # shares are judged by NCHS's standard for proportions, written out in second_routes
    by = result.table.set_index(["year", "stage"])
    for (year, stage), (labor, sex) in LABOR.items():
        if (year, stage) in by.index:
            assert by.loc[(year, stage), "unreliable"] == nchs_unreliable(labor, labor + sex), (year, stage)
    assert len(result.table) == len(years) * len(stages)
    assert "bulk of resources and attention" in result.summary


def test_attention_words_give_the_shares_the_data_still_allow_when_no_difference_is_detected(analysed):
    result = analysed("02_labor_vs_sex_attention")
    # 2014: 68 of 104 investigations against 1 of 5 convictions, Fisher's p = 0.06
    p = stats.fisher_exact([[68, 36], [1, 4]]).pvalue
    investigations, convictions = wilson(68, 104), wilson(1, 5)
    assert (f"no difference detected between the two shares (Fisher's exact test, p = {p:.2g}): the data still allow "
            f"labour's share of investigations anywhere within {investigations[0]:.0%}-{investigations[1]:.0%}"
            .replace("%-", "-")) in result.summary
    assert f"anywhere within {convictions[0]:.0%}-{convictions[1]:.0%}".replace("%-", "-") in result.closing
    assert "unreliable by NCHS's standard for proportions" in result.summary  # 1 of 5 convictions: n under 30


def test_attention_refuses_unknown_stage_and_year(data):
    with pytest.raises(ParameterError, match="stages must be two or more of investigations, prosecutions, convictions"):
        labor_vs_sex_attention.analyse(data, stages=["arrests", "convictions"])
    with pytest.raises(ParameterError, match="years: no data for 2016"):
        labor_vs_sex_attention.analyse(data, years=[2016])


# --- 03: funding per victim -----------------------------------------------------------------

def _rows(name: str) -> list[dict[str, str]]:
    with open(config.PROCESSED / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


FIGURES = {row["id"]: row for row in _rows("figures.csv")}
#: The 2014 funding lines of the 2015 narrative, in NOK and in the USD it gives beside them, read from figures.csv.
NOK_2014 = {i: float(r["value"]) for i, r in FIGURES.items()
            if r["source_id"] == "tip2015" and r["metric"] == "funding_allocated" and r["unit"] == "NOK"}
USD_2014 = {i.replace("-usd", "-nok"): float(r["value"]) for i, r in FIGURES.items()
            if r["source_id"] == "tip2015" and r["metric"] == "funding_allocated" and r["unit"] == "USD"}


def _unodc_detected(year: int) -> float:
    """UNODC's detected victims in Norway for ``year``, as the 2025 release writes them in glotip.csv."""
    (value,) = [float(r["count"]) for r in _rows("glotip.csv")
                if (r["source_id"], r["iso3"], r["metric"], r["form"], r["sex"], r["age"], r["year"])
                == ("glotip2025", "NOR", "victims_detected", "unsplit", "Total", "Total", str(year))]
    return value


def test_the_2014_inputs_read_here_are_the_report_s():
    assert NOK_2014 == {"tip2015-funding-ngo-nok": 2_500_000, "tip2015-funding-safe-houses-nok": 4_500_000}
    assert USD_2014 == {"tip2015-funding-ngo-nok": 314_000, "tip2015-funding-safe-houses-nok": 565_000}
    assert float(FIGURES["tip2015-victims-2014"]["value"]) == 270
    assert float(FIGURES["kom2014-victims-followed-up-2014"]["value"]) == 324
    assert _unodc_detected(2014) == 324


def test_implied_rate_and_funding_per_victim(narrative):
    lines = funding_per_victim.lines_for(narrative.figures, 2014)
    rate = funding_per_victim.implied_rate(lines)
    assert rate == pytest.approx((2_500_000 + 4_500_000) / (314_000 + 565_000))
    victims = victim_count(narrative.figures, "victims_identified_assisted", 2014)
    assert victims.value == 270 and "about 270" in victims.label
    table = funding_per_victim.per_victim(lines, victims.value, "USD", rate).set_index("id")
    assert table.loc["total", "nok_per_victim"] == pytest.approx(7_000_000 / 270)
    assert table.loc["total", "usd_per_victim"] == pytest.approx(7_000_000 / 270 / rate)
    assert table.loc["tip2015-funding-ngo-nok", "nok_per_victim"] == pytest.approx(2_500_000 / 270)
    assert table.usd_basis.tolist() == ["computed", "computed", "sum, partly computed"]
    assert not any("ci" in column.split("_") for column in table.columns)  # no chance interval


def test_funding_in_usd_is_the_report_s_own_where_it_gives_one(narrative):
    lines = funding_per_victim.lines_for(narrative.figures, 2014)
    rate = funding_per_victim.implied_rate(lines)
    table = funding_per_victim.per_victim(lines, 270, "USD", rate, as_reported=True).set_index("id")
    assert table.loc["tip2015-funding-ngo-nok", "usd"] == 314_000  # not 2,500,000 / 7.9636 = 313,929
    assert table.loc["tip2015-funding-safe-houses-nok", "usd"] == 565_000
    assert table.loc["total", "usd"] == 314_000 + 565_000
    assert table.usd_basis.tolist() == ["reported", "reported", "sum of reported"]
    assert table.loc["tip2015-funding-ngo-nok", "usd_per_victim"] == pytest.approx(314_000 / 270)
    # a line without the report's USD is computed at the rate, and says so
    one = lines.assign(usd_as_reported=[float("nan"), 565_000.0])
    mixed = funding_per_victim.per_victim(one, 270, "USD", rate, as_reported=True).set_index("id")
    assert mixed.loc["tip2015-funding-ngo-nok", "usd"] == pytest.approx(2_500_000 / rate)
    assert mixed.usd_basis.tolist() == ["computed", "reported", "sum, partly computed"]


def test_funding_with_shelter_denominator_and_one_line(narrative):
    lines = funding_per_victim.lines_for(narrative.figures, 2014, ["tip2015-funding-safe-houses-nok"])
    assert lines.nok.tolist() == [4_500_000]
    victims = victim_count(narrative.figures, "shelter_accepted", 2014)
    assert victims.value == 41 + 1
    table = funding_per_victim.per_victim(lines, victims.value, "EUR", 8.5).set_index("id")
    assert table.loc["total", "eur_per_victim"] == pytest.approx(4_500_000 / 8.5 / 42)


def test_funding_refuses_bad_inputs(narrative):
    lines = funding_per_victim.lines_for(narrative.figures, 2014)
    with pytest.raises(LookupError, match="unknown funding line"):
        funding_per_victim.lines_for(narrative.figures, 2014, ["tip2015-funding-ngo-usd"])
    with pytest.raises(ValueError, match="exchange rate must be positive"):
        funding_per_victim.per_victim(lines, 270, "USD", 0)
    with pytest.raises(ValueError, match="unknown victim measure 'everyone'"):
        victim_count(narrative.figures, "everyone", 2014)


REPORT_RATE = (2_500_000 + 4_500_000) / (314_000 + 565_000)
VICTIMS_2014 = {"victims_identified_assisted": 270, "initial_contacts": 139, "shelter_accepted": 41 + 1}


def test_funding_per_victim_under_each_count_of_victims(analysed):
    """The 2014 lines summed from figures.csv, divided by the TIP's 270 and by UNODC's and KOM's 324, side by side."""
    total = sum(NOK_2014.values())
    result = analysed("03_funding_per_victim")
    tip, unodc, kom = 270, _unodc_detected(2014), float(FIGURES["kom2014-victims-followed-up-2014"]["value"])
    assert result.facts["nok_per_victim_by_count"] == pytest.approx(
        {"tip": total / tip, "unodc_detected": total / unodc, "kom": total / kom})
    assert result.facts["nok_per_victim_by_count"]["tip"] == pytest.approx(25_925.93, abs=0.01)
    assert result.facts["nok_per_victim_by_count"]["unodc_detected"] == pytest.approx(21_604.94, abs=0.01)
    assert result.facts["nok_per_victim_range"] == pytest.approx((total / 324, total / 270))
    assert result.facts["victims_by_count"] == {"tip": 270, "unodc_detected": 324, "kom": 324}
    assert result.title.startswith(f"NOK {total / 324:,.0f} to {total / 270:,.0f} of the reported funding per victim "
                                   "in 2014, by which count of victims is used; ")
    assert result.title == ("NOK 21,605 to 25,926 of the reported funding per victim in 2014, by which count of "
                            "victims is used; NOK 25,926 (USD 3,256) per victim identified and assisted, "
                            "the TIP's count")
    table = result.table.set_index("id")
    for line, nok in NOK_2014.items():
        assert table.loc[line, "nok_per_victim"] == pytest.approx(nok / 270)
        assert table.loc[line, "nok_per_victim_unodc_detected"] == pytest.approx(nok / 324)
        assert table.loc[line, "nok_per_victim_kom"] == pytest.approx(nok / 324)
    assert "20 % above the lowest" in result.summary  # 324 / 270 = 1.2
    counts = result.tables["counts"].set_index("count")
    assert counts.label.to_dict() == {"tip": "about 270 victims identified and assisted",
                                      "unodc_detected": "324 victims detected", "kom": "324 victims followed up"}
    assert set(counts.loc["unodc_detected", "ids"]) <= set(result.figure_ids)
    assert "kom2014-victims-followed-up-2014" in result.figure_ids
    assert {"glotip2025", "kom2014-politi"} <= set(result.sources.source_id)


def test_funding_per_victim_has_no_chance_interval_and_takes_no_confidence(data, analysed):
    result = analysed("03_funding_per_victim")
    assert not any(k.endswith("_ci") or k == "confidence" for k in result.facts)
    assert not any("ci" in column.split("_") for column in result.table.columns)
    assert "CI" not in result.title and "CI" not in result.summary
    assert "No interval for chance is given" in result.caveats
    with pytest.raises(ParameterError, match="unknown parameter 'confidence'"):
        funding_per_victim.analyse(data, confidence=0.9)


def test_funding_per_victim_says_which_counts_are_missing(data):
    # 2018: the TIP's 77 initial contacts and UNODC's 106, but no KOM count in the data
    result = funding_per_victim.analyse(data, source="tip2019", year=2018, denominator="initial_contacts")
    total = 30_000_000 + 2_900_000 + 5_000_000
    assert result.facts["nok_per_victim_by_count"] == pytest.approx(
        {"tip": total / 77, "unodc_detected": total / _unodc_detected(2018), "kom": None})
    assert "- KOM: no count for 2018 (not in the data)" in result.summary
    # 2017: neither UNODC nor KOM
    result = funding_per_victim.analyse(data, source="tip2019", year=2017, denominator="initial_contacts")
    assert result.title == ("NOK 169,492 (USD 19,492) of the reported funding per initial contact from a victim in "
                            "2017, the only count of victims for 2017")
    assert "- UNODC: no count for 2017 (not reported to UNODC)" in result.summary
    assert "- KOM: no count for 2017 (not reported by the government)" in result.summary


def test_funding_per_victim_when_every_count_agrees(data):
    result = funding_per_victim.analyse(data, source="tip2017", year=2016)
    total = 5_900_000 + 2_250_000 + 3_750_000
    assert result.facts["nok_per_victim_by_count"] == pytest.approx(
        {"tip": total / 262, "unodc_detected": total / 262, "kom": total / 262})
    assert result.title.startswith(f"NOK {total / 262:,.0f} (USD {(684_375 + 260_991 + 434_984) / 262:,.0f}) of the "
                                   "reported funding per victim in 2016, whichever of the 3 counts of victims is used")


@pytest.mark.parametrize("denominator", VICTIMS_2014)
@pytest.mark.parametrize(("currency", "rate"), [("USD", None), ("USD", 10.5), ("EUR", 11.5), ("SEK", 0.95)])
@pytest.mark.parametrize("lines", [[], ["tip2015-funding-ngo-nok"], ["tip2015-funding-safe-houses-nok"]])
def test_funding_for_every_documented_parameter(data, denominator, currency, rate, lines):
    result = funding_per_victim.analyse(data, denominator=denominator, currency=currency, exchange_rate=rate,
                                        funding_lines=lines)
    shown = lines or list(NOK_2014)
    total = sum(NOK_2014[i] for i in shown)
    victims = VICTIMS_2014[denominator]
    # in USD at the report's own rate, the amounts are the report's USD; otherwise the kroner at the rate
    in_currency = sum(USD_2014[i] for i in shown) if rate is None else total / rate
    assert result.facts["nok_per_victim"] == pytest.approx(total / victims)
    assert result.facts["per_victim"] == pytest.approx(in_currency / victims)
    assert (result.table.set_index("id").loc["total", f"{currency.lower()}_per_victim"]
            == pytest.approx(in_currency / victims))
    if rate is None:
        assert result.supplied == {} and "implied by the report's own NOK/USD pairs" in result.summary
    else:
        assert result.supplied == {"exchange_rate": f"NOK per {currency}, supplied by the user, not from a source"}
        assert "supplied by the user, not from a source" in result.summary
    low, high = sorted((total / victims, total / 324))
    assert result.title.startswith(f"NOK {low:,.0f} to {high:,.0f} of the reported funding per victim in 2014, "
                                   f"by which count of victims is used; NOK {total / victims:,.0f} ({currency} ")


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
def test_funding_refuses_values_outside_the_data(data, values, message):
    with pytest.raises(ParameterError) as info:
        funding_per_victim.analyse(data, **values)
    assert any(p.startswith(message) for p in info.value.problems), info.value.problems


# --- 04: protection --------------------------------------------------------------------------

def test_protection_per_100_victims(narrative):
    table = victim_protection.protection_table(narrative.figures, [2013, 2014]).set_index(["year", "measure"])
    assert table.loc[(2014, "temporary_residence_permits_granted"), "per_100_victims"] == pytest.approx(100 * 41 / 270)
    assert table.loc[(2013, "reflection_periods_granted"), "per_100_victims"] == pytest.approx(100 * 30 / 350)
    assert table.loc[(2014, "asylum_grants"), "count"] == 11
    assert table.loc[(2014, "shelter_accepted"), "count"] == 42
    # not given for 2013: missing, not zero
    assert math.isnan(table.loc[(2013, "shelter_accepted"), "count"])


@pytest.mark.parametrize("years", [[2013, 2014], [2013], [2014]])
def test_protection_for_every_documented_parameter(data, years):
    result = victim_protection.analyse(data, years=years)
    victims = {2013: 350, 2014: 270}[max(years)]
    permits_count, reflection_count = {2013: (38, 30), 2014: (41, 27)}[max(years)]
    permits, reflection = 100 * permits_count / victims, 100 * reflection_count / victims
    assert result.facts["permits_per_100"] == pytest.approx(permits)
    assert result.facts["reflection_per_100"] == pytest.approx(reflection)
    # a ratio of two counts, not a share: the exact conditional interval (scipy's Clopper-Pearson, mapped), times 100
    permit_ci = [100 * v for v in exact_ratio(permits_count, victims)]
    reflection_ci = [100 * v for v in exact_ratio(reflection_count, victims)]
    assert result.facts["permits_ci"] == pytest.approx(permit_ci)
    assert result.facts["reflection_ci"] == pytest.approx(reflection_ci)
    assert result.title == (f"In {max(years)}, about {permits:.0f} temporary residence permits per 100 victims "
                            f"identified (95% CI {permit_ci[0]:.0f}-{permit_ci[1]:.0f}) and {reflection:.0f} "
                            f"reflection periods ({reflection_ci[0]:.0f}-{reflection_ci[1]:.0f})")
    assert ("shelter accepted 2013" in result.summary) == (2013 in years)
    assert (result.facts["changes"] == {}) == (len(years) == 1)
    with pytest.raises(ParameterError, match="years: no data for 2015"):
        victim_protection.analyse(data, years=[*years, 2015])


#: 2013 and 2014 as the narrative gives them: (count, victims identified) per measure; shelter is not given for 2013.
PROTECTION = {"reflection_periods_granted": ((30, 350), (27, 270)),
              "temporary_residence_permits_granted": ((38, 350), (41, 270)),
              "asylum_grants": ((19, 350), (11, 270))}


def test_protection_compares_the_years_as_two_rates(analysed):
    result = analysed("04_victim_protection")
    changes = result.facts["changes"]
    assert set(changes) == set(PROTECTION)  # shelter has no 2013 count to compare
    for measure, ((count13, victims13), (count14, victims14)) in PROTECTION.items():
        change = changes[measure]
        # 2014's rate over 2013's, the victims as the exposure: given count14 + count13, count14 is binomial with
        # p = 270 / 620 when the rates are equal
        p = central_p(count14, victims14, count13, victims13)
        assert change["p_range"] == pytest.approx((p, p)) and change["p_value"] == pytest.approx(p)
        assert change["rate_ratio"] == pytest.approx(((count14 / victims14) / (count13 / victims13),) * 2)
        assert change["ci"] == pytest.approx(tuple(v * victims13 / victims14 for v in exact_ratio(count14, count13)))
        assert change["verdict"] == ("differs" if p < 0.05 else "no difference detected")
        assert change["verdict"] == "no difference detected"  # none of the three moves beyond chance
        low, high = change["ci"]
        assert f"the data still allow any ratio within {low:.2f}-{high:.2f}" in result.summary
    assert "none of the 3 measures given in both years changed beyond chance" in result.closing
    assert "which is not to say they stayed the same" in result.closing
    assert "victims identified as a fixed number, the exposure of a rate" in result.summary
    # per 100 victims, not "in 100": the measures are not a subset of the year's victims
    assert " in 100 " not in result.title + result.summary + result.closing
    # asylum grants rest on 19 and 11 events: unreliable by the rule for counts and ratios (fewer than 20)
    table = result.table.set_index(["year", "measure"])
    assert table.unreliable.to_dict() == {key: key[1] == "asylum_grants" for key in table.index}


# --- 05: what the sources name ---------------------------------------------------------------

def test_side_by_side_agreement(narrative):
    table = what_the_sources_name.side_by_side(narrative.statements, ["tip2015", "gcm2017"])
    both = set(table[table.named_by == "both"].subject)
    assert both == {"destination", "sex trafficking", "forced labor", "forced begging", "construction"}
    assert set(table[table.named_by == "only gcm2017"].subject) == {"agriculture", "irregular migrants"}
    assert "Nigeria" in set(table[table.named_by == "only tip2015"].subject)


def test_policy_timeline(narrative):
    table = what_the_sources_name.policy_timeline(narrative.statements, narrative.sources, ["tip2015", "gcm2017"])
    dated = table[table.dated].set_index("id").year
    assert dated["tip2015-policy-criminalisation"] == 2003
    assert dated["gcm2017-policy-work-crime-strategy"] == 2015
    undated = table[~table.dated].set_index("id").year
    assert undated["gcm2017-policy-intelligence-centre"] == 2017  # placed at the statement's edition
    assert table.year.is_monotonic_increasing


@pytest.mark.parametrize("sources", [["tip2015", "gcm2017"], ["gcm2017", "tip2015"]])
def test_sources_named_for_every_documented_parameter(data, sources):
    result = what_the_sources_name.analyse(data, sources=sources)
    assert result.title == "8 policy measures named, 2003-2017; 4 without a stated year"
    assert set(result.facts["named_by_all"]) == {"destination", "sex trafficking", "forced labor", "forced begging",
                                                 "construction"}
    # in the order the timeline names them
    assert list(result.sources.source_id) == sorted(sources, key=["tip2015", "gcm2017"].index)
    with pytest.raises(ParameterError, match="sources must be two or more sources with statements"):
        what_the_sources_name.analyse(data, sources=["tip2015"])
