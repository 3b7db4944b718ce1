"""Replacing charts in ``figures/`` so that a reader never sees a half-written folder, whatever the file system does.

The new folder is assembled beside ``figures/`` (``.figures.new/``) and swapped
in with two renames. A folder that cannot be renamed because it is a mount
point (a volume in a container) is published into instead: each new chart is
written beside its old one under a temporary name and renamed over it, which
is atomic file by file. Any failure (read-only, full, busy) leaves the last good
charts as they were and no staging folder behind, and is raised as
:class:`PublishError` with a one-line message naming the folder and the cause.

A process killed between the two renames leaves no ``figures/`` and the last good
charts in ``.figures.old/``: :func:`recover` puts them back before anything is
removed, so that the next run starts from them.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from .. import config
from .errors import RunError

#: rename() errors meaning the folder itself cannot be moved, though files in it can be replaced.
_CANNOT_MOVE = {errno.EBUSY, errno.EXDEV}


class PublishError(RunError):
    """The charts could not be published; ``in_place`` when they were, but something was left to clean up."""

    def __init__(self, message: str, in_place: bool = False) -> None:
        super().__init__(message)
        self.in_place = in_place


def _cause(error: OSError, written: Path | None = None) -> str:
    """``No space left on device (figures/03_x.png)``.

    ``written``: the file being written when the error came. A copy's error names its source first
    (``shutil.copy2`` sets ``filename`` to it), which is not where the space, or the permission, was missing.
    """
    where = written if written is not None else Path(error.filename) if error.filename else None
    return f"{error.strerror or error}" + (f" ({config.shown(where)})" if where else "")


def _stale(target: Path) -> Path:
    """Where publishing moves the old ``figures/`` before it is removed: ``.figures.old/`` beside it."""
    return target.with_name(f".{target.name}.old")


def recover(target: Path, say: Callable[[str], None]) -> bool:
    """Put the last good charts back in ``target`` when a publishing run was cut between its two renames.

    Such a run leaves no ``target`` and the last good set in ``.figures.old/``; it
    must be restored before anything removes it. True when it was.

    Raises:
        PublishError: When it cannot be restored (``.figures.old/`` then left as it is).
    """
    target = Path(target)
    stale = _stale(target)
    if target.exists() or target.is_symlink() or not stale.is_dir():
        return False
    try:
        stale.rename(target)
    except OSError as error:
        raise PublishError(f"{config.shown(target)} is missing and the last good charts are in "
                           f"{config.shown(stale)} (a run was stopped while publishing), but they could not be "
                           f"restored: {_cause(error)}; move {config.shown(stale)} back to "
                           f"{config.shown(target)} by hand") from None
    say(f"{config.shown(target)} was missing and the last good charts were in {config.shown(stale)} (a run was "
        f"stopped while publishing them): restored them to {config.shown(target)}")
    return True


def _remove(folder: Path) -> None:
    """Remove a staging folder; leave none behind, even half-written."""
    shutil.rmtree(folder, ignore_errors=True)


def _assemble(staged: Path, target: Path, fresh: Path, prefixes: list[str]) -> None:
    """Build ``fresh`` beside ``target``: its charts, those of ``prefixes`` replaced by the staged ones.

    Raises:
        PublishError: When it cannot be built (``fresh`` removed, ``target`` as it was).
    """
    shown = config.shown(target)
    copying = None  # the chart being written into ``fresh``
    try:
        if target.exists():
            shutil.copytree(target, fresh)
            for old in fresh.iterdir():
                if old.is_file() and old.name.startswith(tuple(prefixes)):
                    old.unlink()
        else:
            fresh.mkdir(parents=True)
        for new in staged.iterdir():
            copying = fresh / new.name
            shutil.copy2(new, copying)
    except OSError as error:  # shutil.Error (copytree's, listing each file that failed) is an OSError too
        _remove(fresh)
        cause = (f"{error.args[0][0][2]} ({config.shown(Path(error.args[0][0][1]))})"
                 if isinstance(error, shutil.Error) else _cause(error, copying))
        raise PublishError(f"could not publish the charts: {cause} while assembling them beside "
                           f"{shown}; {shown} left as it was") from None


def replace_charts(staged: Path, target: Path, prefixes: list[str],
                   say: Callable[[str], None] = lambda _: None) -> None:
    """Replace the charts of the notebooks run (by prefix) in ``target`` with the staged ones.

    Charts of notebooks not run are carried over unchanged.

    Args:
        staged: The run's charts.
        target: The published folder, ``figures/``.
        prefixes: The numbers of the notebooks run (``03_``): their old charts
            are removed even where the run wrote no file of that name.
        say: Where to say that the last good charts were restored first (see :func:`recover`).

    Raises:
        PublishError: When the charts could not be put in place (``target`` is
            then as it was), or were but the old folder could not be removed.
    """
    staged, target = Path(staged), Path(target)
    shown = config.shown(target)
    recover(target, say)
    if target.is_mount():
        _replace_in_place(staged, target, prefixes)
        return
    fresh = target.with_name(f".{target.name}.new")
    stale = _stale(target)
    for leftover in (fresh, stale):
        if leftover.exists() and (errors := _remove_all(leftover)):
            raise PublishError(f"could not publish the charts: {config.shown(leftover)}, left by an earlier run, "
                               f"cannot be removed: {_cause(errors[0])}; remove it by hand (chattr -i may be needed); "
                               f"{shown} left as it was") from None
    _assemble(staged, target, fresh, prefixes)
    if target.exists():
        try:
            target.rename(stale)
        except OSError as error:
            _remove(fresh)
            if error.errno in _CANNOT_MOVE:
                _replace_in_place(staged, target, prefixes)
                return
            raise PublishError(f"could not publish the charts: {shown} cannot be replaced: "
                               f"{_cause(error)}; {shown} left as it was") from None
    try:
        fresh.rename(target)
    except OSError as error:
        if stale.exists():
            stale.rename(target)
        _remove(fresh)
        raise PublishError(f"could not publish the charts: {_cause(error)}; {shown} left as it was") from None
    if stale.exists() and (errors := _remove_all(stale)):
        raise PublishError(f"the charts are published in {shown}, but the previous folder {config.shown(stale)} could "
                           f"not be removed: {_cause(errors[0])}; remove it by hand", in_place=True)


def _remove_all(folder: Path) -> list[OSError]:
    """Remove ``folder`` and all it holds, going on past what cannot be removed; the errors met."""
    errors = []
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True) + [folder]:
        try:
            path.rmdir() if path.is_dir() and not path.is_symlink() else path.unlink()
        except OSError as error:
            errors.append(error)
    return errors


def _replace_in_place(staged: Path, target: Path, prefixes: list[str]) -> None:
    """Publish into ``target`` without moving it.

    Every new chart written first under a temporary name, then renamed over the old.
    """
    shown = config.shown(target)
    written: list[tuple[Path, Path]] = []
    try:
        for new in sorted(staged.iterdir()):
            temporary = target / f".{new.name}.new"
            written.append((temporary, target / new.name))
            shutil.copy2(new, temporary)
    except OSError as error:
        for temporary, _ in written:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
        # named as the chart it was to become: the temporary file is gone
        cause = _cause(error, written[-1][1] if written else None)
        raise PublishError(f"could not publish the charts: {cause} while writing them into "
                           f"{shown}; {shown} left as it was") from None
    names = {final.name for _, final in written}
    try:
        for temporary, final in written:
            os.replace(temporary, final)
        for old in target.iterdir():
            if old.is_file() and old.name.startswith(tuple(prefixes)) and old.name not in names:
                old.unlink()
    except OSError as error:
        for temporary, _ in written:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
        raise PublishError(f"the charts were only partly published in {shown}: {_cause(error)}; run "
                           "again once it is writable") from None
