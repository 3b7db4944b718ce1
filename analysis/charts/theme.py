"""One theme for every chart: seaborn's whitegrid, the Okabe-Ito palette, fonts that ship with matplotlib.

Fonts are DejaVu Sans, which ships with matplotlib, so a chart does not depend
on the fonts of the machine that drew it. Colours are the Okabe-Ito palette,
safe for the common forms of colour blindness.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import offset_copy

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]
FORM_COLOURS = {"sex": "#D55E00", "labor": "#0072B2", "unsplit": "#009E73"}
FONT = "DejaVu Sans"
#: Grey of the notes under a chart and of reference lines.
NOTE_GREY = "#444444"
#: The smallest text on any chart, in points. A wide chart is shown at most 1,040 CSS pixels wide, so the widest (12
#: inches, 1,800 pixels at 150 dpi) shows it at 9.6 pixels; the narrow drawing shows it at 9 pixels or more.
SMALLEST = 8
#: The width of the drawing for narrow screens, in inches: a phone shows it 342 CSS pixels wide or more, where
#: :data:`SMALLEST` text stands at least 9 pixels high (8 pt x 342 px / 4.2 in / 72 pt an inch = 9.05).
NARROW_WIDTH = 4.2

_RC = {
    "font.family": FONT,
    "svg.hashsalt": "tip-norway",
    "svg.fonttype": "path",
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "figure.figsize": (8, 4.8),
    "axes.titlesize": 10,
    "axes.titleweight": "normal",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
}

#: Tick labels with thousands separators: 5,000 and 25,000, never 5000.
THOUSANDS = FuncFormatter(lambda value, _: f"{value:,.0f}")


def apply_theme() -> None:
    """Set the project's seaborn theme, palette and fonts for every later chart."""
    sns.set_theme(context="notebook", style="whitegrid", palette=OKABE_ITO, font=FONT, font_scale=0.85, rc=_RC)


def size(narrow: bool, wide: tuple[float, float], height: float) -> tuple[float, float]:
    """A chart's size in inches: ``wide`` for a wide screen, or :data:`NARROW_WIDTH` by ``height`` for a narrow one."""
    return (NARROW_WIDTH, height) if narrow else wide


def panels(count: int, narrow: bool, wide: tuple[float, float], height: float, ratios: list[float] | None = None):
    """A figure of ``count`` panels side by side, or, for a narrow screen, one under another; and its axes in order.

    ``ratios`` are the panels' widths side by side, their heights one under another.
    """
    rows, columns = (count, 1) if narrow else (1, count)
    grid = {"height_ratios" if narrow else "width_ratios": ratios} if ratios else None
    fig, axes = plt.subplots(rows, columns, figsize=size(narrow, wide, height), gridspec_kw=grid)
    return fig, list(axes)


def fit(text: str, narrow: bool, chars: int) -> str:
    """``text`` in lines of at most ``chars`` characters for a narrow screen; as it is for a wide one."""
    return textwrap.fill(text, chars, break_on_hyphens=False) if narrow else text


def under(ax, points: float = 22) -> dict:
    """Where a key goes under an axes' tick labels: its upper left corner ``points`` below the axes' lower left one."""
    return {"loc": "upper left", "bbox_to_anchor": (0, 0),
            "bbox_transform": offset_copy(ax.transAxes, fig=ax.figure, y=-points, units="points")}
