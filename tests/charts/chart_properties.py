"""What every chart must be, as a reader looks at it: the cases drawn, and the four checks made on each drawing.

Nothing overlaps, nothing is cut off, axes span what they show, big numbers carry thousands separators, labels are
words, not identifiers, and a chart of an analysis with intervals draws them and keys them. Each chart is drawn by the
package exactly as its notebook draws it (``charts.render``: the drawing, then the one finish step), with the
published defaults and with the other values the notebooks document, and its text is measured in the rendered figure.
The drawing for narrow screens of each chart with the published defaults is a case too (the checks of screens are in
chart_screens.py).

A test module of charts takes the checks (the ``test_*`` functions below, imported there so that pytest collects
them in it) and a module-scoped fixture ``drawn`` made by :func:`drawing` for the cases it holds: each case is drawn
once and every check is made on that one drawing. The cases of notebook 12, whose four analyses take most of the
time, are a module of their own (tests/charts/test_nordic_comparison.py), so that pytest-xdist, which shares the suite
out a file at a time, can run them beside the others.
"""

from __future__ import annotations

import gc
import math
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from analysed import result  # noqa: E402
from chart_layout import drawn_texts, layout_problems  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.legend import Legend  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from analysis import analyses, charts  # noqa: E402
from analysis.analyses.uncertainty import ci_label  # noqa: E402
from analysis.charts import marks  # noqa: E402

#: Charts with other parameters than the published defaults, as the notebooks document them.
OTHER_VALUES = [
    ("01_conviction_gap", {"denominator": "initial_contacts", "years": [2014]}),
    ("01_conviction_gap", {"denominator": "temporary_residence_permits_granted"}),
    ("02_labor_vs_sex_attention", {"years": [2014], "stages": ["investigations", "convictions"]}),
    ("03_funding_per_victim", {"currency": "EUR", "exchange_rate": 11.5, "denominator": "shelter_accepted"}),
    ("03_funding_per_victim", {"funding_lines": ["tip2015-funding-ngo-nok"]}),
    ("04_victim_protection", {"years": [2014]}),
    ("06_series_conviction_gap", {"first_year": 2013, "last_year": 2016, "rule": "first"}),
    ("06_series_conviction_gap", {"release": "first", "include_flagged": True}),
    ("07_series_attention", {"first_year": 2014, "last_year": 2018}),
    ("08_series_funding", {"first_year": 2016, "last_year": 2017}),
    ("09_tiers_and_drift", {"first_edition": 2015, "last_edition": 2020}),
    ("10_tip_vs_kom", {"rule": "first"}),
    ("11_labor_share_series", {"release": "first", "include_flagged": True}),
    ("11_labor_share_series", {"first_year": 2014, "last_year": 2020}),
    ("12_nordic_comparison", {"countries": ["NOR", "SWE"], "first_year": 2015, "last_year": 2020}),
    ("12_nordic_comparison", {"include_flagged": True}),
    ("06_series_conviction_gap", {"confidence": 0.9}),
    ("08_series_funding", {"denominator": "tip", "base_year": 2014}),
    ("12_nordic_comparison", {"confidence": 0.99}),
    ("03_funding_per_victim", {"source": "tip2019", "year": 2018, "denominator": "initial_contacts"}),
    ("03_funding_per_victim", {"source": "tip2019", "year": 2017, "denominator": "initial_contacts"}),
    ("08_series_funding", {"denominator": "kom"}),
]
CASES = [(name, {}) for name in sorted(analyses.ANALYSES)] + OTHER_VALUES
#: The cases whose analysis and drawing take a second or more (the analysis fits count models over many years; the
#: first of 11's in a process imports statsmodels' whole API, half a second): their checks are marked ``slow``.
SLOW = [("06_series_conviction_gap", {}), ("06_series_conviction_gap", {"release": "first", "include_flagged": True}),
        ("06_series_conviction_gap", {"confidence": 0.9}),
        *((name, values) for name, values in CASES if name in ("11_labor_share_series", "12_nordic_comparison"))]
#: Notebooks that keep ``confidence`` among their parameters but draw no chance interval: funding per victim is shown
#: under each count of victims side by side instead, since the victims are not a sample of what the funding buys.
WITHOUT_INTERVALS = {"03_funding_per_victim", "08_series_funding"}
#: How far past its data an axis may run, as a share of the data's span (room for labels), with a floor in data units.
SLACK, FLOOR = 0.25, 0.75

#: Each case's figure, drawn and laid out on its canvas once per test process, by notebook and values.
_FIGURES: dict[tuple[str, str], plt.Figure] = {}


def figure(data, name: str, values: dict, narrow: bool = False) -> plt.Figure:
    """The chart of notebook ``name`` with ``values``, drawn the first time it is asked for (then kept open).

    With ``narrow``, its drawing for narrow screens. The figure is drawn as its canvas draws it, without painting
    pixels (matplotlib's ``draw_without_rendering``): every artist is placed (ticks made, keys placed, text laid out)
    as the canvas's draw places it, and no check reads pixels, which are half a drawing's time
    (``test_a_drawing_without_pixels_places_everything_as_a_real_draw_does`` compares the two).
    """
    key = (name, repr(values), narrow)
    if key not in _FIGURES:
        plt.rcParams["figure.max_open_warning"] = 0  # every chart is kept open on purpose, to be measured
        fig = charts.render(result(data, name, **values), narrow=narrow)
        fig.draw_without_rendering()
        _FIGURES[key] = fig
        gc.collect()
        gc.freeze()  # kept for the process: left out of later collections, as tests/analysed.py leaves its results
    return _FIGURES[key]


def case_id(name: str, values: dict, narrow: bool = False) -> str:
    """A case's id: its notebook and its place in :data:`CASES`, or ``narrow`` for the narrow drawing."""
    return f"{name}-narrow" if narrow else f"{name}-{CASES.index((name, values))}"


def cases(keep) -> list:
    """The cases whose notebook ``keep`` accepts, as a fixture's parameters ``(name, values, narrow)``.

    Each of :data:`CASES`, then the narrow drawing of each notebook's published defaults. Each is named by
    :func:`case_id`; those of :data:`SLOW` (and the narrow drawings of their notebooks) are marked slow.
    """
    drawings = [(name, values, False) for name, values in CASES] + [(name, {}, True) for name in sorted(
        analyses.ANALYSES)]
    return [pytest.param((name, values, narrow), id=case_id(name, values, narrow),
                         marks=[pytest.mark.slow] if (name, values) in SLOW else [])
            for name, values, narrow in drawings if keep(name)]


def drawing(params: list):
    """A module-scoped fixture ``drawn``: ``(name, values, narrow, figure)`` of each case of ``params``.

    ``params`` as :func:`cases` gives them.
    """

    @pytest.fixture(scope="module", params=params)
    def drawn(request, data):
        name, values, narrow = request.param
        return name, values, narrow, figure(data, name, values, narrow)

    return drawn


def test_no_two_texts_overlap_and_all_stay_on_the_canvas(drawn):
    name, _, _, fig = drawn
    outside, overlapping = layout_problems(fig)
    assert not outside, f"{name}: text outside the canvas: {outside}"
    assert not overlapping, f"{name}: overlapping text: {overlapping}"


def data_extent(ax):
    """X and y extents of what the axes show: its artists' data limits and the text placed in data coordinates."""
    xs = [ax.dataLim.x0, ax.dataLim.x1] if ax.dataLim.width >= 0 and ax.has_data() else []
    ys = [ax.dataLim.y0, ax.dataLim.y1] if ax.dataLim.height >= 0 and ax.has_data() else []
    for text in ax.texts:
        if text.get_transform() == ax.transData:
            x, y = text.get_position()  # on a categorical axis, a category name: converted to its position
            xs.append(float(ax.xaxis.convert_units(x)))
            ys.append(float(ax.yaxis.convert_units(y)))
    return xs, ys


def test_axes_span_the_data_they_show(drawn):
    name, _, _, fig = drawn
    for ax in fig.axes:
        xs, ys = data_extent(ax)
        for axis, extent, view in (("x", xs, ax.get_xlim()), ("y", ys, ax.get_ylim())):
            if not extent:
                continue
            label = (ax.get_xlabel() if axis == "x" else ax.get_ylabel())
            if (ax.get_xscale() if axis == "x" else ax.get_yscale()) == "log":  # judged in orders of magnitude
                extent, view, label = ([math.log10(v) for v in extent if v > 0], [math.log10(v) for v in view],
                                       label + " (log)")
            low, high = min(extent), max(extent)
            view_low, view_high = sorted(view)
            assert view_low <= low + 1e-9 and high - 1e-9 <= view_high, \
                f"{name}: the {axis} axis ({label!r}) cuts off data {low}-{high}"
            slack = max(SLACK * (high - low), FLOOR)
            floor = 0 if low >= 0 and "(log)" not in label else low  # a count axis may start at zero
            ceiling = 100 if "%" in label and high <= 100 else high  # a percentage axis may run to 100
            assert view_low >= min(floor,
                                   low - slack) - 1e-9, (f"{name}: the {axis} axis ({label!r}) starts at "
                                                         f"{view_low}, data at {low}")
            assert view_high <= max(ceiling,
                                    high + slack) + 1e-9, (f"{name}: the {axis} axis ({label!r}) runs to "
                                                           f"{view_high}, data to {high}")


def unseparated_numbers(text: str) -> list[str]:
    """The numbers of four digits or more written without thousands separators in ``text`` (years and URLs aside)."""
    text = re.sub(r"https?://\S+", "", text)
    found = re.findall(r"(?<![\d,.])\d{4,}(?![\d,])", text)
    return [n for n in found if not (len(n) == 4 and 1900 <= int(n) <= 2099)]  # years are written without separators


def test_numbers_have_thousands_separators_and_labels_are_words(drawn):
    name, _, _, fig = drawn
    texts = [t.get_text() for t in drawn_texts(fig)]
    unseparated = [(t, unseparated_numbers(t)) for t in texts if unseparated_numbers(t)]
    assert not unseparated, f"{name}: numbers without thousands separators: {unseparated}"
    identifiers = [t for t in texts if re.search(r"\b[a-z]+_[a-z0-9_]+\b", re.sub(r"https?://\S+", "", t))]
    assert not identifiers, f"{name}: labels that are code identifiers, not words: {identifiers}"


def legend_texts(fig) -> list[str]:
    """The texts of every key of ``fig``."""
    return [t.get_text() for legend in fig.findobj(Legend) for t in legend.get_texts()]


def test_chance_intervals_are_drawn_and_keyed_apart_from_censoring_ranges(drawn):
    """A chart of an analysis with intervals draws them as error bars, keyed with their level.

    A '<5' range is keyed apart; open markers (fewer than 20 events) appear exactly when the key explains them.
    """
    name, values, _, fig = drawn
    kinds = {artist.get_gid() for artist in fig.findobj() if artist.get_gid()}
    keys = legend_texts(fig)
    if "confidence" not in analyses.ANALYSES[name].defaults or name in WITHOUT_INTERVALS:
        assert marks.CHANCE not in kinds and not any("CI (chance)" in k for k in keys)
        return
    level = ci_label(values.get("confidence", analyses.ANALYSES[name].defaults["confidence"]))
    assert marks.CHANCE in kinds, f"{name}: no chance interval drawn"
    assert any(k.startswith(f"{level} (chance)") for k in keys), f"{name}: no key for the {level} interval in {keys}"
    if marks.CENSORING in kinds:
        assert any("'<5'" in k for k in keys), f"{name}: censoring ranges drawn without a key"
    open_markers = any(isinstance(c, PathCollection) and len(c.get_offsets()) and len(c.get_facecolors())
                       and (c.get_facecolors()[:, :3] == 1).all() for ax in fig.axes for c in ax.collections)
    assert open_markers == any(k.startswith("open: ") for k in keys), f"{name}: open markers and their key disagree"
    for ax in fig.axes:
        (x_low, x_high), (y_low, y_high) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
        for bar in (a for a in ax.get_children() if a.get_gid() == marks.CHANCE):
            points = (bar.get_xydata() if isinstance(bar, Line2D)
                      else [p for segment in bar.get_segments() for p in segment])
            assert all(x_low - 1e-9 <= x <= x_high + 1e-9 and y_low - 1e-9 <= y <= y_high + 1e-9 for x, y in points), \
                f"{name}: a chance interval runs past its axes"
