"""Parameters as a user types them, refused with a message that says what to write, or now accepted (issue 27).

A number YAML 1.1 reads as text (``1e-9``), a name given twice on the command line or in a YAML file, a sweep
limit under 1, a value that would make a result infinite, a year beyond the data, and a parameter file with
sections for notebooks not selected. Each refusal comes before any kernel starts: exit 2, nothing written.
"""

from __future__ import annotations

import pytest

from analysis.regenerate.cli import main
from analysis.regenerate.errors import ParameterError
from analysis.regenerate.notebooks import discover, select
from analysis.regenerate.parameter_input import load_parameter_file, once_each
from analysis.regenerate.parameters import resolve_parameters


def refused(capsys, tmp_path, *args: str) -> str:
    """Run ``tip-norway ARGS`` into ``tmp_path``, expect exit 2 with nothing written, and return the first line."""
    out = ["--output-dir", str(tmp_path / "out")]
    if args[0] == "run":
        out += ["--figures-dir", str(tmp_path / "fig")]
    assert main([*args, *out]) == 2
    assert not (tmp_path / "out").exists() and not (tmp_path / "fig").exists()
    return capsys.readouterr().err.splitlines()[0]


def test_a_number_yaml_reads_as_text_says_how_to_write_it(tmp_path, capsys):
    err = refused(capsys, tmp_path, "run", "03", "-p", "currency", "EUR", "-p", "exchange_rate", "1e-9")
    assert err == ("tip-norway run: parameter 'exchange_rate' of 03_funding_per_victim expects Optional[float], got "
                   "'1e-9' (str); YAML 1.1 reads a number in exponent notation only with a dot and a signed "
                   "exponent: write 1.0e-9")


@pytest.mark.parametrize(("typed", "written"), [("1e-9", "1.0e-9"), ("2.5E3", "2.5e+3"), ("5E-3", "5.0e-3"),
                                                 ("1e9", "1.0e+9")])
def test_the_suggested_spelling_is_one_yaml_reads_as_the_same_number(tmp_path, capsys, typed, written):
    import yaml

    assert isinstance(yaml.safe_load(typed), str) and yaml.safe_load(written) == float(typed)
    err = refused(capsys, tmp_path, "sweep", "03", "-p", "exchange_rate", typed)
    assert err.endswith(f"write {written}")


def test_text_that_is_no_number_gets_no_suggestion(tmp_path, capsys):
    err = refused(capsys, tmp_path, "run", "03", "-p", "exchange_rate", "eight")
    assert err.endswith("got 'eight' (str)")


def test_a_name_given_twice_on_the_command_line_is_refused(tmp_path, capsys):
    err = refused(capsys, tmp_path, "run", "03", "-p", "currency", "EUR", "-p", "currency", "USD")
    assert err == "tip-norway run: -p currency is given twice (EUR, then USD); expected each parameter once"
    err = refused(capsys, tmp_path, "sweep", "03", "-p", "exchange_rate", "7.5", "8", "-p", "exchange_rate", "9")
    assert err == "tip-norway sweep: -p exchange_rate is given twice (7.5 8, then 9); expected each parameter once"


def test_once_each_keeps_every_other_option():
    assert once_each([["currency", "EUR"], ["exchange_rate", "11.2"]]) == {"currency": ["EUR"],
                                                                           "exchange_rate": ["11.2"]}
    with pytest.raises(ParameterError, match="-p a is given twice"):
        once_each([["a", "1"], ["b", "2"], ["a", "1"]])


def test_a_key_given_twice_in_a_parameter_file_is_refused_naming_its_line(tmp_path, capsys):
    given = tmp_path / "params.yaml"
    given.write_text("currency: EUR\nexchange_rate: 11.2\ncurrency: USD\n", encoding="utf-8")
    err = refused(capsys, tmp_path, "run", "03", "-f", str(given))
    assert err == (f"tip-norway run: parameter file {given}, line 3: 'currency' is given twice (first on line 1); "
                   "expected each name once")


def test_a_key_given_twice_within_a_notebook_s_section_or_a_sweep_file_is_refused(tmp_path, capsys):
    given = tmp_path / "params.yaml"
    given.write_text("03:\n  currency: EUR\n  exchange_rate: 11.2\n  exchange_rate: 12\n", encoding="utf-8")
    err = refused(capsys, tmp_path, "run", "03", "-f", str(given))
    assert err.endswith("line 4: 'exchange_rate' is given twice (first on line 3); expected each name once")
    grid = tmp_path / "grid.yaml"
    grid.write_text("exchange_rate: [7.5]\nexchange_rate: [8]\n", encoding="utf-8")
    err = refused(capsys, tmp_path, "sweep", "03", "-f", str(grid))
    assert err == (f"tip-norway sweep: sweep file {grid}, line 2: 'exchange_rate' is given twice (first on line 1); "
                   "expected each name once")


def test_a_file_with_distinct_keys_reads_as_before(tmp_path):
    given = tmp_path / "params.yaml"
    given.write_text("currency: EUR\nexchange_rate: 1.0e-9\n03:\n  year: 2014\n", encoding="utf-8")
    assert load_parameter_file(given) == {"currency": "EUR", "exchange_rate": 1e-9, 3: {"year": 2014}}


@pytest.mark.parametrize("limit", ["0", "-3"])
def test_a_sweep_limit_under_one_is_refused(tmp_path, capsys, limit):
    err = refused(capsys, tmp_path, "sweep", "03", "-p", "exchange_rate", "7.5", "--max-runs", limit)
    assert err == f"tip-norway sweep: --max-runs {limit}: expected a whole number of runs, at least 1"


def test_an_exchange_rate_that_would_publish_infinity_is_refused_before_any_kernel(tmp_path, capsys):
    err = refused(capsys, tmp_path, "run", "03", "-p", "currency", "EUR", "-p", "exchange_rate", "1.0e-308",
                  "--publish")
    assert err == ("tip-norway run: 03_funding_per_victim: exchange_rate must be a number strictly between 1e-09 and "
                   "1e+09, such as 11.5 (NOK per EUR); got 1e-308")
    err = refused(capsys, tmp_path, "sweep", "03", "-p", "currency", "EUR", "-p", "exchange_rate", "1.0e-308", "7.5")
    assert err == ("tip-norway sweep: (currency=EUR, exchange_rate=1e-308): 03_funding_per_victim: exchange_rate must "
                   "be a number strictly between 1e-09 and 1e+09, such as 11.5 (NOK per EUR); got 1e-308")


def test_a_year_beyond_the_data_is_refused_before_any_kernel(tmp_path, capsys):
    err = refused(capsys, tmp_path, "run", "11", "-p", "last_year", "20222")
    assert err == ("tip-norway run: 11_labor_share_series: last_year 20222 is outside the years of the data; "
                   "expected first_year and last_year within 2003-2025")


def test_sections_for_notebooks_not_selected_are_left_out(tmp_path):
    given = tmp_path / "params.yaml"
    given.write_text("currency: EUR\nexchange_rate: 11.2\n01:\n  confidence: 0.9\n04_victim_protection:\n"
                     "  years: [2014]\n", encoding="utf-8")
    notebooks = select(discover(), ["03"])
    assert resolve_parameters(notebooks, load_parameter_file(given)) == {
        "03_funding_per_victim": {"currency": "EUR", "exchange_rate": 11.2}}
    # selected, the same section applies
    both = resolve_parameters(select(discover(), ["01", "03"]), load_parameter_file(given))
    assert both["01_conviction_gap"] == {"confidence": 0.9}


def test_a_section_naming_no_notebook_is_still_refused(tmp_path):
    given = tmp_path / "params.yaml"
    given.write_text("currency: EUR\nexchange_rate: 11.2\n13:\n  confidence: 0.9\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="unknown parameter '13': no selected notebook declares it"):
        resolve_parameters(select(discover(), ["03"]), load_parameter_file(given))
