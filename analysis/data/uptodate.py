"""Whether what was made from a set of files is up to date: one digest, one record, one comparison.

Three things the project keeps until what they were made from changes, each with a record of it:

- a notebook's published charts: ``output/published.json`` (:mod:`analysis.regenerate.incremental`);
- a verdict that the data files passed validation: ``output/cache/verdict-<key>.json`` (:mod:`.verdicts`), its key
  the digest of the files' digests;
- the report site: ``output/site/.inputs.json`` (:mod:`analysis.report.site`).

A record names each input (a file as :func:`analysis.config.display` shows it, ``parameters``, ``version of
pandas``) with its digest, and each file made with its sha256. What was made is up to date when every input has the
digest it had and every file made is still the one written; else :meth:`Made.why_stale` says the first reason, by
name, in the words a run prints ("data/processed/figures.csv changed", "... is new", "its parameters changed",
"figures/03_x.png was changed by hand"). Records are written whole or not at all (:func:`write`, through
:mod:`.records`). Nothing here imports pandas: a run that finds everything up to date uses it all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .. import config
from .digest import sha256
from .records import write_json

#: The prefix of an input that is a library's version rather than a file.
VERSION = "version of "
#: The input that holds a step's parameters (their digest).
PARAMETERS = "parameters"


def digests(files: Iterable[Path], root: Path | None = None) -> dict[str, str]:
    """The sha256 of each of ``files``, by name: relative to ``root`` (``a/b.csv``), else as records show it.

    Raises:
        OSError: When a file cannot be read (a caller that allows missing files leaves them out first).
    """
    return {(Path(p).relative_to(root).as_posix() if root is not None else config.display(p)): sha256(p)
            for p in files}


def digest(value) -> str:
    """The sha256 of a JSON value (a notebook's cells, its parameters), keys sorted: equal values, equal digests."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def write(path: Path, record, **layout) -> None:
    """Write a record whole or not at all (:func:`.records.write_json`, with its ``indent`` and ``sort_keys``).

    Raises:
        RecordError: When it cannot be written; the file is then as it was.
    """
    write_json(path, record, **layout)


def first_difference(before: Mapping[str, str], current: Mapping[str, str]) -> str | None:
    """The first input, by name, whose digest differs between two records, said as a reason; None when none does."""
    for key in sorted(set(before) | set(current)):
        if key not in before:
            return f"{key} is new"
        if key not in current:  # deleted, or no longer imported or read
            kept = not key.startswith(VERSION) and (config.ROOT / key).exists()
            return f"{key} is no longer among its inputs" if kept else f"{key} is gone"
        if before[key] != current[key]:
            if key.startswith(VERSION):
                return f"{key.removeprefix(VERSION)} {before[key]} -> {current[key]}"
            return "its parameters changed" if key == PARAMETERS else f"{key} changed"
    return None


def changed_output(folder: Path, outputs: Mapping[str, str]) -> str | None:
    """The first file made into ``folder`` that is missing or not the one written (its sha256), said; else None.

    Raises:
        OSError: When one is there but cannot be read.
    """
    for name, written in outputs.items():
        path = Path(folder) / name
        if not path.is_file():
            return f"{config.display(path)} is missing"
        if sha256(path) != written:
            return f"{config.display(path)} was changed by hand"
    return None


@dataclass(frozen=True)
class Made:
    """What was made from what: the digest of each input, by name, and the sha256 of each file made, by name.

    Attributes:
        inputs: Everything it was made from, with a digest (or version) each.
        outputs: The sha256 of each file it wrote, by its name in the folder it was written into.
    """

    inputs: dict[str, str]
    outputs: dict[str, str]

    def why_stale(self, inputs: Mapping[str, str], folder: Path) -> str | None:
        """Why it must be made again from ``inputs`` into ``folder``: the first reason, or None when up to date."""
        return first_difference(self.inputs, inputs) or changed_output(folder, self.outputs)
