"""The parameters cell's annotations read as types, and values checked against them (analysis/parameters.py)."""

from __future__ import annotations

import typing

import pytest

from analysis.parameters import alternatives, conforms, hint_of


@pytest.mark.parametrize(("written", "hint"), [
    ("int", int), ("list[int]", list[int]), ("Optional[float]", typing.Optional[float]),  # noqa: UP045
    ("float | None", typing.Optional[float]), ("typing.Optional[ int ]", typing.Optional[int]),  # noqa: UP045
    ("None", None), ("Foo", None), ("list[Foo]", list), ("Optional[Foo]", None), ("__import__('os')", None),
    ("list[", None),
])
def test_an_annotation_is_read_from_its_syntax_never_run(written, hint):
    assert hint_of(written) == hint


@pytest.mark.parametrize(("value", "written", "fits"), [
    (1, "float", True), (1.5, "float", True), (True, "float", False), (1.5, "int", False), (True, "int", False),
    (True, "bool", True), (1, "bool", False), ("2014", "int", False), (None, "Optional[float]", True),
    ("x", "Optional[float]", False), ([2013, 2014], "list[int]", True), ([2013, "2014"], "list[int]", False),
    ((2013,), "list[int]", False), ([], "list[str]", True), ({"a": 1}, "dict", True), (object(), "Foo", True),
    ([1, "a"], "list[Foo]", True), ("a", "list[Foo]", False),
])
def test_a_value_fits_its_type_as_yaml_gives_it(value, written, fits):
    assert conforms(value, hint_of(written)) is fits


def test_the_alternatives_of_an_optional_type():
    assert alternatives(hint_of("Optional[float]")) == (float, type(None))
    assert alternatives(hint_of("list[int]")) == (list[int],)
