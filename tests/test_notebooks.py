"""The notebooks tell the story and the package does the work: each makes one call into the package.

A notebook's ``parameters`` cell and its analysis function declare the same
parameters with the same defaults, so the package can tell a published run
from an exploratory one; the other code cells only show what the call returned.
"""

from __future__ import annotations

import ast
import re

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
    r"|result\.closing"
)


def _code(path):
    nb = nbformat.read(path, as_version=4)
    return [c for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_and_analysis_function_agree(path):
    declared = papermill.inspect_notebook(str(path))
    defaults = {name: ast.literal_eval(spec["default"]) for name, spec in declared.items()}
    assert defaults == ANALYSES[path.stem].defaults


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_makes_one_call_and_only_shows_what_it_returns(path):
    lines = [line for cell in _code(path) for line in cell.source.splitlines() if line.strip()]
    strays = [line for line in lines if not ALLOWED.fullmatch(line)]
    assert not strays, f"{path.name}: code that belongs in the package: {strays}"
    calls = [line for line in lines if ".analyse(" in line]
    assert len(calls) == 1
    passed = set(re.findall(r"(\w+)=\1", calls[0]))
    assert passed == set(ANALYSES[path.stem].defaults), f"{path.name}: pass every parameter to the analysis"
    assert lines[-2:] == ["show(result)", "result.closing"]


def test_the_rule_catches_computation_in_a_notebook():
    for line in ("table = result.table[result.table.year > 2013]", "import pandas as pd", "ratio = 270 / 5",
                 "result = conviction_gap.analyse(source=source, years=[2014])"):
        assert not ALLOWED.fullmatch(line), line
