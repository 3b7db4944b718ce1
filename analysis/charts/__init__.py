"""The charts layer: the theme, one drawing per notebook, and the one step that finishes and saves a chart.

Builds on :mod:`analysis.data` and :mod:`analysis.analyses`. A notebook calls
``charts.show(result)``: the drawing of its analysis, finished with the title,
the source line and (for a run with other than the published defaults) the
parameters, saved as PNG, SVG and CSV, and shown.
"""

from collections.abc import Callable

import matplotlib.pyplot as plt

from ..analyses import Result
from . import series, single_edition
from .finish import finish, parameter_note, source_line
from .save import EXPLORATORY, FIGURES_DIR_ENV, figures_dir, save
from .theme import apply_theme

#: The drawing of each notebook's chart, by notebook name.
DRAWINGS: dict[str, Callable[[Result], plt.Figure]] = {
    "01_conviction_gap": single_edition.conviction_gap,
    "02_labor_vs_sex_attention": single_edition.labor_vs_sex,
    "03_funding_per_victim": single_edition.funding_per_victim,
    "04_victim_protection": single_edition.victim_protection,
    "05_what_the_sources_name": single_edition.policy_timeline,
    "06_series_conviction_gap": series.conviction_gap_series,
    "07_series_attention": series.attention_series,
    "08_series_funding": series.funding_series,
    "09_tiers_and_drift": series.tiers_and_drift,
    "10_tip_vs_kom": series.tip_vs_kom,
    "11_labor_share_series": series.labor_share_series,
    "12_nordic_comparison": series.nordic_comparison,
}


def render(result: Result) -> plt.Figure:
    """The finished chart of ``result``, not saved (for looking at, and for the tests)."""
    apply_theme()
    return finish(DRAWINGS[result.name](result), result)


def show(result: Result):
    """Draw, finish and save the chart of ``result``; return the written PNG for the notebook to display."""
    from .finish import show as _show

    apply_theme()
    return _show(result, DRAWINGS[result.name](result))


__all__ = ["DRAWINGS", "EXPLORATORY", "FIGURES_DIR_ENV", "apply_theme", "figures_dir", "finish", "parameter_note", "render", "save",
           "show", "source_line"]
