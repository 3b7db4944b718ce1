"""A folder of a few committed notebooks, for the report tests whose subject does not depend on how many pages show.

The builder shows the notebooks of the folder it is given (``build(notebooks=...)``, ``tip-norway report
--notebooks-dir``) from a published run that holds them, such as the ``published`` fixture's (tests/conftest.py): with
:data:`FEW` the site has two analysis pages besides its other pages, and builds in a fifth of the time of the whole
site. What every page shows is tested on the whole site (the ``site`` fixture). A test about one analysis's page
builds a site of that notebook alone (``few_notebooks(folder, (name,))``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from analysis import config

#: The notebooks shown: 01's page quotes the passage test_build.py fills with markup, and 03 is the notebook
#: test_robustness.py publishes with other values, so that 01's page is one left with the defaults.
FEW = ("01_conviction_gap", "03_funding_per_victim")


def few_notebooks(folder: Path, names: tuple[str, ...] = FEW) -> Path:
    """``folder``, made, holding a copy of each notebook of ``names`` (by default :data:`FEW`)."""
    folder.mkdir(parents=True)
    for name in names:
        shutil.copyfile(config.NOTEBOOKS / f"{name}.ipynb", folder / f"{name}.ipynb")
    return folder
