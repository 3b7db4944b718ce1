"""Names and files the prose points to exist: a module moved or a chart renamed leaves no stale reference behind.

A dotted path written in backticks (``analysis.data.choose_vintage``, and the
``:func:`~analysis.charts.save.figures_dir``` of a docstring) must import, or
be an attribute of what imports; each notebook's "Writes" line must name its
own chart files.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
from pathlib import Path

import pytest

from analysis import config
from analysis.report.inputs import FORMATS

#: A path of the package in backticks, up to the closing backtick or the parenthesis of a call.
DOTTED = re.compile(r"`~?(analysis(?:\.\w+)+)[`(]")
NOTEBOOKS = sorted(config.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def _markdown(path: Path) -> str:
    return "\n".join("".join(cell["source"]) for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]
                     if cell["cell_type"] == "markdown")


def _docstrings(path: Path) -> str:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    kinds = ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
    return "\n".join(ast.get_docstring(node) or "" for node in ast.walk(tree) if isinstance(node, kinds))


def _texts() -> dict[str, str]:
    """The prose that names the package's modules and functions, by where it stands."""
    texts = {"README.md": (config.ROOT / "README.md").read_text(encoding="utf-8")}
    for path in sorted((config.ROOT / "analysis").rglob("*.py")):
        texts[path.relative_to(config.ROOT).as_posix()] = _docstrings(path)
    for path in sorted(config.NOTEBOOKS.rglob("*.ipynb")):
        texts[path.relative_to(config.ROOT).as_posix()] = _markdown(path)
    for path in sorted([*config.NOTEBOOKS.rglob("*.md"), *(config.ROOT / "docs").rglob("*.md")]):
        texts[path.relative_to(config.ROOT).as_posix()] = path.read_text(encoding="utf-8")
    return texts


def resolves(dotted: str) -> bool:
    """Whether ``dotted`` names a module, or an attribute reached from the longest module it starts with."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            if not hasattr(found, name):
                return False
            found = getattr(found, name)
        return True
    return False


def test_the_resolver_tells_a_real_path_from_a_moved_one():
    assert resolves("analysis.data.choose_vintage") and resolves("analysis.data.vintages.choose_vintage")
    assert resolves("analysis.charts.save.EXPLORATORY") and resolves("analysis.analyses.conviction_gap")
    assert not resolves("analysis.series.choose_vintage") and not resolves("analysis.errors.Problem")
    assert not resolves("analysis.data.no_such_name")
    assert DOTTED.findall("see `analysis.data.load()`, :class:`~analysis.data.errors.Problem` and ``analysis.x``") == [
        "analysis.data.load", "analysis.data.errors.Problem", "analysis.x"]


def test_every_dotted_path_in_backticks_resolves():
    texts = _texts()
    found = {(where, dotted) for where, text in texts.items() for dotted in DOTTED.findall(text)}
    assert {where for where, _ in found} >= {"README.md", "analysis/data/checks.py", "notebooks/exploratory/README.md"}
    stale = sorted(f"{where}: {dotted}" for where, dotted in found if not resolves(dotted))
    assert not stale, "stale references:\n" + "\n".join(stale)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_names_the_files_its_chart_writes(path):
    named = re.findall(r"\*\*Writes\*\* `figures/([\w]+)\.\{([a-z.,]+)\}`", _markdown(path))
    written = sorted(p.name.removeprefix(f"{path.stem}.") for p in config.FIGURES.glob(f"{path.stem}.*"))
    assert written == sorted(FORMATS)
    assert [(name, sorted(extensions.split(","))) for name, extensions in named] == [(path.stem, written)]
