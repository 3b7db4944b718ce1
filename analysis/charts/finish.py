"""The one "finish and save" step every chart goes through.

It states the finding as the title, puts the source line under the chart
(built from the register, never typed) and under it the attribution (the
project, its version, the date and licence of the data and its address, from
CITATION.cff, so that a chart posted elsewhere still says where it comes from),
says so when the chart was made with parameters other than the published
defaults (naming each, and labelling a value the user supplied as such), lays
the figure out so that none of this overlaps the plot, and writes PNG, SVG, the
drawing for narrow screens and the plotted table.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from .. import config
from ..analyses import Result
from ..data.citation import cited
from .save import figures_dir, save
from .theme import NOTE_GREY, SMALLEST

#: Characters per line of the title and of the notes under the chart, per inch of figure width.
_TITLE_CHARS_PER_INCH = 9.5
_NOTE_CHARS_PER_INCH = 15
#: Space between the text blocks and the plot, in inches.
_PAD = 0.12
#: The gid of the attribution's text, by which a test finds it.
ATTRIBUTION = "attribution"


def source_line(sources: pd.DataFrame, full: bool = True) -> str:
    """The source note under a chart, built from the register rows of the sources used.

    One or two sources are cited in full (producer, title, date, address); more, or any number without ``full``
    (under the narrow drawing, where an address would not fit on a line), are summarised by producer, edition and
    id, whose addresses stand in data/raw/sources.csv, so the note stays a few lines long.
    """
    register = sources.drop_duplicates("source_id").set_index("source_id")
    parts = []
    for producer, group in register.groupby("producer", sort=False):
        if len(register) <= 2 and full:
            for row in group.itertuples():
                parts.append(f"{producer}, {row.title} ({row.date_published}), {row.url}")
        else:
            group = group.sort_values("edition", kind="stable")
            editions = ", ".join(str(e) for e in sorted(group.edition.unique()))
            noun = "document" if len(group) == 1 else "documents"
            parts.append(f"{producer}: {len(group)} {noun}, edition{'s' if len(group) > 1 else ''} {editions} "
                         f"({', '.join(group.index)})")
    return "Source: " + "; ".join(parts) + (". Addresses in data/raw/sources.csv; curated in tip-norway, "
                                            "data/processed/.")


def _shown(value) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_shown(v) for v in value) if value else "none"
    if value is None:
        return "none"
    return str(value).replace("_", " ")


def parameter_note(result: Result) -> str:
    """The note for a chart made with other parameters than the published defaults, or "" for a published one."""
    changed = result.changed
    if not changed:
        return ""
    parts = []
    for name, value in changed.items():
        part = f"{name.replace('_', ' ')} = {_shown(value)}"
        if name in result.supplied:
            part += f" ({result.supplied[name]})"
        parts.append(part)
    return "Made with parameters changed from the published defaults: " + "; ".join(parts) + "."


def _wrap(text: str, chars: int) -> str:
    return "\n".join(textwrap.wrap(text, chars, break_on_hyphens=False))


def finish(fig: plt.Figure, result: Result, narrow: bool = False) -> plt.Figure:
    """Title, source line, attribution, parameter note and a layout in which none of them overlaps the plot.

    With ``narrow``, for the drawing for narrow screens: the sources summarised (see :func:`source_line`).
    """
    width, height = fig.get_size_inches()
    title = fig.suptitle(_wrap(result.title, int(width * _TITLE_CHARS_PER_INCH)), x=0.01, y=1 - 0.08 / height,
                         ha="left", va="top", fontsize=12, fontweight="bold")
    title.set_in_layout(False)  # the rect below keeps the plot under it; tight_layout would make room twice
    notes = [_wrap(source_line(result.sources, full=not narrow), int(width * _NOTE_CHARS_PER_INCH))]
    note = parameter_note(result)
    if note:
        notes.insert(0, _wrap(note, int(width * _NOTE_CHARS_PER_INCH)))
    renderer = fig.canvas.get_renderer()
    figure_box = fig.bbox
    credit = fig.text(0.01, 0.06 / height, _wrap(cited().line(), int(width * _NOTE_CHARS_PER_INCH)), ha="left",
                      va="bottom", fontsize=SMALLEST, color=NOTE_GREY, linespacing=1.4, gid=ATTRIBUTION)
    footer = fig.text(0.01, credit.get_window_extent(renderer).y1 / figure_box.height + 0.04 / height,
                      "\n".join(notes), ha="left", va="bottom", fontsize=SMALLEST, color=NOTE_GREY, linespacing=1.4)
    top = title.get_window_extent(renderer).y0 / figure_box.height - _PAD / height
    bottom = footer.get_window_extent(renderer).y1 / figure_box.height + _PAD / height
    fig.tight_layout(rect=(0, bottom, 1, top), pad=0.4)
    return fig


def record(result: Result) -> dict:
    """What ``result`` states, written beside its chart as JSON."""
    headline = None
    if result.headline is not None:
        headline = {"fact": result.headline[0], "label": result.headline_label(), "label_template": result.headline[1],
                    "value": result.headline_value()}
    # the summary shown in the notebook ends with the caveats; the report site shows them apart
    summary = str(result.summary).removesuffix(result.caveats).rstrip("\n") if result.caveats else result.summary
    return {"notebook": result.name, "title": result.title, "headline": headline, "facts": result.facts,
            "parameters": result.parameters, "changed": result.changed, "figure_ids": result.figure_ids,
            "source_line": source_line(result.sources),
            "words": {"summary": summary, "caveats": result.caveats, "closing": result.closing}}


def save_chart(result: Result, wide: plt.Figure, narrow: plt.Figure, folder: Path) -> list[Path]:
    """Write the finished drawings of ``result``, ``wide`` and ``narrow``, with its table and facts into ``folder``."""
    return save(wide, result.name, result.table, folder, facts=record(result), narrow=narrow, title=result.title)


def show(result: Result, wide: plt.Figure, narrow: plt.Figure):
    """Finish both drawings, save them with ``result.table`` and return the written PNG for the notebook to display.

    A chart with the published defaults goes to ``figures/``; one made with
    other parameters to ``output/exploratory/`` (see :func:`~analysis.charts.save.figures_dir`).
    Showing the PNG already written, rather than letting the notebook backend
    draw the figure a second time, shows exactly the file a reader will find.
    """
    from IPython.display import Image

    written = save_chart(result, finish(wide, result), finish(narrow, result, narrow=True),
                         figures_dir(exploratory=bool(result.changed)))
    plt.close(wide)
    plt.close(narrow)
    where = f" to {config.display(written[0].parent)} (exploratory: not published)" if result.changed else ""
    print("wrote", ", ".join(p.name for p in written) + where)
    return Image(filename=str(written[0]), width=800)
