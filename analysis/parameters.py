"""What every layer shares about parameters: one error, one test of a change, one reading of a ``parameters`` cell.

The one error for a bad value, the one test of a change from a default, and the one reading of what a notebook's
``parameters`` cell declares (the runner checks values against it, the report site shows each parameter's help).

They live in the lowest layer so that both the analyses (which refuse a value
outside its domain) and the runner (which refuses it before any kernel starts,
and records which values a run changed) use the same ones, and so that the
runner can use them without importing pandas or the analyses.
"""

from __future__ import annotations

import ast
import io
import tokenize
import types
import typing


class ParameterError(ValueError):
    """A parameter unknown, ill-typed or outside what the data or the analysis allow, listing every problem.

    The command line prints it and exits with code 2, before anything runs.

    Args:
        problems: What is wrong, one problem a string (or one message).
        notebook: The notebook whose analysis refused the values; its name
            then begins the message, and the problems follow joined by "; ".
    """

    def __init__(self, problems: str | list[str], notebook: str | None = None):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.notebook = notebook
        super().__init__((f"{notebook}: " if notebook else "") + "; ".join(self.problems))


def plain(value) -> object:
    """A parameter value as compared and recorded: tuples become lists, as papermill and YAML give them."""
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    return value


def changed_from_defaults(values: dict, defaults: dict) -> dict:
    """The entries of ``values`` that differ from ``defaults``, in the order given.

    A value equal to its default is no change: ``(2013, 2014)`` for ``[2013, 2014]``,
    ``10`` for ``10.0``. Both the note under a chart and the runner's choice of
    the published or the exploratory figures folder ask this one function.
    """
    return {name: value for name, value in values.items() if plain(value) != plain(defaults.get(name))}


def _comments(source: str) -> dict[int, str]:
    """The text of the comment ending each line, by line number (from 1)."""
    found = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                found[token.start[0]] = token.string.lstrip("#").strip()
    except (tokenize.TokenError, IndentationError):
        pass
    return found


def declared_parameters(source: str) -> dict[str, dict] | None:
    """The parameters a ``parameters`` cell assigns, in order; None if it is not plain Python.

    A parameter is a top-level assignment to one name; its help is the comment
    on the assignment's last line, its type the annotation as written (``"None"``
    when there is none, as papermill reports it).
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    comments = _comments(source)
    found = {}
    for statement in tree.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target,
                                                               ast.Name) and statement.value is not None:
            name, annotation = statement.target.id, statement.annotation
            if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
                type_name = annotation.value  # a quoted annotation: "float | None"
            else:
                type_name = ast.get_source_segment(source, annotation)
        elif (isinstance(statement, ast.Assign) and len(statement.targets) == 1
              and isinstance(statement.targets[0], ast.Name)):
            name, type_name = statement.targets[0].id, "None"
        else:
            continue
        found[name] = {
            "name": name,
            "inferred_type_name": " ".join(type_name.split()),
            "default": ast.get_source_segment(source, statement.value),
            "help": comments.get(statement.end_lineno, ""),
        }
    return found


#: What a name in a parameters cell's annotation stands for; any other name is not understood.
_NAMES = {"str": str, "int": int, "float": float, "bool": bool, "list": list, "dict": dict, "None": type(None),
          "Optional": typing.Optional, "typing.Optional": typing.Optional, "List": list, "typing.List": list}


def _hint(node: ast.expr):
    """The type an annotation's syntax tree stands for; None for one this reading does not understand."""
    if isinstance(node, ast.Constant) and node.value is None:
        return type(None)
    if isinstance(node, ast.Name | ast.Attribute):
        return _NAMES.get(ast.unparse(node))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = _hint(node.left), _hint(node.right)
        return None if left is None or right is None else typing.Union[left, right]  # noqa: UP007 - types, not syntax
    if isinstance(node, ast.Subscript):
        base, inner = _hint(node.value), _hint(node.slice)
        if base is None or inner is None:  # list[Foo]: a list, of anything; Optional[Foo]: anything
            return None if base is typing.Optional else base
        return base[inner]
    return None


def hint_of(type_name: str):
    """The annotation ``type_name``, as a parameters cell writes it, as a type (``Optional[float]``, ``list[int]``).

    Read from its syntax tree, never evaluated. None when there is no annotation (papermill's ``"None"``) or one this
    reading does not understand: such a parameter takes any value, and the notebook judges it.
    """
    if type_name.strip() == "None":
        return None
    try:
        return _hint(ast.parse(type_name.strip(), mode="eval").body)
    except SyntaxError:
        return None


def alternatives(hint) -> tuple:
    """The types a value of ``hint`` may have: ``(float, NoneType)`` for ``Optional[float]``, ``(hint,)`` otherwise."""
    return typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)


def conforms(value, hint) -> bool:
    """Whether ``value`` (as YAML or the command line gives it) is of the type ``hint`` (:func:`hint_of`).

    An int is a float; a bool is neither an int nor a float; a list's items are each checked; None (no annotation)
    takes anything.
    """
    if hint is None:
        return True
    if len(alternatives(hint)) > 1:
        return any(conforms(value, member) for member in alternatives(hint))
    origin, args = typing.get_origin(hint) or hint, typing.get_args(hint)
    if origin is list:
        return isinstance(value, list) and all(conforms(item, args[0]) for item in value) if args else isinstance(
            value, list)
    if hint in (int, float):
        return isinstance(value, int | float if hint is float else int) and not isinstance(value, bool)
    return value is None if hint is type(None) else isinstance(value, origin)
