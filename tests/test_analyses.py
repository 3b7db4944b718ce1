"""The package's analysis functions, against values worked out by hand from the 2015 narrative.

Expected values are computed here from the numbers as the report prints them
(270 victims, 4 + 1 convictions, 2.5 + 4.5 million kroner for $314,000 + $565,000),
not from the functions under test.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import analysis
from analysis import attention, compare_sources, funding, gap, protection


@pytest.fixture(scope="module")
def data():
    loaded = analysis.load()
    # the 2015 narrative's own figures; other editions restate some of them
    return analysis.Dataset(loaded.sources, loaded.metrics, analysis.from_source(loaded.figures, "tip2015"), loaded.statements)


def test_victims_per_conviction_per_year(data):
    table = gap.victims_per_conviction(data.figures, "victims_identified_assisted", [2013, 2014]).set_index("year")
    assert table.loc[2014, "convictions"] == 4 + 1
    assert table.loc[2013, "convictions"] == 3 + 2
    assert table.loc[2014, "victims_per_conviction"] == pytest.approx(270 / 5)
    assert table.loc[2013, "victims_per_conviction"] == pytest.approx(350 / 5)
    assert table.loc[2014, "victims_hedge"] == "approximately"


def test_victims_per_conviction_with_another_denominator(data):
    table = gap.victims_per_conviction(data.figures, "initial_contacts", [2014])
    assert table.victims_per_conviction.tolist() == [pytest.approx(139 / 5)]


def test_victims_per_conviction_refuses_unknown_measure_and_missing_year(data):
    with pytest.raises(ValueError, match="denominator must be one of"):
        gap.victims_per_conviction(data.figures, "victims", [2014])
    with pytest.raises(LookupError, match="no figures match"):
        gap.victims_per_conviction(data.figures, "victims_identified_assisted", [2012])


def test_cumulative_comparison_flags_the_mismatched_windows(data):
    table = gap.cumulative_comparison(data.figures).set_index("measure")
    assert table.loc["potential_victims_assisted", "years"] == 7          # 2007..2013
    assert table.loc["convictions", "years"] == 12                        # 2003..2014
    assert table.loc["potential_victims_assisted", "per_year"] == pytest.approx(2000 / 7)
    assert table.loc["convictions", "per_year"] == pytest.approx(35 / 12)
    assert not table.windows_match.any()


def test_stage_table_shares(data):
    table = attention.stage_table(data.figures, [2013, 2014], list(attention.STAGES))
    by = table.set_index(["year", "stage"])
    assert by.loc[(2014, "investigations"), "share_labor"] == pytest.approx(68 / (36 + 68))
    assert by.loc[(2013, "investigations"), "share_labor"] == pytest.approx(39 / (30 + 39))
    assert by.loc[(2014, "prosecutions"), "share_labor"] == pytest.approx(1 / 5)
    assert by.loc[(2013, "prosecutions"), "share_labor"] == pytest.approx(3 / 9)
    assert by.loc[(2013, "convictions"), "share_labor"] == pytest.approx(2 / 5)
    assert table.stage.tolist() == ["investigations", "prosecutions", "convictions"] * 2
    assert by.loc[(2014, "prosecutions"), "unit"] == "suspects"


def test_attrition(data):
    stages = attention.stage_table(data.figures, [2014], ["investigations", "convictions"])
    table = attention.attrition(stages).set_index("form")
    assert table.loc["sex", "convictions_per_investigation"] == pytest.approx(4 / 36)
    assert table.loc["labor", "convictions_per_investigation"] == pytest.approx(1 / 68)


def test_stage_table_refuses_unknown_stage_and_year(data):
    with pytest.raises(ValueError, match="unknown stage"):
        attention.stage_table(data.figures, [2014], ["arrests"])
    with pytest.raises(LookupError, match=r"\(2012, 'investigations'\)"):
        attention.stage_table(data.figures, [2012], ["investigations"])


def test_implied_rate_and_funding_per_victim(data):
    lines = funding.funding_lines(data.figures, 2014)
    rate = funding.implied_rate(lines)
    assert rate == pytest.approx((2_500_000 + 4_500_000) / (314_000 + 565_000))
    victims, label = funding.denominator_value(data.figures, "victims_identified_assisted", 2014)
    assert victims == 270 and "approximately 270" in label
    table = funding.per_victim(lines, victims, "USD", rate).set_index("id")
    assert table.loc["total", "nok_per_victim"] == pytest.approx(7_000_000 / 270)
    assert table.loc["total", "usd_per_victim"] == pytest.approx(7_000_000 / 270 / rate)
    assert table.loc["tip2015-funding-ngo-nok", "nok_per_victim"] == pytest.approx(2_500_000 / 270)


def test_funding_with_shelter_denominator_and_one_line(data):
    lines = funding.funding_lines(data.figures, 2014, ["tip2015-funding-safe-houses-nok"])
    assert lines.nok.tolist() == [4_500_000]
    victims, _ = funding.denominator_value(data.figures, "shelter_accepted", 2014)
    assert victims == 41 + 1
    table = funding.per_victim(lines, victims, "EUR", 8.5).set_index("id")
    assert table.loc["total", "eur_per_victim"] == pytest.approx(4_500_000 / 8.5 / 42)


def test_funding_refuses_bad_inputs(data):
    lines = funding.funding_lines(data.figures, 2014)
    with pytest.raises(LookupError, match="unknown funding line"):
        funding.funding_lines(data.figures, 2014, ["tip2015-funding-ngo-usd"])
    with pytest.raises(ValueError, match="exchange rate must be positive"):
        funding.per_victim(lines, 270, "USD", 0)
    with pytest.raises(ValueError, match="denominator must be one of"):
        funding.denominator_value(data.figures, "everyone", 2014)


def test_protection_per_100_victims(data):
    table = protection.protection_table(data.figures, [2013, 2014]).set_index(["year", "measure"])
    assert table.loc[(2014, "temporary_residence_permits_granted"), "per_100_victims"] == pytest.approx(100 * 41 / 270)
    assert table.loc[(2013, "reflection_periods_granted"), "per_100_victims"] == pytest.approx(100 * 30 / 350)
    assert table.loc[(2014, "asylum_grants"), "count"] == 11
    assert table.loc[(2014, "shelter_accepted"), "count"] == 42
    # not given for 2013: missing, not zero
    assert math.isnan(table.loc[(2013, "shelter_accepted"), "count"])


def test_side_by_side_agreement(data):
    table = compare_sources.side_by_side(data.statements, ["tip2015", "gcm2017"])
    both = set(table[table.named_by == "both"].subject)
    assert both == {"destination", "sex trafficking", "forced labor", "forced begging", "construction"}
    assert set(table[table.named_by == "only gcm2017"].subject) == {"agriculture", "irregular migrants"}
    assert "Nigeria" in set(table[table.named_by == "only tip2015"].subject)


def test_policy_timeline(data):
    table = compare_sources.policy_timeline(data.statements, data.sources, ["tip2015", "gcm2017"])
    dated = table[table.dated].set_index("id").year
    assert dated["tip2015-policy-criminalisation"] == 2003
    assert dated["gcm2017-policy-work-crime-strategy"] == 2015
    undated = table[~table.dated].set_index("id").year
    assert undated["gcm2017-policy-intelligence-centre"] == 2017  # placed at the statement's edition
    assert table.year.is_monotonic_increasing


def test_get_figure_and_compare_periods(data):
    fig = analysis.get_figure(data.figures, "asylum_grants", sources=data.sources, period=2013)
    assert fig.value == 19 and fig.url.startswith("https://2009-2017.state.gov/")
    assert fig.label == "19 victims" and fig.period == "2013"
    table = analysis.compare_periods(data.figures, "investigations", 2013, 2014).set_index("form")
    assert table.loc["labor", "change"] == 68 - 39
    assert table.loc["sex", "change_share"] == pytest.approx((36 - 30) / 30)
    shares = analysis.compare_periods(data.figures, "victims_identified_assisted_share", 2013, 2014)
    assert shares.value_before.isna().all()


def test_source_line_is_built_from_the_register(data):
    from analysis.plotting import source_line

    line = source_line(data.sources, ["tip2015", "tip2015"]).replace("\n", " ")
    assert line.count("Trafficking in Persons Report 2015") == 1
    assert "https://2009-2017.state.gov/j/tip/rls/tiprpt/countries/2015/243506.htm" in line


def test_saved_figures_are_byte_stable(tmp_path, data):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from analysis import plotting

    plotting.apply_theme()
    digests = []
    for attempt in range(2):
        fig, ax = plt.subplots()
        ax.bar(["a", "b"], [1, 2])
        plotting.title(fig, "A finding")
        plotting.add_source(fig, data.sources, ["tip2015"])
        written = plotting.save(fig, "probe", pd.DataFrame({"x": [1.0, 2.0]}), tmp_path / str(attempt))
        plt.close(fig)
        digests.append([p.read_bytes() for p in written])
    assert digests[0] == digests[1]
    svg = digests[0][1].decode()
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg
    assert b"Software" not in digests[0][0]
