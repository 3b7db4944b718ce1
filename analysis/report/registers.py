"""The sources page and the quality page as a reader uses them.

The sources by producer and year, each linked to the figures read from it; the quality flags summed by check and
country, each GLOTIP row shown with its column names.

A figure is linked where the site shows it: the row of an analysis page whose provenance holds it, or the page's
list of the other figures it uses. The GLOTIP row is named with the workbook's own column names
(:data:`analysis.data.glotip.COLUMNS`), since a row such as "Norway; ...; Total; Total; Total; Total; 2010; 127"
does not say which "Total" is which dimension.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from ..data.quality import CHECKS
from .inputs import Analysis, read_csv
from .provenance import TABLES, Provenance, glotip_cells
from .tables import Table, other_figures

#: The curated tables whose rows a source's entry lists: the figures and statements transcribed from it.
LISTED = ("figures", "statements")

def shown_at(shown: list[tuple[Analysis, list[Table]]]) -> dict[str, list[str]]:
    """Each id an analysis page shows, with the links to where it is shown (``01_conviction_gap.html#per-year-row-3``).

    ``shown`` is each analysis with the tables its page shows (:func:`.pages.analysis_pages`), so the anchors are
    the page's.
    """
    places: dict[str, list[str]] = {}
    for analysis, tables in shown:
        for table in tables:
            for row in table.rows:
                for card in row.cards:
                    places.setdefault(card.id, []).append(f"{analysis.page}#{row.anchor}")
        for figure_id in other_figures(analysis.facts["figure_ids"], tables):
            places.setdefault(figure_id, []).append(f"{analysis.page}#other-figures")
    return {figure_id: list(dict.fromkeys(links)) for figure_id, links in places.items()}


def _key(source: dict) -> tuple:
    return (source["producer"].casefold(), int(source["edition"] or 0), source["source_id"])


def by_producer(data_dir: Path, provenance: Provenance, places: dict[str, list[str]]) -> list[dict]:
    """The register grouped by producer (alphabetically) and then year (the edition), each source with its figures.

    Each source carries ``figures``: the rows of figures.csv and statements.csv read from it, and the GLOTIP or World
    Bank rows of it an analysis shows, each as ``(id, links)``; and ``rows``, how many rows of the data it gave.
    """
    ids: dict[str, list[str]] = {}
    for table in LISTED:
        for row in read_csv(Path(data_dir) / "processed" / f"{table}.csv"):
            ids.setdefault(row["source_id"], []).append(row["id"])
    for figure_id in places:
        source = provenance.card(figure_id).source_id
        if figure_id not in ids.get(source, []):
            ids.setdefault(source, []).append(figure_id)
    counted = Counter()
    for kind in TABLES:  # figures, statements, GLOTIP rows, World Bank lines
        counted.update(provenance.per_source(kind))
    groups: list[dict] = []
    for source in sorted(provenance.sources.values(), key=_key):
        if not groups or groups[-1]["producer"] != source["producer"]:
            groups.append({"producer": source["producer"], "years": []})
        years = groups[-1]["years"]
        if not years or years[-1]["year"] != source["edition"]:
            years.append({"year": source["edition"], "sources": []})
        figures = [(i, places.get(i, [])) for i in ids.get(source["source_id"], [])]
        years[-1]["sources"].append({**source, "figures": figures, "rows": counted[source["source_id"]]})
    return groups


def _split(reason: str, preamble: str) -> str:
    return reason.removeprefix(f"{preamble}: ") if preamble else reason


def quality(data_dir: Path) -> dict:
    """The quality page's content: the count of flags by check and country, and each check's rows by country.

    The words most of a check's reasons open with (before their first ": ") are said once, above its rows, and
    left out of each row's reason.
    """
    flags_path = Path(data_dir) / "processed" / "glotip_flags.csv"
    flags = read_csv(flags_path) if flags_path.is_file() else []
    rows = {row["id"]: row for row in read_csv(Path(data_dir) / "processed" / "glotip.csv")} if flags else {}
    countries = sorted({rows[f["id"]]["country"] for f in flags})
    checks = []
    for check in [c for c in CHECKS if any(f["check"] == c for f in flags)]:
        mine = [f for f in flags if f["check"] == check]
        openings = Counter(f["reason"].split(": ", 1)[0] for f in mine if ": " in f["reason"])
        preamble = next((text for text, count in openings.most_common(1) if count > 1), "")
        by_country = {country: [{**flag, "row": rows[flag["id"]], "named": glotip_cells(rows[flag["id"]]),
                                 "shown_reason": _split(flag["reason"], preamble)}
                                for flag in mine if rows[flag["id"]]["country"] == country] for country in countries}
        checks.append({"check": check, "label": CHECKS[check], "preamble": preamble,
                       "by_country": {c: r for c, r in by_country.items() if r}, "count": len(mine)})
    return {"countries": countries, "checks": checks, "total": len(flags)}

