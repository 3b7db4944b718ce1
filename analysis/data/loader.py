"""Loaders for the curated tables: each returns a validated pandas DataFrame.

Every load reads the data files themselves. What is kept between processes is
only a *verdict*: ``output/cache/verdict-<key>.json`` says that the files whose
bytes make up ``<key>`` passed validation, and which parts (the core tables,
GLOTIP, the World Bank series) were validated. The key is the digest of every
file in ``data/``, the source of this package's data layer and the versions of
Python, pandas, numpy and pandera: the checks are a function of exactly these.
A process that finds a verdict for its key reads and types the tables but skips
pandera and the checks across tables (about half a second in every notebook
kernel); any other change, even of one byte, validates again, and a verdict is
written only for a load that passed.

So an edited or forged cache entry cannot change a number: numbers come from
the data files only, the verdict holds no data and nothing executable, and a
verdict whose key does not match the files is never found. (Until 2026-12 this
module kept the validated tables themselves as pickles, which an edit of the
cache could change and which ran code when loaded; such files are deleted,
never read.) $TIP_NORWAY_NO_CACHE=1 validates every time.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pandas as pd

from . import checks, paths, quality
from .errors import DataError

#: Environment variable that turns the cache of validated tables off (any non-empty value).
NO_CACHE_ENV = "TIP_NORWAY_NO_CACHE"
#: Where verdicts on validated files are kept, and how many of them (the newest are kept).
CACHE = paths.OUTPUT / "cache"
CACHE_ENTRIES = 8


@dataclass(frozen=True)
class Dataset:
    """All curated tables, validated together.

    ``glotip`` holds UNODC's counts with a ``flag`` column: the recorded
    reason a row fails a data-quality check, empty for a row that passes.
    ``world_bank`` holds the World Bank's population and consumer price
    inflation (an annual percentage change) for the Nordic countries.
    ``forms`` and ``populations`` are the codebooks of ``figures.form`` and
    ``figures.population``, with the words that name each in the sources.
    """

    sources: pd.DataFrame
    metrics: pd.DataFrame
    figures: pd.DataFrame
    statements: pd.DataFrame
    glotip: pd.DataFrame | None = None
    world_bank: pd.DataFrame | None = None
    forms: pd.DataFrame | None = None
    populations: pd.DataFrame | None = None


def _file(name: str, data_dir: Path) -> str:
    from .schema import resource

    return paths.display(Path(data_dir) / resource(name, data_dir)["path"])


def read_table(name: str, data_dir: Path = paths.DATA) -> pd.DataFrame:
    """One curated table read and validated on its own (:func:`analysis.data.schema.read_table`)."""
    from .schema import read_table as read

    return read(name, data_dir)


def load_sources(data_dir: Path = paths.DATA) -> pd.DataFrame:
    """The source register, with every registered raw file checked against its sha256."""
    sources = read_table("sources", data_dir)
    problems, _ = checks.check_raw_files(sources, Path(data_dir) / "raw", _file("sources", data_dir))
    if problems:
        raise DataError(problems)
    return sources


def load_metrics(data_dir: Path = paths.DATA) -> pd.DataFrame:
    """The metric codebook: allowed (metric, unit) pairs and what they mean."""
    return read_table("metrics", data_dir)


def load_figures(data_dir: Path = paths.DATA) -> pd.DataFrame:
    """The curated figures, checked against the register, the codebook and the raw text."""
    return load(data_dir).figures


def load_statements(data_dir: Path = paths.DATA) -> pd.DataFrame:
    """The curated statements, checked against the register and the raw text."""
    return load(data_dir).statements


#: The parts of the data a load can ask for, each validated on its own terms.
CORE, GLOTIP, WORLD_BANK = "core", "glotip", "world_bank"


def cache_key(data_dir: Path = paths.DATA) -> str:
    """The digest a verdict is kept under: every file under ``data_dir`` (name and bytes), the data layer's
    source, and the versions its checks depend on."""
    digest = hashlib.sha256(f"python={platform.python_version()}\n".encode())
    for package in ("pandas", "numpy", "pandera"):
        digest.update(f"{package}={metadata.version(package)}\n".encode())
    data_dir = Path(data_dir)
    code = Path(__file__).parent
    for root, files in ((data_dir, sorted(data_dir.rglob("*"))), (code, sorted(code.glob("*.py")))):
        for path in files:
            if path.is_file():
                digest.update(f"{path.relative_to(root).as_posix()} {checks.sha256(path)}\n".encode())
    return digest.hexdigest()


def _verdict_file(key: str) -> Path:
    return CACHE / f"verdict-{key}.json"


def validated_parts(key: str) -> set[str]:
    """The parts a verdict says passed validation for the files of ``key``; empty when there is none (or it cannot be read)."""
    try:
        found = json.loads(_verdict_file(key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    if not isinstance(found, dict) or found.get("key") != key or not isinstance(found.get("validated"), list):
        return set()
    return {part for part in found["validated"] if part in (CORE, GLOTIP, WORLD_BANK)}


def load(data_dir: Path = paths.DATA, *, glotip: bool = False, world_bank: bool = False, fresh: bool = False) -> Dataset:
    """Read every curated table at once, validated now or, for the same bytes, validated before.

    All problems of all tables are gathered before anything is raised, so one
    run shows everything an edit broke. A load that passed leaves a verdict
    (see the module's description); a later load of the same files reads them
    again but need not check them again.

    Args:
        data_dir: The ``data/`` folder.
        glotip: Also read UNODC's GLOTIP counts and check them against the
            record of known inconsistencies. Off by default: the GLOTIP table
            has 3,474 rows and its checks take a few hundred milliseconds,
            which the notebooks that do not use it should not pay.
        world_bank: Also read the World Bank's population and consumer price
            inflation (``data/processed/world_bank.csv``) and check every row
            against the line of the raw file it names. Off by default, like ``glotip``.
        fresh: Validate even when a verdict says the same files passed (``tip-norway check`` does);
            the verdict is written all the same.

    Raises:
        DataError: Listing each problem with its file, line, column and what was expected.
    """
    data_dir = Path(data_dir)
    if os.environ.get(NO_CACHE_ENV):
        return validate(data_dir, glotip, world_bank)
    wanted = {CORE} | ({GLOTIP} if glotip else set()) | ({WORLD_BANK} if world_bank else set())
    stamp = _stamp(data_dir)  # taken before the key: a file written after it changes the stamp
    key = cache_key(data_dir)
    known = validated_parts(key)
    if not fresh and wanted <= known:
        dataset = _read(data_dir, glotip, world_bank)
        if dataset is not None and _stamp(data_dir) == stamp:  # the files did not change while they were read
            return dataset
    dataset = validate(data_dir, glotip, world_bank)
    if _stamp(data_dir) == stamp:
        _keep_verdict(key, known | wanted)
    return dataset


def _stamp(data_dir: Path) -> list[tuple[str, int, int]]:
    """Every file under ``data_dir`` with its size and modification time (in ns): what tells, without hashing
    again, that no file changed between computing the key and reading the tables."""
    return [(path.as_posix(), info.st_size, info.st_mtime_ns)
            for path in sorted(Path(data_dir).rglob("*")) if path.is_file() and (info := path.stat())]


def _keep_verdict(key: str, parts: set[str]) -> None:
    """Write the verdict for ``key`` atomically (concurrent kernels may write the same one) and drop old entries.

    A cache that cannot be written is passed over in silence: the load still
    validates every time, and a note here would end up in every notebook's
    outputs (in a kernel, stderr is a cell's output).
    """
    target = _verdict_file(key)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            partial.write_text(json.dumps({"key": key, "validated": sorted(parts)}) + "\n", encoding="utf-8")
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    except OSError:
        return
    _prune(target.parent)


def _prune(folder: Path) -> None:
    """Keep the CACHE_ENTRIES newest verdicts and delete the pickles of earlier versions (never read).
    Another process may be pruning too: an entry gone already is skipped."""
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


def _names(glotip: bool, world_bank: bool) -> tuple[str, ...]:
    """The tables a load reads."""
    return (("sources", "metrics", "forms", "populations", "figures", "statements") + (("glotip", "glotip_flags") if glotip else ())
            + (("world_bank",) if world_bank else ()))


def _finish(tables: dict, glotip: bool) -> Dataset:
    """The dataset from its tables: GLOTIP's rows get the reason each is flagged, if any."""
    if glotip:
        flags = tables.pop("glotip_flags")
        tables["glotip"] = tables["glotip"].assign(flag=tables["glotip"].id.map(quality.flag_reasons(flags)).astype("str"))
    return Dataset(**tables)


def _read(data_dir: Path, glotip: bool, world_bank: bool) -> Dataset | None:
    """The tables read and typed from their files without the checks (their verdict says they pass); None if any cannot be read."""
    from .schema import read_table_with_problems

    tables = {}
    for name in _names(glotip, world_bank):
        tables[name], problems = read_table_with_problems(name, data_dir, validate=False)
        if tables[name] is None or problems:
            return None
    return _finish(tables, glotip)


def validate(data_dir: Path, glotip: bool, world_bank: bool = False) -> Dataset:
    """Read and check every table, whatever any verdict says (:func:`load` without its cache; `tip-norway extract` checks what it would write with it)."""
    from .schema import read_table_with_problems

    problems, tables = [], {}
    for name in _names(glotip, world_bank):
        tables[name], found = read_table_with_problems(name, data_dir)
        problems.extend(found)
    if tables["sources"] is None:
        raise DataError(problems)
    register = _file("sources", data_dir)
    found, texts = checks.check_raw_files(tables["sources"], data_dir / "raw", register)
    problems.extend(found)
    raw_failed = {p.row_id for p in found if p.file == register}
    # Rows with a cell that could not be read are left out of the checks across
    # tables (their consequences would only repeat the problem), and a cell that
    # failed its own table's checks is reported once.
    unreadable = {(p.file, p.line) for p in problems if p.unreadable}
    reported = {(p.file, p.line, p.column) for p in problems}

    def readable(name: str) -> tuple[pd.DataFrame, str]:
        show = _file(name, data_dir)
        table = tables[name]
        return table[[(show, int(i) + 2) not in unreadable for i in table.index]], show

    sources = readable("sources")[0]
    local = set(tables["sources"].source_id[tables["sources"].file.notna()])
    cross = []
    if tables["figures"] is not None:
        figures, show = readable("figures")
        ids = set(tables["figures"].id.dropna())
        cross += checks.check_references(figures, show, sources, tables["metrics"], ids)
        quotes = checks.check_quotes(figures, show, texts, local)
        cross += quotes
        cross += checks.check_values(figures, show)
        misquoted = {p.row_id for p in quotes if p.column == "quote"}
        cross += checks.check_counted_as(figures, show, tables["metrics"], tables["forms"], tables["populations"], misquoted)
        cross += checks.check_parts(figures, show)
        cross += checks.check_currency_pairs(figures, show)
    if tables["statements"] is not None:
        statements, show = readable("statements")
        cross += checks.check_references(statements, show, sources, None)
        cross += checks.check_quotes(statements, show, texts, local)
    if glotip and tables["glotip"] is not None and tables["glotip_flags"] is not None:
        counts, show = readable("glotip")
        cross += checks.check_counts(counts, show, sources)
        cross += quality.reconcile_flags(counts, tables["glotip_flags"], show, _file("glotip_flags", data_dir))
    if world_bank and tables["world_bank"] is not None:
        from . import world_bank as wb

        # every row, readable or not: a cell that failed its own check is reported once (below), the rest of its row compared
        cross += wb.check_against_raw(tables["world_bank"], _file("world_bank", data_dir), tables["sources"], register, data_dir / "raw", raw_failed)
    for problem in cross:  # one problem per cell: the first check to find it names it
        if (problem.file, problem.line, problem.column) not in reported:
            reported.add((problem.file, problem.line, problem.column))
            problems.append(problem)
    if problems:
        raise DataError(problems)
    return _finish(tables, glotip)
