"""The World Bank's raw files as this project reads them: their layout, and the rows kept from each.

Two World Development Indicators series are held byte for byte in ``data/raw/`` (see ``licence_note`` in the
register). Both the extraction (:func:`analysis.data.world_bank.extract`) and the check of the processed table against
the raw files (:mod:`analysis.data.world_bank_check`) read them with :func:`read_series`, so the two cannot disagree
on what a raw line gives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import config
from .errors import Problem


@dataclass(frozen=True)
class Series:
    """How one registered World Bank file is laid out and what its value column means."""

    columns: tuple[str, ...]
    indicator: str
    unit: str
    code: str


#: Registered source_id -> the layout of its raw file. The value is the last column.
SERIES = {
    "wb-population": Series(("Country Name", "Country Code", "Year", "Value"), "population", "persons", "SP.POP.TOTL"),
    "wb-cpi-inflation": Series(("Country", "Country Code", "Year", "CPI"), "cpi_inflation",
                               "percent change on the previous year",
                               "FP.CPI.TOTL.ZG"),
}
COUNTRIES = {"NOR": "Norway", "SWE": "Sweden", "DNK": "Denmark", "FIN": "Finland", "ISL": "Iceland"}
#: The years kept: every one of them must stand in both files for every country.
FIRST_YEAR, LAST_YEAR = 2003, 2024
FIELDS = ["id", "source_id", "indicator", "unit", "iso3", "year", "value", "value_as_written", "line"]
#: Where the processed table lives, as messages name it.
TABLE = "data/processed/world_bank.csv"

_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_WHOLE = re.compile(r"\d+")


def country_name(iso3: str) -> str:
    """A country as messages name it: "Norway (NOR)", or the code as found when it is not one of ours."""
    return f"{COUNTRIES[iso3]} ({iso3})" if iso3 in COUNTRIES else repr(iso3)


def _line_count(path: Path) -> int:
    data = path.read_bytes()
    return data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


def _header_problem(show: str, found: list[str], columns: tuple[str, ...]) -> Problem:
    """The header ``found`` is not ``columns``: the problem names the first column that differs."""
    at = 0  # the first column that differs
    while at < len(found) and at < len(columns) and found[at] == columns[at]:
        at += 1
    want = repr(columns[at]) if at < len(columns) else "absent"
    have = repr(found[at]) if at < len(found) else "nothing"
    column = columns[at] if at < len(columns) else found[at]
    return Problem(show, 1, column,
                   f"expected the header {','.join(columns)}; column {at + 1} should be {want}, found {have}")


def _absent_years(show: str, year: str, seen: dict[tuple[str, int], int]) -> list[Problem]:
    """One problem per country without a row in some year of the span (``seen``: the rows read, by country and year)."""
    problems = []
    for iso3 in COUNTRIES:
        absent = [y for y in range(FIRST_YEAR, LAST_YEAR + 1) if (iso3, y) not in seen]
        if absent:
            problems.append(Problem(show, None, year, f"no row for {country_name(iso3)} in "
                                                      f"{', '.join(map(str, absent))}: "
                                                      f"expected every year {FIRST_YEAR}-{LAST_YEAR} for "
                                                      f"{', '.join(COUNTRIES)}"))
    return problems


def _cells(path: Path, series: Series, show: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The file's cells as text, each row with its line, or the problem that makes its lines unknowable."""
    try:
        cells = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False, encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as error:
        return None, [Problem(show, None, None,
                              f"not readable as a CSV table of {', '.join(series.columns)}: {error}")]
    found = [str(c) for c in cells.columns]
    if found != list(series.columns):
        return None, [_header_problem(show, found, series.columns)]
    if len(cells) + 1 != _line_count(path):
        return None, [Problem(show, None, None,
                              f"expected one row per line ({_line_count(path)} lines), found {len(cells)} rows "
                              "after the header: a quoted cell holds a line break")]
    cells.insert(0, "line", cells.index + 2)
    return cells, []


def _value_problem(series: Series, show: str, line: int, iso3: str, number: int, written: str) -> Problem | None:
    """The value cell ``written`` is a number, and a whole number of persons for the population: else the problem."""
    value = series.columns[3]
    if not _NUMBER.fullmatch(written):
        cell = repr(written) if written else "an empty cell"
        return Problem(show, line, value, f"expected a number for {country_name(iso3)} in {number}, found {cell}")
    if series.indicator == "population" and not _WHOLE.fullmatch(written):
        return Problem(show, line, value, f"expected a whole number of persons for {country_name(iso3)} in "
                                          f"{number}, found {written!r}")
    return None


def _row(source_id: str, show: str, seen: dict[tuple[str, int], int], line: int, iso3: str, written_year: str,
         written: str) -> dict | Problem | None:
    """One line of a kept country as a row of the table, the problem that keeps it out, or None outside the years.

    ``seen``: the line of each (country, year) read so far, to which this line's is added.
    """
    series = SERIES[source_id]
    year = series.columns[2]
    if not re.fullmatch(r"\d{4}", written_year):
        return Problem(show, line, year,
                       f"expected a year of four digits for {country_name(iso3)}, found {written_year!r}")
    number = int(written_year)
    if not FIRST_YEAR <= number <= LAST_YEAR:
        return None
    if (iso3, number) in seen:
        return Problem(show, line, year, f"a second row for {country_name(iso3)} in {number} (the first is line "
                                         f"{seen[(iso3, number)]}): expected one row per country and year")
    seen[(iso3, number)] = line
    return _value_problem(series, show, line, iso3, number, written) or {
        "id": f"{source_id}-{iso3}-{number}", "source_id": source_id, "indicator": series.indicator,
        "unit": series.unit, "iso3": iso3, "year": number, "value": float(written), "value_as_written": written,
        "line": line,
    }


def read_series(path: Path, source_id: str) -> tuple[pd.DataFrame, list[Problem]]:
    """The rows of one raw file this project uses, each with its line, or the problems found reading it.

    Args:
        path: The raw CSV file.
        source_id: Its id in the register, one of :data:`SERIES`.

    Every cell is read as text (``Year`` and the value are converted here, so
    that a cell that is not a number is named with its line, not turned into a
    missing value). The header is line 1 and each row one line: a file where
    that does not hold is refused, since the ``line`` of each row would be wrong.
    """
    series = SERIES[source_id]
    show = config.display(path)
    empty = pd.DataFrame(columns=FIELDS)
    cells, problems = _cells(path, series, show)
    if cells is None:
        return empty, problems
    code, year, value = series.columns[1], series.columns[2], series.columns[3]
    kept = cells[cells[code].isin(list(COUNTRIES))]
    seen: dict[tuple[str, int], int] = {}
    read = [_row(source_id, show, seen, *line) for line in zip(kept.line, kept[code], kept[year], kept[value],
                                                                 strict=True)]
    problems = [r for r in read if isinstance(r, Problem)] + _absent_years(show, year, seen)
    if problems:
        return empty, problems
    return pd.DataFrame([r for r in read if isinstance(r, dict)], columns=FIELDS), []


def registered(sources: pd.DataFrame, register: str) -> tuple[pd.DataFrame, list[Problem]]:
    """The register's World Bank rows, and a problem for each the extraction does not know the layout of.

    Args:
        sources: The register.
        register: Its file, as messages name it.
    """
    rows = sources[sources.series == "World Bank"]
    problems = [Problem(register, int(index) + 2, "source_id",
                        f"a World Bank series this project cannot read: expected one of "
                        f"{', '.join(SERIES)} (analysis.data.world_bank.SERIES)", source_id)
                for index, source_id in rows.source_id.items() if source_id not in SERIES]
    return rows[rows.source_id.isin(list(SERIES)) & rows.file.notna()], problems


def number_text(value: float) -> str:
    """A value as the CSV writes it.

    A whole number without ".0", any other the shortest text that reads back the same.
    """
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))
