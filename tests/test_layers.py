"""The package's layers depend only on the layers before them: data <- analyses <- charts <- report <- regenerate.

The report site reads what the runner writes, but needs none of its code; the runner's command line calls it.
"""

from __future__ import annotations

import ast

import pytest

from analysis import config

PACKAGE = config.ROOT / "analysis"
ORDER = ["data", "analyses", "charts", "report", "regenerate"]
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE)


def layer_of(module: str) -> str | None:
    """The layer of a dotted module name inside the package, or None for anything else."""
    parts = module.split(".")
    return parts[1] if parts[0] == "analysis" and len(parts) > 1 and parts[1] in ORDER else None


def imported(path) -> set[str]:
    """Every module of the package that ``path`` imports, as an absolute dotted name."""
    package = ".".join(path.relative_to(config.ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


#: The modules at the package's root, which every layer may import and which import no module of the package.
SHARED = {"config.py", "parameters.py", "steps.py"}


@pytest.mark.parametrize("name", sorted(SHARED))
def test_a_shared_module_imports_nothing_of_the_package_but_config(name):
    assert not {m for m in imported(PACKAGE / name) if m.startswith("analysis")} - {"analysis", "analysis.config"}, name


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_imports_only_its_own_layer_and_those_before_it(path):
    own = path.relative_to(PACKAGE).parts[0]
    later = [m for m in imported(path) if layer_of(m) and ORDER.index(layer_of(m)) > ORDER.index(own)]
    assert not later, f"{path.relative_to(config.ROOT)} ({own}) imports from a later layer: {sorted(later)}"


def test_every_module_is_in_a_layer_and_the_check_sees_relative_imports(tmp_path):
    assert {p.relative_to(PACKAGE).parts[0] for p in MODULES} == set(ORDER)
    assert {p.name for p in PACKAGE.glob("*.py")} == {"__init__.py", *SHARED}
    probe = PACKAGE / "data" / "measures.py"
    assert {"analysis.data.checks", "analysis.data.errors"} <= imported(PACKAGE / "data" / "loader.py")
    assert layer_of("analysis.charts.save") == "charts" and layer_of("pandas") is None
    assert all(layer_of(m) in (None, "data") for m in imported(probe))


def test_a_notebook_its_analysis_and_its_drawing_share_one_name():
    """notebooks/NN_topic.ipynb is computed by analysis/analyses/topic.py and drawn by analysis/charts/topic.py."""
    from analysis import analyses, charts
    from analysis.regenerate.notebooks import discover

    for nb in discover():
        topic = nb.name.split("_", 1)[1]
        assert (config.ROOT / "analysis" / "analyses" / f"{topic}.py").is_file(), nb.name
        assert (config.ROOT / "analysis" / "charts" / f"{topic}.py").is_file(), nb.name
        assert analyses.ANALYSES[nb.name].__module__ == f"analysis.analyses.{topic}"
        assert charts.DRAWINGS[nb.name].__module__ == f"analysis.charts.{topic}"


def test_an_analysis_in_a_module_that_is_no_step_is_refused_naming_the_words_it_lacks():
    from analysis.analyses.result import analysis_of
    from analysis.steps import StepError

    def analyse(data):
        raise AssertionError("never called")

    analyse.__module__ = "analysis.analyses.no_such_topic"
    with pytest.raises(StepError, match=r"words/no_such_topic\.md: cannot be read"):
        analysis_of()(analyse)
