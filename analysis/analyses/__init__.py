"""The analyses layer: one module per notebook, each with one ``analyse(**parameters)`` returning a :class:`Result`.

Builds on :mod:`analysis.data` only. ``ANALYSES`` maps each notebook's name to
its function; :func:`parameter_problems` is what the runner asks before it
starts a kernel.
"""

from ..data import Dataset
from . import (
    conviction_gap,
    funding_per_victim,
    labor_share_series,
    labor_vs_sex_attention,
    nordic_comparison,
    series_attention,
    series_conviction_gap,
    series_funding,
    tiers_and_drift,
    tip_vs_kom,
    victim_protection,
    what_the_sources_name,
)
from .result import ANALYSES, ParameterError, Prose, Result, topic


def parameter_problems(notebook: str, values: dict, data: Dataset) -> list[str]:
    """What is wrong with ``values`` for ``notebook`` given the data.

    Empty when they are fine (or it has no analysis).
    """
    analyse = ANALYSES.get(notebook)
    return analyse.problems(data, values) if analyse else []


__all__ = [
    "ANALYSES", "ParameterError", "Prose", "Result", "labor_vs_sex_attention", "conviction_gap", "labor_share_series",
    "funding_per_victim", "nordic_comparison",
    "parameter_problems", "victim_protection",
    "series_attention", "series_funding", "series_conviction_gap", "what_the_sources_name", "tip_vs_kom",
    "tiers_and_drift", "topic",
]
