"""Writing the project's records and files whole or not at all, and reading records back checked, failing in one line.

Every JSON record and rewritten file of the project goes through here:

- ``output/published.json`` and the report site's ``.inputs.json`` (:mod:`.published`), and the verdicts of
  ``output/cache/`` (:mod:`.verdicts`), through :func:`.uptodate.write`;
- a run's or a sweep's ``manifest.json`` and ``output/latest.json`` (:func:`write_json`; a manifest is a free-form
  record for people and tools, read back only for the seconds each notebook took);
- the notebooks ``tip-norway refresh`` rewrites in place and the tables ``tip-norway extract`` writes
  (:func:`write_text`).

A write goes to a file of a unique name in the same folder, is flushed to disk, and is renamed over the target
(:func:`os.replace`, atomic on POSIX): a reader, a crash or Ctrl-C midway finds the old file or the new one, never a
half-written one, and two writers never share a staging file. A record read back is checked against its schema
(:func:`expect`, :func:`checked_digests`) before any of it is used, and a path it holds is confined to the folder it
must be in (:func:`confined`). Every :class:`OSError` and every record that is not what it must be is raised as
:class:`RecordError`, a :class:`~.errors.RunError` (exit code 1), with one line naming the file and the cause.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
from pathlib import Path

from .. import config
from .errors import RunError


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


def write_json(path: Path, value, *, indent: int | None = 2, sort_keys: bool = False) -> None:
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


def expect(value, kind: type, where: str, what: str, path: Path):
    """``value`` when it is a ``kind``; else a :class:`RecordError` saying what was expected at ``where``.

    ``what`` says the kind in words ("an object", "a path (text)"); ``path`` is the record's file.
    """
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise RecordError(f"{config.display(path)}: {where} must be {what}, found {_kind(value)}", path, damaged=True)
    return value


def checked_digests(value, where: str, path: Path) -> dict[str, str]:
    """An object of text values (file -> sha256, input -> digest or version), checked."""
    found = expect(value, dict, where, "an object of file names and digests", path)
    for key, digest in found.items():
        expect(digest, str, f"{where}['{key}']", "a digest (text)", path)
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
