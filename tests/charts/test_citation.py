"""What a chart says of the project it comes from (analysis/data/citation.py): read from CITATION.cff and the register.

The line every chart carries is checked on every chart in chart_screens.py; here, what it is built from: the address
named when CITATION.cff gives one and left out otherwise, the date of the data as the latest day a source was read,
and a citation file that cannot be read or lacks a field refused with the file and what was expected.
"""

from __future__ import annotations

import pytest

from analysis import config
from analysis.data import DataError
from analysis.data.citation import cited, data_date

CFF = """cff-version: 1.2.0
title: "A title"
version: "1.2.3"
license:
  - CC-BY-4.0
  - MIT
"""


@pytest.fixture
def data_dir(tmp_path):
    """A data folder whose register was read on three days, the latest not last."""
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    (raw / "sources.csv").write_text("source_id,date_accessed,url\na,2025-01-02,x\nb,2026-03-04,y\nc,2024-12-31,z\n",
                                     encoding="utf-8")
    return tmp_path / "data"


def test_the_line_names_title_version_date_and_the_data_licence_and_the_address_when_given(tmp_path, data_dir):
    citation = tmp_path / "CITATION.cff"
    citation.write_text(CFF, encoding="utf-8")
    assert data_date(data_dir) == "2026-03-04"
    assert cited(citation, data_dir).line() == ("Chart: A title, version 1.2.3; data as of 2026-03-04, "
                                                "licence CC-BY-4.0.")
    citation.write_text(CFF + 'url: "https://example.org/tip-norway/"\n', encoding="utf-8")
    assert cited(citation, data_dir).line() == ("Chart: A title, version 1.2.3; data as of 2026-03-04, "
                                                "licence CC-BY-4.0. https://example.org/tip-norway/")


def test_the_project_citation_gives_no_address_until_the_maintainers_add_one():
    """The project has no public address yet: the charts name none rather than an invented one."""
    assert cited().url is None and cited().data_date == data_date(config.DATA)


@pytest.mark.parametrize(("text", "expected"), [
    (None, "cannot be read as the project's citation (No such file or directory)"),
    ("title: [unclosed\n", "cannot be read as the project's citation (while parsing a flow sequence)"),
    ("- a list\n", "expected the Citation File Format's keys (title, version, ...)"),
    (CFF.replace('version: "1.2.3"\n', ""), "expected the project's version as text ('version:'); found None"),
    (CFF.replace("  - CC-BY-4.0\n  - MIT\n", " []\n"),
     "expected the project's license as text ('license:'); found None"),
])
def test_a_citation_file_that_cannot_be_read_or_lacks_a_field_is_refused_naming_it(tmp_path, data_dir, text,
                                                                                     expected):
    citation = tmp_path / "CITATION.cff"
    if text is not None:
        citation.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as refused:
        cited(citation, data_dir)
    assert str(refused.value) == f"1 problem in the curated data:\n  - {citation}: {expected}"
