"""Shared fixtures.

The fixtures include a private copy of the data folder that a test may break.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from raw_links import RawFiles

from analysis import config

pytest_plugins = ["working_tree_check", "kernel_coverage"]  # the checkout left as found; kernels measured


@pytest.fixture(scope="session", autouse=True)
def one_template_per_worker(pytestconfig):
    """The runs of a test process fork their kernels from one template, replaced if the package's source changes.

    A template imports pandas, matplotlib and the package: seconds, more than a run of a tiny notebook takes
    (see tests/kept_template.py). It is the template the root conftest.py forks nbval's kernels from, so that a
    worker that runs notebooks and tests of runs starts one.
    """
    from kept_template import kept

    with kept(launch=pytestconfig.pluginmanager.get_plugin(str(config.ROOT / "conftest.py")).live_template):
        yield


# The session's temporary folders for charts, verdicts and kernel specs, the charts compared after nbval's run of
# each notebook, and the sharing out between pytest-xdist's workers are the root conftest.py's: they hold for
# ``pytest notebooks`` too.


@pytest.fixture(scope="session")
def data(tmp_path_factory):
    """The curated data with UNODC's counts and the World Bank's series, loaded once in each worker.

    Shared by the tests of analyses, charts and the GLOTIP and World Bank tables; a test that needs a table to break
    takes :func:`data_copy` instead. Under pytest-xdist, the results of their analyses are shared between the workers
    (tests/analysed.py), in the temporary folder every worker's own temporary folder is in.
    """
    from analysed import share

    import analysis

    loaded = analysis.load(glotip=True, world_bank=True)
    if os.environ.get("PYTEST_XDIST_WORKER"):  # set in a worker of pytest-xdist
        share(loaded, tmp_path_factory.getbasetemp().parent / "analysed")
    return loaded


@pytest.fixture(scope="session")
def raw_files(tmp_path_factory) -> RawFiles:
    """The process's copy of data/raw/ that every :func:`data_copy` links its raw files to (tests/raw_links.py)."""
    return RawFiles(tmp_path_factory.mktemp("raw-files") / "raw")


@pytest.fixture(scope="session")
def tables_read_once():
    """The process's one reading of each curated table file that passed (tests/tables_read_once.py)."""
    from tables_read_once import read_once

    from analysis.data import loader

    return read_once(loader.read_table_with_problems)


@pytest.fixture
def data_copy(tmp_path: Path, raw_files: RawFiles, tables_read_once, monkeypatch) -> Path:
    """data/ in a temporary folder, for a test to break: the descriptor and the processed tables copied, raw/ linked.

    Each raw file is a hard link to the process's copy of data/raw/ (:class:`raw_links.RawFiles`), so that most of
    data/'s bytes are not copied per test, and each GLOTIP workbook is read once per process while unchanged; so is each
    curated table the test leaves as it was (tests/tables_read_once.py), the one it breaks being read every time. A test
    that changes a raw file in place calls :func:`raw_links.own` on it first (:func:`edit_csv` does); adding,
    removing or replacing one needs nothing. The checkout's data/raw/ is never linked; a test that writes through a
    link into the process's copy fails, and the copy is restored.
    """
    from analysis.data import glotip, loader

    target = tmp_path / "data"
    shutil.copytree(config.DATA, target, ignore=lambda folder, names: ["raw"] if Path(folder) == config.DATA else [])
    raw_files.link_into(target / "raw")
    monkeypatch.setattr(glotip, "_read", raw_files.read_once(glotip._read))
    monkeypatch.setattr(loader, "read_table_with_problems", tables_read_once)
    yield target
    if written := raw_files.written_through():
        pytest.fail(f"the test changed the raw file(s) {', '.join(written)} of data_copy in place, and so those of "
                    "every copy in this process: call own(path) before changing a raw file", pytrace=False)


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


# --- the report site's tests (tests/report/): a published run assembled from the committed references -------------
#
# The committed notebooks are executed copies (nbval runs each and compares its outputs with them) and figures/
# holds the charts their run wrote (compared byte for byte after nbval's run, see below): together they are a
# published run. ``published`` assembles one in a temporary folder, as ``make run`` leaves it: the executed copies
# in ``output/runs/<run id>/`` and ``output/published.json`` written by the record's own class, each entry with the
# inputs the runner records (``incremental.inputs``) and the digests of the four chart files (``manifest.outputs``).
# No kernel starts; each worker assembles its own in a few tenths of a second.


def _published_from_references(folder: Path) -> dict[str, Path]:
    """``{"output": ..., "figures": ...}``: a copy of figures/ and the output/ a publishing run of it leaves."""
    from analysis.data.published import Published, PublishedEntry
    from analysis.regenerate import incremental
    from analysis.regenerate.batch import new_folder
    from analysis.regenerate.manifest import outputs
    from analysis.regenerate.notebooks import discover
    from analysis.regenerate.parameters import resolve_parameters

    output, figures = folder / "output", folder / "figures"
    shutil.copytree(config.FIGURES, figures)
    run_id, run_dir = new_folder(output / "runs")
    notebooks = discover()
    parameters = resolve_parameters(notebooks, {})  # the defaults, as ``make run`` publishes
    shared = incremental.shared_inputs()
    entries = {}
    for nb in notebooks:
        shutil.copyfile(nb.path, run_dir / nb.path.name)
        entries[nb.name] = PublishedEntry(incremental.inputs(nb, parameters[nb.name], shared), outputs(figures, nb),
                                          f"runs/{run_id}/{nb.path.name}")
    Published(entries).write(output)
    return {"output": output, "figures": figures}


@pytest.fixture(scope="session")
def published(tmp_path_factory) -> dict[str, Path]:
    """``{"output": ..., "figures": ...}`` of the twelve notebooks' published run, from the committed references.

    Read only: a test that breaks or changes it takes :func:`run_copy`.
    """
    return _published_from_references(tmp_path_factory.mktemp("published"))


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
