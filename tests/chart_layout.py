"""Where the texts of a drawn chart stand: the checks of layout the chart test and the sweep test share."""

from __future__ import annotations

import itertools

from matplotlib.text import Text

#: Pixels two boxes may share before they count as overlapping (antialiasing, rounding).
TOLERANCE = 1.0


def _shown_tick_labels(ax) -> list[Text]:
    """Tick labels actually drawn: within the view, visible, not empty."""
    shown = []
    for axis, bound in ((ax.xaxis, ax.get_xbound()), (ax.yaxis, ax.get_ybound())):
        low, high = sorted(bound)
        for tick in axis.get_major_ticks():
            if low - 1e-9 <= tick.get_loc() <= high + 1e-9:
                shown += [label
                          for label in (tick.label1, tick.label2) if label.get_visible() and label.get_text().strip()]
    return shown


def drawn_texts(fig) -> list[Text]:
    """Every piece of text a reader sees in the figure."""
    tick_labels = {id(label) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)
                   for tick in axis.get_major_ticks() + axis.get_minor_ticks() for label in (tick.label1, tick.label2)}
    texts = [t for t in fig.findobj(Text) if id(t) not in tick_labels and t.get_visible() and t.get_text().strip()]
    return texts + [label for ax in fig.axes for label in _shown_tick_labels(ax)]


def _box(text: Text, renderer):
    return text.get_window_extent(renderer)


def layout_problems(fig) -> tuple[list[str], list[tuple[str, str]]]:
    """The texts that stand (partly) outside the canvas, and the pairs of texts that overlap."""
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), _box(t, renderer)) for t in drawn_texts(fig)]
    canvas = fig.bbox
    outside = [text for text, box in boxes if box.x0 < -TOLERANCE or box.y0 < -TOLERANCE
               or box.x1 > canvas.x1 + TOLERANCE or box.y1 > canvas.y1 + TOLERANCE]
    overlapping = []
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        width = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
        height = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
        if width > TOLERANCE and height > TOLERANCE:
            overlapping.append((a, b))
    return outside, overlapping
