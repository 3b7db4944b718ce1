"""Parameter values as a user gives them: ``-p NAME VALUE`` on the command line and YAML files, each name once.

A value on the command line is read as YAML (:func:`parse_cli_value`), so the shell needs no quotes around text; a
parameter file (``-f``) and a sweep file are read by :func:`read_yaml`, which refuses a name given twice rather
than let the later one win silently, as :func:`once_each` does for the command line. What the values must be is
:mod:`.parameters`' concern; this module only reads them, failing in one line that names the file and the line.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from .errors import ParameterError


class _RepeatedKey(yaml.MarkedYAMLError):
    """A mapping that names one key twice."""


class _OnceEach(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping, which it would let the last one win."""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node.start_mark)
            except TypeError:  # an unhashable key: the base constructor says why
                break
            if first is not key_node.start_mark:
                raise _RepeatedKey(problem=f"{key!r} is given twice (first on line {first.line + 1}); expected each "
                                           "name once", problem_mark=key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path, kind: str):
    """The content of the YAML file ``path``.

    A missing or unreadable file, a file that is not YAML, and a mapping that names a key twice are a
    :class:`ParameterError` naming the ``kind`` of file (and for a repeated key its line).
    """
    try:
        return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_OnceEach)  # noqa: S506 - a SafeLoader
    except FileNotFoundError:
        raise ParameterError(f"{kind} {path} not found") from None
    except UnicodeDecodeError as exc:
        line = Path(path).read_bytes()[:exc.start].count(b"\n") + 1
        raise ParameterError(f"{kind} {path}, line {line}: byte {exc.object[exc.start:exc.start + 1]!r} at offset "
                             f"{exc.start} is not UTF-8; expected a UTF-8 text file") from None
    except OSError as exc:  # a folder, or a file this user may not read
        raise ParameterError(f"{kind} {path} cannot be read: {exc.strerror}") from None
    except _RepeatedKey as exc:
        raise ParameterError(f"{kind} {path}, line {exc.problem_mark.line + 1}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ParameterError(f"{kind} {path} is not valid YAML: {exc}") from None


def load_parameter_file(path: Path) -> dict:
    """Parameters from YAML: top-level names apply to every notebook that declares them.

    A top-level key naming a notebook holds parameters for that notebook only.
    """
    content = read_yaml(path, "parameter file")
    if content is None:
        return {}
    if not isinstance(content, dict):
        raise ParameterError(f"parameter file {path}: expected a mapping of parameter names to values")
    return content


def once_each(options: list[list[str]]) -> dict[str, list[str]]:
    """``-p NAME VALUE [VALUE ...]`` options as ``{NAME: [VALUE, ...]}``.

    Raises:
        ParameterError: For a name given in two options, naming it and both values: the later would silently win.
    """
    found: dict[str, list[str]] = {}
    repeated = []
    for name, *values in options:
        if name in found:
            repeated.append(f"-p {name} is given twice ({' '.join(found[name])}, then {' '.join(values)}); "
                            "expected each parameter once")
        found.setdefault(name, values)
    if repeated:
        raise ParameterError("\n".join(repeated))
    return found


def parse_cli_value(text: str):
    """A ``-p NAME VALUE`` value read as YAML: ``2014`` is an int, ``[2014]`` a list, ``USD`` a string, ``null`` None.

    YAML rather than Python literals, so that the shell needs no quotes around
    strings; text YAML cannot read stays text, and the type check judges it.
    """
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def given_parameters(args: argparse.Namespace) -> dict:
    """The parameters of ``-f FILE`` then ``-p NAME VALUE``: a value on the command line overrides the file's."""
    given = load_parameter_file(args.parameters_file) if args.parameters_file else {}
    for name, (value,) in once_each(args.parameter or []).items():
        given[name] = parse_cli_value(value)
    return given
