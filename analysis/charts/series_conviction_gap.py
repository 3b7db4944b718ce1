"""The chart of the notebook named *_series_conviction_gap: drawn from its :class:`~analysis.analyses.Result`.

The title, source line and layout are added by :func:`~analysis.charts.finish.finish`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.transforms import offset_copy

from ..analyses import Result
from . import marks
from .theme import OKABE_ITO, SMALLEST, THOUSANDS, fit, size

#: The colours of the three sources: UNODC's counts, the TIP's, KOM's.
UNODC, TIP, KOM = OKABE_ITO[4], OKABE_ITO[5], OKABE_ITO[2]
#: Where a panel's key stands on a narrow screen: above the panel, one entry a line.
ABOVE = {"loc": "lower left", "bbox_to_anchor": (0, 1), "ncols": 1}


def draw(result: Result, narrow: bool = False) -> plt.Figure:
    """The figure of this notebook's result, laid out for a narrow screen when ``narrow``.

    :func:`~analysis.charts.finish.finish` adds title, source and layout.
    """
    table = result.table
    years = list(table.year)
    fig, (top, middle, bottom) = plt.subplots(3, 1, figsize=size(narrow, (10, 9), 16), sharex=True,
                                              gridspec_kw={"height_ratios": [1.3, 1, 1]})
    _ratios(top, result, narrow)
    _victims(middle, table, narrow)
    _convicted(bottom, table, result.parameters["censored_low"])
    _flags(middle, bottom, table)
    _convicted_over_years(bottom, result, narrow)
    _not_reported(middle, bottom, table)
    bottom.set_xticks(years, [str(y) for y in years], rotation=90 if narrow else 45)
    bottom.set_xlim(years[0] - 0.6, years[-1] + 0.6)
    return fig


def _ratios(top: plt.Axes, result: Result, narrow: bool) -> None:
    """The top panel: victims per person convicted each year, UNODC's with its ranges and intervals, the TIP's."""
    table = result.table
    unodc, tip = UNODC, TIP
    confidence = result.parameters["confidence"]
    point = table[table.glotip_ratio_low == table.glotip_ratio_high]
    span = table[table.glotip_ratio_low < table.glotip_ratio_high]
    have_tip = table.dropna(subset=["tip_victims_per_conviction"])
    high = max(table.glotip_ratio_ci_high.replace(float("inf"), float("nan")).max(),
               have_tip.tip_ratio_ci_high.max() if len(have_tip) else 0)
    # a ratio over a count that may be 0 (a '<5' taken as 0 to 4) has no upper end: its range runs off the top, arrowed
    ceiling = high * 5
    open_end = span[span.glotip_ratio_high == float("inf")]
    marks.censoring_bars(top, span.year, span.glotip_ratio_low, span.glotip_ratio_high.clip(upper=ceiling), unodc)
    if len(open_end):
        top.scatter(open_end.year, [ceiling / 1.15] * len(open_end), marker="^", color=unodc, alpha=0.6, s=30,
                    zorder=2)
    middle_of = (table.glotip_ratio_low * table.glotip_ratio_high) ** 0.5
    marks.chance_bars(top, table.year,
                      table.glotip_ratio_low.where((table.glotip_ratio_low == table.glotip_ratio_high)
                                                   | (table.glotip_ratio_high == float("inf")), middle_of),
                      table.glotip_ratio_ci_low, table.glotip_ratio_ci_high, unodc, cap=high)
    marks.points(top, point.year, point.glotip_ratio_low, point.glotip_unreliable, unodc,
                 label="UNODC: detected victims / persons convicted")
    marks.chance_bars(top, have_tip.year + 0.25, have_tip.tip_victims_per_conviction, have_tip.tip_ratio_ci_low,
                      have_tip.tip_ratio_ci_high,
                      tip, cap=high)
    marks.points(top, have_tip.year + 0.25, have_tip.tip_victims_per_conviction, have_tip.tip_unreliable, tip,
                 marker="D",
                 label="TIP: government count / convictions")
    three = table.dropna(subset=["glotip_ratio_3y_low"])
    top.plot(three.year, (three.glotip_ratio_3y_low * three.glotip_ratio_3y_high) ** 0.5, color=unodc, linewidth=1,
             linestyle="--", label="UNODC: three years to the year (sums)")
    marks.censoring_bars(top, three.year - 0.2, three.glotip_ratio_3y_low, three.glotip_ratio_3y_high, unodc, width=3)
    top.set_yscale("log")
    top.set_ylabel("victims per person convicted\n(log scale)")
    top.yaxis.set_major_formatter(THOUSANDS)
    key = marks.key_entries(confidence, censoring=len(span) > 0, censored_low=result.parameters["censored_low"],
                            unreliable=bool(table.glotip_unreliable.any()),
                            reliable=bool((~table.glotip_unreliable & table.glotip_ratio_ci_low.notna()).any()))
    if narrow:  # one key above the panel, the series first
        marks.key_above(top, key)
    else:
        top.legend(frameon=False, fontsize=8, loc="upper left", ncols=1)
        marks.add_key(top, key, loc="upper right", ncols=2)
    low = min(table.glotip_ratio_ci_low.min(), have_tip.tip_ratio_ci_low.min() if len(have_tip) else float("inf"))
    top.set_ylim(low / 1.5, ceiling)


def _victims(middle: plt.Axes, table, narrow: bool) -> None:
    """The middle panel: the counts of victims, UNODC's, the TIP's and KOM's."""
    unodc, tip, kom = UNODC, TIP, KOM
    # a gap where none is reported
    middle.plot(table.year, table.glotip_detected_low, color=unodc, marker="o", label="UNODC: detected")
    tip_counts = table.dropna(subset=["tip_victims"])
    middle.scatter(tip_counts.year, tip_counts.tip_victims, color=tip, marker="D", zorder=3,
                   label="TIP: government count")
    followed = table.dropna(subset=["kom_victims"])
    middle.scatter(followed.year, followed.kom_victims, color=kom, marker="s", zorder=3, label="KOM: followed up")
    middle.set_ylabel("victims")
    middle.set_ylim(0, max(table.glotip_detected_high.max(), table.kom_victims.max(), table.tip_victims.max()) * 1.15)
    middle.yaxis.set_major_formatter(THOUSANDS)
    middle.legend(frameon=False, fontsize=8, **(ABOVE if narrow else {"loc": "upper left", "ncols": 3}))


def _convicted(bottom: plt.Axes, table, censored_low: int) -> None:
    """The bottom panel's counts: UNODC's persons convicted, a '<5' as its range, each exact count's interval."""
    unodc = UNODC
    exact = table[table.glotip_convicted_low == table.glotip_convicted_high]
    censored = table[table.glotip_convicted_low < table.glotip_convicted_high]
    bottom.bar(exact.year, exact.glotip_convicted_low, color=unodc, alpha=0.8, label="UNODC: persons convicted")
    # a '<5' is a range, drawn as one (never as a bar of height 4)
    marks.censoring_bars(bottom, censored.year, censored.glotip_convicted_low, censored.glotip_convicted_high, unodc,
                         width=14)
    bottom.plot([], [], color=unodc, linewidth=8, alpha=0.45, label=f"UNODC: '<5' ({censored_low} to 4)")
    marks.chance_bars(bottom, exact.year, exact.glotip_convicted_low, exact.glotip_convicted_ci_low,
                      exact.glotip_convicted_ci_high, "#333333")


def _flags(middle: plt.Axes, bottom: plt.Axes, table) -> None:
    """Each flagged UNODC count's flags, written over it."""
    for ax, flags, values in ((middle, "glotip_detected_flags", "glotip_detected_low"),
                              (bottom, "glotip_convicted_flags", "glotip_convicted_high")):
        for row in table[table[flags].fillna("") != ""].itertuples():
            ax.annotate(getattr(row, flags), (row.year, getattr(row, values)), textcoords="offset points",
                        xytext=(0, 4), ha="center", va="bottom", fontsize=SMALLEST, color="#000000")


def _convicted_over_years(bottom: plt.Axes, result: Result, narrow: bool) -> None:
    """The bottom panel's lines: the three-year average, the fitted trend, the TIP's convictions; its key and note."""
    table, unodc, tip = result.table, UNODC, TIP
    confidence = result.parameters["confidence"]
    rolling = table.glotip_convicted_3y_low / 3, table.glotip_convicted_3y_high / 3
    bottom.plot(table.year, (rolling[0] + rolling[1]) / 2, color=unodc, linewidth=1, linestyle=":",
                label="UNODC: three-year average")
    trend = result.facts["trend_convicted"]
    if trend is not None:
        fitted = table.dropna(subset=["glotip_convicted_fitted"])
        bottom.plot(fitted.year, fitted.glotip_convicted_fitted, color="#333333", linestyle="--", linewidth=1.2,
                    label=f"fitted trend (negative binomial): {trend['percent_a_year']:+.0f}% a year")
    convicted = table.dropna(subset=["tip_convictions"])
    bottom.scatter(convicted.year, convicted.tip_convictions, color=tip, marker="D", zorder=3, label="TIP: convictions")
    bottom.set_ylabel("persons convicted")
    bottom.set_ylim(0, table.glotip_convicted_ci_high.max() * 1.25)
    handles, labels = bottom.get_legend_handles_labels()
    (chance_handle, chance_label), = marks.key_entries(confidence, censoring=False, unreliable=False)
    bottom.legend([*handles, chance_handle], [*labels, chance_label], frameon=False, fontsize=8,
                  **(ABOVE if narrow else {"loc": "upper left", "ncols": 3}))
    flags = ("Letters over a value: its flags (b break in series, d definition differs, r revised between releases, "
             "u low reliability)")
    if narrow:  # under the years, written upright
        bottom.text(0.0, 0.0, fit(flags, narrow, 60), ha="left", va="top", fontsize=SMALLEST, color="#333333",
                    transform=offset_copy(bottom.transAxes, fig=bottom.figure, y=-34, units="points"))
    else:
        bottom.text(1.0, -0.32, flags, transform=bottom.transAxes, ha="right", fontsize=SMALLEST, color="#333333")


def _not_reported(middle: plt.Axes, bottom: plt.Axes, table) -> None:
    """An "n/a" at each year a count is not reported."""
    for ax, column in ((middle, "glotip_detected_low"), (bottom, "glotip_convicted_low")):
        for row in table[table[column].isna()].itertuples():
            ax.text(row.year, ax.get_ylim()[1] * 0.03, "n/a", ha="center", va="bottom", fontsize=SMALLEST,
                    color="#666666",
                    rotation=90)
