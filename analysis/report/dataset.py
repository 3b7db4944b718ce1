"""The curated data as downloads: the CSV files with their descriptor in one zip, and one SQLite file.

Both are made the same way every time, so two builds give the same bytes: the
zip's entries carry a fixed date, and the SQLite file is written by one
sequence of statements into a new file. Datasette opens the SQLite file as it
is (``datasette tip-norway.sqlite``): one table per resource of
``datapackage.json``, with its primary and foreign keys, and the values typed as
the descriptor declares; one table per chart output, and a full-text index on
the quotes (:mod:`.sqlite_charts`). The zip carries its own README, data
dictionary, licence and citation file (:mod:`.readme`).
"""

from __future__ import annotations

import json
import sqlite3
import zipfile
from collections.abc import Sequence
from pathlib import Path

from .inputs import read_csv
from .sqlite_charts import SQL_TYPES, add_chart, add_search, quoted, table_name, value

#: The date every entry of the zip carries (the earliest a zip can hold), so that its bytes depend on the data only.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def descriptor(data_dir: Path) -> dict:
    """``datapackage.json``."""
    return json.loads((Path(data_dir) / "datapackage.json").read_text(encoding="utf-8"))


def resources(data_dir: Path) -> list[dict]:
    """The descriptor's resources whose file is present (GLOTIP and the World Bank may not be)."""
    return [r for r in descriptor(data_dir)["resources"] if (Path(data_dir) / r["path"]).is_file()]


def write_zip(data_dir: Path, target: Path, extras: dict[str, bytes] | None = None) -> None:
    """``extras`` (name: bytes; the README, licence...) first, then the descriptor and every resource's CSV.

    Every entry is in the folder ``tip-norway-data/``, each table at the path the descriptor gives it.
    """
    files = {**(extras or {}), **{name: (Path(data_dir) / name).read_bytes()
                                  for name in ["datapackage.json", *(r["path"] for r in resources(data_dir))]}}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            entry = zipfile.ZipInfo(f"tip-norway-data/{name}", date_time=_ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, content)


def _create(resource: dict) -> str:
    schema = resource["schema"]
    lines = [f"{quoted(f['name'])} {SQL_TYPES.get(f['type'], 'TEXT')}" for f in schema["fields"]]
    if key := schema.get("primaryKey"):
        key = [key] if isinstance(key, str) else key
        lines.append(f"PRIMARY KEY ({', '.join(map(quoted, key))})")
    for foreign in schema.get("foreignKeys", []):
        fields = foreign["fields"] if isinstance(foreign["fields"], list) else [foreign["fields"]]
        reference = foreign["reference"]
        target = reference["resource"] or resource["name"]  # "" is the resource itself
        columns = reference["fields"] if isinstance(reference["fields"], list) else [reference["fields"]]
        lines.append(f"FOREIGN KEY ({', '.join(map(quoted, fields))}) REFERENCES {quoted(target)} "
                     f"({', '.join(map(quoted, columns))})")
    return f"CREATE TABLE {quoted(resource['name'])} (\n  " + ",\n  ".join(lines) + "\n)"


def write_sqlite(data_dir: Path, target: Path, charts: Sequence[Path] = ()) -> dict[str, int]:
    """One table per resource, created and filled in the descriptor's order, into a new file ``target``.

    Then one table per chart CSV of ``charts`` (:func:`.sqlite_charts.add_chart`) and the full-text indexes.

    Returns:
        The rows written, by table.
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
                    f"INSERT INTO {quoted(resource['name'])} VALUES ({marks})",
                    ([value(row[f["name"]], f["type"], f.get("trueValues", ["true", "True", "TRUE", "1"]))
                      for f in fields] for row in rows))
            for chart in charts:
                counts[table_name(chart)] = add_chart(connection, chart)
            add_search(connection, list(counts))
    finally:
        connection.close()
    return counts
