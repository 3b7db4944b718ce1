"""The World Bank's processed table held to its raw files: every row as read again from its line.

The raw files are small and cheap to read, so every load with the World Bank's table
(:func:`analysis.data.loader.validate`) runs the extraction again on each registered file and compares the table
with it cell by cell: a hand edit of any column is named with its row and column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import config
from .errors import Problem
from .world_bank_raw import COUNTRIES, FIELDS, FIRST_YEAR, LAST_YEAR, number_text, read_series, registered


def _unregistered(table: pd.DataFrame, show: str, known: set[str]) -> list[Problem]:
    """A problem for each row whose source_id is not a World Bank series of the register."""
    return [Problem(show, int(index) + 2, "source_id",
                    f"expected a World Bank series registered in data/raw/sources.csv, found {source_id!r}", row_id)
            for index, row_id, source_id in zip(table.index, table.id, table.source_id, strict=True)
            if source_id not in known]


def _rows_missing_or_added(both: pd.DataFrame, show: str, raw: Path, source_id: str) -> list[Problem]:
    """The rows the raw file gives that the table lacks, and those of the table the raw file does not give."""
    problems = [Problem(show, None, "id", f"no row {row.id}: expected the row of line {row.line_raw} of "
                                          f"{config.display(raw)} (run make extract: the table "
                                          "is written by script only)")
                for row in both.loc[both._merge == "right_only", ["id", "line_raw"]].itertuples()]
    problems += [Problem(show, int(row.table_line), "id",
                         f"expected no such row: {config.display(raw)} gives {source_id} "
                         f"for {', '.join(COUNTRIES)} in {FIRST_YEAR}-{LAST_YEAR} only", row.id)
                 for row in both.loc[both._merge == "left_only", ["id", "table_line"]].itertuples()]
    return problems


def _cells_that_differ(both: pd.DataFrame, show: str, raw: Path) -> list[Problem]:
    """Each cell of a row of both the table and the raw file that differs from what the raw line gives."""
    problems = []
    for column in FIELDS[1:]:
        rows = zip(both.id.tolist(), both.table_line.tolist(), both.line_raw.tolist(), both[column].tolist(),
                   both[f"{column}_raw"].tolist(), strict=True)
        for row_id, line, raw_line, value, wanted in rows:
            if pd.notna(value) and value == wanted:
                continue
            shown = ("an empty cell" if pd.isna(value) else repr(value) if isinstance(value, str)
                     else number_text(value))
            expect = repr(wanted) if isinstance(wanted, str) else number_text(wanted)
            problems.append(Problem(show, int(line), column,
                                    f"expected {expect}, as line {raw_line} of "
                                    f"{config.display(raw)} gives, found {shown}", row_id))
    return problems


def _compare(table: pd.DataFrame, show: str, raw: Path, source_id: str) -> list[Problem]:
    """The table's rows of one series against the rows read again from its raw file."""
    expected, found = read_series(raw, source_id)
    if found:
        return found
    have = table[table.source_id == source_id]
    have = have.assign(table_line=have.index + 2)
    both = have.merge(expected, on="id", how="outer", suffixes=("", "_raw"), indicator=True)
    return _rows_missing_or_added(both, show, raw, source_id) + _cells_that_differ(both[both._merge == "both"], show,
                                                                                   raw)


def check_against_raw(table: pd.DataFrame, show: str, sources: pd.DataFrame, register: str, raw_dir: Path,
                      unchecked: set[str]) -> list[Problem]:
    """The processed table is what the raw files give: every row as read again from its line, no row missing or added.

    Args:
        table: ``data/processed/world_bank.csv``, as read and typed by the loader.
        show: That file, as messages name it.
        sources: The register.
        register: The register's file, as messages name it.
        raw_dir: ``data/raw/``.
        unchecked: source_ids whose raw file failed its own check (changed or missing): not compared, the
            register's problem says enough.
    """
    series, problems = registered(sources, register)
    problems += _unregistered(table, show, set(series.source_id))
    for source in series.itertuples():
        if source.source_id not in unchecked:
            problems += _compare(table, show, Path(raw_dir) / source.file, source.source_id)
    return problems
