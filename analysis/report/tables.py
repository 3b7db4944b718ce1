"""A chart's CSV as the tables of its page: one per panel, each number one click from where it comes from.

The CSV is shown as written (no number is formatted again), split by its
``panel`` column where it has one, with the columns empty in a panel left
out. A row's ids (in the columns ``id``, ``ids``, ``*_id``, ``*_ids`` and
``id_*``) are looked up in the curated data; every number of the row links to
the row's entry in the page's provenance section, which shows the passage of
each of those ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .. import config
from .inputs import read_csv
from .provenance import Card, Provenance

_ID_COLUMN = re.compile(r"^(ids?|.+_ids?|id_.+)$")
_NUMBER = re.compile(r"\d")
_SCIENTIFIC = re.compile(r"^-?\d+(\.\d+)?e[+-]\d+$")


@dataclass(frozen=True)
class Cell:
    """One cell: its text as written and where it links (a row's provenance, a source, or nowhere)."""

    text: str
    href: str = ""

    @property
    def shown(self) -> str:
        """The text as a reader reads it: ``2.5e+06`` in plain digits, ``2500000``; everything else as written.

        The CSV writes numbers of more than six digits in scientific notation; the value shown is the same.
        """
        if _SCIENTIFIC.match(self.text):
            return format(Decimal(self.text), "f")
        return self.text


@dataclass(frozen=True)
class Row:
    """A row, its anchor in the provenance section, and the provenance of its ids."""

    anchor: str
    label: str
    cells: list[Cell]
    cards: list[Card] = field(default_factory=list)


@dataclass(frozen=True)
class Table:
    """One panel of a chart's CSV."""

    panel: str
    columns: list[str]
    rows: list[Row]


def is_id_column(name: str) -> bool:
    """Whether a CSV column holds ids of the curated data (``source_id`` names a source, linked to the register)."""
    return name != "source_id" and bool(_ID_COLUMN.match(name))


def _ids(value: str) -> list[str]:
    return [token for token in value.split(";") if token]


def _row_ids(name: str, csv_path: Path, line: int, row: dict, columns: list[str], provenance: Provenance,
             problems: list[str]) -> list[str]:
    """The ids of the data one row names, each once, in its order; one not in the data is added to ``problems``."""
    ids = []
    for column in columns:
        if not is_id_column(column):
            continue
        for token in _ids(row[column]):
            if token in provenance:
                ids.append(token)
            elif provenance.looks_like_an_id(token):
                problems.append(f"{name}: {config.display(csv_path)}, line {line}, column {column}: id "
                                f"'{token}' is not in the data")
    return list(dict.fromkeys(ids))


def _cells(row: dict, columns: list[str], href: str, provenance: Provenance) -> list[Cell]:
    """One row's cells: a source's id links to the register, an id or a number to the row's cards (``href``)."""
    cells = []
    for column in columns:
        value = row[column]
        if column == "source_id" and value in provenance.sources:
            cells.append(Cell(value, f"sources.html#source-{value}"))
        elif is_id_column(column) or _NUMBER.search(value):
            cells.append(Cell(value, href))
        else:
            cells.append(Cell(value))
    return cells


def read_tables(name: str, csv_path: Path, provenance: Provenance, problems: list[str]) -> list[Table]:
    """The tables of ``name``'s chart; an id not in the data is added to ``problems``, naming its row and column."""
    rows = read_csv(csv_path)
    panels: dict[str, list[tuple[int, dict]]] = {}
    for number, row in enumerate(rows, start=2):  # the line of the file, after the header
        panels.setdefault(row.get("panel", ""), []).append((number, row))
    tables = []
    for panel, members in panels.items():
        columns = [c for c in (rows[0] if rows else {}) if c != "panel" and any(r[c] for _, r in members)]
        prefix = f"{panel or 'table'}".replace("_", "-")
        shown = []
        for index, (line, row) in enumerate(members, start=1):
            ids = _row_ids(name, csv_path, line, row, columns, provenance, problems)
            anchor = f"{prefix}-row-{index}"
            cells = _cells(row, columns, f"#{anchor}" if ids else "", provenance)
            described = [c for c in columns if row[c] and c != "source_id" and not is_id_column(c)][:2]
            label = ", ".join(f"{c.replace('_', ' ')} {row[c]}" for c in described)
            shown.append(Row(anchor, label, cells, [provenance.card(i) for i in ids]))
        tables.append(Table(panel, columns, shown))
    return tables


def other_figures(figure_ids: list[str], tables: list[Table]) -> list[str]:
    """The ids a chart names that no row of its tables holds, in the chart's order."""
    in_rows = {card.id for table in tables for row in table.rows for card in row.cards}
    return [i for i in dict.fromkeys(figure_ids) if i not in in_rows]
