"""UNODC's GLOTIP data set: from the raw workbooks to the tidy table ``data/processed/glotip.csv``.

The workbooks are read by script, never by hand: :func:`extract` reads every
registered GLOTIP release with calamine (the Rust reader pandas supports as
``engine="calamine"``, maintained as python-calamine; it reads a release many
times faster than pandas' default openpyxl), keeps the rows this project uses,
and writes them with their locator (file, sheet, row) and the cell as written.
Running it again gives the same bytes, which a test checks, so nobody edits the
table by hand. ``analysis.load()`` reads only the CSV.

Each row carries the sha256 of the workbook it was read from
(``workbook_sha256``) and a digest of its own cells (``cells_digest``), so that
every validation holds the table to the register without reading the workbooks
again (about a second each): :func:`check_against_workbooks` finds a row
extracted from a workbook the register no longer names (its sha256 changed and
``extract`` was not run again) or a row whose cells are not those the digest was
taken of (an edit by hand), and only then reads that workbook again, to name each
cell that differs with both values.

A cell written "<5" is a small count UNODC does not publish. It is kept as a
censored count: ``count`` is empty, ``censored`` is true, and ``count_low`` to
``count_high`` is 1 to 4. No value 0 stands anywhere in either release (not one
txtVALUE cell of any country), so a published row counts at least one person: the
lower bound is 1. The quality checks (``quality.py``) are more cautious and
take a "<5" part as possibly nothing, since a person convicted of two forms
counts under both.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import python_calamine

from .. import config
from . import records
from .digest import sha256
from .errors import DataError, Problem
from .loader import load_sources

#: The workbook's column names, on its third row.
COLUMNS = ["Iso3_code", "Country", "Region", "Subregion", "Indicator", "Dimension", "Category", "Sex", "Age", "Year",
           "Unit of measurement", "txtVALUE", "Source"]
#: Rows above the column names: "UNODC" and the release date.
HEADER_ROW = 3
COUNTRIES = {"NOR": "Norway", "SWE": "Sweden", "DNK": "Denmark", "FIN": "Finland", "ISL": "Iceland"}
#: UNODC indicator -> the metric name used here.
INDICATORS = {
    "Detected trafficking victims": "victims_detected",
    "Persons convicted": "persons_convicted",
    "Persons prosecuted": "persons_prosecuted",
    "Offences of trafficking in persons": "offences",
    "Persons brought into formal contact": "persons_formal_contact",
}
#: UNODC category of a "by form of exploitation" row -> the form names of the curated figures.
FORMS = {"Total": "unsplit", "Sexual exploitation": "sex", "Forced labour": "labor",
         "Other forms of exploitation": "other"}
#: Dimensions kept: the total and the split by form (by citizenship and by country of repatriation are left out).
DIMENSIONS = ("Total", "by form of exploitation")
#: Bounds of a count written "<5".
CENSORED = ("<5", 1, 4)

#: The row's cells, as the workbook gives them.
CELLS = ["id", "source_id", "file", "sheet", "row", "iso3", "country", "metric", "form", "sex", "age", "year",
         "value_as_written", "count", "censored", "count_low", "count_high", "indicator", "dimension", "category"]
#: What holds the row to its workbook: the workbook's sha256 when it was read, and the digest of :func:`cells_digest`.
PROVENANCE = ["workbook_sha256", "cells_digest"]
FIELDS = [*CELLS, *PROVENANCE]

_COUNT = re.compile(r"\d{1,3}(,\d{3})+|\d+")


def _read(path: Path) -> tuple[str, pd.DataFrame]:
    """The first sheet's name and its cells as text (every cell a string or missing).

    Raises:
        DataError: Naming the file when it cannot be read as a workbook (not a workbook, truncated, encrypted,
            unreadable), instead of the reader's own exception.
    """
    try:
        with pd.ExcelFile(path, engine="calamine") as book:
            sheet = book.sheet_names[0]
            # na_filter=False: a cell is read as written ("n/a" stays "n/a", not a missing value to be skipped)
            return sheet, pd.read_excel(book, sheet_name=sheet, header=None, dtype=str, na_filter=False)
    except (OSError, ValueError, IndexError, python_calamine.CalamineError) as error:
        cause = error.strerror if isinstance(error, OSError) and error.strerror else str(error) or type(error).__name__
        raise DataError([Problem(config.display(path), None, None,
                                 f"cannot be read as an Excel workbook ({cause}): expected the GLOTIP release the "
                                 "register names; restore the published copy")]) from None


def _column(index: int) -> str:
    """A spreadsheet's name of the column at ``index`` (0 is A)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _header_problems(cells: pd.DataFrame, show: str, sheet: str) -> list[Problem]:
    """The column names stand on row 3, exactly as UNODC writes them, in that order."""
    found = [str(c).strip() if not pd.isna(c) else ""
             for c in cells.iloc[HEADER_ROW - 1].tolist()] if len(cells) >= HEADER_ROW else []
    found = found[: len(COLUMNS)]
    if found == COLUMNS:
        return []
    where = f"sheet {sheet!r}, row {HEADER_ROW}"
    for index in range(min(len(cells), 50)):
        if [str(c).strip() for c in cells.iloc[index].tolist()[: len(COLUMNS)]] == COLUMNS:
            return [Problem(show, None, None,
                            f"{where}: expected the column names {', '.join(COLUMNS)}; they stand on row {index + 1} "
                            "instead (the header rows above them have changed)")]
    missing = [c for c in COLUMNS if c not in found]
    extra = [c for c in found if c and c not in COLUMNS]
    if missing or extra:
        return [Problem(show, None, None, f"{where}: expected the column names {', '.join(COLUMNS)}; "
                                          f"missing {', '.join(missing) or 'none'}, unexpected "
                                          f"{', '.join(extra) or 'none'}")]
    # every name is there, in another order: each column read by its place would be read as another
    moved = [f"column {_column(i)} holds {have!r}, expected {want!r}"
             for i, (want, have) in enumerate(zip(COLUMNS, found, strict=True)) if want != have]
    return [Problem(show, None, None, f"{where}: expected the column names {', '.join(COLUMNS)} in this order; "
                                      f"out of order: {'; '.join(moved)}")]


def read_release(path: Path, source_id: str, published: str) -> tuple[pd.DataFrame, list[Problem]]:
    """The rows of one release this project uses, with their locators, or the problems found reading it.

    Args:
        path: The workbook.
        source_id: Its id in the register.
        published: Its release date in the register (YYYY-MM-DD), which the workbook's second row must state.

    Each row carries the workbook's sha256 (``workbook_sha256``); its ``cells_digest`` is left empty, taken by
    :func:`extract` once the rows of every release are typed and sorted.

    Raises:
        DataError: When the file cannot be read as a workbook at all.
    """
    show = config.display(path)
    sheet, cells = _read(path)
    problems = _header_problems(cells, show, sheet)
    if problems:
        return pd.DataFrame(columns=FIELDS), problems
    stated = str(cells.iloc[1, 0]).strip()
    if stated != "/".join(reversed(published.split("-"))):
        return pd.DataFrame(columns=FIELDS), [Problem(show, None, None,
                                                      f"sheet {sheet!r}, row 2: expected the release date "
                                                      f"{published} of the register, written "
                                                      f"DD/MM/YYYY; found {stated!r}")]
    table = cells.iloc[HEADER_ROW:, : len(COLUMNS)].set_axis(COLUMNS, axis=1)
    table.insert(0, "row", table.index + 1)  # the row number a spreadsheet program shows
    kept = table[table.Iso3_code.isin(list(COUNTRIES)) & table.Dimension.isin(DIMENSIONS)
                 & table.Indicator.isin(list(INDICATORS))]
    rows = []
    for r in kept.itertuples(index=False):
        where = f"sheet {sheet!r}, row {r.row}"
        # kept as written, spaces and all; the count is read from it without the spaces around it
        written = "" if pd.isna(r.txtVALUE) else str(r.txtVALUE)
        if written.strip() == CENSORED[0]:
            count, low, high = None, CENSORED[1], CENSORED[2]
        elif _COUNT.fullmatch(written.strip()):
            count = low = high = int(written.strip().replace(",", ""))
        else:
            problems.append(Problem(show, None, "txtVALUE", f"{where}: expected a count or '<5', found {written!r}"))
            continue
        if not re.fullmatch(r"\d{4}", str(r.Year)):
            problems.append(Problem(show, None, "Year", f"{where}: expected a year, found {r.Year!r}"))
            continue
        category = r.Category if r.Dimension != "Total" else "Total"
        if category not in FORMS:
            problems.append(Problem(show, None, "Category",
                                    f"{where}: expected one of {', '.join(FORMS)}, found {category!r}"))
            continue
        rows.append({
            "id": f"{source_id}-r{r.row}", "source_id": source_id, "file": path.name, "sheet": sheet, "row": r.row,
            "iso3": r.Iso3_code, "country": r.Country, "metric": INDICATORS[r.Indicator], "form": FORMS[category],
            "sex": r.Sex, "age": r.Age, "year": int(r.Year), "value_as_written": written, "count": count,
            "censored": count is None, "count_low": low, "count_high": high,
            "indicator": r.Indicator, "dimension": r.Dimension, "category": r.Category,
        })
    table = pd.DataFrame(rows, columns=FIELDS)
    table["workbook_sha256"] = sha256(path)
    return table, problems


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


def cells_digest(table: pd.DataFrame) -> list[str]:
    """The digest of each row: its cells (:data:`CELLS`), its ``workbook_sha256`` and how many rows its release has.

    The first 16 hex digits of a sha256, enough to tell an edit by hand from the cells the extraction wrote. The
    number of rows of the release is part of it, so a row deleted or added changes the digest of every other row of
    that release. ``table`` as the loader types it or as :func:`extract` returns it; both give the same text.
    """
    sizes = table.source_id.map(table.source_id.value_counts()).astype("string").tolist()
    rows = zip(*(_texts(table[c]) for c in ["workbook_sha256", *CELLS]), sizes, strict=True)
    return [hashlib.sha256("\x1f".join([row[0], size, *row[1:]]).encode()).hexdigest()[:16]
            for *row, size in rows]


def _texts(column: pd.Series) -> list[str]:
    """A column's cells as the CSV writes them (see :func:`_text`), converted at once."""
    if pd.api.types.is_bool_dtype(column):
        return column.map({True: "true", False: "false"}).tolist()
    return column.astype("string").fillna("").tolist()


def extract(data_dir: Path = config.DATA) -> pd.DataFrame:
    """Every registered GLOTIP release, read from its workbook into one tidy table.

    Raises:
        DataError: Naming the file, the sheet, the row and the column of every
            cell that is not what UNODC's layout promises.
    """
    sources = load_sources(data_dir)  # checks every raw file against its sha256 first
    releases = sources[(sources.series == "GLOTIP") & sources.file.notna()].sort_values("edition")
    parts, problems = [], []
    for row in releases.itertuples():
        table, found = read_release(Path(data_dir) / "raw" / row.file, row.source_id, row.date_published)
        parts.append(table)
        problems += found
    if problems:
        raise DataError(problems)
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=FIELDS)
    table = table.sort_values(["source_id", "iso3", "metric", "form", "sex", "age", "year", "row"], ignore_index=True)
    table = table.astype({"count": "Int64", "row": int, "year": int, "count_low": int, "count_high": int,
                          "censored": bool})
    return table.assign(cells_digest=cells_digest(table))


def write(table: pd.DataFrame, target: Path) -> None:
    r"""Write the table as the committed CSV: fixed column order, "\n" line ends, booleans as true/false.

    Written whole or not at all (:func:`.records.write_text`: a staging file of a unique name, renamed over the
    target, removed on any failure or Ctrl-C).
    """
    out = table[FIELDS].assign(censored=table.censored.map({True: "true", False: "false"}))
    records.write_text(Path(target), out.to_csv(index=False, lineterminator="\n"))


@contextlib.contextmanager
def extract_lock(data_dir: Path = config.DATA) -> Iterator[None]:
    """Hold ``data_dir/processed`` for one ``extract`` at a time, and clear what a killed one left.

    The lock is an ``flock`` on the folder itself (no lock file a run would count as data), released by the system
    when the process ends however it ends. Under it, staging files a killed ``extract`` left (``.glotip.csv.*.new``,
    ``.world_bank.csv.*.new``, and ``.glotip.csv.new`` of the earlier fixed name) are removed: nobody else is
    writing, and a run would count them as data files.
    """
    folder = Path(data_dir) / "processed"
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError as error:
        raise records.RecordError(f"cannot write into {config.display(folder)}: {records.cause(error)}",
                                  folder) from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        for stale in [*folder.glob(".*.csv.*.new"), *folder.glob(".*.csv.new")]:
            with contextlib.suppress(OSError):
                stale.unlink()
        yield
    finally:
        os.close(handle)



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
    for row in both[both._merge == "right_only"].itertuples():
        problems.append(Problem(show, None, "id", f"no row {row.id}: expected the row of sheet {row.sheet_raw!r}, "
                                                  f"row {int(row.row_raw)} of {shown} ({rerun})"))
    for row in both[both._merge == "left_only"].itertuples():
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
