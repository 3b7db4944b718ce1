"""The curated data as downloads: the CSV files with their descriptor in one zip, and one SQLite file.

Both are made the same way every time, so two builds give the same bytes: the
zip's entries carry a fixed date, and the SQLite file is written by one
sequence of statements into a new file. Datasette opens the SQLite file as it
is (``datasette tip-norway.sqlite``): one table per resource of
``datapackage.json``, with its primary and foreign keys, and the values typed as
the descriptor declares.
"""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

from .inputs import read_csv

#: The date every entry of the zip carries (the earliest a zip can hold), so that its bytes depend on the data only.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_SQL_TYPES = {"integer": "INTEGER", "number": "REAL", "boolean": "INTEGER"}


def descriptor(data_dir: Path) -> dict:
    """``datapackage.json``."""
    return json.loads((Path(data_dir) / "datapackage.json").read_text(encoding="utf-8"))


def resources(data_dir: Path) -> list[dict]:
    """The descriptor's resources whose file is present (GLOTIP and the World Bank may not be)."""
    return [r for r in descriptor(data_dir)["resources"] if (Path(data_dir) / r["path"]).is_file()]


def write_zip(data_dir: Path, target: Path) -> None:
    """The descriptor and every resource's CSV, at the paths the descriptor gives them."""
    names = ["datapackage.json", *(r["path"] for r in resources(data_dir))]
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            entry = zipfile.ZipInfo(f"tip-norway-data/{name}", date_time=_ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, (Path(data_dir) / name).read_bytes())


def _value(text: str, kind: str, true_values: list[str]):
    """A CSV cell as SQLite stores it: empty as NULL, integers and numbers as such, booleans as 0 or 1."""
    if text == "":
        return None
    if kind == "integer":
        return int(text)
    if kind == "number":
        return float(text)
    if kind == "boolean":
        return int(text in true_values)
    return text


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _create(resource: dict) -> str:
    schema = resource["schema"]
    lines = [f"{_quoted(f['name'])} {_SQL_TYPES.get(f['type'], 'TEXT')}" for f in schema["fields"]]
    if key := schema.get("primaryKey"):
        key = [key] if isinstance(key, str) else key
        lines.append(f"PRIMARY KEY ({', '.join(map(_quoted, key))})")
    for foreign in schema.get("foreignKeys", []):
        fields = foreign["fields"] if isinstance(foreign["fields"], list) else [foreign["fields"]]
        reference = foreign["reference"]
        target = reference["resource"] or resource["name"]  # "" is the resource itself
        columns = reference["fields"] if isinstance(reference["fields"], list) else [reference["fields"]]
        lines.append(f"FOREIGN KEY ({', '.join(map(_quoted, fields))}) REFERENCES {_quoted(target)} "
                     f"({', '.join(map(_quoted, columns))})")
    return f"CREATE TABLE {_quoted(resource['name'])} (\n  " + ",\n  ".join(lines) + "\n)"


def write_sqlite(data_dir: Path, target: Path) -> dict[str, int]:
    """One table per resource, created and filled in the descriptor's order, into a new file ``target``.

    Returns:
        The rows written, by resource.
    """
    target = Path(target)
    target.unlink(missing_ok=True)
    connection = sqlite3.connect(target)
    counts = {}
    try:
        with connection:
            for resource in resources(data_dir):
                connection.execute(_create(resource))
                fields = resource["schema"]["fields"]
                rows = read_csv(Path(data_dir) / resource["path"])
                counts[resource["name"]] = len(rows)
                marks = ", ".join("?" for _ in fields)
                connection.executemany(
                    f"INSERT INTO {_quoted(resource['name'])} VALUES ({marks})",
                    ([_value(row[f["name"]], f["type"], f.get("trueValues", ["true", "True", "TRUE", "1"]))
                      for f in fields] for row in rows))
    finally:
        connection.close()
    return counts
