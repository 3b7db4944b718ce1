"""The grid of a sweep: the values given for each parameter, and every combination of them, checked before any run.

A grid comes from ``-p NAME V1 V2 ...`` on the command line or from a YAML file
(:func:`load_grid_file`). :func:`combinations` refuses a bad grid, listing every
problem with the values that cause it: an unknown name, a value given twice, a
grid larger than the limit, a value of the wrong type; :func:`check_combinations`
then refuses the values the data do not allow.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ParameterError
from .notebooks import Notebook
from .parameter_input import read_yaml
from .parameters import check_domains, resolve_parameters

if TYPE_CHECKING:
    from ..data import Dataset


def _problems(combo: dict, refused: ParameterError) -> str:
    """``(year=1999): <the problems>``, without the listing of every parameter that follows them."""
    return f"({described(combo)}): {str(refused).split(chr(10) * 2)[0]}"


def load_grid_file(path: Path) -> dict[str, list]:
    """A grid from YAML: ``NAME: [V1, V2, ...]`` for each swept parameter (a single value may stand alone)."""
    content = read_yaml(path, "sweep file")
    if not isinstance(content, dict) or not content:
        raise ParameterError(f"sweep file {path}: expected a mapping of parameter names to lists of values, "
                             f"such as 'exchange_rate: [7.5, 8.0]'")
    return {str(name): values if isinstance(values, list) else [values] for name, values in content.items()}


def described(parameters: dict) -> str:
    """``exchange_rate=8.0, denominator=initial_contacts``."""
    return ", ".join(f"{name}={json.dumps(value) if not isinstance(value, str) else value}"
                     for name, value in parameters.items())


def _check_limit(max_runs: int) -> None:
    """Refuse a limit on the runs of a sweep under 1: no grid fits it, and the grid's size would be blamed."""
    if isinstance(max_runs, bool) or not isinstance(max_runs, int) or max_runs < 1:
        raise ParameterError(f"--max-runs {max_runs}: expected a whole number of runs, at least 1")


def _named_problems(nb: Notebook, grid: dict[str, list]) -> list[str]:
    """What is wrong with the grid's names and lists of values: a name ``nb`` does not declare, no value, a repeat."""
    problems = []
    for name, values in grid.items():
        if name not in nb.parameters:
            problems.append(f"unknown parameter {name!r}: {nb.name} declares {', '.join(nb.parameters)}")
        elif not values:
            problems.append(f"{name}: no values given")
        repeated = [v for i, v in enumerate(values) if v in values[:i]]
        if repeated:
            problems.append(f"{name}: {', '.join(map(repr, repeated))} given twice")
    return problems


def _check_size(nb: Notebook, grid: dict[str, list], max_runs: int) -> None:
    """Refuse a grid of more than ``max_runs`` combinations, saying how many and the limit that lets it run."""
    count = 1
    for values in grid.values():
        count *= len(values)
    if count > max_runs:
        sizes = " x ".join(f"{len(v)} {name}" for name, v in grid.items())
        raise ParameterError(f"{nb.name}: the grid has {count} runs ({sizes}), more than the limit of {max_runs}; "
                             f"sweep fewer values, or raise the limit with --max-runs {count}")


def combinations(nb: Notebook, grid: dict[str, list], max_runs: int) -> list[dict]:
    """Every combination of the grid's values, as it will be injected, checked before anything runs.

    The first parameter varies slowest; a whole number given for a float parameter becomes a float.

    Raises:
        ParameterError: For a limit under 1, an empty or oversized grid, an unknown name, a value
            given twice, or any combination whose names, types or domain are
            wrong, listing every problem with the values that cause it.
    """
    _check_limit(max_runs)
    if not grid:
        raise ParameterError(f"{nb.name}: nothing to sweep: give -p NAME VALUE [VALUE ...] or a sweep file")
    problems = _named_problems(nb, grid)
    if problems:
        raise ParameterError("\n".join(problems))
    _check_size(nb, grid, max_runs)
    resolved = []
    for values in itertools.product(*grid.values()):
        combo = dict(zip(grid, values, strict=True))
        try:
            resolved.append(resolve_parameters([nb], combo)[nb.name])
        except ParameterError as exc:
            problems.append(_problems(combo, exc))
    if problems:
        raise ParameterError("\n".join(dict.fromkeys(problems)) + f"\n\n{nb.describe()}")
    return resolved


def check_combinations(nb: Notebook, combos: list[dict], data: Dataset) -> None:
    """Refuse, listing each, the combinations whose values the data do not allow."""
    problems = []
    for combo in combos:
        try:
            check_domains([nb], {nb.name: combo}, data)
        except ParameterError as exc:
            problems.append(_problems(combo, exc))
    if problems:
        raise ParameterError("\n".join(problems) + f"\n\n{nb.describe()}")
