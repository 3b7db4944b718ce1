"""The report site's pages parsed once for the tests that read them as HTML (test_site_pages.py, test_site_links.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_html import Page, pages


@pytest.fixture(scope="session")
def parsed(site: Path) -> dict[str, Page]:
    """Every HTML page of the ``site`` fixture's site, parsed: {path relative to the site: page}."""
    return pages(site)
