"""UNODC's GLOTIP data: extraction by script, censored counts, the quality checks and their record.

The workbooks are read here a second way, independently of the extraction (the
sheet's XML parsed with regular expressions, not calamine), and every value of
the processed table is compared with the cell it names. Facts about the Norway
rows are those of the hand-over note, checked by reading the files.
"""

from __future__ import annotations

import csv
import html
import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from data_edits import edit_csv
from raw_links import own

import analysis
from analysis import config
from analysis.data import DataError, glotip, quality
from analysis.data.vintages import choose_release, release_differences
from analysis.regenerate.cli import main

WORKBOOKS = {"glotip2023": "unodc_glotip_2023-05-30.xlsx", "glotip2025": "unodc_glotip_2025-04-14.xlsx"}
_ROW = re.compile(rb'<row r="(\d+)"[^>]*>(.*?)</row>', re.S)
_CELL = re.compile(rb'<c r="([A-Z]+)\d+"([^>]*)>(?:<f>.*?</f>)?<v>([^<]*)</v></c>', re.S)
_SHARED = re.compile(rb"<si>(.*?)</si>", re.S)
_TEXT = re.compile(rb"<t[^>]*>([^<]*)</t>")


def read_sheet_xml(path: Path) -> dict[int, dict[str, str]]:
    """Every row of the first sheet as {column letter: text}, from the workbook's XML."""
    with zipfile.ZipFile(path) as book:
        shared = [html.unescape(b"".join(_TEXT.findall(si)).decode())
                  for si in _SHARED.findall(book.read("xl/sharedStrings.xml"))]
        xml = book.read("xl/worksheets/sheet1.xml")
    rows = {}
    for number, body in _ROW.findall(xml):
        rows[int(number)] = {col.decode(): shared[int(v)] if b't="s"' in attrs else v.decode()
                             for col, attrs, v in _CELL.findall(body)}
    return rows


@pytest.fixture(scope="module")
def sheets():
    return {source: read_sheet_xml(config.RAW / name) for source, name in WORKBOOKS.items()}


@pytest.mark.slow
def test_every_value_reads_from_its_cell_and_no_row_is_left_out(data, sheets):
    kept_dimensions = {"Total", "by form of exploitation"}
    for source, rows in sheets.items():
        assert rows[3]["A"] == "Iso3_code" and rows[3]["L"] == "txtVALUE"
        expected = {number for number, cells in rows.items() if number > 3 and cells.get("A") in glotip.COUNTRIES
                    and cells.get("F") in kept_dimensions}
        extracted = data.glotip[data.glotip.source_id == source]
        assert set(extracted.row) == expected
        for row in extracted.itertuples():
            cells = rows[row.row]
            assert (cells["A"], cells["E"], cells["H"], cells["I"], cells["J"], cells["L"]) == \
                (row.iso3, row.indicator, row.sex, row.age, str(row.year), row.value_as_written), row.id


def test_rows_per_release_and_country(data):
    counts = data.glotip.groupby(["source_id", "iso3"]).size().to_dict()
    assert counts == {("glotip2023", "DNK"): 461, ("glotip2023", "FIN"): 453, ("glotip2023", "ISL"): 119,
                      ("glotip2023", "NOR"): 280,
                      ("glotip2023", "SWE"): 246, ("glotip2025", "DNK"): 565, ("glotip2025", "FIN"): 504,
                      ("glotip2025", "ISL"): 120,
                      ("glotip2025", "NOR"): 305, ("glotip2025", "SWE"): 421}


def _norway(data, source, metric, year, form="unsplit"):
    rows = data.glotip[(data.glotip.source_id == source) & (data.glotip.iso3 == "NOR") & (data.glotip.metric == metric)
                       & (data.glotip.year == year) & (data.glotip.form == form) & (data.glotip.sex == "Total")
                       & (data.glotip.age == "Total")]
    return rows.value_as_written.tolist()


def test_norway_as_the_hand_over_note_reads_the_files(data):
    for source in WORKBOOKS:
        assert _norway(data, source, "victims_detected", 2010) == ["127"]
        assert _norway(data, source, "victims_detected", 2010, "labor") == ["105"]
        assert _norway(data, source, "victims_detected", 2010, "sex") == ["194"]
        assert _norway(data, source, "persons_convicted", 2010) == ["8"]
        assert _norway(data, source, "persons_convicted", 2010, "sex") == ["12"]
        assert [_norway(data, source, "victims_detected", y) for y in (2014, 2015, 2016)] == [["324"], ["301"], ["262"]]
        assert _norway(data, source, "victims_detected", 2017) == []
    assert [_norway(data, "glotip2025", "victims_detected", y) for y in (2021, 2022)] == [["86"], ["86"]]
    assert [_norway(data, "glotip2025", "persons_convicted", 2019, f) for f in ("labor", "sex")] == [["80"], ["142"]]
    assert [_norway(data, "glotip2025", "persons_convicted", 2020, f) for f in ("labor", "sex")] == [["96"], ["139"]]
    assert [_norway(data, "glotip2025", "persons_convicted", y) for y in (2019, 2020)] == [["5"], ["<5"]]
    assert [_norway(data, "glotip2023", "persons_convicted", 2019, f) for f in ("labor", "sex")] == [["<5"], ["<5"]]


def test_a_censored_count_is_neither_five_nor_zero_nor_missing(data):
    censored = data.glotip[data.glotip.value_as_written == "<5"]
    assert len(censored) == 806 + 975
    assert censored["count"].isna().all() and censored.censored.all()
    assert (censored.count_low == 1).all() and (censored.count_high == 4).all()
    published = data.glotip[data.glotip.value_as_written != "<5"]
    assert (published["count"] == published.value_as_written.str.replace(",", "").astype(int)).all()
    assert (published.count_low == published["count"]).all() and not published.censored.any()


def test_the_known_errors_are_found_by_the_checks_and_recorded(data):
    flagged = data.glotip[data.glotip.flag.notna()]
    norway = flagged[flagged.iso3 == "NOR"]
    for source in WORKBOOKS:
        mine = norway[norway.source_id == source]
        assert set(mine[(mine.year == 2010) & (mine.metric == "victims_detected")].form) == {"labor", "sex"}
        assert set(mine[(mine.year == 2010) & (mine.metric == "persons_convicted")].form) == {"labor", "sex"}
    repeats = norway[(norway.source_id == "glotip2025") & (norway.metric == "persons_convicted")
                     & norway.year.isin([2019, 2020])]
    assert sorted(zip(repeats.year, repeats.form, strict=True)) == [(2019, "labor"), (2019, "other"), (2019, "sex"),
                                                                    (2020, "labor"), (2020, "other"), (2020, "sex")]
    assert repeats.flag.str.contains("repeat the year's detected victims by form").all()
    same_cells_2023 = norway[(norway.source_id == "glotip2023") & (norway.metric == "persons_convicted")
                             & norway.year.isin([2019, 2020])]
    assert same_cells_2023.empty  # "<5" there: no inconsistency


def test_a_flagged_row_stays_and_choosing_a_release_leaves_it_out_by_default(data):
    chosen = choose_release(data.glotip)
    picked = chosen[(chosen.iso3 == "NOR") & (chosen.metric == "persons_convicted") & (chosen.year == 2019)
                    & (chosen.form == "labor")]
    assert picked.source_id.tolist() == ["glotip2023"] and picked.value_as_written.tolist() == ["<5"]
    with_flagged = choose_release(data.glotip, include_flagged=True)
    picked = with_flagged[(with_flagged.iso3 == "NOR") & (with_flagged.metric == "persons_convicted")
                          & (with_flagged.year == 2019)
                          & (with_flagged.form == "labor")]
    assert picked.value_as_written.tolist() == ["80"]
    assert "glotip2025-r33611" in set(data.glotip.id)  # kept in the data


def test_differences_between_the_releases(data):
    diff = release_differences(data.glotip)
    norway = diff[diff.iso3 == "NOR"].set_index(["metric", "form", "year"])
    assert norway.loc[("persons_convicted", "labor", 2019), ["first_value", "latest_value"]].tolist() == ["<5", "80"]
    assert len(norway) == 6


def test_removing_a_record_makes_loading_fail_naming_the_row(data_copy):
    flags = data_copy / "processed" / "glotip_flags.csv"
    lines = flags.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("glotip2025-r33611,")]
    flags.write_text("".join(kept), encoding="utf-8")
    with pytest.raises(DataError) as info:
        analysis.load(data_copy, glotip=True)
    messages = [str(p) for p in info.value.problems]
    assert len(messages) == 1
    assert re.fullmatch(r"data/processed/glotip\.csv, line \d+ \(id glotip2025-r33611\), column 'count': the counts by "
                        r"form of exploitation "
                        r"add up to more than the total: parts add up to at least 238 \(.*\), more than the total 5 "
                        r".*Not recorded in "
                        r"data/processed/glotip_flags\.csv: expected a row "
                        r"'glotip2025-r33611,parts_by_form_exceed_total,<reason>' .*",
                        messages[0].replace(str(data_copy.parent) + "/", "")), messages[0]


def test_a_record_the_data_no_longer_bear_out_fails(data_copy):
    # were Norway's 2010 total 400, its parts by form (105 + 194) would fit it and their records would be stale
    for column in ("value_as_written", "count", "count_low", "count_high"):
        edit_csv(data_copy / "processed" / "glotip.csv", "glotip2025-r33308", column, "400")
    # the digest taken again, as only code would: the edit then passes the check against the workbook, not this one
    table = pd.read_csv(data_copy / "processed" / "glotip.csv", dtype=str, keep_default_na=False)
    digest = dict(zip(table.id, glotip.cells_digest(table), strict=True))["glotip2025-r33308"]
    edit_csv(data_copy / "processed" / "glotip.csv", "glotip2025-r33308", "cells_digest", digest)
    with pytest.raises(DataError) as info:
        analysis.load(data_copy, glotip=True)
    stale = [str(p).split("glotip_flags.csv, ")[1] for p in info.value.problems]
    assert [re.sub(r"^line \d+ ", "", p) for p in stale] == [
        f"(id glotip2025-r{row}), column 'check': recorded as parts_by_form_exceed_total, but the data no longer show "
        "it: expected the record to be removed or the data restored" for row in (33325, 33326)]


@pytest.mark.slow
def test_a_hand_edited_count_is_caught(data_copy):
    line = edit_csv(data_copy / "processed" / "glotip.csv", "glotip2025-r33308", "count", "128")
    with pytest.raises(DataError) as info:
        analysis.load(data_copy, glotip=True)
    assert [str(p) for p in info.value.problems if "r33308" in str(p)][0].endswith(
        f"line {line} (id glotip2025-r33308), column 'count': expected 127 for the cell written '127', found 128")


def test_loading_without_glotip_does_not_read_it(data_copy):
    (data_copy / "processed" / "glotip.csv").write_text("not a table", encoding="utf-8")
    assert analysis.load(data_copy).glotip is None
    with pytest.raises(DataError):
        analysis.load(data_copy, glotip=True)


# --- bad workbooks: each gives a clear error naming the file, the row and the column; nothing is written ---

def _workbook(path: Path, header_row: int = 3, columns=glotip.COLUMNS, value: str = "12",
              date: str = "14/04/2025") -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "data_glotip_1"
    sheet.cell(1, 1, "UNODC")
    sheet.cell(2, 1, date)
    for i, name in enumerate(columns, start=1):
        sheet.cell(header_row, i, name)
    row = ["NOR", "Norway", "Europe", "Northern Europe", "Persons convicted", "Total", "Total", "Total", "Total",
           "2020", "Counts", value, "GLOTIP"]
    for i, cell in enumerate(row, start=1):
        sheet.cell(header_row + 1, i, cell)
    book.save(path)
    return path


def test_a_good_small_workbook_reads(tmp_path):
    table, problems = glotip.read_release(_workbook(tmp_path / "w.xlsx"), "glotip2025", "2025-04-14")
    assert problems == [] and table.value_as_written.tolist() == ["12"] and table.row.tolist() == [4]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"header_row": 4},
     "w.xlsx: sheet 'data_glotip_1', row 3: expected the column names Iso3_code, Country, "
     "Region, Subregion, Indicator, "
     "Dimension, Category, Sex, Age, Year, Unit of measurement, txtVALUE, Source; they stand on row 4 instead "
     "(the header rows above them have changed)"),
    ({"columns": [*glotip.COLUMNS[:11], "Value", "Source"]},
     "w.xlsx: sheet 'data_glotip_1', row 3: expected the column names Iso3_code, "
      "Country, Region, Subregion, Indicator, Dimension, Category, Sex, Age, Year, "
      "Unit of measurement, txtVALUE, Source; missing txtVALUE, unexpected Value"),
    ({"columns": [*glotip.COLUMNS[:10], "txtVALUE", "Unit of measurement", "Source"]},
     "w.xlsx: sheet 'data_glotip_1', row 3: expected the column names Iso3_code, "
     "Country, Region, Subregion, Indicator, Dimension, Category, Sex, Age, Year, "
     "Unit of measurement, txtVALUE, Source in this order; out of order: column K holds 'txtVALUE', expected "
     "'Unit of measurement'; column L holds 'Unit of measurement', expected 'txtVALUE'"),
    ({"value": "n/a"},
     "w.xlsx, column 'txtVALUE': sheet 'data_glotip_1', row 4: expected a count or '<5', found 'n/a'"),
    ({"value": "5-9"},
     "w.xlsx, column 'txtVALUE': sheet 'data_glotip_1', row 4: expected a count or '<5', found '5-9'"),
    ({"date": "15/04/2025"},
     "w.xlsx: sheet 'data_glotip_1', row 2: expected the release date 2025-04-14 of the register, written DD/MM/YYYY; "
     "found '15/04/2025'"),
])
def test_a_bad_workbook_names_the_place(tmp_path, kwargs, message):
    _, problems = glotip.read_release(_workbook(tmp_path / "w.xlsx", **kwargs), "glotip2025", "2025-04-14")
    assert [str(p).replace(f"{tmp_path}/", "") for p in problems] == [message]


def test_extract_command_stops_on_a_changed_workbook_and_writes_nothing(data_copy, capsys):
    target = data_copy / "processed" / "glotip.csv"
    before = target.read_bytes()
    with open(own(data_copy / "raw" / WORKBOOKS["glotip2025"]), "ab") as handle:
        handle.write(b"\0")
    assert main(["extract", "--data-dir", str(data_copy)]) == 1
    err = capsys.readouterr().err
    assert "(id glotip2025), column 'sha256': raw file" in err and "unodc_glotip_2025-04-14.xlsx has changed" in err
    assert target.read_bytes() == before


def test_an_unregistered_workbook_is_refused(data_copy):
    shutil.copy(config.RAW / WORKBOOKS["glotip2025"], data_copy / "raw" / "unodc_glotip_2026-01-01.xlsx")
    with pytest.raises(DataError) as info:
        analysis.load(data_copy)
    assert [str(p).replace(f"{data_copy.parent}/", "") for p in info.value.problems] == [
        "data/raw/unodc_glotip_2026-01-01.xlsx: raw file is not in the source register data/raw/sources.csv"]


@pytest.mark.slow
def test_extract_command_writes_the_committed_table_again(data_copy, capsys):
    """The extraction reruns to the committed bytes.

    The table is written by script only (one reading of both workbooks, about 4 s, serves this and the command's own
    checks).
    """
    target = data_copy / "processed" / "glotip.csv"
    target.unlink()
    (data_copy / "processed" / "world_bank.csv").unlink()
    assert main(["extract", "--data-dir", str(data_copy)]) == 0
    assert target.read_bytes() == (config.PROCESSED / "glotip.csv").read_bytes(), \
        "run make extract: the table is written by script only"
    assert ((data_copy / "processed" / "world_bank.csv").read_bytes()
            == (config.PROCESSED / "world_bank.csv").read_bytes())
    out = capsys.readouterr().out
    assert "glotip2025 Norway: 305 rows" in out and "wrote 3474 rows" in out
    assert "wb-population: 110 rows (DNK, FIN, ISL, NOR, SWE, 2003-2024)" in out and "wrote 220 rows" in out
    with open(target, encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == glotip.FIELDS


def test_the_checks_find_parts_above_their_total_on_made_up_rows():
    rows = pd.DataFrame([
        ("a-r1", "a", "NOR", "persons_convicted", "unsplit", "Total", "Total", 2019, "5", 5, 5),
        ("a-r2", "a", "NOR", "persons_convicted", "labor", "Total", "Total", 2019, "<5", None, 4),
        ("a-r3", "a", "NOR", "persons_convicted", "sex", "Total", "Total", 2019, "5", 5, 5),
        ("a-r4", "a", "NOR", "persons_convicted", "unsplit", "Total", "Total", 2020, "<5", None, 4),
        ("a-r5", "a", "NOR", "persons_convicted", "sex", "Total", "Total", 2020, "6", 6, 6),
    ], columns=["id", "source_id", "iso3", "metric", "form", "sex", "age", "year", "value_as_written", "count",
                "count_high"])
    rows["category"] = rows.form.map({"unsplit": "Total", "labor": "Forced labour", "sex": "Sexual exploitation"})
    rows["count"] = rows["count"].astype("Int64")
    found = quality.inconsistencies(rows)
    # 2019: "<5" + 5 against 5 could be a person convicted of both forms; 2020: 6 against at most 4 cannot be right
    assert list(found) == [("a-r5", "parts_by_form_exceed_total")]
    assert found[("a-r5",
                  "parts_by_form_exceed_total")] == ("parts add up to at least 6 (Sexual exploitation 6), more than "
                                                     "the total <5 (at most 4; row a-r4)")
