"""environment.yml (for conda users) lists what pyproject.toml lists, with the same bounds."""

from __future__ import annotations

import re
import tomllib

import yaml

from analysis.data import paths

PYPROJECT = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))
ENV = yaml.safe_load((paths.ROOT / "environment.yml").read_text(encoding="utf-8"))


def _split(requirement: str) -> tuple[str, str]:
    name, spec = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", requirement.strip()).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def test_python_version_agrees():
    minimum = re.match(r">=(\d+\.\d+)", PYPROJECT["project"]["requires-python"]).group(1)
    assert f"python={minimum}" in ENV["dependencies"]


def test_every_pyproject_dependency_is_in_environment_yml_with_the_same_bounds():
    project = PYPROJECT["project"]
    wanted = dict(_split(r) for r in project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted.update(_split(r) for r in extra)
    conda = dict(_split(d) for d in ENV["dependencies"] if isinstance(d, str) and not d.startswith(("python=", "pip")))
    assert conda == wanted


def test_environment_installs_the_project_itself():
    pip = next(d["pip"] for d in ENV["dependencies"] if isinstance(d, dict))
    assert "--editable ." in pip
    assert "conda-forge" in ENV["channels"]


def test_reading_a_notebook_does_not_build_a_grammar_at_import():
    """Every process that reads a notebook (papermill, nbval, the runner, JupyterLab) imports nbformat, and so
    jsonschema; the bound on jsonschema in pyproject.toml keeps it from importing rfc3987-syntax, whose import
    alone takes seconds (see the comment there)."""
    import subprocess
    import sys

    probe = "import sys, nbformat, papermill; print(sorted(m for m in ('rfc3987_syntax', 'lark') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
