"""What the data zip says about itself: a README and a data dictionary, generated, never kept by hand.

The README names every file of the zip, the date of the data, how to cite it and its licence; the dictionary lists
every table's columns with their types, whether they must be filled, what they hold and the values they allow, read
from ``datapackage.json``. Both are Markdown, so they read as text and render on any forge.
"""

from __future__ import annotations

#: The files the zip carries besides the tables and their descriptor, in the order they are listed.
README, DICTIONARY, LICENSE, CITATION = "README.md", "data-dictionary.md", "LICENSE", "CITATION.cff"


def _cell(text: object) -> str:
    """A value as one cell of a Markdown table: pipes escaped, lines joined."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _allowed(field: dict) -> str:
    """The values a column allows, in words: its list of codes, pattern, bounds and uniqueness."""
    c = field.get("constraints", {})
    parts = []
    if "enum" in c:
        parts.append("one of " + ", ".join(f"`{v}`" for v in c["enum"]))
    if "pattern" in c:
        parts.append(f"matching `{c['pattern']}`")
    parts += [f"{word} {c[key]}" for key, word in (("minimum", "at least"), ("maximum", "at most")) if key in c]
    if c.get("unique"):
        parts.append("unique")
    return "; ".join(parts)


def _keys(resource: dict) -> list[str]:
    """The sentences naming a table's primary key and what its foreign keys refer to."""
    schema = resource["schema"]
    listed = [] if "primaryKey" not in schema else [f"Each row is identified by `{schema['primaryKey']}`."]
    for foreign in schema.get("foreignKeys", []):
        reference = foreign["reference"]
        listed.append(f"`{foreign['fields']}` refers to `{reference['resource'] or resource['name']}."
                      f"{reference['fields']}`.")
    return listed


def dictionary(package: dict, counts: dict[str, int]) -> str:
    """Every table of ``package`` with its file, rows and keys, and every column, as Markdown."""
    lines = [f"# Data dictionary: {package['title']}", "",
             "Generated from `datapackage.json` (Frictionless Data Package), which holds the same in JSON.", ""]
    for resource in package["resources"]:
        lines += [f"## {resource['title']} (`{resource['name']}`)", "", _cell(resource.get("description", "")), "",
                  f"File `{resource['path']}`, {counts.get(resource['name'], 0)} rows. " + " ".join(_keys(resource)),
                  "", "| column | type | required | what it holds | allowed values |", "|---|---|---|---|---|"]
        for field in resource["schema"]["fields"]:
            required = "yes" if field.get("constraints", {}).get("required") else "no"
            lines.append(f"| `{field['name']}` | {field['type']} | {required} | "
                         f"{_cell(field.get('description', ''))} | {_cell(_allowed(field))} |")
        lines.append("")
    return "\n".join(lines)


def readme(package: dict, counts: dict[str, int], cite_text: str, data_date: str, code_licence: str) -> str:
    """The zip's README: what it is, the date of its data, its files, how to cite it and its licence.

    ``code_licence`` is the name of the licence in the LICENSE file ("MIT License"), which covers the code.
    """
    licences = "; ".join(f"{licence['title']} ({licence['path']})" for licence in package["licenses"])
    lines = [f"# {package['title']}", "", _cell(package["description"]), "",
             f"Version {package['version']}. Data as of {data_date} (the latest day a source was read).", "",
             "## The files", "",
             f"- `{README}`: this file.",
             f"- `{DICTIONARY}`: every table and column, with its type, what it holds and the values it allows.",
             "- `datapackage.json`: the same as a Frictionless Data Package descriptor, for programs.",
             f"- `{CITATION}`: how to cite the data, in the Citation File Format.",
             f"- `{LICENSE}`: the licence of the project's code ({code_licence}).",
             *(f"- `{r['path']}`: {r['title']}, {counts.get(r['name'], 0)} rows." for r in package["resources"]),
             "", "## How to cite", "", cite_text, "",
             "## Licence", "", f"The curated data: {licences}.",
             "Each source keeps its own terms: see the column `licence_note` of `raw/sources.csv`.",
             f"The code that checks and analyses the data is under the {code_licence}, in `{LICENSE}`.", ""]
    return "\n".join(lines)
