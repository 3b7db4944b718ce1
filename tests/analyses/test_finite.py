"""No non-finite number leaves an analysis unannounced (issue 27, case 2).

NaN means "not reported" and is written as an empty cell or null; an interval with no upper end by design is written
``[low, null]`` with its place listed under ``open_upper_ends``; any other infinity fails the analysis before
anything is drawn or written, naming the notebook, the place and the parameter that produced it. A parameter that
would make one (an exchange rate of 1e-308) is refused up front by its domain.
"""

from __future__ import annotations

import json
import math
from typing import Annotated

import matplotlib
import pandas as pd
import pytest

from analysis.analyses import ANALYSES, ParameterError, conviction_gap, funding_per_victim, labor_share_series
from analysis.analyses.domains import Flag, OneOf
from analysis.analyses.result import NonFiniteError, Prose, Result, analysis_of, non_finite, open_interval
from analysis.analyses.uncertainty import ci_label
from analysis.charts import save
from analysis.charts.save import jsonable
from analysis.steps import Step

matplotlib.use("Agg")

#: The TIP 2015's funding lines for 2014 (NOK 2.5 and 4.5 million) over its 270 victims identified and assisted.
NOK_PER_VICTIM_2014 = (2_500_000 + 4_500_000) / 270


def test_an_exchange_rate_that_would_overflow_is_refused_up_front(data):
    with pytest.raises(ParameterError) as info:
        funding_per_victim.analyse(data, currency="EUR", exchange_rate=1.0e-308)
    assert str(info.value) == ("03_funding_per_victim: exchange_rate must be a number strictly between 1e-09 and "
                               "1e+09, such as 11.5 (NOK per EUR); got 1e-308")
    with pytest.raises(ParameterError, match=r"strictly between 1e-09 and 1e\+09, .*; got 1e\+300$"):
        funding_per_victim.analyse(data, currency="EUR", exchange_rate=1e300)
    # a non-positive rate keeps its own message
    with pytest.raises(ParameterError, match="exchange_rate must be a positive number of NOK per EUR"):
        funding_per_victim.analyse(data, currency="EUR", exchange_rate=-1.0)


def test_the_smallest_rate_allowed_gives_a_finite_amount(data):
    result = funding_per_victim.analyse(data, currency="EUR", exchange_rate=2e-9)
    assert result.facts["per_victim"] == pytest.approx(NOK_PER_VICTIM_2014 / 2e-9)
    assert math.isfinite(result.facts["per_victim"]) and "inf" not in result.title


def test_an_overflow_the_domain_lets_through_fails_naming_notebook_fact_and_parameter(data, monkeypatch):
    # the domain is what refuses 1e-308; without it, the generic guard must still stop the result
    monkeypatch.setattr(funding_per_victim._Rate, "problems", lambda self, name, data, values: [])
    assert math.isinf(NOK_PER_VICTIM_2014 / 1.0e-308)
    with pytest.raises(NonFiniteError) as info:
        funding_per_victim.analyse(data, currency="EUR", exchange_rate=1.0e-308)
    message = str(info.value)
    assert message.startswith("03_funding_per_victim: facts.per_victim is inf; table['eur'] row 0 is inf; ")
    # currency changed too, but setting it back leaves the amount infinite: only the rate is named
    assert "not a finite number, produced by exchange_rate=1e-308 (published default: None); expected finite" in (
        message)
    assert "currency=" not in message and message.endswith("nothing was drawn or written")
    assert "\n" not in message


@pytest.fixture
def probe():
    """A tiny analysis declared as notebook 98's, which the tests make infinite at will; removed afterwards."""

    def analyse(data, overflow: Annotated[bool, Flag()] = False,
                label: Annotated[str, OneOf(("plain", "other"))] = "plain",
                interval: Annotated[str, OneOf(("none", "open", "both"))] = "none") -> Result:
        value = 1e308 * 10 if overflow else 1.0
        ends = {"none": (1.0, 2.0), "open": (0.5, math.inf), "both": (math.inf, math.inf)}[interval]
        table = pd.DataFrame({"year": [2014, 2015], "ci_high": [2.0, ends[1]], "value": [value, math.nan]})
        return Result(title=f"Probe: {value:,.0f} ({label})", table=table, facts={"value": value, "ci": ends},
                      figure_ids=(), sources=pd.DataFrame(), summary=Prose("A probe."))

    analyse.__module__ = "tests.finite_probe"
    try:
        yield analysis_of(step=Step("finite_probe", "98_finite_probe", "Probe", "Is it finite?", ()))(analyse)
    finally:
        ANALYSES.pop("98_finite_probe", None)


def test_an_infinity_with_the_defaults_is_the_analysis_s_fault(data, probe, monkeypatch):
    monkeypatch.setitem(probe.defaults, "overflow", True)  # as if the published default overflowed
    with pytest.raises(NonFiniteError) as info:
        probe(data, overflow=True)
    assert str(info.value).startswith("98_finite_probe: facts.value is inf; table['value'] row 0 is inf; title is ")
    assert ("not a finite number, with the published defaults (a fault of the analysis or the data, not of a "
            "parameter)") in str(info.value)


def test_the_parameter_named_is_the_one_that_produced_it(data, probe):
    with pytest.raises(NonFiniteError) as info:
        probe(data, overflow=True, label="other")
    assert "produced by overflow=True (published default: False);" in str(info.value)
    assert "label=" not in str(info.value)
    assert "title is 'Probe: inf (other)'" in str(info.value)


def test_an_open_upper_end_and_a_value_not_reported_pass(data, probe):
    result = probe(data, interval="open")
    assert result.facts["ci"] == (0.5, math.inf) and math.isnan(result.table.value[1])
    assert non_finite(result) == []
    with pytest.raises(NonFiniteError, match=r"facts\.ci\[0\] is inf; facts\.ci\[1\] is inf"):
        probe(data, interval="both")  # no lower end either: not an interval open above


@pytest.mark.parametrize(("value", "expected"), [
    ((0.5, math.inf), True), ([3, math.inf], True), ((math.inf, math.inf), False), ((math.nan, math.inf), False),
    ((0.5, -math.inf), False), ((0.5, 2.0), False), ((0.5, math.inf, 1.0), False), (("a", math.inf), False),
])
def test_what_counts_as_an_interval_open_above(value, expected):
    assert open_interval(value) is expected


def test_the_json_of_an_open_interval_is_null_with_its_place_listed(tmp_path):
    import matplotlib.pyplot as plt

    record = {"headline": {"value": (2.5, math.inf)}, "facts": {"ci": (0.0, math.inf), "years": [(1.0, 3.0)],
                                                                "missing": math.nan, "rows": [(4.0, math.inf)]}}
    fig = plt.figure()
    written = save(fig, "probe", pd.DataFrame({"x": [1.0]}), tmp_path, facts=record)
    plt.close(fig)
    text = (tmp_path / "probe.json").read_text(encoding="utf-8")
    assert "Infinity" not in text and "NaN" not in text
    stated = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in the JSON"))
    assert stated["headline"]["value"] == [2.5, None] and stated["facts"]["ci"] == [0.0, None]
    assert stated["facts"]["missing"] is None and stated["facts"]["years"] == [[1.0, 3.0]]
    assert stated["open_upper_ends"] == ["headline.value", "facts.ci", "facts.rows.0"]
    assert [p.name for p in written] == ["probe.png", "probe.svg", "probe.csv", "probe.json"]


def test_a_record_without_an_open_end_has_no_marker():
    # the committed charts' JSON keeps its bytes: the marker is written only when there is an open end
    assert jsonable({"a": (1.0, 2.0), "b": math.nan}, []) == {"a": [1.0, 2.0], "b": None}


def test_an_infinity_in_the_facts_writes_nothing(tmp_path):
    import matplotlib.pyplot as plt

    fig = plt.figure()
    with pytest.raises(NonFiniteError) as info:
        save(fig, "03_funding_per_victim", pd.DataFrame({"x": [1.0]}), tmp_path / "figures",
             facts={"facts": {"per_victim": math.inf}})
    plt.close(fig)
    assert str(info.value) == ("03_funding_per_victim: facts.per_victim is inf, not a finite number; JSON holds "
                               "finite numbers only (an interval with no upper end by design is written "
                               "[low, null]); nothing was written")
    assert not (tmp_path / "figures").exists()


def test_a_confidence_level_is_never_rounded_to_100_percent(data):
    assert ci_label(0.9999999999999) == "99.99999999999% CI"
    assert [ci_label(c) for c in (0.95, 0.9, 0.995, 0.5)] == ["95% CI", "90% CI", "99.5% CI", "50% CI"]
    result = conviction_gap.analyse(data, confidence=0.9999999999999)
    assert "(99.99999999999% CI " in result.title and "100%" not in result.title


def test_a_year_beyond_the_data_is_refused_up_front(data):
    # the years the figures cover (2003-2024) and the editions that give them (to the TIP 2025)
    years = pd.concat([data.figures.period_start, data.figures.period_end, data.figures.report_year,
                       data.glotip.year, data.world_bank.year])
    assert (int(years.min()), int(years.max())) == (2003, 2025)
    with pytest.raises(ParameterError) as info:
        labor_share_series.analyse(data, last_year=20222)
    assert str(info.value) == ("11_labor_share_series: last_year 20222 is outside the years of the data; expected "
                               "first_year and last_year within 2003-2025")
    with pytest.raises(ParameterError, match="first_year 1 and last_year 99999 are outside the years of the data"):
        labor_share_series.analyse(data, first_year=1, last_year=99999)
    # a range reaching past the years an analysis counts, but not past the data's, is still allowed
    assert labor_share_series.analyse(data, first_year=2003, last_year=2025).parameters["last_year"] == 2025


def test_a_sweep_fails_a_run_whose_facts_hold_infinity_and_marks_an_open_headline(tmp_path):
    """A facts file as the old writer left it (``Infinity``: not JSON) fails its run; an open end stays marked."""
    from pathlib import Path

    from analysis.regenerate.execute import Outcome
    from analysis.regenerate.notebooks import discover, select
    from analysis.regenerate.sweep_results import collect

    nb = select(discover(), ["03"])[0]
    headline = {"fact": "per_victim", "label": "funding per victim, in EUR",
                "label_template": "funding per victim, in {currency}"}
    records = [{"headline": {**headline, "value": math.inf}, "facts": {"per_victim": math.inf}},
               {"headline": {**headline, "value": [3.0, None]}, "facts": {"per_victim": [3.0, None]},
                "open_upper_ends": ["headline.value", "facts.per_victim"]}]
    combos = [{"exchange_rate": 1e-308}, {"exchange_rate": 7.5}]
    for k, record in enumerate(records, start=1):
        figures = tmp_path / "runs" / f"{k:03d}" / "figures"
        figures.mkdir(parents=True)
        (figures / f"{nb.name}.json").write_text(json.dumps(record), encoding="utf-8")  # Python writes Infinity
        (figures / f"{nb.name}.csv").write_text("id,nok\ntotal,7000000\n", encoding="utf-8")
    outcomes = [Outcome(nb.name, combo, Path("x.ipynb"), seconds=1.0) for combo in combos]
    results, tables, _ = collect(nb, combos, outcomes, tmp_path)
    first, second = results.iloc[0], results.iloc[1]
    assert first.status == "failed" and first.error == (f"{tmp_path / 'runs/001/figures' / nb.name}.json: it holds "
                                                        "Infinity, which JSON does not allow")
    assert second.status == "ok" and second.headline_low == 3.0 and pd.isna(second.headline_high)
    assert second.upper_end_open is True and pd.isna(first.upper_end_open)
    assert tables.run.tolist() == [2]
