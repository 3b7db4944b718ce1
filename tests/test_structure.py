"""The package stays readable at the scale of a module: no import circle, no module or function body too long.

A module holds at most 250 lines, a function body at most 50 (its docstring not counted).

Complexity (McCabe, at most 10) and statements per function (at most 50) are ruff's (``pyproject.toml``:
``C901``, ``PLR0915``), which ``make lint`` runs; these are the limits ruff has no rule for. A circle is found on
the graph of the package's own imports, read with :mod:`ast` (imports inside functions included, relative imports
resolved, ``from package import module`` taken as an import of the module).
"""

from __future__ import annotations

import ast
import graphlib

import pytest

from analysis import config

PACKAGE = config.ROOT / "analysis"
FILES = sorted(PACKAGE.rglob("*.py"))
MAX_MODULE_LINES = 250
MAX_FUNCTION_LINES = 50


def module_name(path) -> str:
    parts = list(path.relative_to(config.ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in FILES}


def imports_of(name: str) -> set[str]:
    """The package's modules that module ``name`` imports."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in MODULES}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join([*base, node.module] if node.module else base)
            submodules = {f"{target}.{alias.name}" for alias in node.names} & MODULES.keys()
            found |= submodules or ({target} & MODULES.keys())
    return found - {name}


def body_lines(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of a function's body, its docstring not counted."""
    body = function.body
    if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value,
                                                                                                str):
        body = body[1:]
    return body[-1].end_lineno - body[0].lineno + 1 if body else 0


def test_no_import_circle():
    try:
        graphlib.TopologicalSorter({name: imports_of(name) for name in MODULES}).prepare()
    except graphlib.CycleError as error:
        pytest.fail(f"modules that import one another: {' -> '.join(error.args[1])}")


def test_the_circle_finder_sees_relative_and_submodule_imports():
    relative = [n for n, path in MODULES.items() if "\nfrom .. import config\n" in path.read_text(encoding="utf-8")]
    assert relative and all("analysis.config" in imports_of(n) for n in relative)
    assert "analysis.analyses.result" in imports_of("analysis.analyses")  # from .result import ...
    with pytest.raises(graphlib.CycleError):
        graphlib.TopologicalSorter({"a": {"b"}, "b": {"a"}}).prepare()


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_is_at_most_250_lines(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{config.display(path)} has {lines} lines"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_function_body_is_at_most_50_lines(path):
    long = [f"{node.name} (line {node.lineno}): {body_lines(node)} lines"
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and body_lines(node) > MAX_FUNCTION_LINES]
    assert not long, f"{config.display(path)}: {long}"
