"""The root conftest.py: the session's temporary folders, nbval's kernels forked, the chart items, the order.

What nbval compares is proven by nbval's own run of the committed notebooks; these tests prove what the root
conftest adds, whichever folders pytest is given: the kernel nbval is told to use is this interpreter's, forked from
a template; charts and verdicts go to temporary folders; a chart item follows each notebook's cells; the long files
are sent out first.
"""

from __future__ import annotations

import copy
import os
import pickle
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import nbformat
import pytest

from analysis import config
from analysis.data.verdicts import CACHE_DIR_ENV


@pytest.fixture(scope="module")
def root(pytestconfig):
    """The root conftest.py, as pytest loaded it."""
    return pytestconfig.pluginmanager.get_plugin(str(config.ROOT / "conftest.py"))


def test_nbval_uses_the_forked_kernel_spec(root):
    addopts = tomllib.loads((config.ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["addopts"]
    assert f"--nbval-kernel-name {root.KERNEL_NAME}" in addopts and "--dist loadfile" in addopts


@pytest.mark.kernel
def test_the_kernel_spec_starts_this_interpreter_forked_from_the_template(root, tmp_path):
    from jupyter_client.kernelspec import KernelSpecManager
    from nbval.kernel import start_new_kernel

    from analysis.regenerate.forking import ONE_THREAD

    template = root.live_template()
    spec = KernelSpecManager().get_kernel_spec(root.KERNEL_NAME)
    assert spec.argv[:3] == [sys.executable, "-m", "ipykernel_launcher"] and spec.env == ONE_THREAD
    assert spec.metadata["kernel_provisioner"] == {"provisioner_name": "tip-norway-fork",
                                                   "config": {"template": template.id}}
    manager, client = start_new_kernel(kernel_name=root.KERNEL_NAME, cwd=str(tmp_path))  # as nbval starts it
    try:
        printed = []
        client.execute_interactive(
            "import os, sys; print(os.getppid(), os.getcwd(), 'pandas' in sys.modules, os.environ['OMP_NUM_THREADS'])",
            output_hook=lambda msg: printed.append(msg["content"].get("text", "")), timeout=60)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    # a child of the template, in nbval's folder, with pandas imported before its first cell
    assert "".join(printed).split() == [str(template.process.pid), str(tmp_path), "True", "1"]


def test_the_session_writes_charts_verdicts_and_kernel_specs_outside_the_checkout():
    for variable in (config.FIGURES_DIR_ENV, CACHE_DIR_ENV, "JUPYTER_PATH"):
        folder = Path(os.environ[variable].split(os.pathsep)[0])
        assert folder.is_dir() and folder.parent == Path(tempfile.gettempdir()), (variable, folder)


@pytest.mark.slow
def test_pytest_notebooks_alone_checks_the_charts_and_sends_the_long_files_first():
    """Given notebooks only, pytest loads the root conftest: a chart item after each notebook's cells, FIRST first."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("PYTEST_", "COV_"))}
    command = [sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:xdist", "-p", "no:cacheprovider", "-o",
               "addopts=--nbval", "notebooks/03_funding_per_victim.ipynb", "notebooks/01_conviction_gap.ipynb",
               "tests/integration/test_sweep.py"]
    result = subprocess.run(command, cwd=config.ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    ids = [line for line in result.stdout.splitlines() if "::" in line]
    files = [nodeid.partition("::")[0] for nodeid in ids]
    assert files == sorted(files, key=lambda path: path != "tests/integration/test_sweep.py")  # in FIRST: first
    for notebook in ("notebooks/03_funding_per_victim.ipynb", "notebooks/01_conviction_gap.ipynb"):
        cells = len(nbformat.read(config.ROOT / notebook, as_version=4).cells)
        own = [nodeid.partition("::")[2] for nodeid in ids if nodeid.startswith(notebook)]
        assert own[-1] == "published charts" and 0 < len(own) - 1 <= cells, own
        assert ids.index(f"{notebook}::published charts") == max(i for i, n in enumerate(ids) if n.startswith(notebook))


def test_the_session_runs_blas_on_one_thread_set_before_numpy_was_imported(root):
    from analysis.regenerate.forking import ONE_THREAD

    assert not root.NUMPY_BEFORE, "numpy was imported before conftest.py set one BLAS thread: move what imports it"
    assert {name: os.environ[name] for name in ONE_THREAD} == ONE_THREAD


def test_results_of_the_sessions_data_are_shared_between_its_workers_and_no_others(data, monkeypatch, tmp_path):
    """A result of the ``data`` fixture is shared through a folder (tests/analysed.py), other data's are not.

    It is written there by the worker that computes it and read from there by one that has not; the same values on
    other data are computed, never read from the folder. Under pytest-xdist, the ``data`` fixture shares its results
    in the folder that holds every worker's temporary folder.
    """
    import dataclasses

    import analysed

    if os.environ.get("PYTEST_XDIST_WORKER"):
        assert list(analysed._SHARED.items()) == [(id(data), tmp_path.parents[1] / "analysed")], tmp_path
    monkeypatch.setattr(analysed, "_SHARED", {})
    monkeypatch.setattr(analysed, "_KEPT", {})
    analysed.share(data, tmp_path / "shared")
    computed = analysed.result(data, "01_conviction_gap", years=[2014])
    [written] = (tmp_path / "shared").iterdir()  # the staging file was renamed, not left behind
    assert written.suffix == ".pickle"
    # what another worker finds in the folder is what it hands out: a result marked here proves it was read
    written.write_bytes(pickle.dumps(dataclasses.replace(computed, title="read from the shared folder")))
    monkeypatch.setattr(analysed, "_KEPT", {})  # a worker that has computed nothing yet
    assert analysed.result(data, "01_conviction_gap", years=[2014]).title == "read from the shared folder"
    other = copy.copy(data)  # the same tables, another object: not the session's data, so computed and not shared
    assert analysed.result(other, "01_conviction_gap", years=[2014]).title == computed.title
    assert list((tmp_path / "shared").iterdir()) == [written]
