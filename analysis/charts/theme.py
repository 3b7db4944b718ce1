"""One theme for every chart: seaborn's whitegrid, the Okabe-Ito palette, fonts that ship with matplotlib.

Fonts are DejaVu Sans, which ships with matplotlib, so a chart does not depend
on the fonts of the machine that drew it. Colours are the Okabe-Ito palette,
safe for the common forms of colour blindness.
"""

from __future__ import annotations

import seaborn as sns
from matplotlib.ticker import FuncFormatter

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]
FORM_COLOURS = {"sex": "#D55E00", "labor": "#0072B2", "unsplit": "#009E73"}
FONT = "DejaVu Sans"
#: Grey of the notes under a chart and of reference lines.
NOTE_GREY = "#444444"

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
