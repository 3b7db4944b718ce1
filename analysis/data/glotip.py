"""UNODC's GLOTIP data set: from the raw workbooks to the tidy table ``data/processed/glotip.csv``.

The workbooks are read by script, never by hand: :func:`extract` reads every
registered GLOTIP release with calamine (the Rust reader pandas supports as
``engine="calamine"``, maintained as python-calamine; it reads a release many
times faster than pandas' default openpyxl), keeps the rows this project uses,
and writes them with their locator (file, sheet, row) and the cell as written.
Running it again gives the same bytes, which a test checks, so nobody edits the
table by hand. ``analysis.load()`` reads only the CSV.

A cell written "<5" is a small count UNODC does not publish. It is kept as a
censored count: ``count`` is empty, ``censored`` is true, and ``count_low`` to
``count_high`` is 1 to 4. No value 0 stands anywhere in either release (not one
txtVALUE cell of any country), so a published row counts at least one person: the
lower bound is 1. The quality checks (``quality.py``) are more cautious and
take a "<5" part as possibly nothing, since a person convicted of two forms
counts under both.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from . import paths
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

FIELDS = ["id", "source_id", "file", "sheet", "row", "iso3", "country", "metric", "form", "sex", "age", "year",
          "value_as_written", "count", "censored", "count_low", "count_high", "indicator", "dimension", "category"]

_COUNT = re.compile(r"\d{1,3}(,\d{3})+|\d+")


def _read(path: Path) -> tuple[str, pd.DataFrame]:
    """The first sheet's name and its cells as text (every cell a string or missing)."""
    with pd.ExcelFile(path, engine="calamine") as book:
        sheet = book.sheet_names[0]
        # na_filter=False: a cell is read as written ("n/a" stays "n/a", not a missing value to be skipped)
        return sheet, pd.read_excel(book, sheet_name=sheet, header=None, dtype=str, na_filter=False)


def _header_problems(cells: pd.DataFrame, show: str, sheet: str) -> list[Problem]:
    """The column names stand on row 3, exactly as UNODC writes them."""
    found = [str(c).strip() if not pd.isna(c) else ""
             for c in cells.iloc[HEADER_ROW - 1].tolist()] if len(cells) >= HEADER_ROW else []
    if found[: len(COLUMNS)] == COLUMNS:
        return []
    where = f"sheet {sheet!r}, row {HEADER_ROW}"
    for index in range(min(len(cells), 50)):
        if [str(c).strip() for c in cells.iloc[index].tolist()[: len(COLUMNS)]] == COLUMNS:
            return [Problem(show, None, None,
                            f"{where}: expected the column names {', '.join(COLUMNS)}; they stand on row {index + 1} "
                            "instead (the header rows above them have changed)")]
    missing = [c for c in COLUMNS if c not in found]
    extra = [c for c in found if c and c not in COLUMNS]
    return [Problem(show, None, None, f"{where}: expected the column names {', '.join(COLUMNS)}; "
                                      f"missing {', '.join(missing) or 'none'}, unexpected "
                                      f"{', '.join(extra) or 'none'}")]


def read_release(path: Path, source_id: str, published: str) -> tuple[pd.DataFrame, list[Problem]]:
    """The rows of one release this project uses, with their locators, or the problems found reading it.

    Args:
        path: The workbook.
        source_id: Its id in the register.
        published: Its release date in the register (YYYY-MM-DD), which the workbook's second row must state.
    """
    show = paths.display(path)
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
        written = "" if pd.isna(r.txtVALUE) else str(r.txtVALUE).strip()
        if written == CENSORED[0]:
            count, low, high = None, CENSORED[1], CENSORED[2]
        elif _COUNT.fullmatch(written):
            count = low = high = int(written.replace(",", ""))
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
    return pd.DataFrame(rows, columns=FIELDS), problems


def extract(data_dir: Path = paths.DATA) -> pd.DataFrame:
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
    return table.astype({"count": "Int64", "row": int, "year": int, "count_low": int, "count_high": int})


def write(table: pd.DataFrame, target: Path) -> None:
    r"""Write the table as the committed CSV: fixed column order, "\n" line ends, booleans as true/false."""
    out = table[FIELDS].assign(censored=table.censored.map({True: "true", False: "false"}))
    out.to_csv(target, index=False, lineterminator="\n")
