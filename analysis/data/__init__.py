"""The data layer: where files are, reading and validating the curated tables, and looking figures up.

Nothing here draws or runs notebooks; every other layer builds on this one.
"""

from .errors import DataError, Problem
from .loader import Dataset, load, load_figures, load_metrics, load_sources, load_statements
from .measures import VICTIM_MEASURES, VictimCount, VictimMeasure, victim_count
from .numbers import parse_number
from .query import Figure, compare_periods, from_source, get_figure, select, sources_of
from .vintages import choose_vintage, restatements, with_series

__all__ = [
    "VICTIM_MEASURES", "DataError", "Dataset", "Figure", "Problem", "VictimCount", "VictimMeasure", "choose_vintage",
    "compare_periods", "from_source", "get_figure", "load", "load_figures", "load_metrics", "load_sources",
    "load_statements", "parse_number", "restatements", "select", "sources_of", "victim_count", "with_series",
]
