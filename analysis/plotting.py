"""One theme for every chart, and byte-stable saving of a figure with the table it plots.

Fonts are DejaVu Sans, which ships with matplotlib, so a chart does not depend
on the fonts of the machine that drew it. Colours are the Okabe-Ito palette,
safe for the common forms of colour blindness. PNG and SVG are written without
dates or software versions and with a fixed SVG hash salt, so two runs on one
machine give identical bytes.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from . import paths

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]
FORM_COLOURS = {"sex": "#D55E00", "labor": "#0072B2", "unsplit": "#009E73"}
FONT = "DejaVu Sans"

_RC = {
    "font.family": FONT,
    "svg.hashsalt": "tip-norway",
    "svg.fonttype": "path",
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "figure.figsize": (8, 4.8),
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def apply_theme() -> None:
    """Set the project's seaborn theme, palette and fonts for every later chart."""
    sns.set_theme(context="notebook", style="whitegrid", palette=OKABE_ITO, font=FONT, font_scale=0.85, rc=_RC)


def title(fig: plt.Figure, text: str, width: int = 75) -> None:
    """The chart's finding, as a bold title aligned with the left edge of the figure."""
    fig.suptitle("\n".join(textwrap.wrap(text, width)), x=0.01, y=0.98, ha="left", va="top",
                 fontsize=12, fontweight="bold")


def source_line(sources: pd.DataFrame, source_ids: list[str], width: int = 150) -> str:
    """The source note under a chart, built from the register (never typed).

    One or two sources are cited in full (producer, title, date, address); more
    are summarised by producer, edition and id, whose addresses stand in
    data/raw/sources.csv, so the note stays a few lines long.
    """
    register = sources.set_index("source_id").loc[list(dict.fromkeys(source_ids))]
    parts = []
    for producer, group in register.groupby("producer", sort=False):
        if len(register) <= 2:
            row = group.iloc[0]
            parts.append(f"{producer}, {row.title} ({row.date_published}), {row.url}")
        else:
            editions = ", ".join(str(e) for e in sorted(group.edition.unique()))
            noun = "document" if len(group) == 1 else "documents"
            parts.append(f"{producer}: {len(group)} {noun}, edition{'s' if len(group) > 1 else ''} {editions} ({', '.join(group.index)})")
    text = "Source: " + "; ".join(parts) + ". Addresses in data/raw/sources.csv; curated in tip-norway, data/processed/."
    return "\n".join(textwrap.wrap(text, width))


def add_source(fig: plt.Figure, sources: pd.DataFrame, source_ids: list[str]) -> None:
    """Put the source line at the bottom left of the figure, leaving room for it."""
    text = source_line(sources, source_ids)
    lines = text.count("\n") + 1
    fig.text(0.01, 0.01, text, ha="left", va="bottom", fontsize=6.5, color="#444444")
    fig.subplots_adjust(bottom=0.1 + 0.025 * lines)


#: Environment variable that redirects charts away from ``figures/`` (the runner's staging folder, the tests' temporary folder).
FIGURES_DIR_ENV = "TIP_NORWAY_FIGURES_DIR"


def figures_dir(value: str | Path = "") -> Path:
    """The folder charts are written to: ``value``, else $TIP_NORWAY_FIGURES_DIR, else the project's ``figures/``.

    The runner sets the environment variable for the kernels it starts, so that
    a run writes to a staging folder and ``figures/`` changes only when every
    notebook has succeeded; a researcher running a notebook by hand writes to
    ``figures/`` directly.
    """
    if value:
        return Path(value)
    return Path(os.environ.get(FIGURES_DIR_ENV) or paths.FIGURES)


def save(fig: plt.Figure, name: str, table: pd.DataFrame, folder: str | Path = "") -> list[Path]:
    """Write ``name``.png, .svg and .csv (exactly what is plotted) to ``folder``.

    Returns:
        The three paths written.
    """
    out = figures_dir(str(folder))
    out.mkdir(parents=True, exist_ok=True)
    png, svg, csv = (out / f"{name}.{ext}" for ext in ("png", "svg", "csv"))
    fig.savefig(png, metadata={"Software": None})
    fig.savefig(svg, metadata={"Date": None, "Creator": None})
    table.to_csv(csv, index=False, lineterminator="\n", float_format="%.6g")
    return [png, svg, csv]


def publish(fig: plt.Figure, name: str, table: pd.DataFrame, folder: str | Path = ""):
    """Save the chart with its table, close it, and return the written PNG for display.

    Showing the PNG already written (rather than letting the notebook backend
    draw the figure a second time) keeps the notebook fast and shows exactly the
    file a reader will find in ``figures/``.
    """
    from IPython.display import Image

    written = save(fig, name, table, folder)
    plt.close(fig)
    print("wrote", ", ".join(p.name for p in written))
    return Image(filename=str(written[0]), width=800)
