"""Each kind of bad input gives one clear error naming file, line, column and what was expected."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from data_edits import edit_csv
from raw_links import own

import analysis
from analysis.regenerate.cli import main


def problems_of(data_dir: Path) -> list[str]:
    with pytest.raises(analysis.DataError) as info:
        analysis.load(data_dir)
    return [str(p) for p in info.value.problems]


def only(problems: list[str]) -> str:
    assert len(problems) == 1, problems
    return problems[0]


def test_missing_table(data_copy):
    (data_copy / "processed" / "figures.csv").unlink()
    message = only(problems_of(data_copy))
    assert "figures.csv" in message
    assert "file not found: expected the 'figures' table" in message


def test_table_with_a_ragged_row(data_copy):
    path = data_copy / "processed" / "figures.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[4] = lines[4].rstrip("\n") + ",surplus\n"
    path.write_text("".join(lines), encoding="utf-8")
    message = only(problems_of(data_copy))
    assert re.search(r"figures\.csv, line 5: expected 24 fields, found 25", message)


def test_table_that_is_not_text(data_copy):
    path = data_copy / "processed" / "statements.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00garbage")
    message = only(problems_of(data_copy))
    assert "statements.csv: not readable as UTF-8 text" in message


def test_table_with_a_renamed_column(data_copy):
    path = data_copy / "processed" / "metrics.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("metric,unit,kind,definition", "metric,units,kind,definition", 1), encoding="utf-8")
    message = only(problems_of(data_copy))
    assert "metrics.csv, line 1: missing column(s) unit; unexpected column(s) units" in message


def test_wrong_type(data_copy):
    line = edit_csv(data_copy / "processed" / "figures.csv", "tip2015-investigations-sex-2014", "value", "thirty-six")
    message = only(problems_of(data_copy))
    assert message == (f"data/processed/figures.csv, line {line} (id tip2015-investigations-sex-2014), column 'value': "
                       "expected a number, found 'thirty-six'").replace("data/", f"{data_copy}/", 1)


def test_wrong_type_in_a_year(data_copy):
    line = edit_csv(data_copy / "processed" / "figures.csv", "tip2015-asylum-grants-2013", "period_start", "2013.5")
    message = only(problems_of(data_copy))
    assert (f"line {line} (id tip2015-asylum-grants-2013), column 'period_start': expected a "
            "whole number, found '2013.5'") in message


@pytest.mark.parametrize("column", ["period_start", "value_as_written", "quote", "metric"])
def test_empty_required_cell(data_copy, column):
    line = edit_csv(data_copy / "processed" / "figures.csv", "tip2015-asylum-grants-2013", column, "")
    message = only(problems_of(data_copy))
    assert f"line {line} (id tip2015-asylum-grants-2013), column '{column}': expected " in message


def test_negative_count(data_copy):
    path = data_copy / "processed" / "figures.csv"
    line = edit_csv(path, "tip2015-asylum-grants-2014", "value", "-11")
    edit_csv(path, "tip2015-asylum-grants-2014", "value_as_written", "-11")
    problems = problems_of(data_copy)
    assert any(f"line {line} (id tip2015-asylum-grants-2014), column 'value': expected a "
               "value of at least 0, found -11" in p
               for p in problems), problems


def test_duplicate_id(data_copy):
    path = data_copy / "processed" / "figures.csv"
    line = edit_csv(path, "tip2015-asylum-grants-2013", "id", "tip2015-asylum-grants-2014")
    problems = problems_of(data_copy)
    assert any(f"line {line} (id tip2015-asylum-grants-2014), column 'id': expected a "
               "unique value, found a duplicate" in p
               for p in problems), problems


def test_unknown_source(data_copy):
    line = edit_csv(data_copy / "processed" / "statements.csv", "gcm2017-sector-agriculture", "source_id", "gcm2018")
    message = only(problems_of(data_copy))
    assert (f"statements.csv, line {line} (id gcm2017-sector-agriculture), column "
            "'source_id': unknown source 'gcm2018'") in message
    assert "expected a source_id registered in data/raw/sources.csv (closest: gcm2017" in message


def test_quote_not_in_its_document(data_copy):
    line = edit_csv(data_copy / "processed" / "figures.csv", "tip2015-victims-2013", "quote",
                    "compared with approximately 350 victims in 2013")
    message = only(problems_of(data_copy))
    assert f"figures.csv, line {line} (id tip2015-victims-2013), column 'quote': quote not found verbatim" in message
    assert "tip2015" in message


def test_changed_raw_file(data_copy):
    path = own(data_copy / "raw" / "us_tip_report_2015_norway.txt")
    path.write_text(path.read_text(encoding="utf-8").replace("36 sex", "63 sex"), encoding="utf-8")
    problems = problems_of(data_copy)
    assert len(problems) == 1, problems
    message = problems[0]
    assert "sources.csv, line 2 (id tip2015), column 'sha256'" in message
    assert "us_tip_report_2015_norway.txt has changed" in message
    assert "380d9088fb06ffe0c6b0b7d48fc7f629b6afac700baf140687360f8f3c4c7b64" in message


def test_unregistered_raw_file(data_copy):
    (data_copy / "raw" / "tip_2016.txt").write_text("new", encoding="utf-8")
    assert "tip_2016.txt: raw file is not in the source register" in only(problems_of(data_copy))


def test_value_that_its_quote_does_not_give(data_copy):
    path = data_copy / "processed" / "figures.csv"
    line = edit_csv(path, "tip2015-investigations-labor-2014", "value", "86")
    message = only(problems_of(data_copy))
    assert (f"line {line} (id tip2015-investigations-labor-2014), column 'value': expected 68, "
            "the value of '68', found 86") in message


def test_value_as_written_absent_from_the_quote(data_copy):
    path = data_copy / "processed" / "figures.csv"
    line = edit_csv(path, "tip2015-prosecutions-sex-2013", "value_as_written", "6")
    message = only(problems_of(data_copy))
    assert (f"line {line} (id tip2015-prosecutions-sex-2013), column 'value_as_written': '6' "
            "does not stand in the quote") in message


def test_hedge_that_the_quote_does_not_make(data_copy):
    line = edit_csv(data_copy / "processed" / "figures.csv", "tip2015-victims-2014", "hedge", "exact")
    message = only(problems_of(data_copy))
    assert (f"line {line} (id tip2015-victims-2014), column 'hedge': the quote qualifies the "
            "value with 'approximately'") in message


def test_parts_that_add_up_to_more_than_the_whole(data_copy):
    path = data_copy / "processed" / "figures.csv"
    edit_csv(path, "tip2015-initial-contacts-2014", "value", "13.9")
    problems = problems_of(data_copy)
    # the changed value no longer reads from its quote, and its parts (41 + 1) exceed it
    assert any("parts of tip2015-initial-contacts-2014 by population add up to 42" in p
               and "more than the whole, 13.9" in p for p in problems), problems


def test_unknown_metric_and_unit_pair(data_copy):
    line = edit_csv(data_copy / "processed" / "figures.csv", "tip2015-asylum-grants-2014", "unit", "cases")
    message = only(problems_of(data_copy))
    assert (f"line {line} (id tip2015-asylum-grants-2014), column 'unit': (asylum_grants, cases) is not in the metric "
            "codebook: expected unit victims") in message


def test_value_outside_the_vocabulary(data_copy):
    line = edit_csv(data_copy / "processed" / "figures.csv", "tip2015-asylum-grants-2014", "form", "Sex")
    message = only(problems_of(data_copy))
    assert (f"line {line} (id tip2015-asylum-grants-2014), column 'form': expected one of: sex, labor, both, organ, "
            "unknown, unsplit, found 'Sex'") in message


def test_missing_value_without_a_reason(data_copy):
    line = edit_csv(data_copy / "processed" / "figures.csv", "tip2015-official-complicity-cases", "missing_reason", "")
    message = only(problems_of(data_copy))
    assert f"line {line} (id tip2015-official-complicity-cases), column 'missing_reason': the value is empty" in message
    assert "not zero" in message


def test_all_problems_are_reported_at_once(data_copy):
    path = data_copy / "processed" / "figures.csv"
    edit_csv(path, "tip2015-tier", "report_year", "2051x")
    edit_csv(path, "tip2015-asylum-grants-2013", "metric", "asylum")
    edit_csv(data_copy / "processed" / "statements.csv", "gcm2017-sector-agriculture", "quote", "farming")
    problems = problems_of(data_copy)
    assert len(problems) == 3, problems
    assert ("column 'report_year'" in problems[0] and "column 'metric'" in problems[1]
            and "column 'quote'" in problems[2])


def test_command_line_exits_non_zero_naming_the_place(data_copy, capsys):
    edit_csv(data_copy / "processed" / "figures.csv", "tip2015-investigations-sex-2014", "value", "x")
    assert main(["check", "--data-dir", str(data_copy)]) == 1
    err = capsys.readouterr().err
    assert "tip-norway check: 1 problem in the curated data" in err
    assert "column 'value': expected a number, found 'x'" in err


def test_bad_input_changes_nothing_on_disk(data_copy):
    before = {p: p.read_bytes() for p in data_copy.rglob("*") if p.is_file()}
    edit_csv(data_copy / "processed" / "figures.csv", "tip2015-tier", "value", "one")
    before[data_copy / "processed" / "figures.csv"] = (data_copy / "processed" / "figures.csv").read_bytes()
    problems_of(data_copy)
    assert {p: p.read_bytes() for p in data_copy.rglob("*") if p.is_file()} == before


def test_share_over_100_percent(data_copy):
    path = data_copy / "processed" / "figures.csv"
    line = edit_csv(path, "tip2015-victims-share-men-2014", "value", "120")
    edit_csv(path, "tip2015-victims-share-men-2014", "value_as_written", "120")
    problems = problems_of(data_copy)
    assert any(f"line {line} (id tip2015-victims-share-men-2014), column 'value': a share of tip2015-victims-2014 must "
               "be at most 100 percent, found 120"
               in p for p in problems), problems


def test_part_outside_the_period_of_its_whole(data_copy):
    line = edit_csv(data_copy / "processed" / "figures.csv", "tip2015-shelter-men-2014", "part_of",
                    "tip2015-initial-contacts-2013")
    message = only(problems_of(data_copy))
    assert (f"line {line} (id tip2015-shelter-men-2014), column 'part_of': covers 2014-2014, outside its whole "
            "tip2015-initial-contacts-2013 (2013-2013)") in message


def test_currency_pairs_that_imply_different_rates(data_copy):
    path = data_copy / "processed" / "figures.csv"
    edit_csv(path, "tip2015-funding-safe-houses-usd", "value", "465000")
    edit_csv(path, "tip2015-funding-safe-houses-usd", "value_as_written", "$465,000")
    edit_csv(path, "tip2015-funding-safe-houses-usd", "quote", "4.5 million kroner ($465,000)")
    problems = problems_of(data_copy)
    assert any("the NOK/USD pairs of tip2015 imply rates more than 2% apart" in p for p in problems), problems


def test_value_from_a_page_without_its_passage(data_copy):
    line = edit_csv(data_copy / "processed" / "figures.csv", "kom2014-police-reports-2014", "quote", "")
    message = only(problems_of(data_copy))
    assert (f"line {line} (id kom2014-police-reports-2014), column 'quote': expected the "
            "passage the value is read from") in message


def test_free_text_locator_for_a_document_held_in_raw(data_copy):
    line = edit_csv(data_copy / "processed" / "figures.csv", "tip2015-asylum-grants-2014", "locator",
                    "protection section")
    message = only(problems_of(data_copy))
    assert f"line {line} (id tip2015-asylum-grants-2014), column 'locator': expected 'paragraph N (section)'" in message


def test_missing_value_with_an_unknown_reason(data_copy):
    line = edit_csv(data_copy / "processed" / "figures.csv", "tip2019-victims-2018", "missing_reason", "unknown")
    message = only(problems_of(data_copy))
    assert (f"line {line} (id tip2019-victims-2018), column 'missing_reason': expected one of: not "
            "reported by the government") in message


TABLES = {"sources": "raw/sources.csv", "metrics": "processed/metrics.csv",
          "figures": "processed/figures.csv", "statements": "processed/statements.csv"}


@pytest.mark.parametrize(("bom", "crlf", "tables"), [
    (True, False, ["figures"]),
    (False, True, ["figures"]),
    (True, True, list(TABLES)),
], ids=["bom", "crlf", "bom-and-crlf-in-every-table"])
def test_table_saved_by_a_spreadsheet_program_reads_as_the_original(data_copy, bom, crlf, tables):
    original = analysis.load(data_copy)
    for name in tables:
        path = own(data_copy / TABLES[name])
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data  # the change below is the only one
        if crlf:
            data = data.replace(b"\n", b"\r\n")
        if bom:
            data = b"\xef\xbb\xbf" + data
        path.write_bytes(data)
    saved = analysis.load(data_copy)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(saved, name), getattr(original, name))


def test_line_break_inside_a_cell_of_a_crlf_table(data_copy):
    path = data_copy / "processed" / "figures.csv"
    edit_csv(path, "tip2015-victims-2014", "quote", "approximately 270\ntrafficking victims")
    lines = path.read_text(encoding="utf-8").split("\n")
    ragged = next(n for n, line in enumerate(lines, start=1) if line.startswith("tip2015-funding-ngo-nok,"))
    lines[ragged - 1] += ",surplus"
    path.write_bytes("\r\n".join(lines).encode("utf-8"))  # the line break in the cell becomes CRLF too
    broken = next(n for n, line in enumerate(lines, start=1) if line.startswith("tip2015-victims-2014,"))
    assert ragged > broken + 1  # the rows after the line break are numbered by their place in the file
    assert problems_of(data_copy) == [
        f"{data_copy}/processed/figures.csv, line {broken} (id tip2015-victims-2014), column 'quote': "
        f"a cell holds a line break (the row runs on to line {broken + 1}): expected one line per row",
        f"{data_copy}/processed/figures.csv, line {ragged}: expected 24 fields, found 25",
    ]


def _lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


def _write_lines(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines), encoding="utf-8")


DOUBLED = 'a quote that belongs to the text is written twice ("") inside a quoted cell'


def test_stray_quote_in_the_middle_of_a_row(data_copy):
    path = data_copy / "processed" / "figures.csv"
    lines = _lines_of(path)
    stray = next(n for n, line in enumerate(lines, start=1) if line.startswith("tip2015-victims-2014,"))
    assert '"' not in lines[stray - 1] and lines[stray - 1].count(",approximately,") == 1
    lines[stray - 1] = lines[stray - 1].replace(",approximately,", ',"approximately,')
    _write_lines(path, lines)
    # The open quote reads on to the next quote in the file, which opens a cell and is followed by its text.
    stop = next(n for n, line in enumerate(lines, start=1) if n > stray and '"' in line)
    found = lines[stop - 1][lines[stop - 1].index('"') + 1]
    message = only(problems_of(data_copy))
    assert message == (f"data/processed/figures.csv, line {stray} (id tip2015-victims-2014), column 'hedge': "
                       "a quote opens this cell but does not close it on this line, so the cell runs on to line "
                       f"{stop}, where a quote is followed by {found!r} instead of ',': "
                       f"expected a closing quote before the end of this line ({DOUBLED})"
                       ).replace("data/", f"{data_copy}/", 1)


def test_quote_left_open_to_the_end_of_the_file(data_copy):
    path = data_copy / "processed" / "figures.csv"
    lines = _lines_of(path)
    last_quoted = max(n for n, line in enumerate(lines, start=1) if '"' in line)
    opened = last_quoted + 2
    lines[opened - 1] = lines[opened - 1].replace(",exact,", ',"exact,', 1)
    row_id = lines[opened - 1].split(",")[0]
    _write_lines(path, lines)
    last = len(path.read_text(encoding="utf-8").splitlines())
    assert last > opened
    message = only(problems_of(data_copy))
    assert message == (f"data/processed/figures.csv, line {opened} (id {row_id}), column 'hedge': "
                       f"a quote opens this cell but does not close it, so the rest of the file, to line {last}, "
                       f"was read into it: expected a closing quote before the end of this line ({DOUBLED})"
                       ).replace("data/", f"{data_copy}/", 1)


def test_quote_inside_a_quoted_cell_that_is_not_doubled(data_copy):
    path = data_copy / "processed" / "figures.csv"
    lines = _lines_of(path)
    line = next(n for n, text in enumerate(lines, start=1) if text.startswith("tip2015-asylum-grants-2014,"))
    assert lines[line - 1].endswith(',"11 victims received asylum status in 2014, compared with 19 in 2013"')
    lines[line - 1] = lines[line - 1].replace("received asylum status", 'received "asylum" status')
    _write_lines(path, lines)
    message = only(problems_of(data_copy))
    assert message == (f"data/processed/figures.csv, line {line} (id tip2015-asylum-grants-2014), column 'quote': "
                       "expected ',' or the end of the line after the quote that closes this "
                       f"cell, found 'a' ({DOUBLED})"
                       ).replace("data/", f"{data_copy}/", 1)


def test_byte_that_is_not_utf8_is_placed_in_the_whole_file(data_copy):
    path = data_copy / "processed" / "figures.csv"
    data = path.read_bytes()
    assert len(data) > 3 * 8192  # the byte lies beyond the first chunks an open file decodes
    start = data.index(b"kom2023-judgments-2023,")
    path.write_bytes(data[:start] + b"\xff" + data[start:])
    line = data[:start].count(b"\n") + 1
    message = only(problems_of(data_copy))
    assert message == (f"{data_copy}/processed/figures.csv: not readable as UTF-8 text (invalid start byte at byte "
                       f"{start}, line {line}): expected text saved as UTF-8 (\"CSV UTF-8\" in a spreadsheet program)")


# --- a value is bound to the words of its quote that say what it counts ---------------------------------

def misread(path, row: str, value: str, words: str | None = None) -> int:
    """Record ``value`` for ``row`` as its value and as written, as a misreading of its quote would.

    Also record ``words`` as what it counts; return the row's line.
    """
    line = edit_csv(path, row, "value", value)
    edit_csv(path, row, "value_as_written", value)
    if words is not None:
        edit_csv(path, row, "counted_as", words)
    return line


def test_a_value_swapped_for_another_number_of_its_quote(data_copy):
    # "36 sex trafficking cases and 68 labor trafficking cases": 68 stands in the quote, but not as a count of sex
    # trafficking cases
    path = data_copy / "processed" / "figures.csv"
    line = misread(path, "tip2015-investigations-sex-2014", "68")
    message = only(problems_of(data_copy))
    assert message == (f"{data_copy}/processed/figures.csv, line {line} (id "
                       "tip2015-investigations-sex-2014), column 'counted_as': "
                       "'36 sex trafficking cases' does not begin with the value as written, '68': expected the words "
                       "that follow '68' in the quote, where it reads '68 labor trafficking cases' (the form 'labor')")


def test_the_swap_with_its_words_moved_too_names_the_other_form(data_copy):
    path = data_copy / "processed" / "figures.csv"
    line = misread(path, "tip2015-investigations-sex-2014", "68", "68 labor trafficking cases")
    message = only(problems_of(data_copy))
    assert message.endswith(f"line {line} (id tip2015-investigations-sex-2014), column 'counted_as': '68 labor "
                            "trafficking cases' "
                            "names the form 'labor' ('labor'), expected words naming 'sex' (sex, sexual, prostitution, "
                            "prostitusjon, seksuelle)")


def test_the_command_line_refuses_the_swap(data_copy, capsys):
    path = data_copy / "processed" / "figures.csv"
    misread(path, "tip2015-investigations-sex-2014", "68")
    assert main(["check", "--data-dir", str(data_copy)]) == 1
    err = capsys.readouterr().err
    assert "tip-norway check: 1 problem in the curated data" in err
    assert ("(id tip2015-investigations-sex-2014), column 'counted_as': '36 sex trafficking "
            "cases' does not begin with") in err


def test_a_value_bound_to_words_of_a_longer_number(data_copy):
    # "6" is not the start of "62": the value as written must begin the words as a whole token
    path = data_copy / "processed" / "figures.csv"
    row = "kom2015-police-reports-2015"
    edit_csv(path, row, "quote", "Samme år fikk norsk politi inn 6 saker og 62 anmeldelser om menneskehandel")
    edit_csv(path, row, "value", "6")
    line = edit_csv(path, row, "value_as_written", "6")
    message = only(problems_of(data_copy))
    assert message.endswith(f"line {line} (id {row}), column 'counted_as': '62 anmeldelser om "
                            "menneskehandel' does not begin with "
                            "the value as written, '6': expected the words that follow '6' in the "
                            "quote, where it reads '6 saker'")


def test_words_that_are_not_in_the_quote(data_copy):
    line = edit_csv(data_copy / "processed" / "figures.csv", "tip2015-investigations-sex-2014", "counted_as",
                    "36 sex trafficking investigations")
    message = only(problems_of(data_copy))
    assert message.endswith(f"line {line} (id tip2015-investigations-sex-2014), column 'counted_as': '36 sex "
                            "trafficking investigations' "
                            "does not stand verbatim in the quote 'Authorities initiated investigations of 36 sex "
                            "trafficking cases and 68 labor trafficking cases'")


def test_words_that_do_not_name_the_metric(data_copy):
    line = edit_csv(data_copy / "processed" / "figures.csv", "tip2015-convictions-since-2003", "counted_as", "35")
    message = only(problems_of(data_copy))
    assert message.endswith(f"line {line} (id tip2015-convictions-since-2003), column 'counted_as': '35' "
                            "does not name the metric "
                            "convictions (traffickers): expected one of the words convictions, convicted, convict, "
                            "traffickers, trafficker")


def test_words_naming_the_wrong_form(data_copy):
    # KOM's 2014 police reports by form: the 68 reports of forced labour recorded as reports of sexual exploitation
    path = data_copy / "processed" / "figures.csv"
    row = "kom2014-police-reports-sex-2014"
    line = misread(path, row, "68", "68 tvangsarbeid eller -tjenester")
    problems = problems_of(data_copy)
    assert (f"{data_copy}/processed/figures.csv, line {line} (id {row}), column 'counted_as': '68 "
            "tvangsarbeid eller -tjenester' "
            "names the form 'labor' ('tvangsarbeid'), expected words naming 'sex' (sex, sexual, prostitution, "
            "prostitusjon, seksuelle)"
            in problems), problems
    # the parts by form now add up to more than the 106 reports: the other mistake the edit makes
    assert len(problems) == 2 and "parts of kom2014-police-reports-2014 by form add up to 137" in problems[1]


def test_an_unsplit_count_whose_words_name_a_form(data_copy):
    line = edit_csv(data_copy / "processed" / "figures.csv", "tip2015-investigations-labor-2014", "form", "unsplit")
    message = only(problems_of(data_copy))
    assert message.endswith(f"line {line} (id tip2015-investigations-labor-2014), column 'counted_as': '68 labor "
                            "trafficking cases' "
                            "names the form 'labor' ('labor'), expected no word naming a form, since "
                            "the row's form is unsplit")


def test_words_naming_the_wrong_population(data_copy):
    # "46 men, 199 women, and 17 children": the women's count recorded as the men's
    path = data_copy / "processed" / "figures.csv"
    line = misread(path, "tip2017-victims-men-2016", "199", "199 women")
    problems = problems_of(data_copy)
    assert (f"{data_copy}/processed/figures.csv, line {line} (id tip2017-victims-men-2016), column 'counted_as': '199 "
            "women' names the population 'women' ('women'), expected words naming 'men' "
            "(men, man, male, menn, mann)" in problems), problems


def test_a_count_of_everyone_whose_words_name_a_population(data_copy):
    line = edit_csv(data_copy / "processed" / "figures.csv", "tip2015-initial-contacts-2014", "population", "children")
    edit_csv(data_copy / "processed" / "figures.csv", "tip2015-shelter-women-2014", "population", "all")
    problems = problems_of(data_copy)
    assert any(f"line {line} (id tip2015-initial-contacts-2014), column 'counted_as': '139 initial contacts' does not "
               "name the population 'children': expected words naming 'children' (children, child, barn)" in p
               for p in problems), problems
    assert any("(id tip2015-shelter-women-2014), column 'counted_as': '41 women and one man accepted "
               "shelter services' names the "
               "population 'women' ('women'), the population 'men' ('man'), expected no word naming a population, "
               "since the row's population is all" in p for p in problems), problems


@pytest.mark.parametrize(("counted_as", "unbound_reason", "column", "expected"), [
    ("", "", "counted_as",
     "expected the words of the quote that say what the value counts, beginning with the value as written "
     "(e.g. '36 sex trafficking cases'), or in unbound_reason why the quote has none"),
    ("36 sex trafficking cases", "the number follows what it counts", "unbound_reason",
     "expected an empty cell, since counted_as binds the value to '36 sex trafficking cases'; found 'the number "
     "follows what it counts' (a row gives one or the other)"),
], ids=["neither", "both"])
def test_a_quoted_row_gives_its_words_or_why_it_has_none(data_copy, counted_as, unbound_reason, column, expected):
    path = data_copy / "processed" / "figures.csv"
    line = edit_csv(path, "tip2015-investigations-sex-2014", "counted_as", counted_as)
    edit_csv(path, "tip2015-investigations-sex-2014", "unbound_reason", unbound_reason)
    message = only(problems_of(data_copy))
    assert message.endswith(f"line {line} (id tip2015-investigations-sex-2014), column '{column}': {expected}")


def test_a_part_whose_whole_is_not_bound_names_its_metric_itself(data_copy):
    # "37 prostitusjon eller andre seksuelle formål" leaves "anmeldelser" to its whole, "106 anmeldelser for
    # menneskehandel"
    path = data_copy / "processed" / "figures.csv"
    edit_csv(path, "kom2014-police-reports-2014", "counted_as", "")
    edit_csv(path, "kom2014-police-reports-2014", "unbound_reason", "the number follows what it counts")
    edit_csv(path, "kom2014-police-reports-2014", "value_position", "1")  # 106, the quote's first number
    problems = problems_of(data_copy)
    assert [p.split(", column 'counted_as': ")[1].split(" does not name")[0] for p in problems] == [
        "'37 prostitusjon eller andre seksuelle formål'", "'68 tvangsarbeid eller -tjenester'", "'én organhandel'"]
    assert all("the metric police_reports (reports): expected one of the words anmeldelser, anmeldelsene, reports "
               "(its whole, kom2014-police-reports-2014, has no counted_as to name it)" in p
               for p in problems), problems


def test_a_row_without_a_quote_binds_no_words(data_copy):
    line = edit_csv(data_copy / "processed" / "figures.csv", "tip2011-investigations-2010-gap", "counted_as", "cases")
    message = only(problems_of(data_copy))
    assert message.endswith(f"line {line} (id tip2011-investigations-2010-gap), column 'counted_as': "
                            "expected an empty cell, since the row has no quote to bind, found 'cases'")


def test_an_unknown_reason_for_words_not_bound(data_copy):
    line = edit_csv(data_copy / "processed" / "figures.csv", "tip2015-tier", "unbound_reason", "hard to say")
    message = only(problems_of(data_copy))
    assert (f"line {line} (id tip2015-tier), column 'unbound_reason': expected one of: the "
            "number follows what it counts, ") in message
