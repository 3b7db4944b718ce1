"""Looking figures up in the curated data: one figure with its citation, and two periods side by side."""

from __future__ import annotations

import pytest

import analysis


@pytest.fixture(scope="module")
def tip2015():
    """The 2015 narrative's own figures; other editions restate some of them."""
    loaded = analysis.load()
    return analysis.Dataset(loaded.sources, loaded.metrics, analysis.from_source(loaded.figures, "tip2015"),
                            loaded.statements)


def test_get_figure_and_compare_periods(tip2015):
    fig = analysis.get_figure(tip2015.figures, "asylum_grants", sources=tip2015.sources, period=2013)
    assert fig.value == 19 and fig.url.startswith("https://2009-2017.state.gov/")
    assert fig.label == "19 victims" and fig.period == "2013"
    table = analysis.compare_periods(tip2015.figures, "investigations", 2013, 2014).set_index("form")
    assert table.loc["labor", "change"] == 68 - 39
    assert table.loc["sex", "change_share"] == pytest.approx((36 - 30) / 30)
    shares = analysis.compare_periods(tip2015.figures, "victims_identified_assisted_share", 2013, 2014)
    assert shares.value_before.isna().all()
