"""Where a kernel and the runner talk: IPC sockets in a private folder named after the runner's process.

A kernel talks to the runner over Unix sockets (``kernel-1`` to ``kernel-5``)
in a temporary folder of its own rather than TCP on localhost. Over TCP every
kernel logs "Kernel is running over TCP without encryption" to the run's
stderr, because any local user could connect to its ports; a socket in a
folder only its owner can enter gives that protection, needs no port, and so
also avoids two kernels starting at once picking the same free port. The
folder is under ``/tmp`` (``tip-norway-kernel-<pid>-...``) rather than in the
run folder because a Unix socket's path may not exceed about 100 characters.

A folder is removed when its kernel stops and at exit; a later run removes
the folders of runner processes that no longer exist (a run killed with
``kill -9``). This module imports nothing heavy: a run with nothing to do
clears orphaned folders too.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from traitlets.config import Config

#: The start of every socket folder's name, followed by the process id.
SOCKETS_PREFIX = "tip-norway-kernel-"


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (a zombie not yet reaped counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        pass
    return True


def new_folder() -> Path:
    """A new socket folder of this process, which only its owner can enter."""
    return Path(tempfile.mkdtemp(prefix=f"{SOCKETS_PREFIX}{os.getpid()}-"))


def remove_orphaned_sockets() -> list[Path]:
    """Remove the socket folders of runner processes that no longer exist; the folders removed."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{SOCKETS_PREFIX}*"):
        pid = folder.name[len(SOCKETS_PREFIX):].split("-", 1)[0]
        if folder.is_dir() and pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def remove_own_sockets() -> None:
    """Remove every socket folder of this process (at exit, or on a second Ctrl-C)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SOCKETS_PREFIX}{os.getpid()}-*"):
        shutil.rmtree(folder, ignore_errors=True)


def kernel_config(sockets: Path) -> Config:
    """Configuration for a kernel manager that talks to its kernel over IPC sockets in the folder ``sockets``.

    The connection file and the sockets are named inside the folder, so kernels started at once, by one run or by
    two, never look for free names in a shared place.
    """
    from traitlets.config import Config

    return Config({"KernelManager": {
        "transport": "ipc",
        "ip": str(sockets / "kernel"),
        "connection_file": str(sockets / "kernel.json"),
    }})
