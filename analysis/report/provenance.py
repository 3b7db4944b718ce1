"""Where each number comes from: every id a chart names, looked up in the curated data as written.

An id is a row of one of four tables: a figure transcribed from a report
(``figures.csv``: its passage, quoted verbatim, and where it stands), a
statement (``statements.csv``, the same), a row of UNODC's GLOTIP workbook
(``glotip.csv``: the file, sheet and row it was read from, and its cells under
the workbook's column names) or a line of a World Bank file (``world_bank.csv``). Every id
begins with the id of its source, which is how an id that is not in the data
is told from a word such as ``total`` in an id column.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..data import glotip
from .inputs import read_csv

#: The cells of a GLOTIP row a reader reads, under the workbook's column names, in the workbook's order.
_GLOTIP_NAMED = [(name, name.lower()) for name in glotip.COLUMNS if name.lower() in glotip.CELLS] + [
    ("txtVALUE", "value_as_written")]
#: The tables ids can name, with the file they are in, by kind.
TABLES = {"figure": "processed/figures.csv", "statement": "processed/statements.csv",
          "glotip": "processed/glotip.csv", "world_bank": "processed/world_bank.csv"}


@dataclass(frozen=True)
class Card:
    """One id's provenance, as the site shows it."""

    id: str
    kind: str
    what: str
    value: str
    source_id: str
    source: dict
    locator: str
    passage: str
    address: str


def _period(row: dict) -> str:
    start, end = row.get("period_start", ""), row.get("period_end", "")
    return start if start == end else f"{start}-{end}"


def glotip_cells(row: dict) -> list[tuple[str, str]]:
    """A GLOTIP row's cells as the workbook has them, each under its column name ("Dimension", "txtVALUE").

    Its passage: "Norway; ...; Total; Total; Total; Total; 2010; 127" would not say which "Total" is which dimension.
    """
    return [(name, row[cell]) for name, cell in _GLOTIP_NAMED]


def _card(kind: str, row: dict, source: dict) -> Card:
    """The card of one row of ``kind``."""
    if kind == "figure":
        what = ", ".join(p for p in (row["metric"].replace("_", " "), row["definition"], _period(row)) if p)
        value = (f"{row['value_as_written']} (unit: {row['unit']})" if row["value_as_written"]
                 else f"not reported ({row['missing_reason']})")
        return Card(row["id"], kind, what, value, row["source_id"], source, row["locator"], row["quote"],
                    source["url"])
    if kind == "statement":
        what = ", ".join(p for p in (row["topic"].replace("_", " "), row["subject"].replace("_", " ")) if p)
        return Card(row["id"], kind, what, "", row["source_id"], source, row["locator"], row["quote"], source["url"])
    if kind == "glotip":
        what = (f"{row['country']}, {row['year']}: {row['indicator']}, {row['dimension']}, {row['category']}, "
                f"sex {row['sex']}, age {row['age']}")
        locator = f"file {row['file']}, sheet {row['sheet']}, row {row['row']}"
        return Card(row["id"], kind, what, row["value_as_written"], row["source_id"], source, locator,
                    "; ".join(f"{name}: {cell}" for name, cell in glotip_cells(row)), source["url"])
    what = f"{row['iso3']}, {row['year']}: {row['indicator'].replace('_', ' ')} ({row['unit']})"
    return Card(row["id"], kind, what, row["value_as_written"], row["source_id"], source,
                f"file {source['file']}, line {row['line']}", row["value_as_written"], source["url"])


class Provenance:
    """Every id of the curated data, with its source, for looking up the ids a chart names."""

    def __init__(self, data_dir: Path) -> None:
        self.sources = {row["source_id"]: row for row in read_csv(Path(data_dir) / "raw" / "sources.csv")}
        self._rows: dict[str, tuple[str, dict]] = {}
        self._cards: dict[str, Card] = {}  # each made once: a page shows an id in several places
        for kind, file in TABLES.items():
            path = Path(data_dir) / file
            if path.is_file():  # GLOTIP and the World Bank are optional inputs of the data package
                self._rows.update((row["id"], (kind, row)) for row in read_csv(path))

    def __contains__(self, id_: str) -> bool:
        return id_ in self._rows

    def card(self, id_: str) -> Card:
        """The provenance of ``id_``.

        Raises:
            KeyError: When ``id_`` is not in the data.
        """
        card = self._cards.get(id_)
        if card is None:
            kind, row = self._rows[id_]
            card = self._cards[id_] = _card(kind, row, self.sources[row["source_id"]])
        return card

    def per_source(self, kind: str) -> dict[str, int]:
        """How many rows of ``kind`` (``"figure"``...) each source of the register has."""
        counted = Counter(row["source_id"] for k, row in self._rows.values() if k == kind)
        return {source: counted[source] for source in self.sources}

    def looks_like_an_id(self, text: str) -> bool:
        """Whether ``text`` begins with a source's id, as every id does (``tip2015-...``)."""
        return any(text.startswith(f"{source}-") for source in self.sources)
