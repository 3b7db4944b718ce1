"""A chart's CSV as the tables of its page, for people: one per panel, each number one click from where it comes from.

The CSV is split by its ``panel`` column where it has one, with the columns empty in a panel left out. Each value is
formatted by its column's kind in the chart-column dictionary (:mod:`.columns`): counts with thousands separators,
shares as percentages, the two ends of an interval or a range as one value ("23-168"), money in whole kroner,
"yes"/"no". The columns that carry the finding come first (the dictionary's ``first``; the first column is the row's
key), and a column that repeats an earlier one value for value is shown once. The ids a row names (in the columns
``id``, ``ids``, ``*_id``, ``*_ids`` and ``id_*``) are not shown: they are looked up in the curated data, and the
row's key and every number of it link to the row's entry in the page's provenance section, which shows the passage
of each of them. A computed cell carries its derivation (:mod:`.derivations`). The raw CSV stays one click away, as
the page's download.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path

from .. import config
from . import columns as dictionary
from .derivations import cells as derived_cells
from .inputs import read_csv
from .provenance import Card, Provenance

_ID_COLUMN = re.compile(r"^(ids?|.+_ids?|id_.+)$")
_NUMBER = re.compile(r"\d")
_SCIENTIFIC = re.compile(r"^-?\d+(\.\d+)?e[+-]\d+$")
_LOWER_END = re.compile(r"^The lower end of ")
#: A column whose longest value has more characters than this is wrapped rather than shown on one line.
LONG = 40


@dataclass(frozen=True)
class Cell:
    """One cell: its text as the CSV writes it, as a reader reads it, where it links, and how it was computed."""

    text: str
    href: str = ""
    display: str | None = None
    derivation: dict | None = None
    column: str = ""

    @property
    def shown(self) -> str:
        """The text as a reader reads it: the formatted value, else the text as written.

        A column the dictionary does not declare shows a number in scientific notation (``2.5e+06``) in plain digits
        (``2500000``).
        """
        if self.display is not None:
            return self.display
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
class Heading:
    """A column as a table shows it: its CSV columns, heading, description, unit, and whether it is a number.

    The first CSV column holds its value, or the lower end of its interval (the upper end follows). A column whose
    text is long (over :data:`LONG` characters) is wrapped.
    """

    names: list[str]
    text: str
    description: str = ""
    numeric: bool = False
    long: bool = False
    unit: str = ""


@dataclass(frozen=True)
class Table:
    """One panel of a chart's CSV: the CSV's columns it has values in, the columns shown, and its rows."""

    panel: str
    columns: list[str]
    rows: list[Row]
    headings: list[Heading] = field(default_factory=list)

    @cached_property
    def _shown_in(self) -> dict[tuple[int, str], list[Row]]:
        """The rows each computed number is shown in, by (its derivation's identity, its column), in table order."""
        rows: dict[tuple[int, str], list[Row]] = {}
        for row, cell in ((r, c) for r in self.rows for c in r.cells if c.derivation is not None):
            rows.setdefault((id(cell.derivation), cell.column), []).append(row)
        return rows

    @cached_property
    def derived(self) -> list[tuple[Row, Heading, Cell, str]]:
        """Each computed number once, in table order, with the row it is first shown in, its column and what it names.

        A number the CSV repeats in several rows (a year's total beside each of its lines) is named by its row keys
        ("year 2014"), not the first row's label; every cell showing it links here (:meth:`derivation_anchor`).
        """
        found = []
        for row in self.rows:
            for heading, cell in zip(self.headings, row.cells, strict=True):
                shown_in = self._shown_in.get((id(cell.derivation), cell.column))
                if shown_in and shown_in[0] is row:
                    keys = [f"{k.replace('_', ' ')} {v}" for k, v in cell.derivation["row"].items() if k != "panel"]
                    found.append((row, heading, cell, ", ".join(keys) if len(shown_in) > 1 else row.label))
        return found

    def derivation_anchor(self, row: Row, cell: Cell) -> str:
        """The id of the line below the table that works out ``cell``'s number (shown first in that line's row)."""
        return f"{self._shown_in[(id(cell.derivation), cell.column)][0].anchor}-{cell.column}"


def is_id_column(name: str) -> bool:
    """Whether a CSV column holds ids of the curated data (``source_id`` names a source, linked to the register)."""
    return name != "source_id" and bool(_ID_COLUMN.match(name))


def _row_ids(name: str, csv_path: Path, line: int, row: dict, columns: list[str], provenance: Provenance,
             problems: list[str]) -> list[str]:
    """The ids of the data one row names, each once, in its order; one not in the data is added to ``problems``."""
    ids = []
    for column in columns:
        if not is_id_column(column):
            continue
        for token in filter(None, row[column].split(";")):  # "a;b": the ids a cell names
            if token in provenance:
                ids.append(token)
            elif provenance.looks_like_an_id(token):
                problems.append(f"{name}: {config.display(csv_path)}, line {line}, column {column}: id "
                                f"'{token}' is not in the data")
    return list(dict.fromkeys(ids))


def _display(chart: dictionary.Chart, column: str, row: dict) -> str | None:
    """The value of ``column`` in ``row`` as shown: with its upper end, for the lower end of an interval."""
    declared = chart.columns.get(column)
    if declared is None:
        return None
    if declared.upper:
        upper = chart.columns.get(declared.upper)
        high = upper.shown(row[declared.upper]) if upper else row[declared.upper]
        return dictionary.interval(declared.shown(row[column]), high)
    return declared.shown(row[column])


def _both_ends(description: str) -> str:
    """The description of an interval's lower end, said of the whole interval (both ends shown as one value).

    "The lower end of the ratio's 95% interval." is "The ratio's 95% interval."
    """
    whole = _LOWER_END.sub("", description).replace(" (lower end)", "")
    return whole[:1].upper() + whole[1:]


def _layout(chart: dictionary.Chart, present: list[str], members: list[dict]) -> list[Heading]:
    """The columns a panel shows, in order: the dictionary's first ones, then the rest in the CSV's order.

    Ids, the upper ends of intervals (shown with their lower end) and the panel are left out, and a column whose every
    value is shown as an earlier column's is shown once (its heading said in the description of the one kept).
    """
    uppers = {c.upper for c in chart.columns.values() if c.upper}
    shown = [c for c in present if c != "panel" and not is_id_column(c) and c not in uppers
             and getattr(chart.columns.get(c), "kind", "") not in dictionary.HIDDEN_KINDS]
    ordered = [c for c in chart.first if c in shown] + [c for c in shown if c not in chart.first]
    headings: list[Heading] = []
    seen: dict[tuple, int] = {}
    for column in ordered:
        declared = chart.columns.get(column)
        values = tuple(_display(chart, column, row) or row[column] for row in members)
        text = declared.heading if declared else column.replace("_", " ")
        if values in seen:
            kept = headings[seen[values]]
            also = f"{kept.description} The same in every row: {text}.".strip()
            headings[seen[values]] = Heading([*kept.names, column], kept.text, also, kept.numeric, kept.long,
                                             kept.unit)
            continue
        seen[values] = len(headings)
        numeric = declared is not None and declared.kind in dictionary.NUMBERS
        long = not numeric and max(map(len, values), default=0) > LONG
        names = [column, declared.upper] if declared is not None and declared.upper else [column]
        description = (_both_ends(declared.description) if len(names) == 2 else declared.description) if declared \
            else ""
        headings.append(Heading(names, text, description, numeric, long, declared.unit if declared else ""))
    return headings


def _cells(row: dict, index: int, headings: list[Heading], href: str, chart: dictionary.Chart,
           provenance: Provenance, derived: dict) -> list[Cell]:
    """One row's cells: a source's id links to the register; the key and each number to the row's cards (``href``)."""
    cells = []
    for position, heading in enumerate(headings):
        column = heading.names[0]
        value, display = row[column], _display(chart, column, row)
        derivation = derived.get((index, column))
        if column == "source_id" and value in provenance.sources:
            cells.append(Cell(value, f"sources.html#source-{value}", display, column=column))
        elif position == 0 or (heading.numeric if column in chart.columns else _NUMBER.search(value)):
            cells.append(Cell(value, href, display, derivation, column))
        else:
            cells.append(Cell(value, "", display, derivation, column))
    return cells


def read_tables(name: str, csv_path: Path, provenance: Provenance, problems: list[str],
                facts: dict | None = None) -> list[Table]:
    """The tables of ``name``'s chart; an id not in the data is added to ``problems``, naming its row and column.

    ``facts`` are the chart's JSON, whose ``derivations`` say how each computed cell was computed.
    """
    rows = read_csv(csv_path)
    header = list(rows[0]) if rows else []
    chart = dictionary.chart(name, header, ((facts or {}).get("parameters") or {}).get("confidence"))
    derived = derived_cells(facts or {}, rows, provenance)
    panels: dict[str, list[tuple[int, int, dict]]] = {}
    for index, row in enumerate(rows):
        panels.setdefault(row.get("panel", ""), []).append((index, index + 2, row))  # its line, after the header
    tables = []
    for panel, members in panels.items():
        present = [c for c in header if c != "panel" and any(r[c] for _, _, r in members)]
        headings = _layout(chart, present, [row for _, _, row in members])
        prefix = f"{panel or 'table'}".replace("_", "-")
        shown = []
        for number, (index, line, row) in enumerate(members, start=1):
            ids = _row_ids(name, csv_path, line, row, present, provenance, problems)
            anchor = f"{prefix}-row-{number}"
            cells = _cells(row, index, headings, f"#{anchor}" if ids else "", chart, provenance, derived)
            described = [f"{h.text} {c.shown}" for h, c in zip(headings, cells, strict=True) if c.text][:2]
            shown.append(Row(anchor, ", ".join(described), cells, [provenance.card(i) for i in ids]))
        tables.append(Table(panel, present, shown, headings))
    return tables


def other_figures(figure_ids: list[str], tables: list[Table]) -> list[str]:
    """The ids a chart names that no row of its tables holds, in the chart's order."""
    in_rows = {card.id for table in tables for row in table.rows for card in row.cards}
    return [i for i in dict.fromkeys(figure_ids) if i not in in_rows]
