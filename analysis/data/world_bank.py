"""World Bank population and consumer price inflation.

From the raw CSV files to ``data/processed/world_bank.csv``, and look-ups.

Two World Development Indicators series are held byte for byte in ``data/raw/``,
as the Frictionless core data sets keep them (see ``licence_note`` in the
register): population, total (``SP.POP.TOTL``, persons) and inflation, consumer
prices (``FP.CPI.TOTL.ZG``). The second file's column is named ``CPI`` but holds
the **annual percentage change** of consumer prices on the previous year, not an
index level: Norway's 3.55 for 2016 means prices rose 3.55 percent from 2015.

:func:`extract` reads the rows this project uses (Norway, Sweden, Denmark,
Finland and Iceland, every year 2003-2024) with their line in the raw file and
the cell as written; running it again gives the same bytes, which a test checks,
so nobody edits the table by hand. ``analysis.load(world_bank=True)`` reads the
CSV and checks every row against the line of the raw file it names
(:func:`check_against_raw`).

:func:`population` looks up head counts; :func:`price_index` chains the yearly
changes into a price index equal to 1 in the base year the caller names, and
:func:`to_constant` turns kroner of one year into kroner of another with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import config
from .errors import DataError, Problem


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


def _country(iso3: str) -> str:
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
            problems.append(Problem(show, None, year, f"no row for {_country(iso3)} in {', '.join(map(str, absent))}: "
                                                      f"expected every year {FIRST_YEAR}-{LAST_YEAR} for "
                                                      f"{', '.join(COUNTRIES)}"))
    return problems


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
    try:
        cells = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False, encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as error:
        return empty, [Problem(show, None, None,
                               f"not readable as a CSV table of {', '.join(series.columns)}: {error}")]
    found = [str(c) for c in cells.columns]
    if found != list(series.columns):
        return empty, [_header_problem(show, found, series.columns)]
    if len(cells) + 1 != _line_count(path):
        return empty, [Problem(show, None, None,
                               f"expected one row per line ({_line_count(path)} lines), found {len(cells)} rows "
                               "after the header: a quoted cell holds a line break")]
    code, year, value = series.columns[1], series.columns[2], series.columns[3]
    cells.insert(0, "line", cells.index + 2)
    kept = cells[cells[code].isin(list(COUNTRIES))]
    problems, rows, seen = [], [], {}
    for line, iso3, written_year, written in zip(kept.line, kept[code], kept[year], kept[value], strict=True):
        if not re.fullmatch(r"\d{4}", written_year):
            problems.append(Problem(show, line, year,
                                    f"expected a year of four digits for {_country(iso3)}, found {written_year!r}"))
            continue
        number = int(written_year)
        if not FIRST_YEAR <= number <= LAST_YEAR:
            continue
        if (iso3, number) in seen:
            problems.append(Problem(show, line, year,
                                    f"a second row for {_country(iso3)} in {number} (the first is line "
                                    f"{seen[(iso3, number)]}): expected one row per country and year"))
            continue
        seen[(iso3, number)] = line
        if not _NUMBER.fullmatch(written):
            cell = repr(written) if written else "an empty cell"
            problems.append(Problem(show, line, value,
                                    f"expected a number for {_country(iso3)} in {number}, found {cell}"))
            continue
        if series.indicator == "population" and not _WHOLE.fullmatch(written):
            problems.append(Problem(show, line, value,
                                    f"expected a whole number of persons for {_country(iso3)} in "
                                    f"{number}, found {written!r}"))
            continue
        rows.append({
            "id": f"{source_id}-{iso3}-{number}", "source_id": source_id, "indicator": series.indicator,
            "unit": series.unit, "iso3": iso3, "year": number, "value": float(written), "value_as_written": written,
            "line": line,
        })
    problems += _absent_years(show, year, seen)
    if problems:
        return empty, problems
    return pd.DataFrame(rows, columns=FIELDS), []


def _registered(sources: pd.DataFrame, register: str) -> tuple[pd.DataFrame, list[Problem]]:
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


def extract(data_dir: Path = config.DATA) -> pd.DataFrame:
    """Every registered World Bank series, read from its raw file into one tidy table.

    Raises:
        DataError: Naming the file, the line and the column of every cell that
            is not what the layout promises (a changed header, a value that is
            not a number, a repeated country and year, a year missing), and any
            raw file that differs from its sha256 in the register or is not registered.
    """
    from .loader import load_sources

    sources = load_sources(data_dir)  # checks every raw file against its sha256, and that every raw file is registered
    registered, problems = _registered(sources, config.display(Path(data_dir) / "raw" / "sources.csv"))
    parts = []
    for row in registered.itertuples():
        table, found = read_series(Path(data_dir) / "raw" / row.file, row.source_id)
        parts.append(table)
        problems += found
    if problems:
        raise DataError(problems)
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=FIELDS)
    table = table.sort_values(["source_id", "iso3", "year"], ignore_index=True)
    return table.astype({"year": int, "line": int, "value": float})


def _number_text(value: float) -> str:
    """A value as the CSV writes it.

    A whole number without ".0", any other the shortest text that reads back the same.
    """
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


def write(table: pd.DataFrame, target: Path) -> None:
    r"""Write the table as the committed CSV: fixed column order, "\n" line ends, values that read back exactly.

    Written whole or not at all (:func:`.records.write_text`), as ``glotip.csv`` is.
    """
    from . import records

    out = table[FIELDS].assign(value=table.value.map(_number_text))
    records.write_text(Path(target), out.to_csv(index=False, lineterminator="\n"))


def check_against_raw(table: pd.DataFrame, show: str, sources: pd.DataFrame, register: str, raw_dir: Path,
                      unchecked: set[str]) -> list[Problem]:
    """The processed table is what the raw files give: every row as read again from its line, no row missing or added.

    The extraction is run again on each registered file (small files, cheap to
    read) and compared with the table cell by cell, so a hand edit of any
    column is named with its row and column.

    Args:
        table: ``data/processed/world_bank.csv``, as read and typed by the loader.
        show: That file, as messages name it.
        sources: The register.
        register: The register's file, as messages name it.
        raw_dir: ``data/raw/``.
        unchecked: source_ids whose raw file failed its own check (changed or missing): not compared, the
            register's problem says enough.
    """
    registered, problems = _registered(sources, register)
    known = set(registered.source_id)
    for index, row_id, source_id in zip(table.index, table.id, table.source_id, strict=True):
        if source_id not in known:
            problems.append(Problem(show, int(index) + 2, "source_id",
                                    "expected a World Bank series registered in "
                                    f"data/raw/sources.csv, found {source_id!r}", row_id))
    for source in registered.itertuples():
        if source.source_id in unchecked:
            continue
        raw = Path(raw_dir) / source.file
        expected, found = read_series(raw, source.source_id)
        if found:
            problems += found
            continue
        have = table[table.source_id == source.source_id]
        have = have.assign(table_line=have.index + 2)
        both = have.merge(expected, on="id", how="outer", suffixes=("", "_raw"), indicator=True)
        for row in both[both._merge == "right_only"].itertuples():
            problems.append(Problem(show, None, "id", f"no row {row.id}: expected the row of line {row.line_raw} of "
                                                      f"{config.display(raw)} (run make extract: the table "
                                                      "is written by script only)"))
        for row in both[both._merge == "left_only"].itertuples():
            problems.append(Problem(show, int(row.table_line), "id",
                                    f"expected no such row: {config.display(raw)} gives {source.source_id} "
                                    f"for {', '.join(COUNTRIES)} in {FIRST_YEAR}-{LAST_YEAR} only", row.id))
        both = both[both._merge == "both"]
        for column in FIELDS[1:]:
            rows = zip(both.id.tolist(), both.table_line.tolist(), both.line_raw.tolist(), both[column].tolist(),
                       both[f"{column}_raw"].tolist(), strict=True)
            for row_id, line, raw_line, value, wanted in rows:
                if pd.notna(value) and value == wanted:
                    continue
                shown = ("an empty cell" if pd.isna(value) else repr(value) if isinstance(value, str)
                         else _number_text(value))
                expect = repr(wanted) if isinstance(wanted, str) else _number_text(wanted)
                problems.append(Problem(show, int(line), column,
                                        f"expected {expect}, as line {raw_line} of "
                                        f"{config.display(raw)} gives, found {shown}", row_id))
    return problems


# --- look-ups ----------------------------------------------------------------------------------------------


def _covers(rows: pd.DataFrame) -> str:
    return f"{TABLE} covers {rows.year.min()}-{rows.year.max()}" if len(rows) else f"{TABLE} has no such rows"


def population(table: pd.DataFrame, countries: list[str], years: list[int]) -> pd.DataFrame:
    """The World Bank's population (SP.POP.TOTL: mid-year estimate of all residents) of each country in each year.

    Args:
        table: ``analysis.load(world_bank=True).world_bank``.
        countries: ISO 3166 alpha-3 codes (NOR, SWE, DNK, FIN, ISL).
        years: Calendar years.

    Returns:
        One row per (country, year), in the order given: ``iso3``, ``year``,
        ``population`` (persons) and ``id``, the row of ``world_bank.csv`` it comes from.

    Raises:
        LookupError: Naming every (country, year) the table does not hold, and the years it covers.
    """
    rows = table[table.indicator == "population"]
    by_key = rows.set_index(["iso3", "year"])
    wanted = [(iso3, int(year)) for iso3 in countries for year in years]
    missing = [(iso3, year) for iso3, year in wanted if (iso3, year) not in by_key.index]
    if missing:
        listed = ", ".join(f"{_country(iso3)} in {year}" for iso3, year in missing)
        raise LookupError(f"no World Bank population for {listed}; {_covers(rows)}")
    found = by_key.loc[wanted]
    return pd.DataFrame({
        "iso3": [iso3 for iso3, _ in wanted], "year": [year for _, year in wanted],
        "population": found.value.astype("int64").to_numpy(), "id": found.id.to_numpy(),
    })


def price_index(table: pd.DataFrame, iso3: str, years: list[int], base_year: int) -> pd.DataFrame:
    """A consumer price index for one country, chained from the World Bank's yearly inflation.

    It equals 1.0 in ``base_year``.

    The World Bank's ``FP.CPI.TOTL.ZG`` (the raw file's column ``CPI``) is the
    annual percentage change of consumer prices on the previous year, not an
    index level. The index takes the base year the caller names (1.0 there) and
    chains the changes from it: ``index[y] = index[y-1] * (1 + inflation[y] / 100)``,
    forwards after the base year and backwards before it
    (``index[y-1] = index[y] / (1 + inflation[y] / 100)``).

    Args:
        table: ``analysis.load(world_bank=True).world_bank``.
        iso3: ISO 3166 alpha-3 code of the country.
        years: The years wanted.
        base_year: The year whose prices the index is expressed in (index 1.0).

    Returns:
        One row per year of ``years`` and ``base_year``, in calendar order:
        ``year``, ``inflation_percent`` (that year's change on the year before,
        as the World Bank gives it), ``index`` and ``ids``, the ids of the
        inflation rows chained between the base year and that year (those of
        the years after the earlier of the two up to the later; none for the
        base year itself).

    Raises:
        LookupError: Naming the country and every year, from the earliest to the
            latest of ``years`` and ``base_year``, whose inflation the table does not hold.
    """
    rows = table[(table.indicator == "cpi_inflation") & (table.iso3 == iso3)]
    by_year = rows.set_index("year")
    shown = sorted({int(y) for y in years} | {int(base_year)})
    span = range(shown[0], shown[-1] + 1)
    missing = [year for year in span if year not in by_year.index]
    if missing:
        every = table[table.indicator == "cpi_inflation"]
        raise LookupError(f"no World Bank consumer price inflation for {_country(iso3)} in "
                          f"{', '.join(map(str, missing))} "
                          f"(the index from {shown[0]} to {shown[-1]} chains every year between); {_covers(every)}")
    inflation = {year: float(by_year.value[year]) for year in span}
    ids = {year: str(by_year.id[year]) for year in span}
    base_year = int(base_year)
    index = {base_year: 1.0}
    for year in range(base_year + 1, shown[-1] + 1):
        index[year] = index[year - 1] * (1 + inflation[year] / 100)
    for year in range(base_year - 1, shown[0] - 1, -1):
        index[year] = index[year + 1] / (1 + inflation[year + 1] / 100)
    return pd.DataFrame({
        "year": shown,
        "inflation_percent": [inflation[y] for y in shown],
        "index": [index[y] for y in shown],
        "ids": [tuple(ids[t] for t in range(min(y, base_year) + 1, max(y, base_year) + 1)) for y in shown],
    })


def to_constant(amount: float, year: int, base_year: int, index_table: pd.DataFrame) -> float:
    """An amount in kroner (or any currency) of ``year`` expressed in kroner of ``base_year``.

    ``amount * index[base_year] / index[year]``, with the index of
    :func:`price_index`. Only the ratio of the two years' index counts, so
    ``base_year`` need not be the year the index equals 1.0 in, but both years
    must stand in ``index_table``.

    Raises:
        LookupError: Naming a year the index table does not hold.
    """
    by_year = index_table.set_index("year")["index"]
    for wanted in (year, base_year):
        if wanted not in by_year.index:
            raise LookupError(f"no price index for {wanted}: the index table holds "
                              f"{', '.join(map(str, by_year.index))}; "
                              "ask price_index() for that year too")
    return float(amount) * float(by_year[base_year]) / float(by_year[year])
