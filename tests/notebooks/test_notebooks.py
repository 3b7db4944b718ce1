"""The notebooks tell the story and the package does the work: each makes one call into the package.

A notebook's ``parameters`` cell and its call are written from its analysis function by ``tip-norway normalize``
(tests/regenerate/test_normalize.py fails when they differ); the other code cells only show what the call returned.
The rule is read from the code's syntax tree (:func:`form_problems`), so a
filter of a table or a call written over several lines is as welcome as a
plain ``result.table``, and reading data, importing a library to compute or
typing in numbers is refused however it is written. Notebooks that compute
freely live in ``notebooks/exploratory/``, which these tests leave alone.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

import nbformat
import pytest

from analysis import config
from analysis.analyses import ANALYSES, topic

NOTEBOOKS = sorted(config.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
#: Where the names a notebook may import come from.
PACKAGE = "analysis"
#: Methods that write a file or draw: a published notebook's files and charts come from ``show(result)`` alone.
WRITING = frozenset({"to_csv", "to_excel", "to_parquet", "to_pickle", "to_feather", "to_hdf", "to_sql", "to_stata",
                     "to_clipboard", "plot", "hist", "boxplot", "savefig"})
#: Operators that combine the masks of a filter, ``(a > 1) & ~b``; arithmetic is refused.
MASKS = (ast.BitAnd, ast.BitOr, ast.BitXor)
#: What an expression that reads may be made of, besides names, method calls and the masks' operators.
READING = (ast.Constant, ast.Attribute, ast.Subscript, ast.Slice, ast.Tuple, ast.List, ast.Set, ast.Dict, ast.Compare,
           ast.BoolOp, ast.BinOp, ast.UnaryOp)


def _cells(path):
    """The source of the notebook's parameters cell, and of its other code cells in order."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    parameters = [c.source for c in code if "parameters" in c.metadata.get("tags", [])]
    return "\n".join(parameters), [c.source for c in code if "parameters" not in c.metadata.get("tags", [])]


def _reading(node: ast.AST, readable: set[str]) -> list[str]:
    """Why the expression ``node`` does more than read ``readable`` names and literals; empty when it does not."""
    if isinstance(node, ast.Name):
        return [] if node.id in readable else [f"uses {node.id!r}, which is not result or read from it"]
    signs = isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd | ast.USub)  # -1 is a literal; -x computes
    if (signs and not isinstance(node.operand, ast.Constant)) or (isinstance(node, ast.BinOp)
                                                                   and not isinstance(node.op, MASKS)):
        return [f"computes with {type(node.op).__name__}: arithmetic belongs in the package"]
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Attribute):
            return [f"calls {ast.unparse(node.func)}(): only methods of what result holds may be called"]
        if node.func.attr in WRITING:
            return [f"calls .{node.func.attr}(): files and charts come from show(result)"]
        parts = [node.func.value, *node.args, *(keyword.value for keyword in node.keywords)]
    elif isinstance(node, READING):
        parts = [child for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr)]
    else:
        return [f"{type(node).__name__} belongs in the package"]
    return [why for part in parts for why in _reading(part, readable)]


def _declared(source: str) -> tuple[list[str], list[str]]:
    """The names a parameters cell assigns, and what in it is not a literal assigned to a name."""
    names, problems = [], []
    for statement in ast.parse(source).body:
        if isinstance(statement, ast.ImportFrom) and statement.module == "typing":
            continue  # names for the annotations: papermill reads Optional[float], not float | None (pyproject.toml)
        targets = statement.targets if isinstance(statement, ast.Assign) else [getattr(statement, "target", None)]
        try:
            ast.literal_eval(getattr(statement, "value", None))
            literal = True
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            literal = False
        if isinstance(statement, ast.Assign | ast.AnnAssign) and [type(t) for t in targets] == [ast.Name] and literal:
            names.append(targets[0].id)
        else:
            problems.append(f"parameters cell, line {statement.lineno}: `{ast.unparse(statement)}`: "
                            "the parameters cell assigns a literal to a name")
    return names, problems


def _imported(statement: ast.Import | ast.ImportFrom, imported: dict[str, str]) -> list[str]:
    """Record the names an import from the package binds, by module; or why the import is refused."""
    modules = [statement.module or ""] if isinstance(statement, ast.ImportFrom) else [a.name for a in statement.names]
    if getattr(statement, "level", 0) or not all(m == PACKAGE or m.startswith(PACKAGE + ".") for m in modules):
        return ["imports from outside the package: the computing belongs in it"]
    imported.update({(alias.asname or alias.name).split(".")[0]: modules[0] for alias in statement.names})
    return []


def _the_call(statement: ast.stmt, call: ast.Call, topic: str, imported: dict[str, str], names: list[str],
              expected: set[str]) -> list[str]:
    """Why ``statement`` is not ``result = <topic>.analyse(name=name, ...)`` with every parameter passed by name."""
    reasons = []
    if not (isinstance(statement, ast.Assign) and [ast.unparse(t) for t in statement.targets] == ["result"]):
        reasons.append("the analysis's result is kept as result")
    if not (ast.unparse(call.func.value) == topic and imported.get(topic) == f"{PACKAGE}.analyses"):
        reasons.append(f"calls {topic}.analyse, with {topic} imported from {PACKAGE}.analyses")
    passed = [k.arg for k in call.keywords if isinstance(k.value, ast.Name) and k.value.id == k.arg and k.arg in names]
    if call.args or len(passed) != len(call.keywords) or set(passed) != expected:
        reasons.append(f"pass every parameter by name, as name=name: {', '.join(sorted(expected))}")
    return reasons


def _read(statement: ast.Expr | ast.Assign, readable: set[str], taken: set[str]) -> list[str]:
    """Why ``statement`` does more than read ``readable`` names; a name it assigns becomes readable."""
    reasons = _reading(statement.value, readable)
    if not reasons and not any(isinstance(n, ast.Name) and n.id in readable for n in ast.walk(statement.value)):
        reasons.append("reads nothing from result: literals belong in the parameters cell")
    if isinstance(statement, ast.Assign):
        targets = [t for target in statement.targets
                   for t in (target.elts if isinstance(target, ast.Tuple | ast.List) else [target])]
        if not all(isinstance(t, ast.Name) for t in targets):
            reasons.append("assigns into result or a part of it: only names are assigned")
        elif any(t.id in taken for t in targets):
            reasons.append("assigns again a name the notebook already has")
        elif not reasons:
            readable.update(t.id for t in targets)
    return reasons


def _shows(statement: ast.stmt) -> bool:
    value = getattr(statement, "value", None)
    return isinstance(statement, ast.Expr) and isinstance(value, ast.Call) and ast.unparse(value.func) == "show"


class _Form:
    """What a notebook's code cells have done so far, statement by statement: imports, the call, the chart shown."""

    def __init__(self, topic: str, names: set[str], expected: set[str]):
        self.topic, self.names, self.expected = topic, names, expected
        self.imported: dict[str, str] = {}  # name -> the module of the package it comes from
        self.readable: set[str] = set()  # result, once the call has made it, and names assigned from it
        self.calls = self.shown = 0

    def judge(self, statement: ast.stmt) -> list[str]:
        """Why ``statement`` is not of the form; empty when it is."""
        value = getattr(statement, "value", None)
        if isinstance(statement, ast.Import | ast.ImportFrom):
            return _imported(statement, self.imported)
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "analyse":
            self.calls += 1
            self.readable.add("result")
            reasons = _the_call(statement, value, self.topic, self.imported, self.names, self.expected)
            return reasons + (["a second call: a notebook makes one"] if self.calls > 1 else [])
        if _shows(statement):
            self.shown += 1
            if (ast.unparse(value) != "show(result)" or self.imported.get("show") != f"{PACKAGE}.charts"
                    or self.calls == 0):
                return ["show(result), with show from analysis.charts, after the call"]
            return ["a second show(result)"] if self.shown > 1 else []
        if isinstance(statement, ast.Expr | ast.Assign):
            return _read(statement, self.readable, {"result", *self.names, *self.imported})
        return [f"{type(statement).__name__} belongs in the package: a notebook only reads result"]


def form_problems(parameters: str, cells: list[str], topic: str, expected: Iterable[str]) -> list[str]:
    """What in a published notebook's code is not of its form; empty when all is.

    ``parameters`` is the source of the parameters cell, which assigns literals
    to names (and may import from :mod:`typing` for their annotations);
    ``cells`` the other code cells in order; ``expected`` the parameters of the
    analysis of ``topic``. The other cells may import from the package, make
    the one call ``result = <topic>.analyse(name=name, ...)`` passing every
    parameter by name, ``show(result)`` once, and otherwise only read
    ``result``: expressions and assignments whose names are ``result`` and
    names assigned from it, with literals, attribute access, subscripts,
    method calls, comparisons and the masks of a filter.
    """
    try:
        names, problems = _declared(parameters)
    except SyntaxError as error:
        return [f"parameters cell: not plain Python ({error.msg})"]
    form = _Form(topic, names, set(expected))
    for number, source in enumerate(cells, start=1):
        try:
            statements = ast.parse(source).body
        except SyntaxError as error:
            problems.append(f"code cell {number}: not plain Python ({error.msg})")
            continue
        for statement in statements:
            where = f"code cell {number}, line {statement.lineno}: `{ast.unparse(statement)}`"
            problems.extend(f"{where}: {why}" for why in form.judge(statement))
    if form.calls == 0:
        problems.append("no call of an analysis: result = <topic>.analyse(...)")
    if form.shown == 0:
        problems.append("no show(result)")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_makes_one_call_and_only_shows_what_it_returns(path):
    parameters, cells = _cells(path)
    problems = form_problems(parameters, cells, topic(path.stem), ANALYSES[path.stem].defaults)
    assert not problems, f"{path.name}: code that belongs in the package:\n" + "\n".join(problems)


# --- the rule itself, on notebook 01 with one cell added or its call replaced ------------------------------

PARAMETERS, (CALL, *_) = _cells(config.NOTEBOOKS / "01_conviction_gap.ipynb")
IMPORTS = "from analysis.analyses import conviction_gap\nfrom analysis.charts import show"
ONE_CALL = "result = conviction_gap.analyse(source=source, denominator=denominator, years=years, confidence=confidence)"
EXPECTED = ANALYSES["01_conviction_gap"].defaults


def _problems(*cells: str, call: str = ONE_CALL, parameters: str = PARAMETERS) -> list[str]:
    return form_problems(parameters, [IMPORTS, call, *cells, "show(result)"], "conviction_gap", EXPECTED)


def test_the_notebook_the_examples_build_on_is_01():
    assert CALL == f"{IMPORTS}\n\n{ONE_CALL}\nresult.summary"
    assert _problems() == []


@pytest.mark.parametrize("cells", [
    ["result.table[result.table.year > 2015]"],  # a filter
    ["table = result.table[result.table.year > 2013]"],  # a filter kept under a name
    ["table = result.tables['per_year']", "table[(table.year >= 2014) & ~table.unreliable][['year', 'victims']]"],
    ['result.tables["x"].head()'],
    ["result.table.sort_values(\n    'year',\n    ascending=False,\n).head(3)"],  # a call written over several lines
    ["result.tables['per_year'].iloc[:2, -1]"],
    ["result.closing"],  # the closing "What this shows" cell reads result
    ["per_year, windows = result.tables['per_year'], result.tables['windows']", "windows.query('years > 5')"],
], ids=["filter", "filter-kept", "masks", "head", "multi-line", "slice", "closing", "two-names"])
def test_the_rule_accepts_any_code_that_only_reads_result(cells):
    assert _problems(*cells) == []


def test_the_rule_accepts_the_call_written_over_several_lines():
    call = ("result = conviction_gap.analyse(\n    source=source,\n    denominator=denominator,\n"
            "    years=years,\n    confidence=confidence,\n)")
    assert _problems(call=call) == []


def test_the_rule_accepts_a_closing_section_after_the_chart():
    cells = [IMPORTS, ONE_CALL, "show(result)", "result.closing"]
    assert form_problems(PARAMETERS, cells, "conviction_gap", EXPECTED) == []


@pytest.mark.parametrize(("cell", "reason"), [
    ("import pandas as pd", "imports from outside the package"),
    ("ratio = 270 / 5", "arithmetic belongs in the package"),
    ("import numpy as np\nnp.mean(result.table.victims)", "imports from outside the package"),
    ("from pandas import read_csv", "imports from outside the package"),
    ("open('../data/processed/figures.csv').read()", "calls open()"),
    ("import analysis\nanalysis.load().figures", "uses 'analysis'"),
    ("from analysis import load\nload().figures", "calls load()"),
    ("result.facts['convictions'] * 100", "computes with Mult"),
    ("result.table.victims.sum() / 5", "computes with Div"),
    ("-result.table.victims", "computes with USub"),
    ("def ratio(table):\n    return table.victims / table.convictions", "FunctionDef belongs in the package"),
    ("result.table.apply(lambda row: row.victims, axis=1)", "Lambda belongs in the package"),
    ("[year for year in result.table.year]", "ListComp belongs in the package"),
    ("for year in result.table.year:\n    year", "For belongs in the package"),
    ("threshold = 2014", "literals belong in the parameters cell"),
    ("2014", "literals belong in the parameters cell"),
    ("years = result.parameters['years']", "assigns again a name the notebook already has"),
    ("result = result.table", "assigns again a name the notebook already has"),
    ("result.table['ratio'] = result.table.victims", "only names are assigned"),
    ("table = result.table\ntable += 1", "AugAssign belongs in the package"),
    ("print(result.summary)", "calls print()"),
    ("result.table.to_csv('ratios.csv')", "calls .to_csv()"),
    ("result.table.plot()", "calls .plot()"),
    ("show(result.table)", "show(result)"),
    ("show(result)", "a second show(result)"),
    ("%time result.table", "not plain Python"),
    ("result = conviction_gap.analyse(source=source, years=[2014])", "pass every parameter by name"),
    ("conviction_gap.analyse(source=source, denominator=denominator, years=years, confidence=confidence).table",
     "uses 'conviction_gap'"),
])
def test_the_rule_catches_computation_in_a_notebook(cell, reason):
    problems = _problems(cell)
    assert any(reason in problem for problem in problems), problems


@pytest.mark.parametrize(("call", "reason"), [
    ("result = conviction_gap.analyse(source=source, years=[2014])", "pass every parameter by name"),
    ("result = conviction_gap.analyse(source, denominator=denominator, years=years, confidence=confidence)",
     "pass every parameter by name"),
    ("result = conviction_gap.analyse(source=source, denominator=denominator, years=years, confidence=0.9)",
     "pass every parameter by name"),
    ("table = conviction_gap.analyse(source=source, denominator=denominator, years=years, confidence=confidence)",
     "kept as result"),
    ("import analysis.analyses.conviction_gap as gap\nresult = gap.analyse(source=source, denominator=denominator, "
     "years=years, confidence=confidence)", "calls conviction_gap.analyse, with conviction_gap imported"),
    ("result.summary", "no call of an analysis"),
])
def test_the_rule_catches_a_call_of_another_form(call, reason):
    problems = _problems(call=call)
    assert any(reason in problem for problem in problems), problems


@pytest.mark.parametrize(("parameters", "reason"), [
    ("years = list(range(2013, 2015))", "assigns a literal"),
    ("import pandas as pd", "assigns a literal"),
])
def test_the_rule_catches_a_parameters_cell_that_computes(parameters, reason):
    problems = _problems(parameters=PARAMETERS + "\n" + parameters)
    assert any(reason in problem for problem in problems), problems


def test_the_rule_wants_the_chart_shown_once_after_the_call():
    assert any("after the call" in problem for problem in form_problems(PARAMETERS, [IMPORTS, "show(result)", ONE_CALL],
                                                                         "conviction_gap", EXPECTED))
    assert "no show(result)" in form_problems(PARAMETERS, [IMPORTS, ONE_CALL], "conviction_gap", EXPECTED)
