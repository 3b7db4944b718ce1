"""The analyses layer: one module per notebook, each with one ``analyse(**parameters)`` returning a :class:`Result`.

Builds on :mod:`analysis.data` only. ``ANALYSES`` maps each notebook's name to
its function; :func:`parameter_problems` is what the runner asks before it
starts a kernel.
"""

from ..data import Dataset
from . import (
    attention,
    conviction_gap,
    forms_series,
    funding,
    nordic,
    protection,
    series_attention,
    series_funding,
    series_gap,
    sources_named,
    tiers,
    tip_vs_kom,
)
from .result import ANALYSES, ParameterError, Prose, Result


def parameter_problems(notebook: str, values: dict, data: Dataset) -> list[str]:
    """What is wrong with ``values`` for ``notebook`` given the data; empty when they are fine (or it has no analysis)."""
    analyse = ANALYSES.get(notebook)
    return analyse.problems(data, values) if analyse else []


__all__ = [
    "ANALYSES", "ParameterError", "Prose", "Result", "attention", "conviction_gap", "forms_series", "funding", "nordic",
    "parameter_problems", "protection",
    "series_attention", "series_funding", "series_gap", "sources_named", "tip_vs_kom", "tiers",
]
