"""The records of what is published and kept until an input changes: each notebook's charts, and the report site.

- ``output/published.json`` (:class:`Published`): what each notebook's last publishing run read and wrote, which
  incremental runs and the report site read back;
- ``output/site/.inputs.json`` (:class:`SiteRecord`): what the last build of the report site read and wrote, a
  cache that only decides whether to build again.

Each entry is a :class:`~.uptodate.Made`, so both are judged up to date the same way. A record read back is checked
before any of it is used, and the executed notebook an entry of ``published.json`` names is confined to
``output/runs/``; one that is not what it must be is a :class:`~.records.RecordError` naming the file and the part.
The records are plain dataclasses checked by hand rather than pydantic models: a run that finds every chart up to
date reads ``published.json`` and should not pay pydantic's import (a tenth of a second).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import config
from . import uptodate
from .records import RecordError, checked_digests, confined, expect, read_json
from .uptodate import Made

#: In ``output/``: the run folders, where every executed notebook that ``published.json`` names must be.
RUNS = "runs"


@dataclass(frozen=True)
class PublishedEntry(Made):
    """One notebook's last publishing run.

    Attributes:
        inputs: Everything its charts were made from, with a digest or version each (see
            :mod:`analysis.regenerate.incremental`).
        outputs: The sha256 of each chart file it wrote into ``figures/``, by file name.
        executed: Its executed notebook, relative to ``output/`` (``runs/<run id>/<name>.ipynb``); None in a record
            written by an older runner.
    """

    executed: str | None = None

    def executed_in(self, output: Path, name: str) -> Path | None:
        """The executed notebook's path under ``output``; None when the entry (of notebook ``name``) names none.

        Raises:
            RecordError: When the path it names is not inside ``output/runs/``.
        """
        if self.executed is None:
            return None
        return confined(output, self.executed, Path(output) / RUNS, f"the entry of {name}'s 'executed'",
                        Path(output) / config.PUBLISHED_RECORD)

    def to_json(self) -> dict:
        """The entry as the record's JSON holds it."""
        found: dict = {"inputs": self.inputs, "outputs": self.outputs}
        if self.executed is not None:
            found["executed"] = self.executed
        return found


@dataclass(frozen=True)
class Published:
    """``output/published.json``: each notebook's last publishing run, by notebook name."""

    entries: dict[str, PublishedEntry] = field(default_factory=dict)

    @staticmethod
    def file(output: Path) -> Path:
        """Where the record of ``output`` is."""
        return Path(output) / config.PUBLISHED_RECORD

    @classmethod
    def from_json(cls, value, path: Path) -> Published:
        """The record a JSON value holds, checked entry by entry.

        Raises:
            RecordError: At the first part that is not what the record must hold, naming it.
        """
        expect(value, dict, "the whole file", "an object with one entry per notebook", path)
        entries = {}
        for name, entry in value.items():
            expect(entry, dict, f"the entry of {name}", "an object", path)
            for key in ("inputs", "outputs"):
                if key not in entry:
                    raise RecordError(f"{config.display(path)}: the entry of {name} has no '{key}'", path, damaged=True)
            executed = entry.get("executed")
            if executed is not None:
                expect(executed, str, f"the entry of {name}'s 'executed'", "a path (text)", path)
            entries[name] = PublishedEntry(checked_digests(entry["inputs"], f"the entry of {name}'s 'inputs'", path),
                                           checked_digests(entry["outputs"], f"the entry of {name}'s 'outputs'", path),
                                           executed)
        return cls(entries)

    @classmethod
    def read(cls, output: Path) -> Published | None:
        """The record in ``output``; None when there is none.

        Raises:
            RecordError: When it cannot be read, is not valid JSON, or does not hold what it must.
        """
        path = cls.file(output)
        try:
            value = read_json(path)
        except FileNotFoundError:
            return None
        record = cls.from_json(value, path)
        for name, entry in record.entries.items():
            entry.executed_in(output, name)  # refused here, before anything is read from it
        return record

    def merged(self, published: dict[str, PublishedEntry]) -> Published:
        """This record with the entries of the notebooks a run just published added (replacing their old ones)."""
        return Published({**self.entries, **published})

    def write(self, output: Path) -> None:
        """Write the record into ``output``, whole or not at all."""
        uptodate.write(self.file(output), {name: e.to_json() for name, e in self.entries.items()}, sort_keys=True)


@dataclass(frozen=True)
class SiteRecord(Made):
    """``.inputs.json`` in the report site: the digest of every file the build read, and of every file it wrote.

    Its JSON holds the files written under ``files``; a record that is not so reads as none (the site is built again).
    """

    NAME = ".inputs.json"

    @classmethod
    def read(cls, site: Path) -> SiteRecord | None:
        """The record of the site's last build; None when there is none or it cannot be used.

        It is a cache: a record that cannot be read or is not what it must be only means the site is built again.
        """
        path = Path(site) / cls.NAME
        try:
            value = expect(read_json(path), dict, "the whole file", "an object", path)
            return cls(checked_digests(value.get("inputs"), "'inputs'", path),
                       checked_digests(value.get("files"), "'files'", path))
        except (FileNotFoundError, RecordError):
            return None

    def write(self, site: Path) -> None:
        """Write the record into ``site``, whole or not at all."""
        uptodate.write(Path(site) / self.NAME, {"inputs": self.inputs, "files": self.outputs}, indent=1,
                       sort_keys=True)
