"""Every path the project uses, and the list of data files, in one place.

Notebooks and scripts ask this module for locations instead of writing
``"../data"``, so they run the same from ``notebooks/``, from the project root,
from papermill or from the test suite.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
RAW = DATA / "raw"
PROCESSED = DATA / "processed"
DATAPACKAGE = DATA / "datapackage.json"
#: The locked environment ``make setup`` installs (docs/environment.md); a run manifest records its sha256.
ENVIRONMENT_LOCK = ROOT / "uv.lock"
#: How to cite the project (Citation File Format): every chart names the project, its licence and address from it.
CITATION = ROOT / "CITATION.cff"
NOTEBOOKS = ROOT / "notebooks"
#: The published notebooks of ``notebooks/``: numbered, in reading order.
NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"
FIGURES = ROOT / "figures"
#: Executed notebooks, run manifests and failed runs (ignored by git).
OUTPUT = ROOT / "output"
#: In ``output/``: the record of what each notebook's last published run read and wrote (incremental runs and the
#: report site read it).
PUBLISHED_RECORD = "published.json"
#: In ``output/``: the report site (``tip-norway report``).
SITE = OUTPUT / "site"
#: Environment variable that redirects charts away from ``figures/``: the runner points its kernels
#: at a run's own folder with it, and the tests at a temporary one (see :func:`figures_dir`).
FIGURES_DIR_ENV = "TIP_NORWAY_FIGURES_DIR"
#: Where a chart made with parameters other than the published defaults goes when no folder is set.
EXPLORATORY = OUTPUT / "exploratory"


def figures_dir(exploratory: bool = False) -> Path:
    """The folder charts are written to.

    $TIP_NORWAY_FIGURES_DIR when set (the runner points it at its run folder, so
    that ``figures/`` changes only when a run publishes); otherwise ``figures/``
    for a chart with the published defaults and ``output/exploratory/`` for one
    made with other parameters, so that trying a value in JupyterLab never
    changes a published chart. It lives here, not in the charts layer, so that
    asking where charts go imports nothing heavy.
    """
    if os.environ.get(FIGURES_DIR_ENV):
        return Path(os.environ[FIGURES_DIR_ENV])
    return EXPLORATORY if exploratory else FIGURES


def data_files(data_dir: Path | None = None) -> list[Path]:
    """Every file the curated data are made of: the data package, then every file under ``raw/``, then ``processed/``.

    ``data_dir`` is a folder laid out as ``data/`` is; by default the project's own, where :data:`DATAPACKAGE`,
    :data:`RAW` and :data:`PROCESSED` say (a test may point one of them elsewhere).
    """
    if data_dir is None:
        package, folders = DATAPACKAGE, (RAW, PROCESSED)
    else:
        package, folders = Path(data_dir) / "datapackage.json", (Path(data_dir) / "raw", Path(data_dir) / "processed")
    files = [package, *(path for folder in folders for path in sorted(folder.rglob("*")))]
    return [path for path in files if path.is_file()]


def common_inputs() -> list[Path]:
    """The files every notebook's charts are made from besides its code and data (the runner counts them for each).

    :data:`ENVIRONMENT_LOCK` pins the libraries a manifest's versions leave out; every chart cites :data:`CITATION`.
    """
    return [ENVIRONMENT_LOCK, CITATION]


def display(path: Path) -> str:
    """A path as records and pages name it: relative to the project root when inside it, else absolute.

    Whatever the working directory: the publishing record, the manifests and the report site key files by it.
    """
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def shown(path: Path) -> str:
    """A path as a message to the person at the command line shows it: as :func:`display` from inside the project.

    From a working directory outside the project, absolute, so that it can be followed from there.
    """
    try:
        here = Path.cwd().resolve()
    except OSError:  # a working directory that has been removed
        here = None
    if here is not None and (here == ROOT or ROOT in here.parents):
        return display(path)
    return str(Path(path).resolve())
