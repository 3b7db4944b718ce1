"""The verdict cache: what :func:`analysis.data.load` keeps between processes.

Every load reads the data files themselves. What is kept between processes is
only a *verdict*: ``output/cache/verdict-<key>.json`` says that the files whose
bytes make up ``<key>`` passed validation, and which parts (the core tables,
GLOTIP, the World Bank series) were validated. The key is the digest of every
data file (:func:`analysis.config.data_files`), the source of this package's data layer and the versions of
Python, pandas, numpy and pandera: the checks are a function of exactly these.
The files' digests and the verdict's write are those of every record of what is
up to date (:mod:`.uptodate`): a verdict is written whole or not at all.
A process that finds a verdict for its key reads and types the tables but skips
pandera and the checks across tables, the costly part of a load in every
notebook kernel; any other change, even of one byte, validates again, and a verdict is
written only for a load that passed.

So an edited or forged cache entry cannot change a number: numbers come from
the data files only, the verdict holds no data and nothing executable, and a
verdict whose key does not match the files is never found. A verdict written for
files that would not pass is still a file anyone can write, so it serves only
interactive loads and the kernels of a run that has just validated the same
files itself: ``tip-norway run`` validates afresh (``load(fresh=True)``) before it
executes any notebook, as ``tip-norway check`` does, and a fresh load records
only the parts it validated. What a fresh load does trust is what the same
process validated earlier (kept in memory by :mod:`.loader`, where no one else
can write): a test session or a notebook that calls the runner many times
validates the same bytes once. A pickle of tables
found in the cache is deleted, never read: an edit of the cache could change it,
and loading it would run code. $TIP_NORWAY_NO_CACHE=1 validates every time;
$TIP_NORWAY_CACHE_DIR keeps the verdicts in another folder (the test suite's
temporary one, so that no test writes into the checkout's ``output/``).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from importlib import metadata
from pathlib import Path

from .. import config
from . import uptodate
from .records import RecordError

#: Environment variable that turns the cache of validated tables off (any non-empty value).
NO_CACHE_ENV = "TIP_NORWAY_NO_CACHE"
#: Environment variable naming the folder verdicts are kept in instead of :data:`CACHE` (read at each look-up, so a
#: kernel or subprocess started with it, or a test that sets it, uses that folder).
CACHE_DIR_ENV = "TIP_NORWAY_CACHE_DIR"
#: Where verdicts on validated files are kept unless $TIP_NORWAY_CACHE_DIR says otherwise, and how many of them (the
#: newest are kept).
CACHE = config.OUTPUT / "cache"
CACHE_ENTRIES = 8
#: The parts of the data a load can ask for, each validated on its own terms.
CORE, GLOTIP, WORLD_BANK = "core", "glotip", "world_bank"
#: The tables each part reads: the curated core in every load, UNODC's counts with their quality flags and the breaks
#: in their series, the World Bank's series. The runner counts the files of a step's parts as its inputs
#: (:mod:`analysis.regenerate.data_inputs`), so this is declared here, where no table is loaded.
TABLES = {CORE: ("sources", "metrics", "forms", "populations", "figures", "statements"),
          GLOTIP: ("glotip", "glotip_flags", "series_breaks"), WORLD_BANK: ("world_bank",)}


def cache_key(data_dir: Path = config.DATA) -> str:
    """The digest a verdict is kept under.

    Every data file under ``data_dir`` (name and sha256, :func:`.uptodate.digests`), the data layer's source, and the
    versions its checks depend on.
    """
    versions = [f"python={platform.python_version()}\n"]
    versions += [f"{package}={metadata.version(package)}\n" for package in ("pandas", "numpy", "pandera")]
    data_dir, code = Path(data_dir), Path(__file__).parent
    data = uptodate.digests(sorted(p for p in config.data_files(data_dir) if p.is_file()), data_dir)
    source = uptodate.digests(sorted(code.glob("*.py")), code)
    files = [f"{name} {digest}\n" for found in (data, source) for name, digest in found.items()]
    return hashlib.sha256("".join(versions + files).encode()).hexdigest()


def stamp(data_dir: Path) -> list[tuple[str, int, int]]:
    """Every data file under ``data_dir`` with its size and modification time (in ns).

    What tells, without hashing again, that no file changed between computing the key and reading the tables.
    """
    return [(path.as_posix(), info.st_size, info.st_mtime_ns)
            for path in config.data_files(data_dir) if path.is_file() and (info := path.stat())]


def cache_folder() -> Path:
    """The folder verdicts are kept in: the one $TIP_NORWAY_CACHE_DIR names, or :data:`CACHE`."""
    return Path(os.environ.get(CACHE_DIR_ENV) or CACHE)


def _verdict_file(key: str) -> Path:
    return cache_folder() / f"verdict-{key}.json"


def validated_parts(key: str) -> set[str]:
    """The parts a verdict says passed validation for the files of ``key``.

    Empty when there is none (or it cannot be read).
    """
    try:
        found = json.loads(_verdict_file(key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    if not isinstance(found, dict) or found.get("key") != key or not isinstance(found.get("validated"), list):
        return set()
    return {part for part in found["validated"] if part in (CORE, GLOTIP, WORLD_BANK)}


def keep(key: str, parts: set[str]) -> None:
    """Write the verdict for ``key`` whole or not at all (concurrent kernels may write the same one); drop old entries.

    A cache that cannot be written is passed over in silence: the load still
    validates every time, and a note here would end up in every notebook's
    outputs (in a kernel, stderr is a cell's output).
    """
    target = _verdict_file(key)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        uptodate.write(target, {"key": key, "validated": sorted(parts)}, indent=None)
    except (OSError, RecordError):
        return
    _prune(target.parent)


def _prune(folder: Path) -> None:
    """Keep the CACHE_ENTRIES newest verdicts and delete any pickle of tables (never read).

    Another process may be pruning too: an entry gone already is skipped.
    """
    dated = []
    for entry in folder.glob("verdict-*.json"):
        try:
            dated.append((entry.stat().st_mtime, entry))
        except OSError:
            continue
    old = [entry for _, entry in sorted(dated, reverse=True)[CACHE_ENTRIES:]] + list(folder.glob("load-*.pickle"))
    for entry in old:
        try:
            entry.unlink(missing_ok=True)
        except OSError:
            pass
