"""The raw files of the ``data_copy`` fixture (tests/conftest.py): linked to one copy of data/raw/ per test process.

A test that breaks data/ nearly always breaks a processed table and only reads the raw files, which hold most of
data/'s bytes (the two GLOTIP workbooks). Hard links to one copy per process cost nothing to lay out, and the
checkout's data/raw/ is linked to by no test, so none can write into it.
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from analysis import config

T = TypeVar("T")


class RawFiles:
    """One copy of data/raw/ per test process, to which the raw/ of every ``data_copy`` links its files.

    The links are hard links: a raw file of a copy keeps the copy's path (a message names ``<copy>/raw/...``, as it
    would a copied file), and removing, replacing or adding a file changes that copy alone. Writing into a linked file
    in place (``write_bytes``, ``open(..., "w")``, a workbook saved over it) would change the file every copy shares,
    so a test makes the file its own first (:func:`own`); one that does not is found by :meth:`written_through`.
    """

    def __init__(self, folder: Path):
        shutil.copytree(config.RAW, folder)
        self.folder = folder
        self.signatures = {path: self._signature(path) for path in sorted(folder.rglob("*")) if path.is_file()}
        self._inodes = {self._inode(path): path for path in self.signatures}
        self._kept: dict[tuple[Path, Callable], object] = {}

    @staticmethod
    def _signature(path: Path) -> tuple[int, int, int]:
        """What a write or a change of mode through any of the file's links changes: size, modification time, mode."""
        status = path.stat()
        return status.st_size, status.st_mtime_ns, status.st_mode

    @staticmethod
    def _inode(path: Path) -> tuple[int, int]:
        status = path.stat()
        return status.st_dev, status.st_ino

    def link_into(self, raw: Path) -> None:
        """Lay out ``raw`` as data/raw/ is, each file a hard link to this copy's."""
        for shared in self.signatures:
            link = raw / shared.relative_to(self.folder)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.hardlink_to(shared)

    def written_through(self) -> list[str]:
        """The files changed in place since they were copied, by name; each is copied again from data/raw/."""
        changed = [path for path, signature in self.signatures.items() if self._signature(path) != signature]
        for path in changed:
            del self._inodes[self._inode(path)]
            self._kept = {key: value for key, value in self._kept.items() if key[0] != path}
            path.unlink()
            shutil.copy2(config.RAW / path.relative_to(self.folder), path)
            self.signatures[path] = self._signature(path)
            self._inodes[self._inode(path)] = path
        return [path.relative_to(self.folder).as_posix() for path in changed]

    def read_once(self, read: Callable[[Path], T]) -> Callable[[Path], T]:
        """``read``, reading each file of this copy once in the process and giving a copy of that reading after.

        What ``read`` gives for a file depends on its bytes alone; a file linked here is unchanged while its
        signature is (:meth:`written_through`). Any other file (a test's own, one it wrote) is read every time.
        """

        def once(path: Path) -> T:
            try:
                shared = self._inodes.get(self._inode(Path(path)))
            except OSError:
                shared = None
            if shared is None or self._signature(shared) != self.signatures[shared]:
                return read(path)
            key = (shared, read)
            if key not in self._kept:
                self._kept[key] = read(path)
            return copy.deepcopy(self._kept[key])

        return once


def own(path: Path) -> Path:
    """Make a file linked into a ``data_copy`` the test's own: a copy in place of the link; ``path`` again.

    A file that is already the test's own (copied, written by the test, owned before) is left as it is.
    """
    path = Path(path)
    if path.stat().st_nlink > 1:
        private = path.with_name(f".{path.name}.own")
        shutil.copy2(path, private)
        private.replace(path)
    return path
