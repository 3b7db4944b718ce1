"""Each parameter's domain is declared once, in the analysis function's signature, and judged in one place.

The same declaration refuses a value through ``analyse(...)`` and through the
runner before any kernel starts; a parameter declared without one is refused
when its module is imported; and "changed from the default" is one function.
"""

from __future__ import annotations

import typing
from typing import Annotated

import pytest

from analysis.analyses import (
    ANALYSES,
    ParameterError,
    conviction_gap,
    funding_per_victim,
    parameter_problems,
    series_conviction_gap,
)
from analysis.analyses.domains import Domain, OneOf, Range, SourceWithFigures, YearsOf
from analysis.analyses.result import Result, analysis_of
from analysis.parameters import changed_from_defaults
from analysis.regenerate import errors, parameters
from analysis.regenerate.cli import main
from analysis.regenerate.notebooks import Notebook


@pytest.fixture(scope="module")
def loaded_all(data):
    """The session's data, every table loaded (tests/conftest.py)."""
    return data


@pytest.mark.parametrize("notebook", sorted(ANALYSES))
def test_every_parameter_of_every_analysis_declares_one_domain(notebook):
    hints = typing.get_type_hints(ANALYSES[notebook].__wrapped__, include_extras=True)
    names = [name for name in hints if name not in ("data", "return")]
    assert names == list(ANALYSES[notebook].defaults)
    for name in names:
        domains = [m for m in getattr(hints[name], "__metadata__", ()) if isinstance(m, Domain)]
        assert len(domains) == 1, f"{notebook}: {name}"
        # the annotation is evaluated again here, so the domain is a new object of the same kind
        assert type(ANALYSES[notebook].domains[name]) is type(domains[0])


def _declare(func):
    """Declare ``func`` the analysis of notebook 01, as if it lived in its module (the declaration must fail)."""
    func.__module__ = "analysis.analyses.conviction_gap"
    before = ANALYSES["01_conviction_gap"]
    try:
        return analysis_of()(func)
    finally:
        assert ANALYSES["01_conviction_gap"] is before, "a refused declaration replaces no analysis"


def test_a_parameter_without_a_domain_is_refused_when_declared():
    def analyse(data, source: Annotated[str, SourceWithFigures()] = "tip2015",
                years: tuple[int, ...] = (2014,)) -> Result:
        raise AssertionError("never called")

    with pytest.raises(TypeError, match=r"conviction_gap\..*analyse: parameter 'years' declares 0 domains; "
                                        r"expected one, as in years: Annotated\[<type>, OneOf\(...\)\] = <default>"):
        _declare(analyse)


#: A range declared on its first parameter only.
HALF = Range("first_year", "last_year", lambda d, p: [])


def test_two_domains_a_missing_default_a_need_of_no_parameter_and_a_half_declared_range_are_refused():
    def two(data, rule: Annotated[str, OneOf(["first"]), OneOf(["latest"])] = "latest") -> Result:
        raise AssertionError("never called")

    def no_default(data, rule: Annotated[str, OneOf(["latest"])]) -> Result:
        raise AssertionError("never called")

    def needs_nothing_declared(data, years: Annotated[tuple[int, ...], YearsOf(lambda d, p: [], needs=("source",))]
                               = ()) -> Result:
        raise AssertionError("never called")

    def half_range(data, first_year: Annotated[int, HALF] = 2007,
                   last_year: Annotated[int, OneOf([2022])] = 2022) -> Result:
        raise AssertionError("never called")

    with pytest.raises(TypeError, match="parameter 'rule' declares 2 domains; expected one"):
        _declare(two)
    with pytest.raises(TypeError, match="parameter 'rule' has no default; expected the published one"):
        _declare(no_default)
    with pytest.raises(TypeError, match="the domain of 'years' needs source; expected parameters among years"):
        _declare(needs_nothing_declared)
    with pytest.raises(TypeError, match=r"Range\('first_year', 'last_year'\) is declared on first_year; "
                                        "expected on both"):
        _declare(half_range)


# --- one declaration, refused alike by the analysis and by the runner before any kernel starts ---

CASES = [
    ("01_conviction_gap", "denominator", "victims", "victims",
     "denominator must be one of victims_identified_assisted, victims_identified, "),
    ("06_series_conviction_gap", "first_year", "2023", 2023, "first_year (2023) must not be after last_year (2022)"),
    ("06_series_conviction_gap", "confidence", "1.5", 1.5,
     "confidence must be a number strictly between 0 and 1, such as 0.95 for 95 % intervals; got 1.5"),
    ("03_funding_per_victim", "currency", "euro", "euro",
     "currency must be a three-letter ISO 4217 code in capitals (USD, EUR); got 'euro'"),
]


@pytest.mark.parametrize(("notebook", "name", "written", "value", "message"), CASES, ids=[c[1] for c in CASES])
def test_a_domain_declared_once_refuses_a_value_through_the_analysis_and_through_the_runner(
        loaded_all, tmp_path, capsys, notebook, name, written, value, message):
    with pytest.raises(ParameterError) as info:
        ANALYSES[notebook](loaded_all, **{name: value})
    assert info.value.notebook == notebook
    assert [p for p in info.value.problems if p.startswith(message)], info.value.problems

    code = main(["run", notebook[:2], "-p", name, written,
                 "--output-dir", str(tmp_path / "out"), "--figures-dir", str(tmp_path / "fig")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"{notebook}: {message}" in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "fig").exists()


def test_the_runner_and_the_analyses_raise_one_parameter_error():
    assert errors.ParameterError is ParameterError is parameters.ParameterError
    assert str(ParameterError(["a", "b"], notebook="01_x")) == "01_x: a; b"
    assert str(ParameterError("parameter file p.yml not found")) == "parameter file p.yml not found"


def test_a_value_judged_against_another_is_judged_only_when_that_one_is_fine(loaded_all):
    """The years a source holds are not asked of a source that does not exist: one problem, where it arises."""
    with pytest.raises(ParameterError) as info:
        conviction_gap.analyse(loaded_all, source="tip2099", years=[1999])
    assert len(info.value.problems) == 1 and info.value.problems[0].startswith("source must be a source with figures")
    with pytest.raises(ParameterError) as info:  # two independent problems are both listed, in the signature's order
        conviction_gap.analyse(loaded_all, years=[1999], confidence=2)
    assert [p.split(" ")[0] for p in info.value.problems] == ["years:", "confidence"]
    with pytest.raises(ParameterError) as info:  # the count for the year is asked only of a year with funding
        funding_per_victim.analyse(loaded_all, year=2013, denominator="victims_estimated")
    assert [p.split(" ")[0] for p in info.value.problems] == ["year:"]


def test_a_flag_is_true_or_false(loaded_all):
    with pytest.raises(ParameterError, match="include_flagged must be True or False; got 'yes'"):
        series_conviction_gap.analyse(loaded_all, include_flagged="yes")


# --- "changed from the default": one function, for the note under a chart and for the runner ---

PAIRS = [  # (value, default, changed?)
    ((2013, 2014), [2013, 2014], False),
    ([2013, 2014], (2013, 2014), False),
    ([2014], (2013, 2014), True),
    (10, 10.0, False),
    (10.5, 10, True),
    ([("a", 1)], [["a", 1]], False),
    (None, None, False),
    (8.0, None, True),
]


@pytest.mark.parametrize(("value", "default", "is_changed"), PAIRS)
def test_changed_gives_one_answer_for_tuple_and_list_and_for_int_and_float(value, default, is_changed):
    expected = {"x": value} if is_changed else {}
    assert changed_from_defaults({"x": value}, {"x": default}) == expected
    result = Result(title="", table=None, facts={}, figure_ids=(), sources=None, summary="", parameters={"x": value},
                    defaults={"x": default})
    assert result.changed == expected
    notebook = Notebook(path=None, parameters={"x": {"default": repr(default)}})
    recorded = {"x": {"default": default, "value": value}} if is_changed else {}
    assert parameters.changed(notebook, {"x": value}) == recorded


@pytest.mark.parametrize("notebook",
                         ["01_conviction_gap", "06_series_conviction_gap", "11_labor_share_series",
                          "12_nordic_comparison"])
@pytest.mark.parametrize("bad", [0, 1, 1.5])
def test_confidence_outside_zero_one_is_refused_by_the_analysis(loaded_all, notebook, bad):
    problems = parameter_problems(notebook, {"confidence": bad}, loaded_all)
    assert any(p.startswith("confidence must be a number strictly between 0 and 1") and repr(bad) in p
               for p in problems), problems


def test_confidence_outside_zero_one_stops_a_run_before_any_kernel(tmp_path, capsys):
    code = main(["run", "06", "-p", "confidence", "1.5", "--output-dir", str(tmp_path / "out"), "--figures-dir",
                 str(tmp_path / "fig")])
    assert code == 2
    err = capsys.readouterr().err
    assert "06_series_conviction_gap" in err and ("confidence must be a "
                                                  "number strictly between 0 and 1") in err and "got 1.5" in err
    assert not (tmp_path / "fig").exists() or not any((tmp_path / "fig").iterdir())
