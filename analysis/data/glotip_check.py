"""GLOTIP's processed table held to its workbooks: every row is what its registered workbook gives.

The checks run at every load with GLOTIP (:func:`analysis.data.loader.validate`). Each row's ``workbook_sha256`` and
``cells_digest`` (:func:`analysis.data.glotip.cells_digest`) decide without reading a workbook (about a second each);
only a release whose rows disagree with them is read again, to name each cell that differs with both values. And
each row's count agrees with its cell as written (:func:`check_counts`), so a hand edit of one column is seen.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import config
from .errors import DataError, Problem
from .glotip import CELLS, cells_digest, read_release


def _text(value) -> str:
    """A cell as the CSV writes it: empty for a missing value, true/false, a whole number without ".0"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _shown(value) -> str:
    """A cell as a message shows it: quoted, or "an empty cell"."""
    return repr(_text(value)) if _text(value) else "an empty cell"


def check_against_workbooks(table: pd.DataFrame, show: str, sources: pd.DataFrame, register: str, raw_dir: Path,
                            unchecked: set[str]) -> list[Problem]:
    """Every row is what its registered workbook gives, as far as its sha256 and its digest tell.

    A release all of whose rows carry the sha256 the register gives its workbook, and whose cells match their
    digests, passes without its workbook being read. Otherwise the workbook is read again and compared with the
    table cell by cell, so the problem names the row, the column and both values: a workbook that changed (and was
    registered with its new sha256) without ``tip-norway extract`` being run again, a cell edited by hand, a row
    deleted or added.

    Args:
        table: ``data/processed/glotip.csv``, as read and typed by the loader (rows with an unreadable cell left out).
        show: That file, as messages name it.
        sources: The register.
        register: The register's file, as messages name it.
        raw_dir: ``data/raw/``.
        unchecked: source_ids whose raw file failed its own check (changed or missing): not compared, the
            register's problem says enough.
    """
    problems = []
    rerun = "run tip-norway extract: the table is written by script only"
    releases = sources[(sources.series == "GLOTIP") & sources.file.notna()]
    digests = pd.Series(cells_digest(table), index=table.index, dtype="str") if len(table) else pd.Series(dtype="str")
    for source in releases.itertuples():
        if source.source_id in unchecked:
            continue
        rows = table[table.source_id == source.source_id]
        stale = rows[rows.workbook_sha256 != source.sha256]
        edited = rows[digests[rows.index] != rows.cells_digest]
        if stale.empty and edited.empty:
            continue  # the digests decide: no need to read the workbook
        raw = Path(raw_dir) / source.file
        if not stale.empty:
            first = stale.index[0]
            before = ", ".join(sorted({_text(v) or "an empty cell" for v in stale.workbook_sha256}))
            problems.append(Problem(show, int(first) + 2, "workbook_sha256",
                                    f"{len(stale)} of the {len(rows)} rows of {source.source_id} were extracted from "
                                    f"{config.display(raw)} when its sha256 was {before}; the register "
                                    f"({register}, line {int(source.Index) + 2}) gives {source.sha256}: {rerun}",
                                    str(stale.id[first])))
        try:
            expected, found = read_release(raw, source.source_id, source.date_published)
        except DataError as error:
            found = error.problems
        if found:
            problems += found
            continue
        compared = _compare(rows, expected, show, raw, rerun)
        problems += compared
        if set(rows.id) != set(expected.id):
            continue  # a row deleted or added changes every digest of its release: the rows named say enough
        # the cells agree with the workbook, yet their digest does not: the digest itself was edited
        differing = {p.row_id for p in compared}
        for index in edited.index.difference(stale.index):
            row_id = str(rows.id[index])
            if row_id not in differing and row_id in set(expected.id):
                problems.append(Problem(show, int(index) + 2, "cells_digest",
                                        f"expected {digests[index]}, the digest of the row's cells, found "
                                        f"{_text(rows.cells_digest[index]) or 'an empty cell'}: {rerun}", row_id))
    return problems


def _compare(rows: pd.DataFrame, expected: pd.DataFrame, show: str, raw: Path, rerun: str) -> list[Problem]:
    """The rows of one release against the rows read again from its workbook: each cell that differs, both values."""
    problems = []
    shown = config.display(raw)
    have = rows.assign(table_line=rows.index + 2)
    both = have.merge(expected, on="id", how="outer", suffixes=("", "_raw"), indicator=True)
    for row in both.loc[both._merge == "right_only", ["id", "sheet_raw", "row_raw"]].itertuples():
        problems.append(Problem(show, None, "id", f"no row {row.id}: expected the row of sheet {row.sheet_raw!r}, "
                                                  f"row {int(row.row_raw)} of {shown} ({rerun})"))
    for row in both.loc[both._merge == "left_only", ["id", "table_line"]].itertuples():
        problems.append(Problem(show, int(row.table_line), "id",
                                f"expected no such row: {shown} gives no row {row.id} of the countries, indicators "
                                f"and dimensions kept ({rerun})", row.id))
    both = both[both._merge == "both"]
    for column in CELLS[1:]:
        pairs = zip(both.id.tolist(), both.table_line.tolist(), both.row_raw.tolist(), both.sheet_raw.tolist(),
                    both[column].tolist(), both[f"{column}_raw"].tolist(), strict=True)
        for row_id, line, raw_row, sheet, value, wanted in pairs:
            if _text(value) != _text(wanted):
                problems.append(Problem(show, int(line), column,
                                        f"expected {_shown(wanted)}, as sheet {sheet!r}, row {int(raw_row)} of "
                                        f"{shown} gives, found {_shown(value)}: {rerun}", row_id))
    return problems


def check_counts(table: pd.DataFrame, show: str, sources: pd.DataFrame) -> list[Problem]:
    """Each GLOTIP row names a registered release and its count agrees with the cell as written.

    A count is the number written (thousands separators dropped); "<5" is an
    empty count, censored, bounded 1 to 4. The numbers were written by the
    extraction step; this keeps a hand edit of one column from going unnoticed.
    """
    problems = []
    releases = set(sources.source_id[sources.series == "GLOTIP"])
    columns = ["id", "source_id", "value_as_written", "count", "censored", "count_low", "count_high"]
    rows = zip(table.index.tolist(), *(table[c].tolist() for c in columns), strict=True)  # not itertuples: faster
    for index, row_id, source_id, written, count, censored, low, high in rows:
        line = int(index) + 2
        if source_id not in releases:
            problems.append(Problem(show, line, "source_id", "expected a GLOTIP release registered in "
                                                             f"data/raw/sources.csv, found {source_id!r}", row_id))
        if written.strip() == "<5":  # the cell as written, spaces around it kept
            expected = (True, None, 1, 4)
        else:
            number = int(written.replace(",", ""))
            expected = (False, number, number, number)
        found = (bool(censored), None if pd.isna(count) else int(count), int(low), int(high))
        for column, want, have in zip(("censored", "count", "count_low", "count_high"), expected, found, strict=True):
            if want != have:
                problems.append(Problem(show, line, column,
                                        f"expected {want if want is not None else 'an empty cell'} for the cell "
                                        f"written {written!r}, found {have if have is not None else 'an empty cell'}",
                                        row_id))
    return problems
