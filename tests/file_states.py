"""File-system states the robustness tests put a folder in: immutable (``chattr +i``), or a small tmpfs.

Both are real: root is bound by the immutable attribute as by nothing else, and a tmpfs of a few megabytes fills up.
They need root, as CI and this project's machine have.
"""

from __future__ import annotations

import subprocess
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def immutable(path: Path):
    """``path`` made immutable for the block."""
    subprocess.run(["chattr", "+i", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@contextmanager
def tmpfs(folder: Path, size: str):
    """A tmpfs of ``size`` (``"1M"``) mounted on ``folder`` for the block."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)
