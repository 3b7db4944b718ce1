"""The notebooks a run can execute, and the parameters each declares in its ``parameters`` cell.

The parameters are read with :mod:`ast` (:func:`analysis.parameters.declared_parameters`) rather than with
``papermill.inspect_notebook``: papermill's pattern for annotations accepts only
names, brackets and commas, so it silently drops a parameter annotated
``float | None`` or ``tuple[int, ...]``, and a run could then neither list nor
check it. The result has papermill's shape (``name``, ``inferred_type_name``,
``default``, ``help``), so everything reading it works with either.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .. import config
from ..parameters import declared_parameters
from .errors import ParameterError


@dataclass
class Notebook:
    """A notebook of ``notebooks/`` and the parameters its ``parameters`` cell declares."""

    path: Path
    parameters: dict[str, dict]
    #: Why the file cannot be read as a notebook (not JSON, truncated, a git conflict marker), or None. Such a
    #: notebook is still listed, so that the others list and run and it is reported as failed, by name.
    unreadable: str | None = None

    @property
    def name(self) -> str:
        """The notebook's name, its file name without ``.ipynb``: ``03_funding_per_victim``."""
        return self.path.stem

    @property
    def figure_prefix(self) -> str:
        """Charts of this notebook start with its number: ``03_``."""
        return self.name.split("_", 1)[0] + "_"

    def describe(self) -> str:
        """The notebook's name and one line per parameter, as ``tip-norway list`` and refusals show them."""
        if self.unreadable:
            return f"{self.name}\n    ({self.unreadable})"
        lines = [self.name]
        for name, spec in self.parameters.items():
            lines.append(f"    {name}: {spec['inferred_type_name']} = {spec['default']}  # {spec['help']}")
        if not self.parameters:
            lines.append("    (no parameters)")
        return "\n".join(lines)


def cells(path: Path) -> list[dict]:
    """The cells of a notebook as stored (type, source as one string, metadata), read as plain JSON.

    Reading the file as JSON rather than through nbformat keeps the start of a
    run cheap: importing nbformat (and the JSON-schema validation it brings)
    costs seconds, which a run that finds every notebook up to date never needs.
    """
    stored = json.loads(Path(path).read_text(encoding="utf-8"))
    return [{"cell_type": c["cell_type"],
             "source": "".join(c["source"]) if isinstance(c["source"], list) else c["source"],
             "metadata": c.get("metadata", {})} for c in stored["cells"]]


def read_parameters(path: Path) -> dict[str, dict]:
    """The parameters of the notebook at ``path``; papermill's reading when the cell is not plain Python."""
    cell = next((c for c in cells(path) if "parameters" in c["metadata"].get("tags", [])), None)
    if cell is None:
        return {}
    found = declared_parameters(cell["source"])
    if found is None:
        import papermill  # only for a parameters cell that is not plain Python

        return dict(papermill.inspect_notebook(str(path)))
    return found


def _read(path: Path) -> Notebook:
    """The notebook at ``path``; one that cannot be read says why in ``unreadable``, naming the file, and has none."""
    try:
        return Notebook(path, read_parameters(path))
    except OSError as error:
        cause = error.strerror or str(error)
    except UnicodeDecodeError as error:
        cause = f"byte {error.start} is not UTF-8"
    except json.JSONDecodeError as error:
        cause = f"not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
    except (KeyError, TypeError, AttributeError, SyntaxError, ValueError) as error:
        cause = f"not a notebook ({type(error).__name__}: {error})"
    return Notebook(path, {}, unreadable=f"{config.shown(path)} cannot be read: {cause}")


def discover(folder: Path = config.NOTEBOOKS) -> list[Notebook]:
    """The numbered notebooks of ``folder``, in reading order, with their parameters.

    A file that cannot be read is listed too, with ``unreadable`` saying why: one broken notebook (a git conflict
    marker, a truncated file) must not stop the others from being listed and run.
    """
    return [_read(path) for path in sorted(Path(folder).glob(config.NOTEBOOK_PATTERN))]


def select(notebooks: list[Notebook], names: Iterable[str]) -> list[Notebook]:
    """Notebooks by full name (``03_funding_per_victim``) or number (``03`` or ``3``); all when none named."""
    names = list(names)
    if not names:
        return notebooks
    chosen = []
    for wanted in names:
        wanted = Path(wanted).stem
        match = [nb for nb in notebooks if nb.name == wanted or nb.figure_prefix == wanted + "_"
                 or (wanted.isdigit() and nb.figure_prefix[:-1].isdigit()
                     and int(nb.figure_prefix[:-1]) == int(wanted))]
        if not match:  # a bad name on the command line: exit 2, as for a bad parameter
            raise ParameterError(f"unknown notebook {wanted!r}: expected one of "
                                 f"{', '.join(nb.name for nb in notebooks)}")
        chosen.extend(m for m in match if m not in chosen)
    return chosen


def defaults(nb: Notebook) -> dict:
    """The default value of each parameter of ``nb``, read from its source as a Python literal.

    A default that is not a literal (a call, a name) is kept as its source
    text, so any value given for it counts as a change from the default.
    """
    values = {}
    for name, spec in nb.parameters.items():
        try:
            values[name] = ast.literal_eval(spec["default"])
        except (ValueError, SyntaxError):
            values[name] = spec["default"]
    return values
