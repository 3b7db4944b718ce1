"""The World Bank's population and consumer price inflation: extraction by script, checks, and the look-ups.

The raw files are read here a second way, with the csv module, independently of
the extraction (pandas); every expected value below comes from that reading or
from the hand-over note (Norway's population 5,137,232 in 2014 and 5,457,127 in
2022; inflation 3.55 in 2016 and 5.76 in 2022).
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from data_edits import edit_csv
from raw_links import own

import analysis
from analysis import config
from analysis.data import DataError, population, price_index, sources_of, to_constant, world_bank

FILES = {"wb-population": "world_bank_population.csv", "wb-cpi-inflation": "world_bank_cpi_inflation.csv"}
NORDIC = ["NOR", "SWE", "DNK", "FIN", "ISL"]


def read_raw(name: str) -> dict[tuple[str, int], tuple[int, str]]:
    """Every row of a raw file as {(country code, year): (line, value as written)}, read with the csv module."""
    rows = {}
    with open(config.RAW / name, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for cells in reader:
            rows[(cells[1], int(cells[2]))] = (reader.line_num, cells[3])
    return rows


def register_line(source_id: str) -> int:
    with open(config.RAW / "sources.csv", encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            if row["source_id"] == source_id:
                return number
    raise KeyError(source_id)


@pytest.fixture(scope="module")
def raw():
    return {source_id: read_raw(name) for source_id, name in FILES.items()}


@pytest.fixture(scope="module")
def table():
    return analysis.load(world_bank=True).world_bank


def shown(problems, data_copy: Path) -> list[str]:
    return [str(p).replace(f"{data_copy.parent}/", "") for p in problems]


# --- the table is what the raw files say --------------------------------------------------------------------

def test_every_row_reads_from_its_line_and_none_is_left_out(table, raw):
    expected = {f"{source_id}-{iso3}-{year}" for source_id in FILES for iso3 in NORDIC for year in range(2003, 2025)}
    assert set(table.id) == expected and len(table) == 2 * 5 * 22
    for row in table.itertuples():
        line, written = raw[row.source_id][(row.iso3, row.year)]
        assert (row.line, row.value_as_written, row.value) == (line, written, float(written)), row.id
    assert set(table[table.source_id == "wb-population"].unit) == {"persons"}
    assert set(table[table.source_id == "wb-cpi-inflation"].unit) == {"percent change on the previous year"}
    assert set(table[table.source_id == "wb-cpi-inflation"].indicator) == {"cpi_inflation"}


def test_norway_as_the_raw_files_and_the_hand_over_note_give_it(table, raw):
    assert raw["wb-population"][("NOR", 2014)][1] == "5137232" and raw["wb-population"][("NOR", 2022)][1] == "5457127"
    found = population(table, ["NOR"], [2014, 2022])
    assert found.to_dict("list") == {"iso3": ["NOR", "NOR"], "year": [2014, 2022], "population": [5_137_232, 5_457_127],
                                     "id": ["wb-population-NOR-2014", "wb-population-NOR-2022"]}
    inflation = table[(table.indicator == "cpi_inflation") & (table.iso3 == "NOR")].set_index("year")
    assert raw["wb-cpi-inflation"][("NOR", 2016)][1] == inflation.value_as_written[2016] == "3.54999999999998"
    assert (inflation.value[2016] == pytest.approx(3.55, abs=5e-3)
            and inflation.value[2022] == pytest.approx(5.76, abs=5e-3))
    assert inflation.value[2022] == float(raw["wb-cpi-inflation"][("NOR", 2022)][1])


def test_population_of_several_countries_keeps_the_order_asked(table, raw):
    found = population(table, ["ISL", "SWE"], [2024, 2003])
    assert list(zip(found.iso3, found.year, strict=True)) == [("ISL", 2024), ("ISL", 2003), ("SWE", 2024),
                                                              ("SWE", 2003)]
    assert found.population.tolist() == [int(raw["wb-population"][(i, y)][1])
                                         for i, y in zip(found.iso3, found.year, strict=True)]


def test_price_index_chained_by_hand(table, raw):
    growth = {year: 1 + float(raw["wb-cpi-inflation"][("NOR", year)][1]) / 100 for year in range(2014, 2023)}
    index = price_index(table, "NOR", [2014, 2015, 2016, 2017, 2018, 2022], base_year=2018)
    by_year = index.set_index("year")
    assert index.year.tolist() == [2014, 2015, 2016, 2017, 2018, 2022]
    assert by_year.loc[2018, "index"] == 1.0
    assert by_year.loc[2017, "index"] == pytest.approx(1 / growth[2018], rel=1e-12)
    assert by_year.loc[2016, "index"] == pytest.approx(1 / (growth[2017] * growth[2018]), rel=1e-12)
    assert by_year.loc[2014, "index"] == pytest.approx(1 / (growth[2015] * growth[2016] * growth[2017] * growth[2018]),
                                                       rel=1e-12)
    assert by_year.loc[2022, "index"] == pytest.approx(growth[2019] * growth[2020] * growth[2021] * growth[2022],
                                                       rel=1e-12)
    assert by_year.loc[2016, "inflation_percent"] == float(raw["wb-cpi-inflation"][("NOR", 2016)][1])
    assert by_year.loc[2014, "ids"] == ("wb-cpi-inflation-NOR-2015", "wb-cpi-inflation-NOR-2016",
                                        "wb-cpi-inflation-NOR-2017", "wb-cpi-inflation-NOR-2018")
    assert by_year.loc[2022, "ids"] == tuple(f"wb-cpi-inflation-NOR-{y}" for y in (2019, 2020, 2021, 2022))
    assert by_year.loc[2018, "ids"] == ()
    # prices rose by about a tenth from 2014 to 2018: 2.17, 3.55, 1.88 and 2.76 percent
    assert growth[2015] * growth[2016] * growth[2017] * growth[2018] == pytest.approx(1.1077, abs=1e-4)


def test_kroner_of_one_year_in_kroner_of_another(table, raw):
    growth = [1 + float(raw["wb-cpi-inflation"][("NOR", year)][1]) / 100 for year in (2015, 2016, 2017, 2018)]
    index = price_index(table, "NOR", [2014], base_year=2018)
    assert index.year.tolist() == [2014, 2018]
    in_2018 = to_constant(2_500_000, 2014, 2018, index)
    assert in_2018 == pytest.approx(2_500_000 * growth[0] * growth[1] * growth[2] * growth[3], rel=1e-12)
    assert to_constant(in_2018, 2018, 2014, index) == pytest.approx(2_500_000, rel=1e-12)
    assert to_constant(100, 2018, 2018, index) == 100
    with pytest.raises(LookupError,
                       match=r"no price index for 2016: the index table holds 2014, 2018; ask price_index\(\) for that "
                             r"year too"):
        to_constant(100, 2016, 2018, index)


def test_a_missing_country_or_year_is_named(table):
    with pytest.raises(LookupError) as info:
        population(table, ["ISL"], [2025])
    assert str(info.value) == ("no World Bank population for Iceland (ISL) in 2025; data/processed/world_bank.csv "
                               "covers 2003-2024")
    with pytest.raises(LookupError) as info:
        population(table, ["NOR", "GBR"], [2002, 2014])
    assert str(info.value) == ("no World Bank population for Norway (NOR) in 2002, 'GBR' in 2002, 'GBR' in 2014; "
                               "data/processed/world_bank.csv covers 2003-2024")
    with pytest.raises(LookupError) as info:
        price_index(table, "NOR", [2014, 2025], base_year=2018)
    assert str(info.value) == ("no World Bank consumer price inflation for Norway (NOR) in 2025 (the index from 2014 "
                               "to 2025 chains every year between); data/processed/world_bank.csv covers 2003-2024")


def test_price_index_needs_every_year_between(table):
    gap = table[table.id != "wb-cpi-inflation-SWE-2016"]
    with pytest.raises(LookupError) as info:
        price_index(gap, "SWE", [2014], base_year=2018)
    assert str(info.value).startswith("no World Bank consumer price inflation for Sweden (SWE) in 2016 "
                                      "(the index from 2014 to 2018")
    price_index(gap, "SWE", [2017], base_year=2018)  # 2016 is not needed there


def test_sources_of_takes_world_bank_ids(table):
    data = analysis.load()
    found = sources_of(data.figures, data.sources,
                       ["tip2015-tier", "wb-population-NOR-2014", "wb-cpi-inflation-NOR-2016"],
                       world_bank=table)
    assert found.source_id.tolist() == ["tip2015", "wb-population", "wb-cpi-inflation"]
    assert found.url.tolist()[1] == "https://github.com/datasets/population/blob/425fc447a53a26c767a15a7de60c4cc2478a0595/data/population.csv"
    # the old call
    assert sources_of(data.figures, data.sources, ["tip2015-tier"], None).source_id.tolist() == ["tip2015"]
    with pytest.raises(LookupError, match="unknown figure id"):
        sources_of(data.figures, data.sources, ["wb-population-NOR-2014"])


def test_loading_without_world_bank_does_not_read_it(data_copy):
    (data_copy / "processed" / "world_bank.csv").write_text("not a table", encoding="utf-8")
    assert analysis.load(data_copy).world_bank is None
    with pytest.raises(DataError):
        analysis.load(data_copy, world_bank=True)


def test_a_verdict_covers_the_world_bank_series_only_once_they_are_validated(data_copy, tmp_path, monkeypatch):
    from analysis.data import verdicts

    monkeypatch.setenv(verdicts.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(verdicts.NO_CACHE_ENV, raising=False)
    analysis.load(data_copy)
    assert verdicts.validated_parts(verdicts.cache_key(data_copy)) == {"core"}
    validated = analysis.load(data_copy, world_bank=True)
    assert verdicts.validated_parts(verdicts.cache_key(data_copy)) == {"core", "world_bank"}
    kept = analysis.load(data_copy, world_bank=True)
    pd.testing.assert_frame_equal(kept.world_bank, validated.world_bank)
    assert analysis.load(data_copy).world_bank is None


# --- extraction: deterministic, and written by script only ---------------------------------------------------

def test_extraction_gives_the_same_bytes_twice_and_the_committed_table(tmp_path):
    for name in ("first.csv", "second.csv"):
        world_bank.write(world_bank.extract(config.DATA), tmp_path / name)
    assert (tmp_path / "first.csv").read_bytes() == (tmp_path / "second.csv").read_bytes()
    assert (tmp_path / "first.csv").read_bytes() == (config.PROCESSED / "world_bank.csv").read_bytes(), \
        "run make extract: the table is written by script only"
    with open(tmp_path / "first.csv", encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == world_bank.FIELDS


# --- bad input: each named with its file, line and column ---------------------------------------------------

def test_a_changed_raw_file_is_refused_naming_the_file_and_the_register_row(data_copy):
    path = own(data_copy / "raw" / "world_bank_population.csv")
    path.write_bytes(path.read_bytes().replace(b"Norway,NOR,2014,5137232", b"Norway,NOR,2014,5137233"))
    line = register_line("wb-population")
    for load in (lambda: analysis.load(data_copy, world_bank=True), lambda: world_bank.extract(data_copy)):
        with pytest.raises(DataError) as info:
            load()
        (message,) = shown(info.value.problems, data_copy)
        assert message.startswith(f"data/raw/sources.csv, line {line} (id wb-population), column 'sha256': raw file "
                                  "data/raw/world_bank_population.csv has changed: its sha256 is ")
        assert "the register expects 7d2dd6a17f5ed7916de1f89a9c116791e64d207f2e2f6ce47c57e1ab46f0088a" in message


def test_an_unregistered_world_bank_file_is_refused(data_copy):
    shutil.copy(config.RAW / "world_bank_population.csv", data_copy / "raw" / "world_bank_population_2027.csv")
    with pytest.raises(DataError) as info:
        analysis.load(data_copy)
    assert shown(info.value.problems, data_copy) == [
        "data/raw/world_bank_population_2027.csv: raw file is not in the source register data/raw/sources.csv"]


def test_a_world_bank_file_whose_register_row_is_gone_is_refused(data_copy):
    register = own(data_copy / "raw" / "sources.csv")
    lines = register.read_text(encoding="utf-8").splitlines(keepends=True)
    register.write_text("".join(line for line in lines if not line.startswith("wb-cpi-inflation,")), encoding="utf-8")
    with pytest.raises(DataError) as info:
        world_bank.extract(data_copy)
    assert shown(info.value.problems, data_copy) == [
        "data/raw/world_bank_cpi_inflation.csv: raw file is not in the source register data/raw/sources.csv"]


@pytest.mark.parametrize(("column", "value", "expected"), [
    ("value", "5137233", "expected 5137232, as line 11496 of data/raw/world_bank_population.csv gives, found 5137233"),
    ("value_as_written", "5137233",
     "expected '5137232', as line 11496 of data/raw/world_bank_population.csv gives, found '5137233'"),
    ("line", "11497", "expected 11496, as line 11496 of data/raw/world_bank_population.csv gives, found 11497"),
    ("year", "2015", "expected 2014, as line 11496 of data/raw/world_bank_population.csv gives, found 2015"),
])
def test_an_edited_processed_cell_is_refused_naming_the_row_and_column(data_copy, raw, column, value, expected):
    assert raw["wb-population"][("NOR", 2014)] == (11496, "5137232")
    line = edit_csv(data_copy / "processed" / "world_bank.csv", "wb-population-NOR-2014", column, value)
    with pytest.raises(DataError) as info:
        analysis.load(data_copy, world_bank=True)
    assert shown(info.value.problems, data_copy) == [
        f"data/processed/world_bank.csv, line {line} (id wb-population-NOR-2014), column '{column}': {expected}"]


def test_a_value_that_is_not_a_number_in_the_table_is_named_once(data_copy):
    line = edit_csv(data_copy / "processed" / "world_bank.csv", "wb-cpi-inflation-NOR-2016", "value", "3,55")
    with pytest.raises(DataError) as info:
        analysis.load(data_copy, world_bank=True)
    assert shown(info.value.problems, data_copy) == [
        f"data/processed/world_bank.csv, line {line} (id wb-cpi-inflation-NOR-2016), column 'value': expected a "
        "number, found '3,55'"]


def test_a_removed_row_is_refused(data_copy):
    path = data_copy / "processed" / "world_bank.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith("wb-population-ISL-2024,")), encoding="utf-8")
    with pytest.raises(DataError) as info:
        analysis.load(data_copy, world_bank=True)
    line = read_raw("world_bank_population.csv")[("ISL", 2024)][0]
    assert shown(info.value.problems, data_copy) == [
        f"data/processed/world_bank.csv, column 'id': no row wb-population-ISL-2024: expected the row of line {line} "
        "of data/raw/world_bank_population.csv (run make extract: the table is written by script only)"]


def _small_file(path: Path, header: str = "Country Name,Country Code,Year,Value", change=None) -> Path:
    """A raw population file of the real layout: every Nordic country, 2003-2024, one made-up value each."""
    names = {"NOR": "Norway", "SWE": "Sweden", "DNK": "Denmark", "FIN": "Finland", "ISL": "Iceland"}
    lines = [header] + [f"{names[iso3]},{iso3},{year},{1000 + year}" for iso3 in NORDIC for year in range(2003, 2025)]
    if change:
        lines = change(lines)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return path


def test_a_good_small_file_reads(tmp_path):
    table, problems = world_bank.read_series(_small_file(tmp_path / "p.csv"), "wb-population")
    assert problems == [] and len(table) == 110
    first = table.iloc[0]
    assert (first.id, first.line, first.value_as_written, first.value) == ("wb-population-NOR-2003", 2, "3003", 3003.0)


@pytest.mark.parametrize(("header", "change", "message"), [
    ("Country Name,Country Code,Year,CPI", None,
     "p.csv, line 1, column 'Value': expected the header Country Name,Country Code,Year,Value; column 4 should be "
     "'Value', found 'CPI'"),
    ("Country Name,Country Code,Year,Value,Unit", None,
     "p.csv, line 1, column 'Unit': expected the header Country Name,Country Code,Year,Value; column 5 should be "
     "absent, found 'Unit'"),
    ("Country Name,Country Code,Year", None,
     "p.csv, line 1, column 'Value': expected the header Country Name,Country Code,Year,Value; column 4 should be "
     "'Value', found nothing"),
    (None, lambda lines: [lines[0], "Norway,NOR,2003,n/a", *lines[2:]],
     "p.csv, line 2, column 'Value': expected a number for Norway (NOR) in 2003, found 'n/a'"),
    (None, lambda lines: [lines[0], "Norway,NOR,2003,", *lines[2:]],
     "p.csv, line 2, column 'Value': expected a number for Norway (NOR) in 2003, found an empty cell"),
    (None, lambda lines: [*lines[:3], "Norway,NOR,2003,5", *lines[3:]],
     "p.csv, line 4, column 'Year': a second row for Norway (NOR) in 2003 (the first is line 2): expected one row per "
     "country and year"),
    (None, lambda lines: [line for line in lines if line != "Iceland,ISL,2024,3024"],
     "p.csv, column 'Year': no row for Iceland (ISL) in 2024: expected every year 2003-2024 "
     "for NOR, SWE, DNK, FIN, ISL"),
    (None, lambda lines: [lines[0], "Norway,NOR,2003,4.5", *lines[2:]],
     "p.csv, line 2, column 'Value': expected a whole number of persons for Norway (NOR) in 2003, found '4.5'"),
])
def test_a_bad_raw_file_names_the_place(tmp_path, header, change, message):
    path = _small_file(tmp_path / "p.csv", header or "Country Name,Country Code,Year,Value", change)
    table, problems = world_bank.read_series(path, "wb-population")
    assert [str(p).replace(f"{tmp_path}/", "") for p in problems] == [message] and table.empty


def test_a_bad_value_in_a_registered_file_stops_the_extraction(data_copy):
    """A registered file whose value is not a number is refused by the extraction.

    Its register row is updated to its new sha256, so that only the value is wrong.
    """
    from analysis.data.digest import sha256

    path = own(data_copy / "raw" / "world_bank_cpi_inflation.csv")
    path.write_bytes(path.read_bytes().replace(b"Norway,NOR,2016,3.54999999999998", b"Norway,NOR,2016,3.55%"))
    edit_csv(data_copy / "raw" / "sources.csv", "wb-cpi-inflation", "sha256", sha256(path))
    line = read_raw("world_bank_cpi_inflation.csv")[("NOR", 2016)][0]
    with pytest.raises(DataError) as info:
        world_bank.extract(data_copy)
    assert shown(info.value.problems, data_copy) == [
        f"data/raw/world_bank_cpi_inflation.csv, line {line}, column 'CPI': expected a number for Norway (NOR) in "
        "2016, found '3.55%'"]
    with pytest.raises(DataError) as info:  # loading reads the raw file again and says the same
        analysis.load(data_copy, world_bank=True)
    assert shown(info.value.problems, data_copy) == [
        f"data/raw/world_bank_cpi_inflation.csv, line {line}, column 'CPI': expected a number for Norway (NOR) in "
        "2016, found '3.55%'"]


def test_the_table_keeps_the_cells_as_written(table):
    finland = table.set_index("id").loc["wb-cpi-inflation-FIN-2009"]
    assert (finland.value_as_written == "-9.17360384430342E-07"
            and finland.value == pytest.approx(-9.17360384430342e-07, rel=1e-15))
    assert re.fullmatch(r"wb-(population|cpi-inflation)-[A-Z]{3}-\d{4}", table.id.iloc[0])
    assert str(table.year.dtype) == "Int64" and str(table.value.dtype) == "Float64"
    assert isinstance(table, pd.DataFrame)
