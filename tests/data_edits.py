"""Helpers for tests that edit a copy of the data: a CSV cell set by row id, and the loader's cache key worked out.

Plain functions in a module of their own rather than in a conftest.py: the suite has several conftest.py files, and
``from data_edits import ...`` would find whichever of them was imported last.
"""

from __future__ import annotations

from pathlib import Path

from raw_links import own


def data_digest(data_dir: Path, head: str = "") -> str:
    """The loader's cache key worked out here.

    The sha256 of ``head``, the versions of Python, pandas, numpy and pandera, then of each file of ``data_dir`` and of
    the data layer, by name. The verdicts are kept under it with an empty ``head``.
    """
    import hashlib
    from importlib import metadata
    from platform import python_version

    from analysis.data import loader

    digest = hashlib.sha256(f"{head}python={python_version()}\n".encode())
    for package in ("pandas", "numpy", "pandera"):
        digest.update(f"{package}={metadata.version(package)}\n".encode())
    code = Path(loader.__file__).parent
    for root, files in ((data_dir, sorted(data_dir.rglob("*"))), (code, sorted(code.glob("*.py")))):
        for path in (f for f in files if f.is_file()):
            digest.update(f"{path.relative_to(root).as_posix()} "
                          f"{hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
    return digest.hexdigest()


def edit_csv(path: Path, row_id: str, column: str, value: str) -> int:
    """Set one cell of a curated CSV, found by the row's first column; return its line number.

    A raw file linked into a :func:`data_copy` is made the test's own first (:func:`own`).
    """
    import csv

    own(path)
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    for number, row in enumerate(rows[1:], start=2):  # noqa: B007 - number is returned
        if row[0] == row_id:
            row[header.index(column)] = value
            break
    else:
        raise KeyError(row_id)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return number
