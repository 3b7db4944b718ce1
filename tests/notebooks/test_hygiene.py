"""Editing hygiene: the pre-commit hooks leave the committed notebooks exactly as the runner writes them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from analysis import config
from analysis.regenerate.cli import main

BIN = Path(sys.executable).parent
HOOKS = yaml.safe_load((config.ROOT / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]


def test_hooks_cover_normalising_stripping_and_ruff():
    entries = {hook["id"]: hook["entry"] for hook in HOOKS}
    assert entries["tip-norway-normalize"].endswith("tip-norway normalize")
    assert "--keep-output" in entries["nbstripout"] and "--keep-count" in entries["nbstripout"]
    assert entries["ruff"].endswith("ruff check")


@pytest.mark.kernel
def test_committed_notebooks_are_a_fixed_point_of_the_hooks(tmp_path):
    committed = sorted(config.NOTEBOOKS.glob("*.ipynb"))
    copies = [Path(shutil.copy(path, tmp_path / path.name)) for path in committed]
    for hook in HOOKS[:2]:
        program, *args = hook["entry"].split()
        subprocess.run([str(BIN / Path(program).name), *args, *map(str, copies)], check=True)
    changed = [path.name
               for path, copy in zip(committed, copies, strict=True) if copy.read_bytes() != path.read_bytes()]
    assert not changed, f"{changed}: run `make refresh` (or the pre-commit hooks) and commit"


def test_normalize_drops_injected_parameters_and_papermill_metadata(tmp_path):
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3-custom", "display_name": "Custom"},
                                            "papermill": {"duration": 1.0}})
    params = nbformat.v4.new_code_cell("x: int = 1  # x")
    params.metadata["tags"] = ["parameters"]
    injected = nbformat.v4.new_code_cell("x = 2")
    injected.metadata["tags"] = ["injected-parameters"]
    body = nbformat.v4.new_code_cell("print(x)")
    body.metadata["papermill"] = {"duration": 0.1}
    body.metadata["execution"] = {"iopub.status.busy": "2026-01-01"}
    nb.cells = [params, injected, body]
    path = tmp_path / "01_probe.ipynb"
    nbformat.write(nb, path)
    assert main(["normalize", str(path)]) == 0
    clean = nbformat.read(path, as_version=4)
    assert [c.source for c in clean.cells] == ["x: int = 1  # x", "print(x)"]
    assert clean.metadata.kernelspec.name == "python3" and "papermill" not in clean.metadata
    assert clean.cells[1].metadata == {}
