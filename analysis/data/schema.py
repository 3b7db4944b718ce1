"""Read a curated table and validate it against its description in ``datapackage.json``.

The Frictionless descriptor is the single description of every table (field
names, types, meanings, allowed values); :mod:`analysis.data.constraints` turns it
into the pandera schema that checks each table's values.

Reading the file itself (spreadsheet encodings, where a broken CSV breaks) is
:mod:`analysis.data.csvfile`'s. Types are converted cell by cell before pandera runs, so that a value of the
wrong type is reported with its line and column instead of being coerced to
missing, and the other checks still run on the rest of the table.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .. import config
from .constraints import DTYPES, constraint_problems
from .csvfile import check_rows, read_rows
from .errors import DataError, Problem


@lru_cache(maxsize=8)
def _descriptor(path: Path, mtime: float) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def descriptor(data_dir: Path = config.DATA) -> dict:
    """The parsed ``datapackage.json`` of ``data_dir``."""
    path = Path(data_dir) / "datapackage.json"
    if not path.is_file():
        raise DataError([Problem(config.display(path), None, None,
                                 "file not found: the data package descriptor is missing")])
    return _descriptor(path, path.stat().st_mtime)


def resource(name: str, data_dir: Path = config.DATA) -> dict:
    """The descriptor of one table, by its resource name."""
    for res in descriptor(data_dir)["resources"]:
        if res["name"] == name:
            return res
    raise KeyError(f"no resource named {name!r} in {Path(data_dir) / 'datapackage.json'}")


def _convert(raw: pd.Series, field: dict, show: str, ids: pd.Series | None, problems: list[Problem]) -> pd.Series:
    """Convert one column of text to its declared type, reporting each cell that does not fit."""
    dtype, expected = DTYPES[field["type"]]
    if field["type"] == "string":
        return raw  # already the str dtype, empty cells missing
    if field["type"] == "integer":
        converted = pd.to_numeric(raw, errors="coerce")
        bad = raw.notna() & (converted.isna() | (converted % 1 != 0))
        converted = converted.where(~bad)
    elif field["type"] == "number":
        converted = pd.to_numeric(raw, errors="coerce")
        bad = raw.notna() & converted.isna()
    elif field["type"] == "date":
        converted = pd.to_datetime(raw, format="%Y-%m-%d", errors="coerce")
        bad = raw.notna() & converted.isna()
    elif field["type"] == "boolean":
        converted = raw.map({"true": True, "false": False})
        bad = raw.notna() & converted.isna()
    else:  # pragma: no cover - the descriptor test keeps types in DTYPES
        raise ValueError(f"field type {field['type']!r} is not supported")
    for index in bad[bad].index:
        problems.append(Problem(show, int(index) + 2, field["name"], f"expected {expected}, found {raw[index]!r}",
                                None if ids is None else ids[index], unreadable=True))
    return converted.astype(dtype)


def read_table(name: str, data_dir: Path = config.DATA) -> pd.DataFrame:
    """Read one curated table, typed and validated against its descriptor.

    Args:
        name: Resource name in ``datapackage.json`` (``sources``, ``figures``...).
        data_dir: The ``data/`` folder holding ``datapackage.json``.

    Returns:
        The table with the pandas dtypes of its descriptor (``str``, ``Int64``,
        ``Float64``, ``datetime64[s]``); empty cells are missing values.

    Raises:
        DataError: Listing every problem found: missing or unreadable file,
            missing or unexpected columns, values of the wrong type, values outside
            the allowed vocabulary or range, empty required cells, duplicate keys.
    """
    table, problems = read_table_with_problems(name, data_dir)
    if problems:
        raise DataError(problems)
    return table


def _header_problem(show: str, header: list[str], expected: list[str]) -> Problem:
    """The header is not ``expected``: the problem says which columns are missing or unexpected, or out of order."""
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected]
    detail = []
    if missing:
        detail.append(f"missing column(s) {', '.join(missing)}")
    if extra:
        detail.append(f"unexpected column(s) {', '.join(extra)}")
    if not detail:
        detail.append("columns in the wrong order")
    return Problem(show, 1, None, f"{'; '.join(detail)}: expected the header {','.join(expected)}")


def read_table_with_problems(name: str, data_dir: Path = config.DATA,
                             validate: bool = True) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Like :func:`read_table`, but return the problems with the table instead of raising.

    The table is None when the file cannot be read as a table at all (missing,
    not UTF-8, not CSV, wrong header, ragged rows); otherwise it is returned
    even with problems, cells that failed conversion left missing, so that the
    checks across tables can still run and every problem be reported at once.

    Files as spreadsheet programs save them are read as they are: a leading
    byte-order mark ("CSV UTF-8" in Excel) and CRLF line ends are accepted, so
    a curator need not clean a table after editing it.

    With ``validate=False`` the file is read and typed, but not checked
    against its constraints (the loader does this for files it has validated
    before, byte for byte; see :mod:`analysis.data.loader`).
    """
    res = resource(name, data_dir)
    path = Path(data_dir) / res["path"]
    show = config.display(path)
    if not path.is_file():
        return None, [Problem(show, None, None,
                              f"file not found: expected the '{name}' table ({res.get('title', name)})")]
    rows, problems = read_rows(path, show)
    if problems:
        return None, problems
    if not rows:
        return None, [Problem(show, None, None, "the file is empty: expected a header row and data rows")]

    fields = res["schema"]["fields"]
    expected = [f["name"] for f in fields]
    header, body = rows[0], rows[1:]
    if header != expected:
        return None, [_header_problem(show, header, expected)]
    problems: list[Problem] = check_rows(header, body, show)
    if problems:
        return None, problems

    # Empty cells are missing values (never empty strings), set before any conversion.
    raw = pd.DataFrame([[cell if cell != "" else None for cell in row] for row in body], columns=header, dtype="str")
    key = expected[0]
    ids = raw[key]
    table = pd.DataFrame(
        {f["name"]: _convert(raw[f["name"]], f, show, ids, problems) for f in fields},
        index=raw.index,
    )
    if not validate:
        return table, problems
    problems += constraint_problems(res, table, show, ids, problems)
    return table, sorted(set(problems), key=lambda p: (p.line or 0, p.column or "", p.message))
