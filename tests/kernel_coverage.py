"""Under ``make coverage``, every IPython kernel the session starts saves its measure after each cell it runs.

coverage.py's patches (pyproject.toml's ``[tool.coverage.run] patch``) start a measure in every Python process the
suite starts, forked kernels included, and save it when the process ends normally or through ``os._exit``. The
runner ends its kernels with SIGKILL (``shutdown_kernel(now=True)``: analysis/regenerate/kernel.py), which leaves a
process no moment to save anything, so what its kernels ran would be lost. This plugin gives the session's kernels
an IPython startup file that saves the kernel's measure after every cell: the kernel's environment names a temporary
IPython folder ($IPYTHONDIR) that holds it. It does nothing when the session is not measured (coverage.py sets
$COVERAGE_PROCESS_CONFIG for the processes of a measured session), so ``make test`` runs as it would without it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

#: Run by each kernel at its start (leaving no name behind): after each cell, the kernel's measure is saved. A save
#: that fails is left to the next cell's (an error printed by a callback would be a cell output nbval compares).
STARTUP = """\
def _save_the_measure_after_each_cell():
    import contextlib

    import coverage

    measure = coverage.Coverage.current()

    def save(result):
        with contextlib.suppress(Exception):
            measure.save()

    if measure is not None:
        get_ipython().events.register("post_run_cell", save)


_save_the_measure_after_each_cell()
del _save_the_measure_after_each_cell
"""

_folder: str | None = None


def ipython_folder(folder: Path) -> Path:
    """Make ``folder`` an IPython folder whose kernels run :data:`STARTUP` when they start; return it."""
    startup = folder / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-save-coverage.py").write_text(STARTUP, encoding="utf-8")
    return folder


def pytest_configure(config) -> None:
    global _folder
    if "COVERAGE_PROCESS_CONFIG" in os.environ:
        _folder = str(ipython_folder(Path(tempfile.mkdtemp(prefix="tip-norway-ipython-"))))
        os.environ["IPYTHONDIR"] = _folder


def pytest_unconfigure(config) -> None:
    if _folder is not None:
        shutil.rmtree(_folder, ignore_errors=True)
