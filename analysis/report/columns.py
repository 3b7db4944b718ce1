"""The chart-column dictionary: each chart CSV column's kind, unit and description, and how a reader reads it.

The dictionary is ``chart_columns.yaml`` beside this module, one file for every chart: a column that means the same
in several charts (``year``, ``ids``, ``unreliable``, ``ci_low``) is declared once under ``shared``, and a chart's own
columns under its name. The report's tables read from it how each value is shown (a count with thousands separators,
a share as a percentage, an interval as "23-168", money in whole kroner, "yes"/"no") and which columns come first;
the chart CSVs' data package (:mod:`.chart_package`) reads their types, units and descriptions. The values are
formatted from the CSV's text, never from a value computed again.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import yaml

DICTIONARY = Path(__file__).parent / "chart_columns.yaml"

#: Each kind's Table Schema type (a column may declare another, when it holds text besides numbers).
SCHEMA_TYPES = {"count": "integer", "year": "integer", "number": "number", "share": "number", "nok": "number",
                "usd": "number", "yes_no": "boolean", "text": "string", "code": "string", "id": "string",
                "ids": "string", "source": "string"}
#: The kinds whose columns are not shown: the row links to the passages of its ids instead.
HIDDEN_KINDS = {"id", "ids"}
#: The kinds whose values are numbers a reader compares down a column (shown aligned right).
NUMBERS = {"count", "number", "share", "nok", "usd"}
_NUMERIC = NUMBERS | {"year"}
#: Words of a column's name a heading writes in capitals.
_ACRONYMS = {"nok": "NOK", "usd": "USD", "eur": "EUR", "tip": "TIP", "kom": "KOM", "unodc": "UNODC", "glotip": "GLOTIP",
             "ci": "CI", "iso3": "ISO3"}


@dataclass(frozen=True)
class Column:
    """One chart column as the dictionary declares it."""

    name: str
    kind: str
    description: str
    unit: str = ""
    digits: int | None = None
    type: str = ""
    upper: str = ""
    label: str = ""

    @property
    def heading(self) -> str:
        """The column's heading in a table: its label, else its name in words, acronyms in capitals.

        ``nok_per_victim_tip`` is headed "NOK per victim TIP".
        """
        return self.label or " ".join(_ACRONYMS.get(word, word) for word in self.name.split("_"))

    @property
    def schema_type(self) -> str:
        """Its Table Schema type: the one declared, else its kind's."""
        return self.type or SCHEMA_TYPES[self.kind]

    def shown(self, text: str) -> str:
        """``text``, a value of this column as the CSV writes it, as a reader reads it (see :func:`formatted`)."""
        return formatted(self.kind, text, self.digits)


@dataclass(frozen=True)
class Chart:
    """The dictionary's entries for one chart CSV: its columns, its key columns and the columns shown first."""

    name: str
    columns: dict[str, Column]
    key: list[str]
    first: list[str]

    def missing(self, header: list[str]) -> list[str]:
        """The columns of ``header`` the dictionary does not declare."""
        return [name for name in header if name not in self.columns]


@functools.cache
def _entries() -> dict:
    """The dictionary as read, once per process.

    Parsed by libyaml where PyYAML has it: the same values in a tenth of the time of PyYAML's own parser.
    """
    return yaml.load(DICTIONARY.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def chart(name: str, header: list[str], level: float | None = None) -> Chart:
    """The dictionary's entries for the columns ``header`` of chart ``name`` (``01_conviction_gap``).

    A column is the chart's own entry, else the shared one; one declared in neither is left out (see
    :meth:`Chart.missing`). ``{level}`` in a label or description becomes ``level`` as a percentage ("95%"), the
    level of the intervals of the run the chart comes from; for a chart without one it is left out.
    """
    entries = _entries()
    own = (entries.get("charts") or {}).get(name) or {}
    declared = {**entries.get("shared", {}), **own.get("columns", {})}
    said = f"{level:.0%} " if level is not None else ""

    def leveled(entry: dict) -> dict:
        return {key: value.replace("{level} ", said) if key in ("label", "description") else value
                for key, value in entry.items()}

    columns = {column: Column(name=column, **leveled(declared[column])) for column in header if column in declared}
    return Chart(name, columns, list(own.get("key", [])), list(own.get("first", [])))


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def formatted(kind: str, text: str, digits: int | None = None) -> str:
    """A value of a column of ``kind`` as a reader reads it, from its text in the CSV.

    A count, an amount of money and a number get thousands separators (``2,500,000``; ``9,259`` whole kroner; a
    number to ``digits`` decimals, default none), a share becomes a percentage (``0.5652`` is ``57%``), ``True`` and
    ``False`` become "yes" and "no", and a code shows spaces for its underscores. Text that is not a number where one
    is expected (``<5``, ``64-256``) is shown as written.
    """
    if kind == "yes_no":
        return {"True": "yes", "False": "no"}.get(text, text)
    if kind == "code":
        return text.replace("_", " ")
    number = _number(text) if kind in _NUMERIC else None
    if number is None:
        return text
    places = digits or 0
    if kind == "year":
        return f"{number:.0f}"
    if kind == "share":
        return f"{number:.{places}%}"
    if kind in ("count", "nok", "usd"):
        return f"{number:,.0f}"
    return f"{number:,.{places}f}"


def interval(low: str, high: str) -> str:
    """Two formatted ends as one value: ``23-168``, ``45-68%``; one value when they print alike; ``5 or more``.

    The ends are joined by " to " when one is negative, so that a minus sign is never read as the dash between them.
    """
    if not high or low == high:
        return f"{low} or more" if low and not high else low
    if not low:
        return f"up to {high}"
    if low.startswith("-") or high.startswith("-"):
        return f"{low} to {high}"
    if low.endswith("%") and high.endswith("%"):
        low = low[:-1]
    return f"{low}-{high}"
