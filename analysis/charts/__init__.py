"""The charts layer: the theme, one drawing per notebook, and the one step that finishes and saves a chart.

Each drawing is a module named after its topic.

Builds on :mod:`analysis.data` and :mod:`analysis.analyses`. A notebook calls
``charts.show(result)``: the drawing of its analysis, finished with the title,
the source line, the attribution and (for a run with other than the published
defaults) the parameters, saved as PNG, SVG and CSV with a second drawing laid
out for narrow screens (``NAME.narrow.png``), and shown.
"""

import importlib
from collections.abc import Callable

import matplotlib.pyplot as plt

from ..analyses import ANALYSES, Result, topic
from .finish import finish, parameter_note, source_line
from .save import EXPLORATORY, FIGURES_DIR_ENV, figures_dir, save
from .theme import apply_theme

#: The drawing of each notebook's chart, by notebook name: ``draw`` in the module named
#: after the notebook's topic (``01_conviction_gap`` is drawn by ``charts/conviction_gap.py``); ``draw(result,
#: narrow=True)`` lays the same chart out for a narrow screen.
DRAWINGS: dict[str, Callable[..., plt.Figure]] = {
    notebook: importlib.import_module(f"{__name__}.{topic(notebook)}").draw for notebook in sorted(ANALYSES)
}


def render(result: Result, narrow: bool = False) -> plt.Figure:
    """The finished chart of ``result``, not saved (for looking at, and for the tests).

    With ``narrow``, the chart as it is laid out for a narrow screen.
    """
    apply_theme()
    return finish(DRAWINGS[result.name](result, narrow=narrow), result, narrow=narrow)


def show(result: Result):
    """Draw, finish and save the chart of ``result``, wide and narrow; return the written PNG for the notebook."""
    from .finish import show as _show

    apply_theme()
    draw = DRAWINGS[result.name]
    return _show(result, draw(result), draw(result, narrow=True))


__all__ = ["DRAWINGS", "EXPLORATORY", "FIGURES_DIR_ENV", "apply_theme", "figures_dir", "finish", "parameter_note",
           "render", "save",
           "show", "source_line"]
