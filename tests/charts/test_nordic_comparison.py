"""The chart of notebook 12 (analysis/charts/nordic_comparison.py), looked at as a reader would.

The checks of every chart (chart_properties.py, chart_screens.py) on each of its cases: the published defaults and
their narrow drawing, two countries over six years, the flagged rows kept, and a 99 % level. Its four analyses take
most of the charts' time, so they are a module of their own, which pytest-xdist can run beside
tests/charts/test_charts.py.
"""

from __future__ import annotations

from chart_properties import (  # noqa: F401 - the checks, collected here for this module's cases
    cases,
    drawing,
    test_axes_span_the_data_they_show,
    test_chance_intervals_are_drawn_and_keyed_apart_from_censoring_ranges,
    test_no_two_texts_overlap_and_all_stay_on_the_canvas,
    test_numbers_have_thousands_separators_and_labels_are_words,
)
from chart_screens import (  # noqa: F401 - the checks of screens, collected here for this module's cases
    saving,
    test_every_text_is_displayed_large_enough_and_narrow_panels_stand_one_under_another,
    test_the_chart_names_the_project_the_licence_the_date_and_the_address_under_its_source,
    test_the_svg_has_the_chart_title_and_the_narrow_drawing_is_written_beside_it,
)

drawn = drawing(cases(lambda name: name == "12_nordic_comparison"))
saved = saving(lambda name: name == "12_nordic_comparison")
