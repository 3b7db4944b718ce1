"""The chart CSVs described as a data package of their own (Frictionless Table Schema): columns, types, units.

Generated beside the chart CSVs in the site's ``figures/`` folder, never into ``data/datapackage.json`` (which the
loader reads). Each column's type, title, unit and description come from the chart-column dictionary
(:mod:`.columns`), declared once for the report's tables and for this package; a chart's key columns, where the
dictionary declares them, are its primary key. The package's licence is the data's, the first of ``CITATION.cff``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import yaml

from . import columns

#: The file the package is written to, beside the chart CSVs.
NAME = "datapackage.json"


def _header(csv_path: Path) -> list[str]:
    with Path(csv_path).open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle), [])


def schema(csv_path: Path) -> dict:
    """The Table Schema of one chart CSV: its fields (name, type, title, unit, description) and its primary key.

    A column the dictionary does not declare is a string without a description (a test names every such column).
    """
    header = _header(csv_path)
    record = Path(csv_path).with_suffix(".json")  # the facts the chart states, its parameters among them
    facts = json.loads(record.read_text(encoding="utf-8")) if record.is_file() else {}
    chart = columns.chart(Path(csv_path).stem, header, (facts.get("parameters") or {}).get("confidence"))
    fields = []
    for name in header:
        declared = chart.columns.get(name)
        if declared is None:
            fields.append({"name": name, "type": "string"})
            continue
        field = {"name": name, "title": declared.heading, "type": declared.schema_type,
                 "description": declared.description}
        if declared.unit:
            field["unit"] = declared.unit
        if declared.kind == "yes_no":
            field.update(trueValues=["True"], falseValues=["False"])
        fields.append(field)
    described = {"fields": fields, "missingValues": [""]}
    if chart.key:
        described["primaryKey"] = chart.key
    return described


def descriptor(csv_paths: list[Path], citation: Path) -> dict:
    """The data package of the chart CSVs ``csv_paths``, each a resource named by its file's stem."""
    cff = yaml.safe_load(Path(citation).read_text(encoding="utf-8"))
    licence = cff["license"][0] if isinstance(cff["license"], list) else cff["license"]
    resources = [{"name": path.stem, "path": path.name, "profile": "tabular-data-resource", "format": "csv",
                  "mediatype": "text/csv", "encoding": "utf-8", "schema": schema(path)} for path in csv_paths]
    return {"profile": "tabular-data-package", "name": "tip-norway-charts",
            "title": f"{cff['title']}: the data each chart plots", "version": str(cff["version"]),
            "licenses": [{"name": licence, "path": f"https://spdx.org/licenses/{licence}.html"}],
            "resources": resources}


def write(folder: Path, csv_paths: list[Path], citation: Path) -> Path:
    """Write the data package of ``csv_paths`` (copies of the chart CSVs in ``folder``) into ``folder``."""
    target = Path(folder) / NAME
    text = json.dumps(descriptor(csv_paths, citation), indent=1, ensure_ascii=False) + "\n"
    target.write_text(text, encoding="utf-8")
    return target
