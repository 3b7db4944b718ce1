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
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pandas as pd

from ..data import Dataset, load
from ..parameters import ParameterError, changed_from_defaults, plain
from ..steps import Step
from ..steps import step as read_step
from .finite import NonFiniteError, non_finite, open_interval, refuse_non_finite
from .signature import checker, declared

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


def topic(notebook: str) -> str:
    """The name a notebook shares with its analysis and drawing modules: ``01_conviction_gap`` -> ``conviction_gap``."""
    number, _, name = notebook.partition("_")
    if not (number.isdigit() and name):
        raise ValueError(f"a published notebook is named NN_topic; got {notebook!r}")
    return name


#: Every analysis, by the notebook that calls it.
ANALYSES: dict[str, Callable[..., Result]] = {}

def analysis_of(headline: tuple[str, str] | None = None, step: Step | None = None):
    """Declare ``func(data, **parameters)`` the analysis of its module's step, summed up by the fact ``headline``.

    The step is the module's name, its topic (:mod:`analysis.steps`): ``analyses/funding_per_victim.py`` is the
    analysis of ``notebooks/03_funding_per_victim.ipynb``, and the front matter of ``words/funding_per_victim.md``
    says which tables beyond the core it reads. The wrapped function takes the notebook's parameters as keywords
    (``data`` optional: the curated data are loaded when it is not given, with the tables the step reads), refuses
    unknown names and values outside the domains the signature declares with :class:`ParameterError`, and returns its
    :class:`Result` with ``name``, ``parameters`` and ``defaults`` filled in. ``step`` gives the step instead of
    reading it (a probe declared by a test).

    Raises:
        StepError: For a module that is no step (no words of its name with front matter, or not one notebook).
        TypeError: For a parameter declared without a default or a domain (see
            :func:`~analysis.analyses.signature.declared`), when the module is imported.
    """

    def wrap(func: Callable[..., Result]) -> Callable[..., Result]:
        declared_step = step or read_step(func.__module__.rsplit(".", 1)[-1])
        notebook = declared_step.notebook
        glotip, world_bank = "glotip" in declared_step.reads, "world_bank" in declared_step.reads
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
            refuse_non_finite(notebook, result, func, check, data, values, defaults)
            return replace(result, name=notebook, parameters=values, defaults=defaults, headline=headline)

        analyse.notebook = notebook
        analyse.defaults = defaults
        analyse.domains = {name: p.domain for name, p in parameters.items()}
        analyse.problems = problems
        analyse.headline = headline
        ANALYSES[notebook] = analyse
        return analyse

    return wrap
