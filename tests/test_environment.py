"""uv.lock was made from pyproject.toml and is what `make setup` installed.

environment.yml (for conda users) lists what pyproject.toml lists, with the same bounds.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml

from analysis import config

PYPROJECT = tomllib.loads((config.ROOT / "pyproject.toml").read_text(encoding="utf-8"))
ENV = yaml.safe_load((config.ROOT / "environment.yml").read_text(encoding="utf-8"))
LOCK = tomllib.loads(config.ENVIRONMENT_LOCK.read_text(encoding="utf-8"))
PROJECT = next(p for p in LOCK["package"] if p["source"] == {"editable": "."})


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
    # what conda-forge does not package is installed by pip, inside the environment
    pip = next(d["pip"] for d in ENV["dependencies"] if isinstance(d, dict))
    from_pip = dict(_split(r) for r in pip if not r.startswith("-"))
    assert not set(conda) & set(from_pip)
    assert {**conda, **from_pip} == wanted


def test_environment_installs_the_project_itself():
    pip = next(d["pip"] for d in ENV["dependencies"] if isinstance(d, dict))
    assert "--editable ." in pip
    assert "conda-forge" in ENV["channels"]


def _requirements(section: dict) -> dict[str, str]:
    """``{name: specifier}`` of pyproject's dependencies, or ``{name [extra]: specifier}`` of an extra's."""
    from packaging.requirements import Requirement

    project = section["project"]
    found = {Requirement(r).name: str(Requirement(r).specifier) for r in project["dependencies"]}
    for extra, listed in project["optional-dependencies"].items():
        found.update({f"{Requirement(r).name} [{extra}]": str(Requirement(r).specifier) for r in listed})
    return found


def test_the_lock_was_made_from_this_pyproject():
    """The project's entry in uv.lock records the requirements it was resolved from: they are pyproject's."""
    from packaging.specifiers import SpecifierSet

    locked = {}
    for r in PROJECT["metadata"]["requires-dist"]:
        extra = re.fullmatch(r"extra == '([a-z]*)'", r.get("marker", "extra == ''")).group(1)
        locked[r["name"] + (f" [{extra}]" if extra else "")] = str(SpecifierSet(r.get("specifier", "")))
    assert locked == _requirements(PYPROJECT)
    assert PROJECT["metadata"]["provides-extras"] == list(PYPROJECT["project"]["optional-dependencies"])
    assert LOCK["requires-python"] == PYPROJECT["project"]["requires-python"]


def test_uv_finds_the_lock_up_to_date_offline(tmp_path):
    """What `uv sync --locked` in `make setup` checks, without the network and with an empty cache."""
    uv = Path(sys.executable).parent / "uv"
    env = {**os.environ, "UV_CACHE_DIR": str(tmp_path / "cache"), "UV_OFFLINE": "1"}
    done = subprocess.run([str(uv), "lock", "--check"], cwd=config.ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_lock_covers_linux_and_macos_with_a_hash_for_every_file():
    assert (LOCK["supported-markers"] == PYPROJECT["tool"]["uv"]["environments"]
            == ["sys_platform == 'linux'", "sys_platform == 'darwin'"])
    files = [f for p in LOCK["package"] if "registry" in p["source"]
             for f in [*p.get("wheels", []), p.get("sdist")] if f]
    assert len(files) > 1000 and all(re.fullmatch(r"sha256:[0-9a-f]{64}", f["hash"]) for f in files)
    numpy = [f["url"] for p in LOCK["package"] if p["name"] == "numpy" for f in p["wheels"]]
    for platform in ("manylinux_2_27_x86_64", "manylinux_2_27_aarch64", "macosx_11_0_arm64", "macosx_10_9_x86_64"):
        assert any(f"cp311-cp311-{platform}" in url for url in numpy), platform


def test_uv_is_pinned_once_and_the_lock_holds_that_version():
    """The Makefile installs the uv that uv.lock holds; pyproject's dev extra pins it; conda users get the same."""
    pinned = next(r for r in PYPROJECT["project"]["optional-dependencies"]["dev"] if r.startswith("uv"))
    assert re.fullmatch(r"uv==\d+\.\d+\.\d+", pinned)
    assert pinned in ENV["dependencies"]
    assert [p["version"] for p in LOCK["package"] if p["name"] == "uv"] == [pinned.removeprefix("uv==")]


def _locked_here() -> dict[str, str]:
    """The packages uv.lock installs on this Python and platform with every extra, by name.

    Its graph from the project down, following each dependency whose marker holds here.
    """
    from packaging.markers import Marker

    def holds(marker: str | None) -> bool:
        return marker is None or Marker(marker).evaluate({"extra": ""})

    def target(dependency: dict) -> dict:
        return next(p
                    for p in LOCK["package"] if p["name"] == dependency["name"]
                    and p["version"] == dependency.get("version", p["version"])
                    and any(holds(m) for m in p.get("resolution-markers", [None])))

    found, queue = {}, [(PROJECT, list(PROJECT.get("optional-dependencies", {})))]
    while queue:
        package, extras = queue.pop()
        edges = [*package.get("dependencies", []),
                 *(d for e in extras for d in package.get("optional-dependencies", {}).get(e, []))]
        for dependency in edges:
            key = dependency["name"], tuple(dependency.get("extra", []))
            if holds(dependency.get("marker")) and key not in found:
                found[key] = locked = target(dependency)
                queue.append((locked, dependency.get("extra", [])))
    return {name: package["version"] for (name, _), package in found.items()}


@pytest.mark.skipif(Path(sys.prefix) != config.ROOT / ".venv",
                    reason="not the project's .venv (a conda environment installs within bounds)")
def test_the_environment_running_the_tests_is_the_lock():
    """`make setup` installed exactly uv.lock: every package it locks for this Python and platform, at its version."""
    locked = _locked_here()
    assert len(locked) > 100
    assert {name: version(name) for name in locked} == locked
    figures = ("pandas", "numpy", "matplotlib", "seaborn", "scipy", "statsmodels", "papermill", "nbval", "ipykernel",
               "jupyterlab", "playwright")
    assert set(figures) <= set(locked)


@pytest.mark.slow
def test_reading_a_notebook_does_not_build_a_grammar_at_import():
    """Reading a notebook does not import rfc3987-syntax, whose import alone takes seconds.

    Every process that reads a notebook (papermill, nbval, the runner, JupyterLab) imports nbformat, and so jsonschema;
    the bound on jsonschema in pyproject.toml keeps it from importing rfc3987-syntax (see the comment there).
    """
    import subprocess
    import sys

    probe = "import sys, nbformat, papermill; print(sorted(m for m in ('rfc3987_syntax', 'lark') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
