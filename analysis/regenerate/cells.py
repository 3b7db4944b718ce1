"""A published notebook's heading, question, ``parameters`` cell and call, written from what declares them.

The analysis is the one declaration of a parameter: its signature gives the name, type, default and the values it may
take (:mod:`analysis.analyses.domains`), and its docstring's ``Args`` section the help, as Google's style writes it
(ruff's ``D417`` refuses a parameter left out): a line such as
``year: year of the funding lines and of the denominator``.

The notebook's ``parameters`` cell (which papermill injects values after, and which the runner and JupyterLab read)
and the cell that calls the analysis are generated from it by ``tip-norway normalize``, never edited by hand, and so
are the heading and the question that open the notebook, from the step's front matter (:mod:`analysis.steps`). The
cell spells each type the way papermill's parser reads it: ``list[int]`` for a tuple (a notebook receives YAML's
lists), ``Optional[float]`` for ``float | None``, which its pattern does not accept.
"""

from __future__ import annotations

import inspect
import json
import re
import types
import typing
from collections.abc import Callable

#: The first line of a parameters cell that names an optional type: papermill reads ``Optional[X]``, not ``X | None``.
OPTIONAL_IMPORT = ("from typing import Optional  # papermill reads Optional[float] in a parameters cell, "
                   "not float | None")


def spelled(hint) -> str:
    """The type ``hint`` as a parameters cell writes it: ``list[str]`` for a tuple, ``Optional[X]`` for ``X | None``.

    Raises:
        TypeError: For a type a parameters cell cannot state (a dict, a union of two types that are not None).
    """
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Annotated:
        return spelled(args[0])
    if origin in (typing.Union, types.UnionType):
        kept = [a for a in args if a is not type(None)]
        if len(kept) != 1 or len(args) != 2:
            raise TypeError(f"a parameter may be one type or one type or None; got {hint!r}")
        return f"Optional[{spelled(kept[0])}]"
    if origin in (tuple, list):
        inner = [a for a in args if a is not Ellipsis]
        if len(set(inner)) != 1:
            raise TypeError(f"a list parameter holds one type: tuple[X, ...] or list[X]; got {hint!r}")
        return f"list[{spelled(inner[0])}]"
    if hint in (str, int, float, bool):
        return hint.__name__
    raise TypeError(f"a parameter is a str, int, float, bool, a list of one of them, or Optional; got {hint!r}")


def literal(value) -> str:
    """``value`` as the cell writes it: strings in double quotes, tuples as lists (what YAML and papermill pass)."""
    if isinstance(value, tuple | list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def helps(func: Callable) -> dict[str, str]:
    """Each parameter's help from the ``Args`` section of ``func``'s docstring, continuation lines joined."""
    found, name, inside = {}, None, False
    for line in (inspect.getdoc(func) or "").splitlines():
        if line.strip() == "Args:":
            inside = True
        elif inside and (entry := re.fullmatch(r"    (\w+): (.*)", line)):
            name = entry.group(1)
            found[name] = entry.group(2).strip()
        elif inside and name and line.startswith("        ") and line.strip():
            found[name] += " " + line.strip()
        elif inside and not line.startswith("    "):
            inside = False
    return found


def declarations(func: Callable) -> list[tuple[str, str, str, str]]:
    """``(name, type as spelled, default as written, help)`` of each parameter of ``func`` but ``data``, in order.

    Raises:
        TypeError: For a parameter without a default or without help, naming the function and parameter.
    """
    func = inspect.unwrap(func)
    where = f"{func.__module__}.{func.__qualname__}"
    hints = typing.get_type_hints(func, include_extras=True)
    documented = helps(func)
    found = []
    for name, parameter in inspect.signature(func).parameters.items():
        if name == "data":
            continue
        if not documented.get(name):
            raise TypeError(f"{where}: parameter {name!r} has no help; expected a line '{name}: what it chooses' "
                            "in the Args section of its docstring")
        if parameter.default is inspect.Parameter.empty:
            raise TypeError(f"{where}: parameter {name!r} has no default; expected the published one")
        found.append((name, spelled(hints[name]), literal(parameter.default), documented[name]))
    return found


def parameters_cell(func: Callable) -> str:
    """The source of the ``parameters`` cell of the notebook ``func`` is the analysis of."""
    found = declarations(func)
    lines = [f"{name}: {kind} = {default}  # {help_}" for name, kind, default, help_ in found]
    if any(kind.startswith("Optional[") for _, kind, _, _ in found):
        lines = [OPTIONAL_IMPORT, "", *lines]
    return "\n".join(lines)


def call_cell(func: Callable, topic: str) -> str:
    """The source of the cell that calls ``func``, the analysis of ``topic``, with every parameter by name."""
    arguments = ", ".join(f"{name}={name}" for name, *_ in declarations(func))
    return (f"from analysis.analyses import {topic}\nfrom analysis.charts import show\n\n"
            f"result = {topic}.analyse({arguments})\nresult.summary")


def intro(step, source: str) -> str:
    """The notebook's first Markdown cell ``source`` with its heading and question paragraphs written from ``step``.

    The heading is its first paragraph (``# 3. Funding per victim``), the question the paragraph that starts with
    ``**Question.**``; the paragraphs after them are the notebook's own.
    """
    paragraphs = source.split("\n\n")
    heading = f"# {step.number}. {step.title}"
    question = f"**Question.** {step.question}"
    rest = [p for p in paragraphs[1:] if not p.startswith("**Question.**")]
    return "\n\n".join([heading, question, *rest])
