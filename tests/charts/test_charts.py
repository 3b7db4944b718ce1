"""Every chart the notebooks write, looked at as a reader would (the checks are in chart_properties.py).

Here the charts of notebooks 01-11, with the published defaults and the other values the notebooks document, their
narrow drawings and saved files (the checks of screens are in chart_screens.py), and what particular charts show;
notebook 12's are in test_nordic_comparison.py.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pytest
from analysed import result
from chart_layout import drawn_texts
from chart_properties import (  # noqa: F401 - the checks, collected here for this module's cases
    FLOOR,
    SLACK,
    cases,
    data_extent,
    drawing,
    figure,
    legend_texts,
    test_axes_span_the_data_they_show,
    test_chance_intervals_are_drawn_and_keyed_apart_from_censoring_ranges,
    test_no_two_texts_overlap_and_all_stay_on_the_canvas,
    test_numbers_have_thousands_separators_and_labels_are_words,
    unseparated_numbers,
)
from chart_screens import (  # noqa: F401 - the checks of screens, collected here for this module's cases
    saving,
    test_every_text_is_displayed_large_enough_and_narrow_panels_stand_one_under_another,
    test_the_chart_names_the_project_the_licence_the_date_and_the_address_under_its_source,
    test_the_svg_has_the_chart_title_and_the_narrow_drawing_is_written_beside_it,
)
from matplotlib.legend import Legend

from analysis import analyses, charts, config

drawn = drawing(cases(lambda name: name != "12_nordic_comparison"))
saved = saving(lambda name: name != "12_nordic_comparison")

FUNDING = "03_funding_per_victim"


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
    assert unseparated_numbers("7000 and 2014 and 12,500 at https://x.org/243506.htm") == ["7000"]
    renderer = fig.canvas.get_renderer()
    first, second = (t for t in drawn_texts(fig) if t.get_text() in ("first", "second"))
    assert first.get_window_extent(renderer).overlaps(second.get_window_extent(renderer))
    xs, _ = data_extent(ax)
    assert ax.get_xlim()[1] > max(xs) + max(SLACK * (max(xs) - min(xs)), FLOOR)
    plt.close(fig)


def placement(fig) -> list:
    """Where everything a check measures stands: each text's box, each panel's box, limits and ticks, each key's box."""
    renderer = fig.canvas.get_renderer()
    texts = [(t.get_text(), tuple(t.get_window_extent(renderer).bounds)) for t in drawn_texts(fig)]
    panels = [(tuple(ax.get_position().bounds), ax.get_xlim(), ax.get_ylim(), tuple(ax.dataLim.bounds),
               list(ax.get_xticks()), list(ax.get_yticks())) for ax in fig.axes]
    keys = [tuple(legend.get_window_extent(renderer).bounds) for legend in fig.findobj(Legend)]
    return [texts, panels, keys]


def test_a_drawing_without_pixels_places_everything_as_a_real_draw_does(data):
    """The checks measure charts drawn without painting pixels (:func:`figure`); a real draw puts all in the same place.

    A chart merely rendered, not drawn, stands elsewhere: the comparison sees what a draw does.
    """
    measured = figure(data, FUNDING, {})
    painted = charts.render(result(data, FUNDING))
    undrawn = charts.render(result(data, FUNDING))
    painted.canvas.draw()
    assert placement(measured) == placement(painted)
    assert placement(undrawn) != placement(painted)
    plt.close(painted)
    plt.close(undrawn)


def test_every_notebook_has_a_drawing_and_every_published_chart_exists():
    notebooks = sorted(p.stem for p in config.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert sorted(charts.DRAWINGS) == notebooks == sorted(analyses.ANALYSES)
    for name in notebooks:
        for ext in ("png", "svg", "csv", "json"):
            assert (config.FIGURES / f"{name}.{ext}").is_file(), f"figures/{name}.{ext} missing: run make run"


def test_a_chart_with_other_parameters_says_so_and_labels_a_supplied_rate(data):
    fig = figure(data, FUNDING, {"currency": "EUR", "exchange_rate": 11.5, "denominator": "shelter_accepted"})
    note = " ".join(t.get_text().replace("\n", " ") for t in fig.texts)
    assert "Made with parameters changed from the published defaults: " in note
    assert "exchange rate = 11.5 (NOK per EUR, supplied by the user, not from a source)" in note
    assert "currency = EUR" in note and "denominator = shelter accepted" in note
    published = " ".join(t.get_text() for t in figure(data, FUNDING, {}).texts)
    assert ("changed from the published defaults" not in published
            and "Source: U.S. Department of State" in published.replace("\n", " "))


def _bar_widths(ax) -> list[float]:
    return sorted(round(patch.get_width(), 6) for patch in ax.patches if patch.get_width() > 0)


def test_funding_per_victim_shows_every_count_of_victims_side_by_side(data):
    """03: each line and the total under the TIP's 270, UNODC's 324 and KOM's 324, with a key naming each count."""
    fig = figure(data, FUNDING, {})
    (ax,) = fig.axes
    lines = {"ngo": 2_500_000, "safe houses": 4_500_000, "total": 7_000_000}
    expected = sorted(round(nok / victims, 6) for nok in lines.values() for victims in (270, 324, 324))
    assert _bar_widths(ax) == pytest.approx(expected)
    keys = legend_texts(fig)
    assert keys == ["TIP: about 270 victims identified and assisted (headline)", "UNODC: 324 victims detected",
                    "KOM: 324 victims followed up"]
    labels = [t.get_text() for t in ax.texts]
    assert "NOK 25,926 (USD 3,256)" in labels and labels.count("NOK 21,605") == 2
    assert "All lines shown (total)" in [t.get_text() for t in ax.get_yticklabels()]


def test_funding_per_victim_names_a_missing_count_in_the_key(data):
    fig = figure(data, FUNDING, {"source": "tip2019", "year": 2018, "denominator": "initial_contacts"})
    assert "KOM: no count for 2018" in legend_texts(fig)
    assert len(fig.axes[0].patches) == 2 * 4  # the TIP's and UNODC's bars for three lines and their total


def test_series_funding_draws_a_line_per_count_and_says_where_one_is_missing(data):
    fig = figure(data, "08_series_funding", {})
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
