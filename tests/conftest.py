"""Shared fixtures, and how the suite is shared out between pytest-xdist's workers.

The fixtures include a private copy of the data folder that a test may break; the workers are set in pyproject.toml
(``-n auto --dist loadfile``).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from analysis import config
from analysis.charts.save import FIGURES_DIR_ENV
from analysis.data.verdicts import CACHE_DIR_ENV


@pytest.fixture(scope="session", autouse=True)
def one_template_per_worker():
    """The runs of a test process fork their kernels from one template, replaced if the package's source changes.

    A template imports pandas, matplotlib and the package: seconds, more than a run of a tiny notebook takes
    (see tests/kept_template.py).
    """
    from kept_template import kept

    with kept():
        yield


def pytest_configure(config):
    # Kernels started by nbval inherit this, so checking the notebooks never rewrites figures/. Each xdist
    # worker is a process of its own and gets a folder of its own.
    os.environ[FIGURES_DIR_ENV] = tempfile.mkdtemp(prefix="tip-norway-nbval-figures-")
    # The same for the loader's verdicts: every load of the session, in this process, its subprocesses and its
    # kernels, keeps them in a folder of the worker's own, never in the checkout's output/cache/.
    os.environ[CACHE_DIR_ENV] = tempfile.mkdtemp(prefix="tip-norway-verdicts-")


# --- sharing the suite out between pytest-xdist's workers ---------------------------------------------
#
# pyproject.toml runs the suite with ``-n auto --dist loadfile``: by default every file (a test module, a notebook)
# is one unit of work, run whole in one worker and in order, so that a module-scoped fixture is made once and
# nbval runs a notebook's cells in order in one kernel. The scheduler below refines that for the files named
# here, and sends the units out longest first.

#: Test modules whose tests share nothing but function-scoped fixtures and temporary folders, and take seconds
#: each (real runs of the regeneration command): each test is a unit of its own.
INDEPENDENT = {"test_runner.py", "test_incremental.py"}
#: Test modules whose parametrized tests share one module-scoped object per case (tests/charts/test_charts.py draws each
#: chart the first time a test asks for it): the tests of one case are a unit, so each chart is drawn once.
PER_CASE = {"test_charts.py"}
#: Files whose units are sent out first, longest first: the browser test (two notebooks in one JupyterLab page),
#: the report site's tests (a published run of every notebook, shared by their two files),
#: the sweeps (one unit), the real runs of the regeneration command, the workbooks read twice and the hooks run
#: over every notebook; the short units follow, so that the workers finish together rather than one waiting
#: for the other's last long unit.
FIRST = ["test_browser.py", "test_site_browser.py", "test_build.py", "test_sweep.py", "test_incremental.py",
         "test_runner.py", "test_glotip.py", "test_hygiene.py"]


def work_unit(nodeid: str) -> str:
    """The unit of work (xdist's "scope") a test belongs to, from its node id: its file, its case, or itself."""
    path, _, rest = nodeid.partition("::")
    name = path.rsplit("/", 1)[-1]
    if name in INDEPENDENT:
        return nodeid
    if name in PER_CASE and rest.endswith("]"):
        return f"{path}[{rest.partition('[')[2]}"
    return path


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """With ``--dist loadfile``, xdist's file scheduling with the units of :func:`work_unit`."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class WorkUnitScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return WorkUnitScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    """Put the long units first (see FIRST); the order is kept otherwise.

    With ``--no-loadscope-reorder``, xdist sends the units out in this order.
    """
    items[:] = _with_published_charts(items)
    rank = {name: index for index, name in enumerate(FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(FIRST)))


@pytest.fixture(scope="session")
def data():
    """The curated data with UNODC's counts and the World Bank's series, loaded once in each worker.

    Shared by the tests of analyses, charts and the GLOTIP and World Bank tables; a test that needs a table to break
    takes :func:`data_copy` instead.
    """
    import analysis

    return analysis.load(glotip=True, world_bank=True)


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of data/ (descriptor, raw and processed) in a temporary folder."""
    target = tmp_path / "data"
    shutil.copytree(config.DATA, target)
    return target


def data_digest(data_dir: Path, head: str = "") -> str:
    """The loader's cache key worked out here.

    The sha256 of ``head``, the versions of Python, pandas, numpy and pandera, then of each file of ``data_dir`` and of
    the data layer, by name. The verdicts are kept under it with an empty ``head``.
    """
    import hashlib
    from importlib import metadata
    from platform import python_version

    from analysis.data import loader

    digest = hashlib.sha256(f"{head}python={python_version()}\n".encode())
    for package in ("pandas", "numpy", "pandera"):
        digest.update(f"{package}={metadata.version(package)}\n".encode())
    code = Path(loader.__file__).parent
    for root, files in ((data_dir, sorted(data_dir.rglob("*"))), (code, sorted(code.glob("*.py")))):
        for path in (f for f in files if f.is_file()):
            digest.update(f"{path.relative_to(root).as_posix()} "
                          f"{hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
    return digest.hexdigest()


def edit_csv(path: Path, row_id: str, column: str, value: str) -> int:
    """Set one cell of a curated CSV, found by the row's first column; return its line number."""
    import csv

    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    for number, row in enumerate(rows[1:], start=2):  # noqa: B007 - number is returned
        if row[0] == row_id:
            row[header.index(column)] = value
            break
    else:
        raise KeyError(row_id)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return number


@pytest.fixture
def project_copy(tmp_path: Path, monkeypatch) -> Path:
    """A copy of analysis/ and data/ that the package's paths point at (``analysis.config``), for the test alone."""
    root = tmp_path / "root"
    for part in ("analysis", "data"):
        shutil.copytree(config.ROOT / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    for name, value in (("ROOT", root), ("DATA", root / "data"), ("RAW", root / "data" / "raw"),
                        ("PROCESSED", root / "data" / "processed"),
                        ("DATAPACKAGE", root / "data" / "datapackage.json")):
        monkeypatch.setattr(config, name, value)
    return root


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    """Empty notebooks/, output/ and figures/ folders for a run of tiny notebooks."""
    out = {name: tmp_path / name for name in ("notebooks", "output", "figures")}
    for folder in out.values():
        folder.mkdir()
    return out


# --- the report site's tests (tests/report/): a real published run, made once, and the site built from it ---------
#
# The run is the one ``make run`` makes (``analysis.regenerate.run.run`` with the defaults, into temporary
# ``output/`` and ``figures/`` folders): the site is built from executed notebooks and charts, never from stand-ins.
# pytest-xdist may put the report test files on different workers; the first to arrive makes the run under a lock
# in the folder the workers of this session share, the others wait and reuse it.


def _published_run(folder: Path) -> dict[str, Path]:
    from analysis.regenerate.run import run

    output, figures = folder / "output", folder / "figures"
    done = folder / "done"
    with open(folder.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            manifest = run(output=output, figures=figures, say=lambda line: None)
            assert manifest["status"] == "succeeded", json.dumps(manifest, indent=1, default=str)[:3000]
            done.write_text("ok")
    return {"output": output, "figures": figures}


@pytest.fixture(scope="session")
def published(tmp_path_factory) -> dict[str, Path]:
    """``{"output": ..., "figures": ...}`` of a real published run of the twelve notebooks (do not change them)."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # each worker's folder is in the session's, which they share
        shared = shared.parent
    return _published_run(shared / "report-published-run")


@pytest.fixture
def run_copy(published, tmp_path) -> dict[str, Path]:
    """A private copy of the published run, for a test that breaks or changes it."""
    copy = {name: tmp_path / name for name in published}
    for name, folder in published.items():
        shutil.copytree(folder, copy[name])
    record = copy["output"] / config.PUBLISHED_RECORD
    return {**copy, "record": record}


@pytest.fixture(scope="session")
def site(published, tmp_path_factory) -> Path:
    """The site built from the published run (read only: a test that changes it builds its own)."""
    from analysis.report import build

    folder = tmp_path_factory.mktemp("report") / "site"
    assert build(output=published["output"], figures=published["figures"], site=folder, say=lambda line: None)
    return folder


@pytest.fixture
def verdict_cache(tmp_path, monkeypatch):
    """An empty folder for the loader's verdicts, instead of the session's, named by $TIP_NORWAY_CACHE_DIR.

    Subprocesses and kernels the test starts inherit it.
    """
    from analysis.data import verdicts

    folder = tmp_path / "cache"
    monkeypatch.setenv(verdicts.CACHE_DIR_ENV, str(folder))
    monkeypatch.delenv(verdicts.NO_CACHE_ENV, raising=False)
    return folder


# --- nbval's execution of each notebook, its charts compared with the committed ones ------------------------------
#
# nbval compares a cell's text outputs and skips images, so on its own it cannot see that figures/ is stale. Its
# kernels write each chart into the folder FIGURES_DIR_ENV names (a temporary folder per worker, set above); after
# the last cell of each published notebook, one more item compares the four files written with figures/, byte for
# byte (the charts are byte-stable: docs/running.md). It belongs to the notebook's file, so xdist runs it in the
# same worker, right after the cells.


class PublishedChart(pytest.Item):
    """The chart files nbval's run of a notebook wrote are the ones committed in figures/."""

    def runtest(self):
        written, name = Path(os.environ[FIGURES_DIR_ENV]), self.path.stem
        problems = [problem for ext in ("csv", "json", "svg", "png")
                    if (problem := _differs(written / f"{name}.{ext}", config.FIGURES / f"{name}.{ext}"))]
        if problems:
            raise AssertionError("; ".join(problems) + ": run tip-norway refresh and commit figures/ with the notebook")

    def reportinfo(self):
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
        if type(item).__name__ == "IPyNbCell" and item.path.parent == config.NOTEBOOKS:
            last[item.parent] = index
    out = list(items)
    for parent, index in sorted(last.items(), key=lambda pair: -pair[1]):
        out.insert(index + 1, PublishedChart.from_parent(parent, name="published charts"))
    return out
