"""How every chart draws a chance interval, a censoring range and an unreliable value.

All charts draw them alike, so that a reader learns them once.

- A **chance interval** is a thin error bar with caps (gid ``chance-interval``);
  its legend entry names the level ("95% CI, chance").
- A **censoring range** (a count written "<5", 1 to 4) is a thick translucent
  bar without caps (gid ``censoring-range``); its legend entry says "'<5'".
- A value built on **fewer than 20 events** has an open marker; a filled one
  rests on 20 or more. The legend says which is which.

The gids let the chart test find each kind and check its legend.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from ..analyses.uncertainty import RELIABLE_EVENTS, ci_label

CHANCE, CENSORING = "chance-interval", "censoring-range"


def _finite(values, cap: float) -> np.ndarray:
    """Infinite upper ends drawn to ``cap`` (the axis edge), so an open-ended interval still shows."""
    return np.array([cap if math.isinf(v) else v for v in values], dtype=float)


def chance_bars(ax: Axes, x, value, low, high, colour: str, horizontal: bool = False, cap: float | None = None) -> None:
    """Thin error bars from ``low`` to ``high`` around ``value`` (missing ones skipped)."""
    x, value, low, high = (np.asarray(v, dtype=float) for v in (x, value, low, high))
    keep = ~(np.isnan(low) | np.isnan(high) | np.isnan(value))
    if not keep.any():
        return
    x, value, low, high = x[keep], value[keep], low[keep], high[keep]
    if cap is None:
        cap = float(np.nanmax(high[np.isfinite(high)])) if np.isfinite(high).any() else float(np.nanmax(value)) * 2
    high = _finite(high, cap)
    errors = np.vstack([np.clip(value - low, 0, None), np.clip(high - value, 0, None)])
    kwargs = {"fmt": "none", "ecolor": colour, "elinewidth": 1.2, "capsize": 3, "zorder": 2}
    bars = ax.errorbar(value, x, xerr=errors, **kwargs) if horizontal else ax.errorbar(x, value, yerr=errors, **kwargs)
    for part in (*bars.lines[1], *bars.lines[2]):
        part.set_gid(CHANCE)


def censoring_bars(ax: Axes, x, low, high, colour: str, horizontal: bool = False, width: float = 6) -> None:
    """Thick translucent bars over the range a censored value may take."""
    x, low, high = (np.asarray(v, dtype=float) for v in (x, low, high))
    keep = ~(np.isnan(low) | np.isnan(high)) & (low < high)
    if not keep.any():
        return
    draw = ax.hlines if horizontal else ax.vlines
    draw(x[keep], low[keep], high[keep], color=colour, linewidth=width, alpha=0.45, zorder=1).set_gid(CENSORING)


def points(ax: Axes, x, value, unreliable, colour: str, marker: str = "o", size: float = 40, horizontal: bool = False,
           label: str | None = None) -> None:
    """Markers, open where the value rests on fewer than 20 events."""
    x, value = np.asarray(x, dtype=float), np.asarray(value, dtype=float)
    shaky = np.asarray(unreliable, dtype=bool)
    xy = (value, x) if horizontal else (x, value)
    if (~shaky).any():
        ax.scatter(xy[0][~shaky], xy[1][~shaky], color=colour, marker=marker, s=size, zorder=3, label=label)
    if shaky.any():
        ax.scatter(xy[0][shaky], xy[1][shaky], facecolor="white", edgecolor=colour, linewidth=1.5, marker=marker,
                   s=size, zorder=3,
                   label=None if (~shaky).any() else label)


#: How the key names the open and filled markers of a share, judged by NCHS's rule for proportions
#: (:mod:`analysis.analyses.reliability`), not by a count of events.
SHARE_RULE = ("open: unreliable (NCHS proportions rule)", "filled: reliable")


def key_entries(confidence: float, censoring: bool, unreliable: bool,
                reliable: bool = True, shares: bool = False, censored_low: int = 1) -> list[tuple[Line2D, str]]:
    """Legend handles for the marks: the chance interval, the censoring range and the open marker, as each is used.

    With ``shares``, the open and filled markers are named by the rule for shares (:data:`SHARE_RULE`);
    ``censored_low`` is the smallest value a "<5" is taken to have.
    """
    grey = "#555555"
    entries = [(Line2D([], [], color=grey, marker="_", markersize=8, linewidth=1.2),
                f"{ci_label(confidence)} (chance)")]
    if censoring:
        entries.append((Line2D([], [], color=grey, linewidth=6, alpha=0.45),
                        f"range of a '<5' count ({censored_low} to 4)"))
    if unreliable:
        entries.append((Line2D([], [], color=grey, marker="o", markerfacecolor="white", linestyle="none"),
                        SHARE_RULE[0] if shares else f"open: fewer than {RELIABLE_EVENTS} events (unreliable)"))
    if unreliable and reliable:
        entries.append((Line2D([], [], color=grey, marker="o", linestyle="none"),
                        SHARE_RULE[1] if shares else f"filled: {RELIABLE_EVENTS} events or more"))
    return entries


def add_key(ax: Axes, entries: list[tuple[Line2D, str]], **kwargs) -> None:
    """A legend of its own for the marks, kept beside any legend the axes already have."""
    existing = ax.get_legend()
    legend = ax.legend([h for h, _ in entries], [t for _, t in entries], frameon=False, fontsize=8, **kwargs)
    if existing is not None:
        ax.add_artist(existing)
    legend.set_gid("marks-key")


def key_above(ax: Axes, entries: list[tuple[Line2D, str]]) -> None:
    """One key above the plot, for a narrow screen: the entries the axes labelled first, then ``entries``."""
    handles, labels = ax.get_legend_handles_labels()
    add_key(ax, [*zip(handles, labels, strict=True), *entries], loc="lower left", bbox_to_anchor=(0, 1))
