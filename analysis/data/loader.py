"""Loaders for the curated tables: each returns a validated pandas DataFrame.

:func:`load` keeps what it validated in ``output/cache/`` (ignored by git),
under a key made of the bytes of every file in ``data/``, the source of this
package's data layer and the versions of Python, pandas, numpy and pandera. The
checks are a function of exactly these, so the same key always means the same
outcome: a process that finds its key loads the tables validated before, without
importing pandera or running the checks (about half a second in every notebook
kernel). Only a load that passed is kept; any other change, even of one byte,
validates again. $TIP_NORWAY_NO_CACHE=1 validates every time.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import platform
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pandas as pd

from . import checks, paths, quality
from .errors import DataError

#: Environment variable that turns the cache of validated tables off (any non-empty value).
NO_CACHE_ENV = "TIP_NORWAY_NO_CACHE"
#: Where validated tables are kept, and how many versions of them (the newest are kept).
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


def cache_key(data_dir: Path = paths.DATA, *, glotip: bool = False, world_bank: bool = False) -> str:
    """What :func:`load` validates, as one digest: every file under ``data_dir`` (name and bytes), the data layer's
    source, the versions it depends on, and whether GLOTIP and the World Bank series are read."""
    digest = hashlib.sha256(f"glotip={glotip}\nworld_bank={world_bank}\npython={platform.python_version()}\n".encode())
    for package in ("pandas", "numpy", "pandera"):
        digest.update(f"{package}={metadata.version(package)}\n".encode())
    data_dir = Path(data_dir)
    code = Path(__file__).parent
    for root, files in ((data_dir, sorted(data_dir.rglob("*"))), (code, sorted(code.glob("*.py")))):
        for path in files:
            if path.is_file():
                digest.update(f"{path.relative_to(root).as_posix()} {checks.sha256(path)}\n".encode())
    return digest.hexdigest()


def load(data_dir: Path = paths.DATA, *, glotip: bool = False, world_bank: bool = False, fresh: bool = False) -> Dataset:
    """Read and validate every curated table at once, or take them as validated before from the same bytes.

    All problems of all tables are gathered before anything is raised, so one
    run shows everything an edit broke. The outcome of a load that passed is
    kept (see the module's description): the same files, code and versions give
    it back without validating again.

    Args:
        data_dir: The ``data/`` folder.
        glotip: Also read UNODC's GLOTIP counts and check them against the
            record of known inconsistencies. Off by default: the GLOTIP table
            has 3,474 rows and its checks take a few hundred milliseconds,
            which the notebooks that do not use it should not pay.
        world_bank: Also read the World Bank's population and consumer price
            inflation (``data/processed/world_bank.csv``) and check every row
            against the line of the raw file it names. Off by default, like ``glotip``.
        fresh: Validate even when the same files were validated before (``tip-norway check`` does);
            the outcome is kept all the same.

    Raises:
        DataError: Listing each problem with its file, line, column and what was expected.
    """
    if os.environ.get(NO_CACHE_ENV):
        return _validate(Path(data_dir), glotip, world_bank)
    kept = CACHE / f"load-{cache_key(data_dir, glotip=glotip, world_bank=world_bank)}.pickle"
    if not fresh:
        try:
            with open(kept, "rb") as handle:
                found = pickle.load(handle)
            if isinstance(found, Dataset):
                return found
        except Exception:  # noqa: BLE001 - missing, half-written or from another pickle format: validate again
            pass
    dataset = _validate(Path(data_dir), glotip, world_bank)
    _keep(dataset, kept)
    return dataset


def _keep(dataset: Dataset, kept: Path) -> None:
    """Write ``dataset`` to ``kept`` atomically (concurrent kernels may write the same key) and drop old entries."""
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        partial = kept.with_name(f".{kept.name}.{os.getpid()}")
        try:
            with open(partial, "wb") as handle:
                pickle.dump(dataset, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(partial, kept)
        finally:
            partial.unlink(missing_ok=True)
    except OSError as error:  # a read-only checkout still loads, validating every time
        print(f"note: validated tables not kept in {paths.display(kept.parent)}: {error}", file=sys.stderr)
        return
    _prune(kept.parent)


def _prune(folder: Path) -> None:
    """Keep the CACHE_ENTRIES newest entries. Another process may be pruning too: an entry gone already is skipped."""
    dated = []
    for entry in folder.glob("load-*.pickle"):
        try:
            dated.append((entry.stat().st_mtime, entry))
        except OSError:
            continue
    for _, old in sorted(dated, reverse=True)[CACHE_ENTRIES:]:
        try:
            old.unlink(missing_ok=True)
        except OSError:
            pass


def _validate(data_dir: Path, glotip: bool, world_bank: bool = False) -> Dataset:
    """Read and check every table (:func:`load` without its cache)."""
    from .schema import read_table_with_problems

    problems, tables = [], {}
    names = ("sources", "metrics", "forms", "populations", "figures", "statements") + (("glotip", "glotip_flags") if glotip else ())
    names += ("world_bank",) if world_bank else ()
    for name in names:
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
    if glotip:
        flags = tables.pop("glotip_flags")
        tables["glotip"] = tables["glotip"].assign(flag=tables["glotip"].id.map(quality.flag_reasons(flags)).astype("str"))
    return Dataset(**tables)
