"""Every chart the notebooks write, looked at as a reader would.

Nothing overlaps, nothing is cut off, axes span what they show, big numbers carry thousands separators, labels are
words, not identifiers.

Each chart is drawn by the package exactly as its notebook draws it (``charts.render``: the
drawing, then the one finish step), with the published defaults and with the other values
the notebooks document, and its text is measured in the rendered figure.
"""

from __future__ import annotations

import math
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from chart_layout import drawn_texts, layout_problems  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.legend import Legend  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from analysis import (  # noqa: E402
    analyses,
    charts,
    config,  # noqa: E402
)
from analysis.analyses.uncertainty import ci_label  # noqa: E402
from analysis.charts import marks  # noqa: E402

#: Draws every chart, with every documented parameter value: left out of `make test-fast`.
pytestmark = pytest.mark.slow

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
#: Notebooks that keep ``confidence`` among their parameters but draw no chance interval: funding per victim is shown
#: under each count of victims side by side instead, since the victims are not a sample of what the funding buys.
WITHOUT_INTERVALS = {"03_funding_per_victim", "08_series_funding"}
CASES = [(name, {}) for name in sorted(analyses.ANALYSES)] + OTHER_VALUES
#: How far past its data an axis may run, as a share of the data's span (room for labels), with a floor in data units.
SLACK, FLOOR = 0.25, 0.75


class Rendered:
    """The chart of each case, drawn (and laid out on its canvas) the first time a test asks for it, then kept.

    Every test of one case measures the same figure. Under pytest-xdist the tests of one case are one unit of
    work, run in one worker (tests/conftest.py), so each chart is drawn once, in the worker that measures it.
    """

    def __init__(self, data) -> None:
        self.data = data
        self.figures: dict[tuple[str, str], plt.Figure] = {}

    def get(self, name: str, values: dict) -> plt.Figure:
        key = (name, repr(values))
        if key not in self.figures:
            fig = charts.render(analyses.ANALYSES[name](self.data, **values))
            fig.canvas.draw()
            self.figures[key] = fig
        return self.figures[key]


@pytest.fixture(scope="module")
def rendered(data):
    plt.rcParams["figure.max_open_warning"] = 0  # every chart is kept open on purpose, to be measured
    yield Rendered(data)
    plt.close("all")


def _figure(rendered, name, values):
    return rendered.get(name, values)


@pytest.mark.parametrize(("name", "values"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_no_two_texts_overlap_and_all_stay_on_the_canvas(rendered, name, values):
    outside, overlapping = layout_problems(_figure(rendered, name, values))
    assert not outside, f"{name}: text outside the canvas: {outside}"
    assert not overlapping, f"{name}: overlapping text: {overlapping}"


def _data_extent(ax):
    """X and y extents of what the axes show: its artists' data limits and the text placed in data coordinates."""
    xs = [ax.dataLim.x0, ax.dataLim.x1] if ax.dataLim.width >= 0 and ax.has_data() else []
    ys = [ax.dataLim.y0, ax.dataLim.y1] if ax.dataLim.height >= 0 and ax.has_data() else []
    for text in ax.texts:
        if text.get_transform() == ax.transData:
            x, y = text.get_position()  # on a categorical axis, a category name: converted to its position
            xs.append(float(ax.xaxis.convert_units(x)))
            ys.append(float(ax.yaxis.convert_units(y)))
    return xs, ys


@pytest.mark.parametrize(("name", "values"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_axes_span_the_data_they_show(rendered, name, values):
    fig = _figure(rendered, name, values)
    for ax in fig.axes:
        xs, ys = _data_extent(ax)
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


def _unseparated_numbers(text: str) -> list[str]:
    text = re.sub(r"https?://\S+", "", text)
    found = re.findall(r"(?<![\d,.])\d{4,}(?![\d,])", text)
    return [n for n in found if not (len(n) == 4 and 1900 <= int(n) <= 2099)]  # years are written without separators


@pytest.mark.parametrize(("name", "values"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_numbers_have_thousands_separators_and_labels_are_words(rendered, name, values):
    fig = _figure(rendered, name, values)
    texts = [t.get_text() for t in drawn_texts(fig)]
    unseparated = [(t, _unseparated_numbers(t)) for t in texts if _unseparated_numbers(t)]
    assert not unseparated, f"{name}: numbers without thousands separators: {unseparated}"
    identifiers = [t for t in texts if re.search(r"\b[a-z]+_[a-z0-9_]+\b", re.sub(r"https?://\S+", "", t))]
    assert not identifiers, f"{name}: labels that are code identifiers, not words: {identifiers}"


def _legend_texts(fig) -> list[str]:
    return [t.get_text() for legend in fig.findobj(Legend) for t in legend.get_texts()]


@pytest.mark.parametrize(("name", "values"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_chance_intervals_are_drawn_and_keyed_apart_from_censoring_ranges(rendered, name, values):
    """A chart of an analysis with intervals draws them as error bars, keyed with their level.

    A '<5' range is keyed apart; open markers (fewer than 20 events) appear exactly when the key explains them.
    """
    fig = _figure(rendered, name, values)
    kinds = {artist.get_gid() for artist in fig.findobj() if artist.get_gid()}
    keys = _legend_texts(fig)
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


def test_the_checks_catch_what_they_look_for():
    """The checks above fail on a chart with each fault, so a pass means something."""
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.bar([2014, 2015], [5000, 7000])
    ax.set_xlim(2013, 2030)
    ax.set_xlabel("victims_identified")
    ax.text(2014, 5000, "first")
    ax.text(2014, 5000, "second")
    fig.canvas.draw()
    texts = [t.get_text() for t in drawn_texts(fig)]
    assert "victims_identified" in texts and "7000" in texts  # default tick labels have no separator
    assert _unseparated_numbers("7000 and 2014 and 12,500 at https://x.org/243506.htm") == ["7000"]
    renderer = fig.canvas.get_renderer()
    first, second = (t for t in drawn_texts(fig) if t.get_text() in ("first", "second"))
    assert first.get_window_extent(renderer).overlaps(second.get_window_extent(renderer))
    xs, _ = _data_extent(ax)
    assert ax.get_xlim()[1] > max(xs) + max(SLACK * (max(xs) - min(xs)), FLOOR)
    plt.close(fig)


def test_every_notebook_has_a_drawing_and_every_published_chart_exists():
    notebooks = sorted(p.stem for p in config.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert sorted(charts.DRAWINGS) == notebooks == sorted(analyses.ANALYSES)
    for name in notebooks:
        for ext in ("png", "svg", "csv", "json"):
            assert (config.FIGURES / f"{name}.{ext}").is_file(), f"figures/{name}.{ext} missing: run make run"


def test_a_chart_with_other_parameters_says_so_and_labels_a_supplied_rate(rendered):
    fig = _figure(rendered, "03_funding_per_victim",
                  {"currency": "EUR", "exchange_rate": 11.5, "denominator": "shelter_accepted"})
    note = " ".join(t.get_text().replace("\n", " ") for t in fig.texts)
    assert "Made with parameters changed from the published defaults: " in note
    assert "exchange rate = 11.5 (NOK per EUR, supplied by the user, not from a source)" in note
    assert "currency = EUR" in note and "denominator = shelter accepted" in note
    published = " ".join(t.get_text() for t in _figure(rendered, "03_funding_per_victim", {}).texts)
    assert ("changed from the published defaults" not in published
            and "Source: U.S. Department of State" in published.replace("\n", " "))


def _bar_widths(ax) -> list[float]:
    return sorted(round(patch.get_width(), 6) for patch in ax.patches if patch.get_width() > 0)


def test_funding_per_victim_shows_every_count_of_victims_side_by_side(rendered):
    """03: each line and the total under the TIP's 270, UNODC's 324 and KOM's 324, with a key naming each count."""
    fig = _figure(rendered, "03_funding_per_victim", {})
    (ax,) = fig.axes
    lines = {"ngo": 2_500_000, "safe houses": 4_500_000, "total": 7_000_000}
    expected = sorted(round(nok / victims, 6) for nok in lines.values() for victims in (270, 324, 324))
    assert _bar_widths(ax) == pytest.approx(expected)
    keys = _legend_texts(fig)
    assert keys == ["TIP: about 270 victims identified and assisted (headline)", "UNODC: 324 victims detected",
                    "KOM: 324 victims followed up"]
    labels = [t.get_text() for t in ax.texts]
    assert "NOK 25,926 (USD 3,256)" in labels and labels.count("NOK 21,605") == 2
    assert "All lines shown (total)" in [t.get_text() for t in ax.get_yticklabels()]


def test_funding_per_victim_names_a_missing_count_in_the_key(rendered):
    fig = _figure(rendered, "03_funding_per_victim",
                  {"source": "tip2019", "year": 2018, "denominator": "initial_contacts"})
    assert "KOM: no count for 2018" in _legend_texts(fig)
    assert len(fig.axes[0].patches) == 2 * 4  # the TIP's and UNODC's bars for three lines and their total


def test_series_funding_draws_a_line_per_count_and_says_where_one_is_missing(rendered):
    fig = _figure(rendered, "08_series_funding", {})
    per = fig.axes[1]
    keys = [t.get_text() for t in per.get_legend().get_texts()]
    assert keys == ["UNODC: victims detected (headline); none for 2017", "UNODC: victims detected, in current kroner",
                    "TIP: the government's count; none for 2017, 2018", "KOM: victims followed up; none for 2017, 2018"]
    main, current, tip, kom = (line for line in per.get_lines() if line.get_label() in keys)
    assert main.get_linewidth() > tip.get_linewidth()
    # constant kroner of 2018 for 2014-2016 and 2018 under UNODC's count; the TIP's count divides 7 million by 270
    assert [y for y in tip.get_ydata() if not math.isnan(y)][0] == pytest.approx(
        7_000_000 / 270 * main.get_ydata()[0] / (7_000_000 / 324))
    assert [t.get_text() for t in per.texts] == ["no victim count"]
