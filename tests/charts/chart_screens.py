"""What every chart must be on every screen: its attribution, its text as large as it is displayed, a narrow drawing.

The rules, as a reader meets them:

- **Attribution.** Under the source line, one text names the project, its version, the date of the data, the licence
  of the data and the address (when CITATION.cff gives one). The test builds that line itself from CITATION.cff
  (read with yaml) and data/raw/sources.csv (read with csv): the latest ``date_accessed`` is the date of the data.
- **Desktop.** The site shows a chart at most 1,040 CSS pixels wide. A text of ``pt`` points in an image saved at
  ``dpi`` (150) and ``width`` pixels wide is displayed ``pt x dpi / 72 x min(1, 1040 / width)`` pixels high: at
  least 9 for every text of every wide drawing.
- **Phone.** The narrow drawing is 4 to 4.5 inches wide and no text in it is under 8 points. A phone shows it in a
  column of 342 CSS pixels or more, where a text is ``pt x dpi / 72 x 342 / width`` pixels high: at least 9.
- **Panels.** A chart of several panels stands them one under another in its narrow drawing: as many panels as the
  wide drawing, each wholly below the one before.
- **Files.** The chart its notebook saved (:func:`analysis.charts.finish.save_chart`, into figures/) has the SVG
  with the chart's title as its ``<title>`` and the narrow drawing as ``NAME.narrow.png``, whose width in pixels
  divided by its dots per inch is the 4 to 4.5 inches above.

A test module of charts takes these checks as it takes those of chart_properties.py, on its own ``drawn`` fixture,
and a module-scoped fixture ``saved`` made by :func:`saving`, so each chart is drawn once, and its saved files are
the ones its notebook wrote.
"""

from __future__ import annotations

import csv
import re
from html import unescape

import matplotlib.pyplot as plt
import pytest
import yaml
from analysed import result
from chart_layout import drawn_texts
from chart_properties import SLOW, figure
from PIL import Image

from analysis import analyses, config
from analysis.charts.finish import ATTRIBUTION

#: The widest a chart is shown on a desktop page, and the narrowest column a phone shows it in, in CSS pixels.
WIDEST_SHOWN, NARROWEST_SHOWN = 1040, 342
#: The smallest a text may be displayed, in CSS pixels; the smallest text of a narrow drawing, in points.
SMALLEST_SHOWN, SMALLEST_NARROW = 9, 8
#: How wide a narrow drawing is, in inches.
NARROW_INCHES = (4.0, 4.5)


def expected_attribution() -> str:
    """The attribution line, built here from CITATION.cff and the source register."""
    cff = yaml.safe_load(config.CITATION.read_text(encoding="utf-8"))
    with open(config.RAW / "sources.csv", encoding="utf-8", newline="") as handle:
        data_date = max(row["date_accessed"] for row in csv.DictReader(handle))
    licence = cff["license"][0] if isinstance(cff["license"], list) else cff["license"]
    address = f" {cff['url']}" if cff.get("url") else ""
    return f"Chart: {cff['title']}, version {cff['version']}; data as of {data_date}, licence {licence}.{address}"


def shown(points: float, dpi: float, width: float, column: float) -> float:
    """How many CSS pixels high a text of ``points`` is, in an image ``width`` pixels wide shown at most ``column``."""
    return points * dpi / 72 * min(1, column / width)


def test_the_chart_names_the_project_the_licence_the_date_and_the_address_under_its_source(drawn):
    name, _, _, fig = drawn
    credits = [t for t in fig.texts if t.get_gid() == ATTRIBUTION]
    assert len(credits) == 1, name
    assert credits[0].get_text().split() == expected_attribution().split(), name  # as wrapped to the width
    (source,) = [t for t in fig.texts if "Source: " in t.get_text()]
    renderer = fig.canvas.get_renderer()
    assert credits[0].get_window_extent(renderer).y1 <= source.get_window_extent(renderer).y0, name


def test_every_text_is_displayed_large_enough_and_narrow_panels_stand_one_under_another(drawn, data):
    name, values, narrow, fig = drawn
    dpi = plt.rcParams["savefig.dpi"]
    inches = fig.get_size_inches()[0]
    sizes = {t.get_text(): t.get_fontsize() for t in drawn_texts(fig)}
    smallest = min(sizes.values())
    column = NARROWEST_SHOWN if narrow else WIDEST_SHOWN
    assert shown(smallest, dpi, inches * dpi, column) >= SMALLEST_SHOWN, \
        f"{name}: {[t for t, size in sizes.items() if size == smallest]} at {smallest} pt"
    if not narrow:
        return
    assert NARROW_INCHES[0] <= inches <= NARROW_INCHES[1] and smallest >= SMALLEST_NARROW, (name, inches, smallest)
    boxes = [ax.get_position() for ax in fig.axes]
    assert len(boxes) == len(figure(data, name, values).axes), name  # the wide drawing's panels, every one
    for above, below in zip(boxes, boxes[1:], strict=False):
        assert below.y1 <= above.y0, f"{name}: a panel does not stand under the one before"


def saving(keep):
    """A module-scoped fixture ``saved``: ``(name, result, files by name)`` of each notebook ``keep`` accepts.

    Its result with the published defaults, and the files in figures/: what the notebook's save step wrote there,
    as the suite proves after nbval's run of each notebook (the root conftest.py's ``published charts`` items compare
    every file that run writes with figures/, byte for byte). Reading them, rather than saving each chart again, keeps
    the PNG encodings to that one run.
    """

    @pytest.fixture(scope="module", params=[
        pytest.param(name, marks=[pytest.mark.slow] if (name, {}) in SLOW else [])
        for name in sorted(analyses.ANALYSES) if keep(name)])
    def saved(request, data):
        name = request.param
        return name, result(data, name), {path.name: path for path in config.FIGURES.glob(f"{name}.*")}

    return saved


def test_the_svg_has_the_chart_title_and_the_narrow_drawing_is_written_beside_it(saved):
    name, stated, files = saved
    assert sorted(files) == sorted(f"{name}.{suffix}" for suffix in ("png", "svg", "csv", "json", "narrow.png"))
    svg = files[f"{name}.svg"].read_text(encoding="utf-8")
    assert [unescape(t) for t in re.findall(r"<title>(.*?)</title>", svg)] == [stated.title]
    with Image.open(files[f"{name}.narrow.png"]) as image:
        (dpi, _), width = image.info["dpi"], image.size[0]
    assert round(dpi) == 150 and NARROW_INCHES[0] <= width / dpi <= NARROW_INCHES[1], (name, width, dpi)
