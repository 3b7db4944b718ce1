"""Every path the project uses, in one place.

Notebooks and scripts ask this module for locations instead of writing
``"../data"``, so they run the same from ``notebooks/``, from the project root,
from papermill or from the test suite.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
RAW = DATA / "raw"
PROCESSED = DATA / "processed"
DATAPACKAGE = DATA / "datapackage.json"
NOTEBOOKS = ROOT / "notebooks"
FIGURES = ROOT / "figures"
#: Executed notebooks, run manifests and failed runs (ignored by git).
OUTPUT = ROOT / "output"
#: Environment variable that redirects charts away from ``figures/``: the runner points its kernels
#: at a run's own folder with it, and the tests at a temporary one (see ``analysis.charts.save``).
FIGURES_DIR_ENV = "TIP_NORWAY_FIGURES_DIR"


def display(path: Path) -> str:
    """A path as messages show it: relative to the project root when inside it, else absolute."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)
