"""What every analysis returns, and how it is declared the analysis of its notebook.

Each notebook makes one call: ``<module>.analyse(**parameters)``. The function's
keyword arguments are the notebook's ``parameters`` cell, with the same
defaults (a test keeps the two equal), so the package knows which values a
run changed and can say so under the chart. Each parameter declares in the
signature the values it may take (:mod:`analysis.analyses.domains`); they are
checked before any work, by the same code the runner calls before it starts a kernel.
"""

from __future__ import annotations

import functools
import math
import numbers
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import pandas as pd

from ..data import Dataset, load
from ..parameters import ParameterError, changed_from_defaults, plain
from .domains import checker, declared

__all__ = ["ANALYSES", "NonFiniteError", "ParameterError", "Prose", "Result", "analysis_of", "non_finite",
           "open_interval", "topic"]


class Prose(str):
    """Markdown text: Jupyter renders it as Markdown, and nbval compares its text."""

    def _repr_markdown_(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Result:
    """What a notebook shows, computed by the package.

    Attributes:
        title: The finding, as the chart's title states it.
        table: What the chart plots; written beside it as CSV. Cells that
            name several figures hold a tuple of ids (written "a;b").
        facts: The numbers the title and the prose state, by name.
        figure_ids: The curated figures used, in the order used.
        sources: The register rows of the sources of those figures.
        summary: The prose with the numbers, as Markdown: the finding, then its caveats.
        tables: Other tables the notebook shows, by name.
        supplied: For a parameter whose value is the user's and not a source's
            (a rate, a currency), how the chart should label it.
        name: The notebook (and chart file) name; set by :func:`analysis_of`.
        parameters: The values the analysis ran with; set by :func:`analysis_of`.
        defaults: The published defaults; set by :func:`analysis_of`.
        headline: The one fact that sums the result up, as ``(path, label)``:
            its place in ``facts`` (``"pooled.NOR"`` for ``facts["pooled"]["NOR"]``)
            and what it measures (``{name}`` stands for the fact ``name``, as
            in "funding per victim, in {currency}"), for a chart of how it moves
            with a parameter; set by :func:`analysis_of`, None where no single number does.
        caveats: What the numbers do not say, as Markdown: the end of ``summary``, kept apart
            for the report site, which shows it under its own heading.
        closing: What the chart shows, in words, as Markdown: the notebook's last cell.
            The words of ``title``, ``summary`` and ``closing`` come from the template
            ``analyses/words/<topic>.md`` (see :mod:`analysis.analyses.words`).
    """

    title: str
    table: pd.DataFrame
    facts: dict
    figure_ids: tuple[str, ...]
    sources: pd.DataFrame
    summary: Prose
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    supplied: dict[str, str] = field(default_factory=dict)
    name: str = ""
    parameters: dict = field(default_factory=dict)
    defaults: dict = field(default_factory=dict)
    headline: tuple[str, str] | None = None
    closing: Prose = Prose("")
    caveats: Prose = Prose("")

    def headline_label(self) -> str | None:
        """The headline's label with the facts it names filled in: "funding per victim, in EUR"."""
        return None if self.headline is None else self.headline[1].format_map(self.facts)

    def headline_value(self) -> float | tuple[float, float] | None:
        """The headline fact: a number, a ``(low, high)`` interval, or None when the analysis has no headline."""
        if self.headline is None:
            return None
        value = self.facts
        for key in self.headline[0].split("."):
            if not isinstance(value, dict) or key not in value:
                return None  # e.g. Norway's pooled ratio when the countries chosen leave Norway out
            value = value[key]
        return tuple(float(v) for v in value) if isinstance(value, tuple | list) else float(value)

    @property
    def changed(self) -> dict:
        """The parameters whose value differs from the published default."""
        return changed_from_defaults(self.parameters, self.defaults)


class NonFiniteError(ValueError):
    """A result that holds an infinity (or prints "inf", "nan") where a finite number was meant.

    Raised by every analysis before it returns, so the notebook's cell fails, nothing is drawn or written and the run
    is not marked ok; the message names the notebook, each place and the parameters that produced it.
    """


def _number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def open_interval(value) -> bool:
    """Whether ``value`` is an interval with no upper end by design: a pair ``(low, +inf)`` with ``low`` finite.

    A ratio over a count that may be 0 (a "<5" taken to be 0 to 4, a comparison with a year of no convictions) has
    no upper limit: the infinity there is the answer, not an overflow. It is written to JSON as ``[low, null]``
    with its place listed under ``open_upper_ends`` (:func:`analysis.charts.save.jsonable`), and the words print it
    without an upper end (the filter ``interval`` gives "at least 3"); any other infinity is an error
    (:func:`non_finite`). NaN only ever means "not reported".
    """
    return (isinstance(value, tuple | list) and len(value) == 2 and all(_number(v) for v in value)
            and math.isfinite(float(value[0])) and float(value[1]) == math.inf)


def _infinite(value) -> bool:
    """An infinity (not a NaN, which means "not reported"), of Python, numpy or pandas."""
    return _number(value) and math.isinf(float(value))


def _places(value, path: str) -> Iterator[tuple[str, object]]:
    """Each place under ``value`` holding an infinity that is not the open upper end of an interval."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _places(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, tuple | list):
        if open_interval(value):
            return
        for i, item in enumerate(value):
            yield from _places(item, f"{path}[{i}]")
    elif _infinite(value):
        yield path, value


#: A number Python prints when it is not finite: "inf", "-inf", "nan" as a word of their own ("EUR inf", "inf%").
_PRINTED = re.compile(r"(?<![\w.])[-+]?(?:inf|nan)(?!\w)")


def non_finite(result: Result) -> list[tuple[str, object]]:
    """Where ``result`` holds a number that is not finite and should be: ``(place, value)`` pairs, empty when none.

    The facts and every cell of its tables may hold NaN (not reported) and the open upper end of an interval
    (:func:`open_interval`; in a table, +inf in a column whose name ends in ``high``); any other infinity is listed.
    Its words may not print "inf" or "nan" at all.
    """
    found = list(_places(result.facts, "facts"))
    for name, table in {"table": result.table, **result.tables}.items():
        for column in table.columns:
            for row, cell in enumerate(table[column]):
                where = f"{name}[{column!r}] row {row}"
                if _infinite(cell) and not (float(cell) == math.inf and str(column).endswith("high")):
                    found.append((where, cell))
                elif isinstance(cell, tuple | list | dict):
                    found += _places(cell, where)
    for part in ("title", "summary", "closing"):
        for match in _PRINTED.finditer(str(getattr(result, part))):
            text = str(getattr(result, part))
            found.append((part, text[max(0, match.start() - 30):match.end() + 10]))
    return found


def _shown_places(found: list[tuple[str, object]]) -> str:
    listed = "; ".join(f"{place} is {value!r}" for place, value in found[:3])
    return listed + (f"; and {len(found) - 3} more" if len(found) > 3 else "")


def _blame(func: Callable[..., Result], check: Callable[[Dataset, dict], list[str]], data: Dataset, values: dict,
           defaults: dict, found: list[tuple[str, object]]) -> str:
    """The parameters of ``func`` that produced the non-finite places ``found``, in words.

    With one parameter changed from its default it is that one. With several, each is set back to its default in
    turn and cleared when the places stay non-finite without it (the currency, when only the rate overflows); one
    whose default the other values do not allow, or whose trial fails, stays a suspect.
    """
    changed = changed_from_defaults(values, defaults)
    if not changed:
        return "with the published defaults (a fault of the analysis or the data, not of a parameter)"
    culprits = list(changed)
    if len(changed) > 1:
        places = {place for place, _ in found}
        suspects = []
        for name in changed:
            trial = {**values, name: defaults[name]}
            try:
                again = None if check(data, trial) else non_finite(func(data, **trial))
            except Exception:  # noqa: BLE001 - a trial that fails says nothing of the parameter
                again = None
            if again is None or not places & {place for place, _ in again}:
                suspects.append(name)
        culprits = suspects or culprits
    return "produced by " + ", ".join(f"{name}={values[name]!r} (published default: {defaults[name]!r})"
                                      for name in culprits)


def topic(notebook: str) -> str:
    """The name a notebook shares with its analysis and drawing modules: ``01_conviction_gap`` -> ``conviction_gap``."""
    number, _, name = notebook.partition("_")
    if not (number.isdigit() and name):
        raise ValueError(f"a published notebook is named NN_topic; got {notebook!r}")
    return name


#: Every analysis, by the notebook that calls it.
ANALYSES: dict[str, Callable[..., Result]] = {}

def analysis_of(notebook: str, glotip: bool = False, headline: tuple[str, str] | None = None, world_bank: bool = False):
    """Declare ``func(data, **parameters)`` the analysis of ``notebook``, summed up by the fact ``headline``.

    The wrapped function takes the notebook's parameters as keywords (``data``
    optional: the curated data are loaded when it is not given, with UNODC's
    counts when ``glotip`` and the World Bank's population and prices when
    ``world_bank``), refuses
    unknown names and values outside the domains the signature declares with
    :class:`ParameterError`, and returns its :class:`Result` with ``name``,
    ``parameters`` and ``defaults`` filled in.

    Raises:
        ImportError: For an analysis outside the module of its notebook's name.
        TypeError: For a parameter declared without a default or a domain (see
            :func:`~analysis.analyses.domains.declared`), when the module is imported.
    """

    def wrap(func: Callable[..., Result]) -> Callable[..., Result]:
        module = func.__module__.rsplit(".", 1)[-1]
        if module != topic(notebook):
            raise ImportError(f"the analysis of {notebook} must live in analyses/{topic(notebook)}.py, not "
                              f"{module}.py: a notebook, its analysis and its drawing share one name")
        parameters = declared(func)
        defaults = {name: plain(p.default) for name, p in parameters.items()}
        check = checker(parameters)

        def problems(data: Dataset, values: dict) -> list[str]:
            unknown = [f"unknown parameter {name!r}: expected one of {', '.join(defaults)}"
                       for name in values if name not in defaults]
            return unknown or check(data, {**defaults, **{k: plain(v) for k, v in values.items()}})

        @functools.wraps(func)
        def analyse(data: Dataset | None = None, **values) -> Result:
            data = load(glotip=glotip, world_bank=world_bank) if data is None else data
            if glotip and data.glotip is None:
                raise ValueError(f"{notebook} needs UNODC's counts: pass analysis.load(glotip=True)")
            if world_bank and data.world_bank is None:
                raise ValueError(f"{notebook} needs the World Bank's population and prices: pass "
                                 "analysis.load(world_bank=True)")
            found = problems(data, values)
            if found:
                raise ParameterError(found, notebook=notebook)
            values = {**defaults, **{k: plain(v) for k, v in values.items()}}
            result = func(data, **values)
            found = non_finite(result)
            if found:
                raise NonFiniteError(f"{notebook}: {_shown_places(found)}: not a finite number, "
                                     f"{_blame(func, check, data, values, defaults, found)}; expected finite "
                                     "numbers (NaN only for a value not reported, +inf only as the upper end of an "
                                     "interval that has none); nothing was drawn or written")
            return replace(result, name=notebook, parameters=values, defaults=defaults, headline=headline)

        analyse.notebook = notebook
        analyse.defaults = defaults
        analyse.domains = {name: p.domain for name, p in parameters.items()}
        analyse.problems = problems
        analyse.headline = headline
        ANALYSES[notebook] = analyse
        return analyse

    return wrap
