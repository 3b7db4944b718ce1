"""The sha256 of a file, the one digest the project takes of a file.

The register records it of every raw file, the verdict cache's key is made of
it, and a run's manifest records it of every input and chart. It lives apart
from the checks so that the regeneration layer can use it without importing pandas.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()
