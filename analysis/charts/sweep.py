"""The chart of a sweep: the headline fact of every run against the swept parameters.

The first swept parameter whose values are numbers is the x axis (the first
swept parameter when none is, its values as categories in the order given,
as points not joined by lines); each combination of the other swept
parameters is one line, or one set of points. A headline that is an interval (a ratio of
counts published as "<5") is drawn as a bar from its low to its high end.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from .save import write_figure
from .theme import NOTE_GREY, OKABE_ITO, THOUSANDS, apply_theme

FILE = "headline"
#: The Okabe-Ito colours without the yellow, which is hard to see as a thin line on white.
_COLOURS = [c for c in OKABE_ITO if c != "#F0E442"]


def _is_number(values: pd.Series) -> bool:
    return bool(values.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool)).all())


def sweep_chart(results: pd.DataFrame, swept: list[str], label: str, notebook: str) -> plt.Figure:
    """Draw ``results`` (one row per run, as :func:`analysis.regenerate.sweep.collect` makes it)."""
    apply_theme()
    ok = results[results.status == "ok"]
    numbers = [name for name in swept if _is_number(ok[name])]
    x_name = numbers[0] if numbers else swept[0]
    others = [name for name in swept if name != x_name]
    numeric = bool(numbers)
    order = list(dict.fromkeys(results[x_name]))
    position = (lambda v: v) if numeric else order.index
    fig, ax = plt.subplots(figsize=(8, 4.8))
    groups = ok.groupby(others, sort=False) if others else [((), ok)]
    interval = "headline_low" in ok.columns
    groups = list(groups)
    # ranges of several groups stand side by side rather than on top of each other
    steps = sorted({position(v) for v in order if v in set(ok[x_name])}) if numeric else list(range(len(order)))
    spacing = min((b - a for a, b in zip(steps, steps[1:], strict=False)), default=1)
    shift = (lambda i: (i - (len(groups) - 1) / 2) * spacing * 0.12) if interval else (lambda i: 0)
    for i, (key, rows) in enumerate(groups):
        key = key if isinstance(key, tuple) else (key,)
        name = "; ".join(f"{n.replace('_', ' ')} = {v}" for n, v in zip(others, key, strict=True)) or None
        colour = _COLOURS[i % len(_COLOURS)]
        xs = [position(v) + shift(i) for v in rows[x_name]]
        if interval:
            low, high = rows.headline_low.astype(float), rows.headline_high.astype(float)
            ax.vlines(xs, low, high, color=colour, linewidth=4, alpha=0.7, label=name)
            ax.plot(xs, (low + high) / 2, color=colour, linewidth=1, linestyle=":")
        else:
            ax.plot(xs, rows.headline.astype(float), color=colour, marker="o", label=name,
                    linestyle="-" if numeric else "none")
    if not numeric:
        ax.set_xticks(range(len(order)), [str(v) for v in order])
    ax.set_xlabel(x_name.replace("_", " "))
    ax.set_ylabel(textwrap.fill(label, 40))
    if ok.filter(like="headline").abs().max().max() >= 1000:
        ax.yaxis.set_major_formatter(THOUSANDS)
    if others:
        ax.legend(fontsize=7, frameon=False, loc="best")
    failed = int((results.status != "ok").sum())
    shown = ("each bar is one run's headline, the range its counts allow (a count "
             "published as '<5' is 1 to 4)") if interval \
        else "each point is one run's headline fact; lines that coincide are drawn over each other"
    note = f"Sweep of notebook {notebook}: {len(ok)} run(s)" + (f", {failed} failed and not shown" if failed
                                                                else "") + \
        f"; {shown}. Values from the facts each run wrote (results.csv)."
    fig.suptitle(textwrap.fill(f"{label[:1].upper()}{label[1:]}, by {x_name.replace('_', ' ')}", 70),
                 x=0.01, ha="left", fontsize=12, fontweight="bold")
    fig.text(0.01, 0.01, textwrap.fill(note, 120), fontsize=6.5, color=NOTE_GREY, ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.05, 1, 0.94))
    return fig


def save_sweep_chart(results: pd.DataFrame, swept: list[str], label: str, notebook: str, folder: Path) -> list[Path]:
    """Draw and write ``headline.png`` and ``headline.svg`` (byte-stable, as every chart) into ``folder``."""
    fig = sweep_chart(results, swept, label, notebook)
    written = write_figure(fig, Path(folder), FILE)
    plt.close(fig)
    return written
