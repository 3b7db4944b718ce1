"""The data files a notebook reads: the tables its step's load reads, the tables they refer to, and their files.

Part of a notebook's inputs (the rule is stated in :mod:`.incremental`). A step's analysis loads the curated core and
the parts its front matter names (``reads``, :mod:`analysis.steps`), each part's tables as
:data:`analysis.data.verdicts.TABLES` lists them: every file such a load opens is an input, whether or not the
analysis then uses the table. Read from ``data/datapackage.json`` and the front matter without loading any table, so
that a run with nothing to do loads no data.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from .. import config
from ..data.verdicts import CORE, TABLES
from ..steps import StepError, step, words_folder
from .errors import RunError
from .notebooks import Notebook, cells
from .package_modules import analysis_module, cell_imports, package_modules


@functools.lru_cache(maxsize=4)
def _tables(datapackage: Path, digest: str) -> dict[str, tuple[str, frozenset[str]]] | None:
    """Each table of the data package (read once for each ``digest``).

    Its file, displayed, and the tables it refers to by foreign key; None when the descriptor cannot be read so (the
    run's check of the data says why).
    """
    tables = {}
    try:
        for resource in json.loads(Path(datapackage).read_text(encoding="utf-8"))["resources"]:
            keys = resource.get("schema", {}).get("foreignKeys", [])
            refers = {k["reference"]["resource"] for k in keys} - {"", resource["name"]}  # "": a key within the table
            tables[resource["name"]] = (config.display(Path(datapackage).parent / resource["path"]), frozenset(refers))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return tables


def _read_with(reads: tuple[str, ...], tables: dict[str, tuple[str, frozenset[str]]]) -> set[str]:
    """The tables ``reads`` names, with every table they refer to, to the end."""
    read, todo = set(), list(reads)
    while todo:
        table = todo.pop()
        if table not in read:
            read.add(table)
            todo += [t for t in tables[table][1] if t in tables]
    return read


def step_tables(nb: Notebook) -> tuple[str, ...] | None:
    """The tables the load of ``nb``'s step reads; None for a notebook that is no step (no words of its topic).

    Raises:
        RunError: When its words' front matter is not as :mod:`analysis.steps` requires, naming the file.
    """
    topic = nb.name.partition("_")[2]
    if not (words_folder() / f"{topic}.md").is_file():
        return None
    try:
        found = step(topic, notebooks=nb.path.parent)
    except StepError as error:
        raise RunError(str(error)) from None
    return tuple(table for part in (CORE, *found.reads) for table in TABLES[part])


def data_inputs(nb: Notebook, shared: dict[str, str], stored: list[dict] | None = None) -> set[str]:
    """The data files ``nb`` reads, as displayed paths (see :mod:`.incremental`).

    ``shared`` as :func:`.incremental.shared_inputs` gives it, ``stored`` the notebook's cells when they have been
    read already.

    Raises:
        RunError: When its step's front matter is not as required, or names a part whose tables the data package
            does not describe.
    """
    common = {config.display(p) for p in config.common_inputs()}
    everything = {k for k in shared if not k.startswith(("analysis/", "version of ")) and k not in common}
    modules = package_modules(shared)
    own = analysis_module(nb.name, modules)
    imported = cell_imports(cells(nb.path) if stored is None else stored, set(modules))
    reads = None if own is None else step_tables(nb)
    if reads is None or imported is None or any(m == "analysis" or m.startswith("analysis.data") for m in imported):
        return everything
    tables = _tables(config.DATAPACKAGE, shared.get(config.display(config.DATAPACKAGE), "missing"))
    if tables is None or not set(reads) <= set(tables):
        return everything  # the run's check of the data says what the descriptor lacks
    raw = {k for k in everything if (config.ROOT / k).parent == config.RAW}

    def files(table: str) -> set[str]:
        return {tables[table][0]} | (raw if table == "sources" else set())  # the register pins every raw file

    owned = set().union(*(files(t) for t in tables))
    return ({config.display(config.DATAPACKAGE)} | set().union(*(files(t) for t in _read_with(reads, tables)))
            | {k for k in everything if k not in owned})
