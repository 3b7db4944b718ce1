"""What each published notebook reads and imports, written out by hand from the package's source.

The tests of a notebook's inputs (test_step_inputs.py, test_incremental.py, test_inputs_opened.py) compare what the
code under test finds with these facts, read from ``analysis/data/loader.py`` and ``analysis/analyses/`` by hand, not
taken from that code.
"""

from __future__ import annotations

from analysis import config

NOTEBOOKS = sorted(p.stem for p in config.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
#: Each notebook's topic: ``01_conviction_gap`` -> ``conviction_gap``.
TOPICS = {name: name.split("_", 1)[1] for name in NOTEBOOKS}

#: The tables every load reads (analysis/data/loader.py, read by hand), and those of each optional part.
CORE_TABLES = {"sources", "metrics", "forms", "populations", "figures", "statements"}
PART_TABLES = {"glotip": {"glotip", "glotip_flags", "series_breaks"}, "world_bank": {"world_bank"}}
#: The optional parts each notebook's analysis uses, as read in analysis/analyses/<topic>.py by hand (``data.glotip``,
#: ``data.world_bank`` in it and the analyses it imports).
PARTS = {"03_funding_per_victim": {"glotip"}, "06_series_conviction_gap": {"glotip"},
         "08_series_funding": {"glotip", "world_bank"}, "10_tip_vs_kom": {"glotip"},
         "11_labor_share_series": {"glotip"}, "12_nordic_comparison": {"glotip", "world_bank"}}
#: The tables each notebook's load reads: the core, and the tables of its parts.
READ = {name: CORE_TABLES | set().union(*(PART_TABLES[p] for p in PARTS.get(name, ()))) for name in NOTEBOOKS}
#: Analyses that import the module of the victim counts several notebooks share (``grep "from .victim_counts"
#: analysis/analyses``).
IMPORTS_VICTIM_COUNTS = {"03_funding_per_victim", "06_series_conviction_gap", "08_series_funding"}


def readers(table: str) -> set[str]:
    """The notebooks whose load reads ``table``."""
    return {name for name, tables in READ.items() if table in tables}
