"""What every pytest session of the project sets up: ``pytest``, ``pytest notebooks`` and ``pytest tests`` alike.

nbval executes each published notebook and compares its outputs with the committed ones (pyproject.toml's addopts).
This file is at the root so that it is loaded whichever folders pytest is given. It makes that execution

- write nowhere in the checkout: the kernels, subprocesses and tests of a process write charts and keep the loader's
  verdicts in temporary folders of the process (:func:`pytest_configure`);
- start its kernels fast: the kernel spec :data:`KERNEL_NAME` (addopts' ``--nbval-kernel-name``) is the kernel
  ``--nbval-current-env`` starts, forked from a template that has already imported what the notebooks import (the
  runner's machinery: analysis/regenerate/forking.py and provisioner.py);
- check the charts too (:class:`PublishedChart`);

and shares the suite out between pytest-xdist's workers, a file at a time, the long ones first.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from analysis import config
from analysis.config import FIGURES_DIR_ENV
from analysis.data.verdicts import CACHE_DIR_ENV
from analysis.regenerate.forking import ONE_THREAD

# BLAS on one thread in every process of the session, as in the runner's kernels: the suite runs one worker per core,
# and the analyses' matrices are a few dozen numbers, on which a pool of BLAS threads only spins (the series models of
# 06 took five times the CPU with a thread per core). OpenBLAS reads the variables once, when numpy is first
# imported, which none of the imports above does; a variable the developer set is kept.
for _variable, _value in ONE_THREAD.items():
    os.environ.setdefault(_variable, _value)
#: Whether numpy was imported before the variables were set (by a plugin), so that they came too late for this process.
NUMPY_BEFORE = "numpy" in sys.modules

# Bytecode kept, as Python keeps it by default, even where the environment says not to (PYTHONDONTWRITEBYTECODE, set
# in some containers): the suite starts dozens of Python processes (xdist's workers, the command line, templates,
# kernels), and without the cache each compiles the package anew (0.7 CPU-seconds) and each worker rewrites every
# test module's assertions (3 s). The caches go to the ``__pycache__`` folders that git ignores and the working-tree
# check leaves out; the test modules are collected after this file, and the processes the suite starts inherit it.
if os.environ.pop("PYTHONDONTWRITEBYTECODE", None):
    sys.dont_write_bytecode = False

#: The kernel spec nbval is told to use (pyproject.toml's addopts), written into a JUPYTER_PATH folder of the process.
KERNEL_NAME = "tip-norway-forked"

#: The temporary folders of this process, by the variable that names them; removed when the session ends.
_folders: dict[str, str] = {}
#: The template nbval's kernels are forked from, once a notebook has run in this process.
_template = None


def pytest_configure(config):
    """Point charts, verdicts and kernel specs at temporary folders of this process.

    Kernels started by nbval or the runner and subprocesses inherit the variables, so checking the notebooks never
    rewrites figures/ and no load keeps its verdicts in output/cache/. Each xdist worker is a process of its own and
    gets folders of its own.
    """
    for variable, prefix in ((FIGURES_DIR_ENV, "figures"), (CACHE_DIR_ENV, "verdicts"), ("JUPYTER_PATH", "kernels")):
        _folders[variable] = tempfile.mkdtemp(prefix=f"tip-norway-{prefix}-")
    os.environ[FIGURES_DIR_ENV] = _folders[FIGURES_DIR_ENV]
    os.environ[CACHE_DIR_ENV] = _folders[CACHE_DIR_ENV]
    kernels = (_folders["JUPYTER_PATH"], os.environ.get("JUPYTER_PATH"))  # the folder first, then any already named
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, kernels))


def pytest_unconfigure(config):
    """Stop the template, if one was started, and remove the temporary folders."""
    if _template is not None:
        _template.stop()
    for folder in _folders.values():
        shutil.rmtree(folder, ignore_errors=True)


# --- nbval's kernels, forked -----------------------------------------------------------------------------------
#
# nbval starts a kernel per notebook, which imports pandas, matplotlib, seaborn, scipy, statsmodels and the package:
# about two seconds of CPU before the first cell. :data:`KERNEL_NAME`'s kernels are forked instead, through the
# runner's kernel provisioner, from a template that has done those imports once per process: each is still a new
# process (its own namespace, defaults and random state), started in a fraction of a second.


def _write_kernel_spec(template_id: str | None) -> None:
    """Write :data:`KERNEL_NAME`'s spec, the kernel forked from the template ``template_id`` (None: started anew).

    It is the kernel ``--nbval-current-env`` starts (ipykernel's spec for this interpreter) with the environment a
    forked kernel has: BLAS on the template's one thread, as the runner's kernels run it.
    """
    from ipykernel.kernelspec import get_kernel_dict

    from analysis.regenerate.forking import ONE_THREAD
    from analysis.regenerate.provisioner import PROVISIONER

    spec = {**get_kernel_dict(), "display_name": "Python 3 (the test session's, forked)", "env": ONE_THREAD}
    if template_id is not None:
        spec["metadata"] = {**spec["metadata"], "kernel_provisioner": {
            "provisioner_name": PROVISIONER, "config": {"template": template_id}}}
    folder = Path(_folders["JUPYTER_PATH"], "kernels", KERNEL_NAME)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")


def _is_notebook_cell(item) -> bool:
    """Whether ``item`` is a cell nbval runs."""
    return type(item).__name__ == "IPyNbCell"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before nbval starts a notebook's kernel (the setup of its first cell), a live template to fork it from."""
    if _is_notebook_cell(item) and item.config.getoption("nbval_kernel_name", None) == KERNEL_NAME:
        live_template()


def live_template():
    """The template :data:`KERNEL_NAME`'s kernels are forked from, started if there is none or it has ended.

    Started at the first notebook the process runs, so a session that runs none starts none. It imports the package
    as the session found it, as pytest imports the modules it tests. None where the runner forks no kernel (the
    kernel spec then starts each kernel anew).
    """
    global _template
    from analysis.regenerate import forking

    if not forking.available():
        _write_kernel_spec(None)
        return None
    if _template is None or _template.process is None or _template.process.poll() is not None:
        if _template is not None:
            _template.stop()  # its pipes, and its place among the live templates
        _template = forking.Template()
        _template.start()
        _write_kernel_spec(_template.id)
    return _template


# --- nbval's execution of each notebook, its charts compared with the committed ones ------------------------------
#
# nbval compares a cell's text outputs and skips images, so on its own it cannot see that figures/ is stale. Its
# kernels write each chart into the folder FIGURES_DIR_ENV names (a temporary folder per process, set above); after
# the last cell of each published notebook, one more item compares the four files written with figures/, byte for
# byte (the charts are byte-stable: docs/running.md). It belongs to the notebook's file, so xdist runs it in the
# same worker, right after the cells.


class PublishedChart(pytest.Item):
    """The chart files nbval's run of a notebook wrote are the ones committed in figures/."""

    def runtest(self):
        """Compare every file of the chart; one AssertionError naming every file that differs and how."""
        from analysis.report.inputs import FORMATS

        written, name = Path(os.environ[FIGURES_DIR_ENV]), self.path.stem
        problems = [problem for ext in FORMATS
                    if (problem := _differs(written / f"{name}.{ext}", config.FIGURES / f"{name}.{ext}"))]
        if problems:
            raise AssertionError("; ".join(problems) + ": run tip-norway refresh and commit figures/ with the notebook")

    def reportinfo(self):
        """Where the item is reported: the notebook."""
        return self.path, None, f"{self.path.name}: the charts its run wrote equal figures/"


def _differs(new: Path, committed: Path) -> str | None:
    """How ``new`` differs from ``committed`` (the first line that differs, for text); None when they are equal."""
    if not new.is_file():
        return f"nbval's run wrote no {new.name}"
    if not committed.is_file():
        return f"{config.display(committed)} is not committed"
    if new.read_bytes() == committed.read_bytes():
        return None
    if committed.suffix in (".png",):
        return f"{config.display(committed)} differs from the chart the notebook draws"
    drawn, kept = (path.read_text(encoding="utf-8").splitlines() for path in (new, committed))
    line = next((i for i, (a, b) in enumerate(zip(drawn, kept, strict=False), 1) if a != b), None)
    where = (f"at line {line}: the run wrote {drawn[line - 1][:120]!r}, figures/ holds {kept[line - 1][:120]!r}"
             if line else f"in length: the run wrote {len(drawn)} lines, figures/ holds {len(kept)}")
    return f"{config.display(committed)} differs {where}"


def _with_published_charts(items: list) -> list:
    """``items`` with a :class:`PublishedChart` after the last nbval cell of each published notebook."""
    last = {}
    for index, item in enumerate(items):
        if _is_notebook_cell(item) and item.path.parent == config.NOTEBOOKS:
            last[item.parent] = index
    out = list(items)
    for parent, index in sorted(last.items(), key=lambda pair: -pair[1]):
        out.insert(index + 1, PublishedChart.from_parent(parent, name="published charts"))
    return out


# --- sharing the suite out between pytest-xdist's workers ---------------------------------------------
#
# pyproject.toml runs the suite with ``-n auto --dist loadfile --no-loadscope-reorder``: every file (a test module, a
# notebook with its chart item) is one unit of work, run whole in one worker and in order, so that a module-scoped
# fixture is made once and nbval runs a notebook's cells in order in one kernel. xdist sends the units out in the
# order of their first test, which :func:`pytest_collection_modifyitems` makes longest first. (xdist's loadgroup,
# which would let a unit be finer than a file, groups nothing under pytest 9.2: pytest-xdist issue 1386.)

#: Files sent out first, longest first, as measured in a whole run of the suite (pytest --durations, summed per file:
#: 5-34 s each): the report site in Chromium, the JupyterLab test, the real runs, the stops (real signals, each in a
#: command-line process of its own), the charts, the forking tests, the one trace per notebook, the extracts and checks
#: of the raw workbooks, notebook 12's charts, the runs at once, the report's robustness, the sweeps, the recoveries,
#: the GLOTIP analyses; the short units follow, so that the workers finish together rather than one waiting for the
#: other's last long unit.
FIRST = ["test_site_browser.py", "test_jupyterlab.py", "test_runner.py", "test_stops.py", "test_charts.py",
         "test_forking.py", "test_inputs_opened.py", "test_raw_integrity.py", "test_nordic_comparison.py",
         "test_run_failures.py", "test_robustness.py", "test_sweep.py", "test_recovery.py", "test_glotip_analyses.py"]


def pytest_collection_modifyitems(config, items):
    """Add the chart items and put the long units first (see FIRST); the order is kept otherwise."""
    items[:] = _with_published_charts(items)
    rank = {name: index for index, name in enumerate(FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(FIRST)))
