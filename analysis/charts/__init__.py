"""The charts layer: the theme, one drawing per notebook, and the one step that finishes and saves a chart.

Each drawing is a module named after its topic.

Builds on :mod:`analysis.data` and :mod:`analysis.analyses`. A notebook calls
``charts.show(result)``: the drawing of its analysis, finished with the title,
the source line and (for a run with other than the published defaults) the
parameters, saved as PNG, SVG and CSV, and shown.
"""

import importlib
from collections.abc import Callable

import matplotlib.pyplot as plt

from ..analyses import ANALYSES, Result, topic
from .finish import finish, parameter_note, source_line
from .save import EXPLORATORY, FIGURES_DIR_ENV, figures_dir, save
from .theme import apply_theme

#: The drawing of each notebook's chart, by notebook name: ``draw`` in the module named
#: after the notebook's topic (``01_conviction_gap`` is drawn by ``charts/conviction_gap.py``).
DRAWINGS: dict[str, Callable[[Result], plt.Figure]] = {
    notebook: importlib.import_module(f"{__name__}.{topic(notebook)}").draw for notebook in sorted(ANALYSES)
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


__all__ = ["DRAWINGS", "EXPLORATORY", "FIGURES_DIR_ENV", "apply_theme", "figures_dir", "finish", "parameter_note",
           "render", "save",
           "show", "source_line"]
