"""The records the project writes and reads back: written whole or not at all, checked when read, failing in one line.

Every JSON record and rewritten file of the project goes through here:

- ``output/published.json`` (:class:`Published`): what each notebook's last publishing run read and wrote, which
  incremental runs and the report site read back;
- ``output/site/.inputs.json`` (:class:`SiteRecord`): what the last build of the report site read and wrote, a
  cache that only decides whether to build again;
- a run's or a sweep's ``manifest.json`` and ``output/latest.json`` (:func:`write_json`; a manifest is a free-form
  record for people and tools, read back only for the seconds each notebook took);
- the notebooks ``tip-norway refresh`` rewrites in place (:func:`write_text`).

A write goes to a file of a unique name in the same folder, is flushed to disk, and is renamed over the target
(:func:`os.replace`, atomic on POSIX): a reader, a crash or Ctrl-C midway finds the old file or the new one, never a
half-written one, and two writers never share a staging file. A record read back is checked against its schema
before any of it is used, and a path it holds is confined to the folder it must be in (an ``executed`` notebook of
``published.json`` to ``output/runs/``). Every :class:`OSError` and every record that is not what it must be is
raised as :class:`RecordError`, a :class:`~.errors.RunError` (exit code 1), with one line naming the file and the
cause.

The records are plain dataclasses checked by hand rather than pydantic models: a run that finds every chart up to
date reads ``published.json`` and should not pay pydantic's import (a tenth of a second).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import config
from .errors import RunError

#: In ``output/``: the run folders, where every executed notebook that ``published.json`` names must be.
RUNS = "runs"


class RecordError(RunError):
    """A record or a file the project writes cannot be written or read back, or is not what it must be.

    Attributes:
        path: The file (or folder) concerned.
        damaged: True when the file was read and what it holds is wrong (not JSON, not the record's schema), so that
            writing it anew repairs it; False when it could not be read or written at all.
    """

    def __init__(self, message: str, path: Path | None = None, damaged: bool = False) -> None:
        super().__init__(message)
        self.path = path
        self.damaged = damaged


#: Errors that only a file being written can meet: a copy that meets one names its destination, not its source.
_WRITING = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}


def cause(error: OSError) -> str:
    """An :class:`OSError` as a message's cause: ``No space left on device (output/site/index.html)``.

    A copy's error carries both files (``shutil.copyfile``'s ``filename`` is the source, ``filename2`` the target):
    a full disk or a read-only file system is the target's.
    """
    named = error.filename2 if error.filename2 and error.errno in _WRITING else error.filename
    where = f" ({config.display(Path(named))})" if named else ""
    return f"{error.strerror or error}{where}"


# --- writing, whole or not at all --------------------------------------------------------------------------------

def write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically: a unique staging file beside it, flushed, then renamed over it.

    On any failure (or Ctrl-C) the staging file is removed and ``path`` is as it was.

    Raises:
        RecordError: When the folder cannot be written (read-only, immutable, full, missing): naming the file and
            the cause.
    """
    path = Path(path)
    staged = None
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".new")
        staged = Path(name)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        with contextlib.suppress(OSError):  # a file that was there keeps its permissions
            os.chmod(staged, path.stat().st_mode & 0o7777 if path.exists() else 0o644)
        os.replace(staged, path)
        staged = None
    except OSError as error:
        shown = error.strerror or error  # its file is ``path`` or the staging file beside it
        raise RecordError(f"could not write {config.display(path)}: {shown}; it is left as it was", path) from None
    finally:
        if staged is not None:
            with contextlib.suppress(OSError):
                staged.unlink()


def write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically; see :func:`write_bytes`."""
    write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, value, *, indent: int = 2, sort_keys: bool = False) -> None:
    """Replace ``path`` with ``value`` as JSON atomically; see :func:`write_bytes`.

    Values JSON cannot hold (a path, a date) are written as their text; a non-finite number is refused (``Infinity``
    is not JSON, and a browser's ``JSON.parse`` fails on it).

    Raises:
        RecordError: When the folder cannot be written, or ``value`` holds a non-finite number.
    """
    try:
        text = json.dumps(value, indent=indent, sort_keys=sort_keys, default=str, allow_nan=False)
    except ValueError as error:
        raise RecordError(f"could not write {config.display(Path(path))}: {error}", Path(path)) from None
    write_text(path, text + "\n")


# --- reading back, checked -----------------------------------------------------------------------------------------

def read_json(path: Path):
    """The JSON value ``path`` holds.

    Raises:
        FileNotFoundError: When there is no such file (a caller decides what a missing record means).
        RecordError: When it cannot be read, or is not valid JSON: naming the file, the line and column, and why.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise
    except OSError as error:
        raise RecordError(f"could not read {config.display(path)}: {cause(error)}", path) from None
    except UnicodeDecodeError as error:
        raise RecordError(f"{config.display(path)} is not UTF-8 text ({error.reason} at byte {error.start})",
                          path, damaged=True) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        # "Unterminated string starting at" reads as a message without the place json's own message appends to it
        what = error.msg.removesuffix(" at")
        where = "it is empty" if not text.strip() else f"line {error.lineno}, column {error.colno}: {what}"
        raise RecordError(f"{config.display(path)} is not valid JSON ({where}); it is truncated or was edited by hand",
                          path, damaged=True) from None


def _kind(value) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true or false",
            type(None): "null"}.get(type(value), "a number")


def _expect(value, kind: type, where: str, what: str, path: Path):
    """``value`` when it is a ``kind``; else a :class:`RecordError` saying what was expected at ``where``."""
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise RecordError(f"{config.display(path)}: {where} must be {what}, found {_kind(value)}", path, damaged=True)
    return value


def _digests(value, where: str, path: Path) -> dict[str, str]:
    """An object of text values (file -> sha256, input -> digest or version), checked."""
    found = _expect(value, dict, where, "an object of file names and digests", path)
    for key, digest in found.items():
        _expect(digest, str, f"{where}['{key}']", "a digest (text)", path)
    return dict(found)


def confined(base: Path, written: str, folder: Path, where: str, record: Path) -> Path:
    """``base / written``, refused unless it is inside ``folder``: no ``..`` out of it, no absolute path, no symlink.

    Raises:
        RecordError: Naming the record, the entry (``where``), the path as written and the folder it must be in.
    """
    target = Path(base) / written
    try:
        target.resolve().relative_to(Path(folder).resolve())
    except ValueError:
        raise RecordError(f"{config.display(record)}: {where} is {written!r}, which is not inside "
                          f"{config.display(folder)}/; refused", record, damaged=True) from None
    return target


@dataclass(frozen=True)
class PublishedEntry:
    """One notebook's last publishing run.

    Attributes:
        inputs: Everything its charts were made from, with a digest or version each (see
            :mod:`analysis.regenerate.incremental`).
        outputs: The sha256 of each chart file it wrote, by file name.
        executed: Its executed notebook, relative to ``output/`` (``runs/<run id>/<name>.ipynb``); None in a record
            written by an older runner.
    """

    inputs: dict[str, str]
    outputs: dict[str, str]
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
        _expect(value, dict, "the whole file", "an object with one entry per notebook", path)
        entries = {}
        for name, entry in value.items():
            _expect(entry, dict, f"the entry of {name}", "an object", path)
            for key in ("inputs", "outputs"):
                if key not in entry:
                    raise RecordError(f"{config.display(path)}: the entry of {name} has no '{key}'", path, damaged=True)
            executed = entry.get("executed")
            if executed is not None:
                _expect(executed, str, f"the entry of {name}'s 'executed'", "a path (text)", path)
            entries[name] = PublishedEntry(_digests(entry["inputs"], f"the entry of {name}'s 'inputs'", path),
                                           _digests(entry["outputs"], f"the entry of {name}'s 'outputs'", path),
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
        write_json(self.file(output), {name: e.to_json() for name, e in self.entries.items()}, sort_keys=True)


@dataclass(frozen=True)
class SiteRecord:
    """``.inputs.json`` in the report site: the digest of every file the build read, and of every file it wrote."""

    inputs: dict[str, str]
    files: dict[str, str]

    NAME = ".inputs.json"

    @classmethod
    def read(cls, site: Path) -> SiteRecord | None:
        """The record of the site's last build; None when there is none or it cannot be used.

        It is a cache: a record that cannot be read or is not what it must be only means the site is built again.
        """
        path = Path(site) / cls.NAME
        try:
            value = _expect(read_json(path), dict, "the whole file", "an object", path)
            return cls(_digests(value.get("inputs"), "'inputs'", path), _digests(value.get("files"), "'files'", path))
        except (FileNotFoundError, RecordError):
            return None

    def write(self, site: Path) -> None:
        """Write the record into ``site``, whole or not at all."""
        write_json(Path(site) / self.NAME, {"inputs": self.inputs, "files": self.files}, indent=1, sort_keys=True)
