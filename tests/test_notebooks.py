"""The notebooks tell the story and the package does the work: each makes one call into the package.

A notebook's ``parameters`` cell and its analysis function declare the same
parameters with the same defaults and types, so the package can tell a published run
from an exploratory one, and the runner checks a value's type against the
analysis's own; the other code cells only show what the call returned.
"""

from __future__ import annotations

import ast
import re
import types
import typing

import nbformat
import papermill
import pytest

from analysis.analyses import ANALYSES
from analysis.data import paths

NOTEBOOKS = sorted(paths.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
#: What a code cell may hold besides the parameters: imports from the package, the one call, and showing its parts.
ALLOWED = re.compile(
    r"from analysis\.analyses import \w+"
    r"|from analysis\.charts import show"
    r"|result = \w+\.analyse\((\w+=\w+(, )?)*\)"
    r"|result\.(summary|table|tables\[\"\w+\"\])(\[\[[\"\w, ]+\]\])?"
    r"|show\(result\)"
)


def spelled(annotation) -> str:
    """A type as a ``parameters`` cell writes it: a tuple as a list (papermill and YAML give lists),
    ``X | None`` as ``Optional[X]`` (papermill reads no other form)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        (inner,) = [a for a in args if a is not type(None)]
        return f"Optional[{spelled(inner)}]"
    if origin in (tuple, list):
        return f"list[{spelled(args[0])}]"
    return annotation.__name__


def test_a_type_is_spelled_as_a_parameters_cell_writes_it():
    optional = typing.Optional[float]  # noqa: UP045 -- the form papermill reads
    assert [spelled(t) for t in (int, tuple[int, ...], list[str], float | None, optional)] == [
        "int", "list[int]", "list[str]", "Optional[float]", "Optional[float]"]


def _code(path):
    nb = nbformat.read(path, as_version=4)
    return [c for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_and_analysis_function_agree(path):
    declared = papermill.inspect_notebook(str(path))
    defaults = {name: ast.literal_eval(spec["default"]) for name, spec in declared.items()}
    assert defaults == ANALYSES[path.stem].defaults
    hints = typing.get_type_hints(ANALYSES[path.stem].__wrapped__)  # without extras: the base types, domains left out
    signature = {name: spelled(hint) for name, hint in hints.items() if name not in ("data", "return")}
    assert {name: spec["inferred_type_name"] for name, spec in declared.items()} == signature


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_makes_one_call_and_only_shows_what_it_returns(path):
    lines = [line for cell in _code(path) for line in cell.source.splitlines() if line.strip()]
    strays = [line for line in lines if not ALLOWED.fullmatch(line)]
    assert not strays, f"{path.name}: code that belongs in the package: {strays}"
    calls = [line for line in lines if ".analyse(" in line]
    assert len(calls) == 1
    passed = set(re.findall(r"(\w+)=\1", calls[0]))
    assert passed == set(ANALYSES[path.stem].defaults), f"{path.name}: pass every parameter to the analysis"
    assert lines[-1] == "show(result)"


def test_the_rule_catches_computation_in_a_notebook():
    for line in ("table = result.table[result.table.year > 2013]", "import pandas as pd", "ratio = 270 / 5",
                 "result = conviction_gap.analyse(source=source, years=[2014])"):
        assert not ALLOWED.fullmatch(line), line
