"""Fixtures of the data layer's tests."""

from __future__ import annotations

import pytest
from tables_read_once import read_once

from analysis.data import loader


@pytest.fixture(scope="session")
def _read_once():
    """The process's one reading of each table file that passed (tests/tables_read_once.py)."""
    return read_once(loader.read_table_with_problems)


@pytest.fixture
def data_copy(data_copy, _read_once, monkeypatch):
    """tests/conftest.py's ``data_copy``, whose loads read each unchanged table once per process.

    A copy differs from data/ in the file a test breaks; the tables it leaves as they were are read and checked once
    in the process (tests/tables_read_once.py), the broken one every time.
    """
    monkeypatch.setattr(loader, "read_table_with_problems", _read_once)
    return data_copy
