"""The chart outputs and a full-text index in the SQLite download, so that Datasette serves and searches them.

Each chart's CSV becomes a table named ``chart_`` and the chart's name (``chart_01_conviction_gap``), its columns
typed and keyed as the chart data package declares them (:func:`.chart_package.schema`). The quotes of the curated
figures and statements get an FTS5 index each (``figures_fts``, ``statements_fts``), made as Datasette looks for
one: a virtual table whose content is the table itself, so a search returns the table's rows.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .. import config
from . import chart_package
from .inputs import ReportError, read_csv

#: The SQLite type of each Table Schema type; every other type is stored as text.
SQL_TYPES = {"integer": "INTEGER", "number": "REAL", "boolean": "INTEGER"}
#: The tables whose quotes are indexed for full-text search, and the column indexed.
SEARCHED = {"figures": "quote", "statements": "quote"}
_TRUE = ("true", "True", "TRUE", "1")


def quoted(name: str) -> str:
    """A name as an SQLite identifier."""
    return '"' + name.replace('"', '""') + '"'


def value(text: str, kind: str, true_values=_TRUE):
    """A CSV cell as SQLite stores it: empty as NULL, integers and numbers as such, booleans as 0 or 1.

    Raises:
        ValueError: When the cell is not of its type.
    """
    if text == "":
        return None
    if kind == "integer":
        return int(text)
    if kind == "number":
        return float(text)
    if kind == "boolean":
        return int(text in true_values)
    return text


def table_name(csv_path: Path) -> str:
    """The table a chart's CSV becomes: ``chart_`` and the chart's name."""
    return f"chart_{Path(csv_path).stem}"


def _rows(csv_path: Path, fields: list[dict]) -> list[list]:
    """The CSV's rows as typed values; a cell not of its column's type is refused naming the line and column."""
    typed = []
    for line, row in enumerate(read_csv(csv_path), start=2):
        try:
            typed.append([value(row[f["name"]], f["type"], f.get("trueValues", _TRUE)) for f in fields])
        except ValueError:
            bad = next(f for f in fields if _fails(row[f["name"]], f))
            raise ReportError([f"{config.display(csv_path)}, line {line}, column {bad['name']}: expected "
                               f"{bad['type']} as the chart data package declares, found {row[bad['name']]!r}"]
                              ) from None
    return typed


def _fails(text: str, field: dict) -> bool:
    try:
        value(text, field["type"])
    except ValueError:
        return True
    return False


def add_chart(connection: sqlite3.Connection, csv_path: Path) -> int:
    """The chart's CSV as a table of its own, typed and keyed as its schema says; the rows written.

    Raises:
        ReportError: Naming the file when a cell is not of its type or two rows share the declared key.
    """
    schema = chart_package.schema(csv_path)
    fields = schema["fields"]
    columns = [f"{quoted(f['name'])} {SQL_TYPES.get(f['type'], 'TEXT')}" for f in fields]
    if key := schema.get("primaryKey"):
        key = [key] if isinstance(key, str) else key
        columns.append(f"PRIMARY KEY ({', '.join(map(quoted, key))})")
    name = table_name(csv_path)
    rows = _rows(csv_path, fields)
    connection.execute(f"CREATE TABLE {quoted(name)} (\n  " + ",\n  ".join(columns) + "\n)")
    try:
        connection.executemany(f"INSERT INTO {quoted(name)} VALUES ({', '.join('?' for _ in fields)})", rows)
    except sqlite3.IntegrityError as error:
        raise ReportError([f"{config.display(csv_path)}: {error}: two rows share the primary key "
                           f"{key} the chart data package declares"]) from None
    return len(rows)


def add_search(connection: sqlite3.Connection, tables: list[str]) -> None:
    """An FTS5 index on the quotes of each of ``tables`` that is in :data:`SEARCHED`, filled from the table."""
    for table in (t for t in SEARCHED if t in tables):
        index = quoted(f"{table}_fts")
        connection.execute(f'CREATE VIRTUAL TABLE {index} USING FTS5 ({quoted(SEARCHED[table])}, '
                           f'content="{table}")')
        connection.execute(f"INSERT INTO {index} ({index}) VALUES ('rebuild')")
