"""Checking the parameters of a run before any kernel starts.

Three checks, each listing every problem at once so one correction suffices: names (does a selected notebook declare
it), types (does the value fit the annotation of the ``parameters`` cell, read as a type by
:func:`analysis.parameters.hint_of`; a published notebook's cell is written from its analysis's signature by
``tip-norway normalize``), and domains (does the data hold what the value asks for: a year present, a known measure,
a positive rate). A kernel takes seconds to start, so a typo should cost none of them.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

import yaml

from ..parameters import alternatives, changed_from_defaults, conforms, hint_of
from .errors import ParameterError
from .notebooks import Notebook, defaults

if TYPE_CHECKING:
    from ..data import Dataset


def _refused(value) -> str | None:
    """Why a value of the right type is still refused.

    A number that is not finite (YAML's ``.inf``, ``.nan``), which no analysis can use and JSON cannot hold, or a list
    that names a value twice; None when it is fine.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value!r} is not a finite number; expected a finite one"
    if isinstance(value, list):
        for item in value:
            if refused := _refused(item):
                return refused
        repeated = [item for i, item in enumerate(value) if item in value[:i]]
        if repeated:
            return f"{', '.join(map(repr, dict.fromkeys(repeated)))} given twice in {value!r}; expected each value once"
    return None


def _as_yaml_number(value, hint) -> str:
    """For text that Python reads as a number but YAML 1.1 does not (``1e-9``), how to write it as one; else "".

    YAML 1.1, which PyYAML reads, takes a number in exponent notation only with a dot in it and a sign on the
    exponent: ``1.0e-9``, ``2.5e+3``.
    """
    if not (isinstance(value, str) and float in alternatives(hint)):
        return ""
    found = re.fullmatch(r"\s*([-+]?(?:\d+\.?\d*|\.\d+))[eE]([-+]?)(\d+)\s*", value)
    if not found:
        return ""
    mantissa, sign, digits = found.groups()
    written = f"{mantissa if '.' in mantissa else mantissa + '.0'}e{sign or '+'}{digits}"
    if yaml.safe_load(written) != float(value):
        return ""
    return (f"; YAML 1.1 reads a number in exponent notation only with a dot and a signed exponent: "
            f"write {written}")


def _normalise(value, hint):
    """Give a float parameter a float even when written as a whole number, so ``10`` and ``10.0`` record alike."""
    members = alternatives(hint)
    if float in members and int not in members and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _refuse(problems: list[str], notebooks: list[Notebook]) -> ParameterError:
    listing = "\n".join(nb.describe() for nb in notebooks)
    return ParameterError("\n".join(problems) + "\n\nThe selected notebooks take:\n" + listing)


def _others(notebooks: list[Notebook]) -> set[str]:
    """The names and numbers of the notebooks beside the selected ones (in their folders) that are not selected."""
    selected = {nb.name for nb in notebooks}
    names = {path.stem for nb in notebooks for path in nb.path.parent.glob("*.ipynb")} - selected
    return names | {name.split("_", 1)[0] for name in names} - {nb.figure_prefix[:-1] for nb in notebooks}


def _scoped_and_common(notebooks: list[Notebook], given: dict) -> tuple[dict[str, dict], dict]:
    """Split ``given`` into the mappings for one notebook (by its name) and the parameters for any that takes them.

    A mapping for a notebook that is not selected is left out: one parameter file can serve runs of any selection.
    """
    scoped, common = {}, {}
    others = _others(notebooks)
    for key, value in given.items():
        if isinstance(key, int) and not isinstance(key, bool):
            key = f"{key:02d}"  # YAML reads a bare 03 as the number 3
        target = [nb for nb in notebooks if key in (nb.name, nb.figure_prefix[:-1])]
        if target and isinstance(value, dict):
            scoped[target[0].name] = value
        elif isinstance(value, dict) and key in others:
            continue
        else:
            common[key] = value
    return scoped, common


def _assigned(notebooks: list[Notebook], given: dict, problems: list[str]) -> dict[str, dict]:
    """The given values each notebook declares, by notebook name; a name no selected notebook declares is a problem.

    A name given for all applies to every notebook that declares it; a name in a notebook's own mapping to it alone.
    """
    per_notebook: dict[str, dict] = {nb.name: {} for nb in notebooks}
    scoped, common = _scoped_and_common(notebooks, given)
    for name, value in common.items():
        takers = [nb for nb in notebooks if name in nb.parameters]
        if not takers:
            problems.append(f"unknown parameter {name!r}: no selected notebook declares it")
        for nb in takers:
            per_notebook[nb.name][name] = value
    for nb_name, values in scoped.items():
        nb = next(n for n in notebooks if n.name == nb_name)
        for name, value in values.items():
            if name not in nb.parameters:
                problems.append(f"unknown parameter {name!r} for notebook {nb_name}")
            else:
                per_notebook[nb_name][name] = value
    return per_notebook


def _typed(nb: Notebook, values: dict, problems: list[str]) -> dict:
    """``values`` for ``nb``, each checked against its annotation and normalised; a misfit is a problem."""
    typed = dict(values)
    for name, value in values.items():
        type_name = nb.parameters[name]["inferred_type_name"]
        hint = hint_of(type_name)
        if not conforms(value, hint):
            problems.append(f"parameter {name!r} of {nb.name} expects {type_name}, got {value!r} "
                            f"({type(value).__name__}){_as_yaml_number(value, hint)}")
        elif refused := _refused(value):
            problems.append(f"parameter {name!r} of {nb.name}: {refused}")
        else:
            typed[name] = _normalise(value, hint)
    return typed


def resolve_parameters(notebooks: list[Notebook], given: dict) -> dict[str, dict]:
    """Assign the given parameters to the notebooks that declare them, checking names and types.

    Args:
        notebooks: The selected notebooks.
        given: Parameter names to values, plus optional per-notebook mappings
            keyed by notebook name or number.

    Returns:
        For each notebook name, the parameters to inject (empty for defaults).

    Raises:
        ParameterError: Listing every unknown name and ill-typed value, with the
            parameters each selected notebook takes, before anything runs.
    """
    problems: list[str] = []
    assigned = _assigned(notebooks, given, problems)
    per_notebook = {nb.name: _typed(nb, assigned[nb.name], problems) for nb in notebooks}
    if problems:
        raise _refuse(problems, notebooks)
    return per_notebook


def check_domains(notebooks: list[Notebook], parameters: dict[str, dict], data: Dataset) -> None:
    """Ask each notebook's analysis whether the data allow the values given for it.

    Only the values given are passed: the analysis fills in its own defaults,
    so a notebook run with its defaults is checked too.

    Raises:
        ParameterError: Listing every problem of every notebook, each prefixed
            with the notebook's name, before anything runs.
    """
    from ..analyses import parameter_problems  # pandas and the analyses: only when a value must be checked

    problems = [f"{nb.name}: {problem}" for nb in notebooks
                for problem in parameter_problems(nb.name, parameters[nb.name], data)]
    if problems:
        raise _refuse(problems, notebooks)


def changed(nb: Notebook, given: dict) -> dict[str, dict]:
    """The given parameters whose value differs from the notebook's default, with both values.

    A value equal to the default (``10`` for ``10.0``, ``[2013, 2014]`` for the
    same list) is no change: such a run still reproduces the published charts.
    The comparison is :func:`~analysis.parameters.changed_from_defaults`,
    the one the note under a chart uses.
    """
    default = defaults(nb)
    return {name: {"default": default.get(name), "value": value}
            for name, value in changed_from_defaults(given, default).items()}
