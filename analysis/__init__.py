"""Curated figures on trafficking in persons in Norway, and the analyses built on them.

Typical use in a notebook::

    import analysis
    data = analysis.load()
    fig = analysis.get_figure(data.figures, "convictions", form="sex", period=2014)
    fig.value, fig.citation
"""

from .data import Dataset, load, load_figures, load_metrics, load_sources, load_statements
from .errors import DataError, Problem
from .numbers import parse_number
from .query import Figure, compare_periods, from_source, get_figure, select

__all__ = [
    "DataError", "Dataset", "Figure", "Problem", "compare_periods", "from_source", "get_figure", "load",
    "load_figures", "load_metrics", "load_sources", "load_statements", "parse_number", "select",
]
__version__ = "0.1.0"
