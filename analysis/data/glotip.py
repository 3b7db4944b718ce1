"""UNODC's GLOTIP data set: from the raw workbooks to the tidy table ``data/processed/glotip.csv``.

The workbooks are read by script, never by hand: :func:`extract` reads every registered GLOTIP release with
calamine (python-calamine, pandas' ``engine="calamine"``: many times faster than openpyxl), keeps the rows this
project uses, and writes them with their locator (file, sheet, row) and the cell as written. Running it again gives
the same bytes, which a test checks, so nobody edits the table by hand. ``analysis.load()`` reads only the CSV.

Each row carries the sha256 of the workbook it was read from
(``workbook_sha256``) and a digest of its own cells (``cells_digest``), so that
every validation holds the table to the register without reading the workbooks
again (:mod:`analysis.data.glotip_check`).

A cell written "<5" is a small count UNODC does not publish. It is kept as a
censored count: ``count`` is empty, ``censored`` is true, and ``count_low`` to
``count_high`` is 1 to 4. No value 0 stands anywhere in either release (not one
txtVALUE cell of any country), so a published row counts at least one person: the
lower bound is 1. The quality checks (``quality.py``) are more cautious and
take a "<5" part as possibly nothing, since a person convicted of two forms
counts under both.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import python_calamine

from .. import config
from . import records
from .digest import sha256
from .errors import DataError, Problem
from .extraction import extract_lock as extract_lock  # the command line holds it around extract and write
from .register import load_sources

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


def _date_problems(cells: pd.DataFrame, show: str, sheet: str, published: str) -> list[Problem]:
    """The workbook's second row states the release date the register gives (``published``, YYYY-MM-DD)."""
    stated = str(cells.iloc[1, 0]).strip()
    if stated == "/".join(reversed(published.split("-"))):
        return []
    return [Problem(show, None, None, f"sheet {sheet!r}, row 2: expected the release date {published} of the "
                                      f"register, written DD/MM/YYYY; found {stated!r}")]


def _kept(cells: pd.DataFrame) -> pd.DataFrame:
    """The rows below the column names this project uses, each with the row number a spreadsheet program shows."""
    table = cells.iloc[HEADER_ROW:, : len(COLUMNS)].set_axis(COLUMNS, axis=1)
    table.insert(0, "row", table.index + 1)
    return table[table.Iso3_code.isin(list(COUNTRIES)) & table.Dimension.isin(DIMENSIONS)
                 & table.Indicator.isin(list(INDICATORS))]


def _count(written: str) -> tuple[int | None, int, int] | None:
    """The count, its lower and its upper bound of a txtVALUE cell ("<5" is censored), or None if it is neither."""
    if written.strip() == CENSORED[0]:
        return None, CENSORED[1], CENSORED[2]
    if _COUNT.fullmatch(written.strip()):
        count = int(written.strip().replace(",", ""))
        return count, count, count
    return None


def _row(r, show: str, path: Path, sheet: str, source_id: str) -> dict | Problem:
    """One kept row of the workbook as a row of the table, or the problem that keeps it out."""
    where = f"sheet {sheet!r}, row {r.row}"
    # kept as written, spaces and all; the count is read from it without the spaces around it
    written = "" if pd.isna(r.txtVALUE) else str(r.txtVALUE)
    counted = _count(written)
    if counted is None:
        return Problem(show, None, "txtVALUE", f"{where}: expected a count or '<5', found {written!r}")
    if not re.fullmatch(r"\d{4}", str(r.Year)):
        return Problem(show, None, "Year", f"{where}: expected a year, found {r.Year!r}")
    category = r.Category if r.Dimension != "Total" else "Total"
    if category not in FORMS:
        return Problem(show, None, "Category", f"{where}: expected one of {', '.join(FORMS)}, found {category!r}")
    count, low, high = counted
    return {
        "id": f"{source_id}-r{r.row}", "source_id": source_id, "file": path.name, "sheet": sheet, "row": r.row,
        "iso3": r.Iso3_code, "country": r.Country, "metric": INDICATORS[r.Indicator], "form": FORMS[category],
        "sex": r.Sex, "age": r.Age, "year": int(r.Year), "value_as_written": written, "count": count,
        "censored": count is None, "count_low": low, "count_high": high,
        "indicator": r.Indicator, "dimension": r.Dimension, "category": r.Category,
    }


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
    problems = _header_problems(cells, show, sheet) or _date_problems(cells, show, sheet, published)
    if problems:
        return pd.DataFrame(columns=FIELDS), problems
    read = [_row(r, show, path, sheet, source_id) for r in _kept(cells).itertuples(index=False)]
    table = pd.DataFrame([r for r in read if isinstance(r, dict)], columns=FIELDS)
    table["workbook_sha256"] = sha256(path)
    return table, [r for r in read if isinstance(r, Problem)]


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
    """A column's cells as the CSV writes them (empty for a missing value, true/false), converted at once."""
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
