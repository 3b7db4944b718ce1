"""The lock both extractions (:mod:`analysis.data.glotip`, :mod:`analysis.data.world_bank`) write under.

``tip-norway extract`` writes ``glotip.csv`` and ``world_bank.csv`` under one lock, so two extractions never
interleave and a killed one leaves nothing a run would count as data.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from .. import config
from . import records


@contextlib.contextmanager
def extract_lock(data_dir: Path = config.DATA) -> Iterator[None]:
    """Hold ``data_dir/processed`` for one ``extract`` at a time, and clear what a killed one left.

    The lock is an ``flock`` on the folder itself (no lock file a run would count as data), released by the system
    when the process ends however it ends. Under it, staging files a killed ``extract`` left (``.glotip.csv.*.new``,
    ``.world_bank.csv.*.new``, ``.glotip.csv.new``) are removed: nobody else is
    writing, and a run would count them as data files.
    """
    folder = Path(data_dir) / "processed"
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError as error:
        raise records.RecordError(f"cannot write into {config.display(folder)}: {records.cause(error)}",
                                  folder) from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        for stale in [*folder.glob(".*.csv.*.new"), *folder.glob(".*.csv.new")]:
            with contextlib.suppress(OSError):
                stale.unlink()
        yield
    finally:
        os.close(handle)
