"""The report tests' shared fixtures.

The site's pages parsed once (test_site_pages.py, test_site_links.py), and the folder of a few notebooks that the
builds testing how a build ends show (few_notebooks.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from few_notebooks import few_notebooks
from report_html import Page, pages


@pytest.fixture(scope="session")
def parsed(site: Path) -> dict[str, Page]:
    """Every HTML page of the ``site`` fixture's site, parsed: {path relative to the site: page}."""
    return pages(site)


@pytest.fixture(scope="session")
def few(tmp_path_factory) -> Path:
    """A folder of the notebooks of few_notebooks.FEW (read only: the builder only reads the notebooks it shows)."""
    return few_notebooks(tmp_path_factory.mktemp("few") / "notebooks")
