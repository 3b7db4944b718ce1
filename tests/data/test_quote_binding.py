"""A quoted value is bound to its place in the quote and to the year the quote names for it (issue 27, case 3).

The hostile edits of the issue (the years of the 2013 and 2014 sex-trafficking investigations swapped; another
number of the same quote taken for a row whose words are not bound) and their neighbours are made in a copy of the
data; each must be refused with a message naming the file, the row, the column and both values. The real data pass,
and their positions and years are read here with a regex of this file, not with the code under test.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from data_edits import edit_csv

import analysis
from analysis import config
from analysis.regenerate.cli import main

#: The number words the curated quotes use, read here independently of analysis.data.numbers.
NUMBER_WORDS = {"no", "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "ingen", "én"}
SWAP_2013 = "tip2015-investigations-sex-2013"
SWAP_2014 = "tip2015-investigations-sex-2014"
REFLECTION = "tip2015-reflection-periods-2014"


def _rows(path: Path = config.PROCESSED / "figures.csv") -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _numbers(quote: str) -> list[str]:
    """The quote's numbers, years included, as a reader counts them: numerals, and number words ("six-month")."""
    return [token for token in re.findall(r"\d[\d,.]*\d|\d|[^\W\d_]+", quote) if token[0].isdigit()
            or token.lower() in NUMBER_WORDS]


def problems_of(data_dir: Path) -> list[str]:
    with pytest.raises(analysis.DataError) as refused:
        analysis.load(data_dir, fresh=True)
    return [str(p).replace(f"{data_dir}/", "data/") for p in refused.value.problems]


def only(problems: list[str]) -> str:
    assert len(problems) == 1, problems
    return problems[0]


def _set(path: Path, row_id: str, **cells: str) -> int:
    for column, value in cells.items():
        line = edit_csv(path, row_id, column, value)
    return line


# --- the real data pass, and what each rule covers -----------------------------------------------------------

def test_the_real_data_pass_every_rule():
    from analysis.data.binding import check_quote_binding

    figures = analysis.load(fresh=True).figures
    assert check_quote_binding(figures, "figures.csv") == []


def test_every_quoted_value_is_bound_to_its_words_or_to_its_place():
    rows = _rows()
    quoted = [r for r in rows if r["quote"]]
    by_words = [r for r in quoted if r["counted_as"]]
    by_place = [r for r in quoted if r["value_position"]]
    assert (len(quoted), len(by_words), len(by_place)) == (160, 127, 33)
    assert sorted(r["id"] for r in by_words + by_place) == sorted(r["id"] for r in quoted)  # one or the other
    assert {r["id"] for r in by_place} == {r["id"] for r in quoted if r["unbound_reason"] and r["value_as_written"]}
    assert not [r["id"] for r in rows if not r["quote"] and (r["value_position"] or r["period_unbound_reason"])]


def test_each_recorded_place_holds_the_value_as_written():
    checked = 0
    for r in _rows():
        if r["value_position"]:
            assert _numbers(r["quote"])[int(r["value_position"]) - 1] == r["value_as_written"], r["id"]
            checked += 1
    assert checked == 33
    places = {r["id"]: int(r["value_position"]) for r in _rows() if r["value_position"]}
    # "Authorities granted a six-month reflection period to 27 victims and temporary residence permits to 41 victims
    # in 2014": six, 27, 41, 2014
    assert (places[REFLECTION], places["tip2015-residence-permits-2014"]) == (2, 3)
    assert places["tip2015-asylum-grants-2013"] == 3  # 11, 2014, 19, 2013


@pytest.mark.parametrize(("row_id", "named"), [
    (SWAP_2013, "2013"),  # "compared with 30 sex trafficking cases and 39 labor trafficking cases in 2013"
    (SWAP_2014, None),  # "Authorities initiated investigations of 36 sex trafficking cases ..."
    ("tip2015-asylum-grants-2014", "2014"),  # "11 victims received asylum status in 2014, compared with 19 in 2013"
    ("tip2015-asylum-grants-2013", "2013"),
    ("tip2017-shelter-2016", None),  # "40 ultimately accepted shelter, compared to 38 in 2015": 2015 is 38's
    ("tip2017-shelter-2015", "2015"),
    ("tip2019-referrals-2018", None),  # "... compared with 38 referrals in 2017"
    ("tip2019-initial-contacts-2018", "2018"),  # "In 2018, 77 ... (118 and 45, respectively, in 2017)"
    ("tip2019-shelter-2017", "2017"),
    ("tip2019-funding-grant-schemes-2017-usd", "2017"),  # "20 million kroner ($2.3 million) in 2017"
    ("tip2023-child-victims-identified-2022", None),  # "two child trafficking victims (one in 2021)"
    ("tip2023-child-victims-identified-2021", "2021"),
    ("kom2014-victims-followed-up-2013", "2013"),  # "from 300 in 2013 to 324 in 2014"
    ("kom2014-victims-followed-up-2014", "2014"),
    ("kom2016-victims-followed-up-children-2015", None),  # "..., mot 42 året før"
    ("tip2015-potential-victims-assisted-2007-2013", "from 2007 to 2013"),
    ("kom2012-convictions-2003-2013", "From 2003 to June 2013"),
    ("tip2015-convictions-since-2003", "2003"),
    ("tip2019-victims-2018", "2017 or 2018"),  # a value not reported: its words are placed instead
])
def test_the_year_named_for_a_value_is_that_of_its_clause(row_id, named):
    from analysis.data.binding import quote_numbers, years_named

    row = next(r for r in _rows() if r["id"] == row_id)
    quote = row["quote"]
    at = (quote.index(row["counted_as"]) if row["counted_as"]
          else quote_numbers(quote)[int(row["value_position"]) - 1][0])
    found = years_named(quote, at)
    assert (found.group() if found else None) == named


def test_what_each_rule_covers():
    """160 quoted rows: 68 bound by a year their clause names, 88 by their edition's year, 4 excused (with reasons)."""
    from analysis.data.binding import quote_numbers, years_named

    named, edition, excused = [], [], []
    for r in _rows():
        if not r["quote"]:
            continue
        quote = r["quote"]
        at = quote.index(r["counted_as"]) if r["counted_as"] else quote_numbers(quote)[int(r["value_position"]) - 1][0]
        if r["period_unbound_reason"]:
            excused.append(r["id"])
        elif years_named(quote, at) is not None:
            named.append(r["id"])
        else:
            edition.append(r["id"])
            assert r["period_start"] == r["period_end"] == str(int(r["report_year"]) - 1), r["id"]
    assert (len(named), len(edition), len(excused)) == (68, 88, 4)
    assert sorted(excused) == ["kom2016-victims-followed-up-children-2015", "tip2017-funding-grant-scheme-2015-nok",
                               "tip2017-funding-grant-scheme-2015-usd", "tip2021-victims-estimate-2019"]


# --- the hostile edits are refused, naming the row -----------------------------------------------------------

def test_the_years_of_two_investigation_counts_swapped(data_copy):
    path = data_copy / "processed" / "figures.csv"
    line14 = _set(path, SWAP_2014, period_start="2013", period_end="2013")
    line13 = _set(path, SWAP_2013, period_start="2014", period_end="2014")
    assert problems_of(data_copy) == [
        f"data/processed/figures.csv, line {line14} (id {SWAP_2014}), column 'period_start': the quote names no year "
        "for '36 sex trafficking cases', so it is of 2014, the year the 2015 edition reports on: expected the period "
        "2014, found 2013 (or, where the source gives the year otherwise, the reason in period_unbound_reason)",
        f"data/processed/figures.csv, line {line13} (id {SWAP_2013}), column 'period_start': the quote names '2013' "
        "for '30 sex trafficking cases': expected the period 2013, found 2014 (or, where the source gives the year "
        "otherwise, the reason in period_unbound_reason)",
    ]


def test_the_values_swapped_with_their_words_and_quotes(data_copy):
    """The same swap made the other way: the rows keep their years and take each other's value, words and quote."""
    path = data_copy / "processed" / "figures.csv"
    rows = {r["id"]: r for r in _rows(path)}
    moved = ("value", "value_as_written", "counted_as", "locator", "quote")
    _set(path, SWAP_2014, **{c: rows[SWAP_2013][c] for c in moved})
    line = _set(path, SWAP_2013, **{c: rows[SWAP_2014][c] for c in moved})
    problems = problems_of(data_copy)
    assert any(f"line {line} (id {SWAP_2013}), column 'period_start': the quote names no year for '36 sex "
               "trafficking cases', so it is of 2014, the year the 2015 edition reports on: expected the period 2014, "
               "found 2013" in p for p in problems), problems
    assert any(f"(id {SWAP_2014}), column 'period_start': the quote names '2013' for '30 sex trafficking cases': "
               "expected the period 2013, found 2014" in p for p in problems), problems


def test_another_number_of_the_same_quote_for_an_unbound_row(data_copy):
    line = _set(data_copy / "processed" / "figures.csv", REFLECTION, value="41", value_as_written="41")
    assert only(problems_of(data_copy)) == (
        f"data/processed/figures.csv, line {line} (id {REFLECTION}), column 'value_as_written': expected '27', number "
        "2 of the quote's numbers (six, 27, 41, 2014) as value_position records, found '41'")


def test_another_number_moved_with_its_place_is_refused_by_the_year(data_copy):
    # "11 victims received asylum status in 2014, compared with 19 in 2013": 11 is the 2014 count
    line = _set(data_copy / "processed" / "figures.csv", "tip2015-asylum-grants-2013", value="11",
                value_as_written="11", value_position="1")
    assert only(problems_of(data_copy)) == (
        f"data/processed/figures.csv, line {line} (id tip2015-asylum-grants-2013), column 'period_start': the quote "
        "names '2014' for '11': expected the period 2014, found 2013 (or, where the source gives the year otherwise, "
        "the reason in period_unbound_reason)")


def test_a_year_in_a_bracket_of_its_own_binds_its_numbers_only(data_copy):
    # "In 2018, 77 potential victims contacted ROSA ... (118 and 45, respectively, in 2017)": 77 is 2018's
    line = _set(data_copy / "processed" / "figures.csv", "tip2019-initial-contacts-2017", value="77",
                value_as_written="77", value_position="2")
    assert only(problems_of(data_copy)).endswith(
        f"line {line} (id tip2019-initial-contacts-2017), column 'period_start': the quote names '2018' for '77': "
        "expected the period 2018, found 2017 (or, where the source gives the year otherwise, the reason in "
        "period_unbound_reason)")


@pytest.mark.parametrize(("row_id", "column", "value", "expected"), [
    ("tip2015-potential-victims-assisted-2007-2013", "period_start", "2008",
     "the quote names 'from 2007 to 2013' for '2,000 potential trafficking victims': expected the period "
     "2007-2013, found 2008-2013"),
    ("tip2015-potential-victims-assisted-2007-2013", "period_end", "2014",
     "the quote names 'from 2007 to 2013' for '2,000 potential trafficking victims': expected the period "
     "2007-2013, found 2007-2014"),
    ("tip2016-convictions-since-2003", "period_start", "2004",
     "the quote names '2003' for '46 convictions': expected the period 2003-2015, found 2004-2015"),
    ("tip2015-tier", "period_start", "2013",
     "the quote names no year for '1', so it is of 2014, the year the 2015 edition reports on: expected the period "
     "2014, found 2013-2014"),
], ids=["span-start", "span-end", "since", "edition"])
def test_a_period_other_than_the_one_named(data_copy, row_id, column, value, expected):
    line = edit_csv(data_copy / "processed" / "figures.csv", row_id, column, value)
    assert only(problems_of(data_copy)).startswith(
        f"data/processed/figures.csv, line {line} (id {row_id}), column '{column}': {expected}")


@pytest.mark.parametrize(("row_id", "value_position", "column", "expected"), [
    (REFLECTION, "", "value_position",
     "expected the place of the value among the quote's numbers (six, 27, 41, 2014), since no counted_as binds it: "
     "'27' is number 2"),
    (REFLECTION, "9", "value_position",
     "expected at most 4, the count of the quote's numbers (six, 27, 41, 2014), found 9"),
    (SWAP_2014, "1", "value_position",
     "expected an empty cell, since counted_as binds the value to '36 sex trafficking cases', found 1"),
    ("tip2011-investigations-2010-gap", "1", "value_position",
     "expected an empty cell, since the row has no quote to bind, found '1'"),
], ids=["missing", "beyond", "bound-by-words", "no-quote"])
def test_a_place_missing_or_where_none_belongs(data_copy, row_id, value_position, column, expected):
    line = edit_csv(data_copy / "processed" / "figures.csv", row_id, "value_position", value_position)
    assert only(problems_of(data_copy)) == (
        f"data/processed/figures.csv, line {line} (id {row_id}), column '{column}': {expected}")


def test_an_exception_taken_away_is_refused(data_copy):
    row = "tip2021-victims-estimate-2019"  # "100 victims in 2020, the same number as in 2019"
    line = edit_csv(data_copy / "processed" / "figures.csv", row, "period_unbound_reason", "")
    assert only(problems_of(data_copy)) == (
        f"data/processed/figures.csv, line {line} (id {row}), column 'period_start': the quote names '2020' for "
        "'100': expected the period 2020, found 2019 (or, where the source gives the year otherwise, the reason in "
        "period_unbound_reason)")


def test_an_exception_the_quote_does_not_call_for_is_refused(data_copy):
    line = edit_csv(data_copy / "processed" / "figures.csv", SWAP_2013, "period_unbound_reason",
                    "the quote names the year relative to another")
    assert only(problems_of(data_copy)) == (
        f"data/processed/figures.csv, line {line} (id {SWAP_2013}), column 'period_unbound_reason': expected an empty "
        "cell, since the quote names '2013' for '30 sex trafficking cases' and the row's period is 2013, found 'the "
        "quote names the year relative to another'")


def test_an_exception_without_a_known_reason_is_refused(data_copy):
    line = edit_csv(data_copy / "processed" / "figures.csv", SWAP_2013, "period_unbound_reason", "trust me")
    message = only(problems_of(data_copy))
    assert message.startswith(f"data/processed/figures.csv, line {line} (id {SWAP_2013}), column "
                              "'period_unbound_reason': expected one of: the source names the year just outside the "
                              "quote, ")
    assert message.endswith(", found 'trust me'")


# --- the command line: exit 1, the rows named, nothing left behind -------------------------------------------



@pytest.mark.parametrize("edit", ["years-swapped", "another-number"])
def test_check_refuses_each_hostile_edit_naming_the_row(data_copy, verdict_cache, capsys, edit):
    path = data_copy / "processed" / "figures.csv"
    if edit == "years-swapped":
        _set(path, SWAP_2014, period_start="2013", period_end="2013")
        _set(path, SWAP_2013, period_start="2014", period_end="2014")
        named = [f"(id {SWAP_2014}), column 'period_start'", f"(id {SWAP_2013}), column 'period_start'"]
    else:
        _set(path, REFLECTION, value="41", value_as_written="41")
        named = [f"(id {REFLECTION}), column 'value_as_written': expected '27'"]
    before = {p: p.read_bytes() for p in data_copy.rglob("*") if p.is_file()}
    assert main(["check", "--data-dir", str(data_copy)]) == 1
    err = capsys.readouterr().err
    assert f"tip-norway check: {len(named)} problem{'s' if len(named) > 1 else ''} in the curated data" in err
    for words in named:
        assert words in err
    assert {p: p.read_bytes() for p in data_copy.rglob("*") if p.is_file()} == before
    assert not list(verdict_cache.glob("verdict-*.json")), "a refused check leaves no verdict"
