"""The story in words: the title, summary, caveats and closing of each analysis, in a template a researcher edits.

``words/<topic>.md`` shares its name with ``notebooks/NN_<topic>.ipynb`` and
``analyses/<topic>.py``. It is Markdown with one section per part of the
story, each under a second-level heading: ``## title`` (drawn on the chart,
one line: a line break in the section is a space), ``## summary`` (the
finding), ``## caveats`` (what the numbers do not say; the notebook shows it
after the summary, a blank line between) and ``## what this shows`` (the
closing words of the notebook). A template may hold other sections, such as a
label the chart draws, which the analysis asks for by name with :func:`section`.
Text before the first heading (comments, macros) belongs to every section, except the front matter that opens the
file: the step's title, question and tables read (:mod:`analysis.steps`), which are not words of the story.

Each section is a Jinja2 template. The analysis computes the values (numbers,
intervals, flags such as ``differ``) and :func:`render` fills them in, so the
words, including those chosen by a condition, live in the template and the
numbers come from the data. A name the analysis does not give is an error
naming the template, its line and the name. The filters format numbers:

- ``number(spec)``: ``format(value, spec)``, as in ``{{ victims | number(",.0f") }}``;
- ``interval(digits=0, percent=False)``: a chance interval, "22-135", "at least 3", "n/a";
- ``shown(digits=0, percent=False)``: a value that may be a range, "24" or "64-256";
- ``p``: a p-value, "p = 0.27", "p < 0.001";
- ``p_range``: a p-value censoring makes a range, "p from 0.0012 to 0.44" (one value when both ends print alike);
- ``ci``: the label of a confidence level, 0.95 -> "95% CI";
- ``signed(digits=0)``: a number with its sign, "+3", "-12.5";

and the test ``missing`` tells a value the source does not give (None, NaN).

Shared values every template may use: ``what_intervals_cover`` (the sentence
said wherever intervals are shown), ``unreliable`` (the mark of a value on too
few events), ``reliable_events``, ``share_rule_words`` (how a share is judged
instead, :mod:`analysis.analyses.reliability`), and the three verdicts of a test
``DIFFERS``, ``NOT_DETECTED`` and ``UNDETERMINED``
(:data:`analysis.analyses.uncertainty.VERDICTS`), as in
``{% if test.verdict == DIFFERS %}``.
"""

from __future__ import annotations

import functools
import math
import re
from importlib.resources import files
from pathlib import Path
from typing import NamedTuple

import jinja2
import pandas as pd

from ...steps import body
from ..intervals import shown
from ..reliability import SHARE_RULE_WORDS
from ..result import Prose
from ..uncertainty import (
    DIFFERS,
    NOT_DETECTED,
    RELIABLE_EVENTS,
    UNDETERMINED,
    UNRELIABLE,
    WHAT_INTERVALS_COVER,
    ci_label,
    shown_interval,
    shown_p,
    shown_p_range,
)

#: The sections of a template, in the order they are written.
SECTIONS = ("title", "summary", "caveats", "what this shows")
_HEADING = re.compile(r"## (.+?)\s*")


class WordsError(LookupError):
    """A template that cannot be read or rendered: names the file, the line and what is wrong."""


class Words(NamedTuple):
    """The rendered story: the chart's title, the summary with its caveats, and the closing words."""

    title: str
    summary: Prose
    closing: Prose
    caveats: Prose = Prose("")


def _missing(value) -> bool:
    """Whether a value is absent (None, NaN): ``{% if r.kom_victims is missing %}``."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update(number=format, interval=shown_interval, shown=shown, p=shown_p, p_range=shown_p_range,
                       ci=ci_label, signed=lambda value, digits=0: f"{value:+.{digits}f}")
    env.tests["missing"] = _missing
    env.globals.update(what_intervals_cover=WHAT_INTERVALS_COVER, unreliable=UNRELIABLE,
                       reliable_events=RELIABLE_EVENTS, share_rule_words=SHARE_RULE_WORDS,
                       DIFFERS=DIFFERS, NOT_DETECTED=NOT_DETECTED,
                       UNDETERMINED=UNDETERMINED)
    return env


ENVIRONMENT = _environment()


def path_of(topic: str) -> Path:
    """The template of ``topic``: ``analysis/analyses/words/<topic>.md``."""
    return Path(str(files(__name__) / f"{topic}.md"))


@functools.cache
def sections(topic: str) -> dict[str, jinja2.Template]:
    """The template of ``topic``, one compiled Jinja2 template per section; line numbers in errors are the file's."""
    path = path_of(topic)
    if not path.is_file():
        raise WordsError(f"{path}: no template for the analysis {topic!r}; "
                         f"expected one section each of {', '.join(SECTIONS)}")
    text = path.read_text(encoding="utf-8")
    matter = text[: len(text) - len(body(text))].count("\n")  # the step's front matter (analysis.steps), not words
    lines = [""] * matter + text.splitlines()[matter:]
    starts = {}
    for number, line in enumerate(lines, 1):
        heading = _HEADING.fullmatch(line)
        if heading:
            name = heading.group(1)
            if name in starts:
                raise WordsError(f"{path}, line {number}: a second section {line!r}; expected each section once")
            starts[name] = number
    missing = [name for name in SECTIONS if name not in starts]
    if missing:
        raise WordsError(f"{path}: no section {', '.join(f'## {m}' for m in missing)}; "
                         f"expected one each of {', '.join(SECTIONS)}")
    preamble = "\n".join(lines[: min(starts.values()) - 1])
    ends = sorted(starts.values()) + [len(lines) + 1]
    templates = {}
    for name, start in starts.items():
        words = lines[start: ends[ends.index(start) + 1] - 1]
        while words and not words[0].strip():
            words, start = words[1:], start + 1
        while words and not words[-1].strip():
            words = words[:-1]
        # The preamble, then a comment of line breaks, so Jinja2's line numbers are the file's; the text the
        # preamble alone renders (its blank lines) is cut from the front of every section.
        prefix = preamble + "\n{#" + "\n" * (start - preamble.count("\n") - 1) + "#}"
        try:
            templates[name] = ENVIRONMENT.from_string(prefix + "\n".join(words))
            templates[name].filename, templates[name].prefix = str(path), ENVIRONMENT.from_string(prefix).render()
        except jinja2.TemplateSyntaxError as error:
            raise WordsError(f"{path}, line {error.lineno} (## {name}): {error.message}") from None
    return templates


def _line(error: BaseException, path: str) -> str:
    """The line of the template at which ``error`` arose, from the traceback Jinja2 rewrites to point at it."""
    tb, found = error.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in (path, "<template>"):
            found = tb.tb_lineno
        tb = tb.tb_next
    return "" if found is None else f", line {found}"


def section(module: str, name: str, values: dict) -> str:
    """The section ``name`` of the template of ``module``, filled in with ``values``.

    ``module`` is an analysis's ``__name__``, or its topic; the blank lines around the section in the file are left out.
    """
    topic = module.rsplit(".", 1)[-1]
    if name not in sections(topic):
        raise WordsError(f"{path_of(topic)}: no section '## {name}'; it has {', '.join(sections(topic))}")
    template = sections(topic)[name]
    try:
        text = template.render(values)
    except jinja2.UndefinedError as error:
        raise WordsError(f"{template.filename}{_line(error, template.filename)} (## {name}): {error.message}; "
                         f"the analysis gives {', '.join(sorted(values))}") from None
    return text.removeprefix(template.prefix).rstrip("\n")


def render(module: str, values: dict) -> Words:
    """The story of the analysis in ``module`` (its ``__name__``): words from its template, numbers from ``values``."""
    summary, caveats = section(module, "summary", values), section(module, "caveats", values)
    return Words(title=section(module, "title", values).replace("\n", " "),
                 summary=Prose("\n\n".join(part for part in (summary, caveats) if part)),
                 closing=Prose(section(module, "what this shows", values)), caveats=Prose(caveats))
