"""Fixtures of the analyses' tests: each analysis's result, computed once per test process and shared."""

from __future__ import annotations

import functools

import pytest
from analysed import result


@pytest.fixture(scope="session")
def analysed(data):
    """``analysed(name, **values)``: notebook ``name``'s result on the session's data, computed once per process.

    See tests/analysed.py. A test that reads the result of notebook 06, 11 or 12 takes a second or more when it is
    the first to ask, so it is marked ``slow``.
    """
    return functools.partial(result, data)
