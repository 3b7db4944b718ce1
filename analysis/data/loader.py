"""Loaders for the curated tables: each returns a validated pandas DataFrame."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import checks, paths, quality
from .errors import DataError
from .schema import read_table, read_table_with_problems, resource


@dataclass(frozen=True)
class Dataset:
    """All curated tables, validated together.

    ``glotip`` holds UNODC's counts with a ``flag`` column: the recorded
    reason a row fails a data-quality check, empty for a row that passes.
    """

    sources: pd.DataFrame
    metrics: pd.DataFrame
    figures: pd.DataFrame
    statements: pd.DataFrame
    glotip: pd.DataFrame | None = None


def _file(name: str, data_dir: Path) -> str:
    return paths.display(Path(data_dir) / resource(name, data_dir)["path"])


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


def load(data_dir: Path = paths.DATA, *, glotip: bool = False) -> Dataset:
    """Read and validate every curated table at once.

    All problems of all tables are gathered before anything is raised, so one
    run shows everything an edit broke.

    Args:
        data_dir: The ``data/`` folder.
        glotip: Also read UNODC's GLOTIP counts and check them against the
            record of known inconsistencies. Off by default: the GLOTIP table
            has 3,474 rows and its checks take a few hundred milliseconds,
            which the notebooks that do not use it should not pay.

    Raises:
        DataError: Listing each problem with its file, line, column and what was expected.
    """
    data_dir = Path(data_dir)
    problems, tables = [], {}
    names = ("sources", "metrics", "figures", "statements") + (("glotip", "glotip_flags") if glotip else ())
    for name in names:
        tables[name], found = read_table_with_problems(name, data_dir)
        problems.extend(found)
    if tables["sources"] is None:
        raise DataError(problems)
    found, texts = checks.check_raw_files(tables["sources"], data_dir / "raw", _file("sources", data_dir))
    problems.extend(found)
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
        cross += checks.check_quotes(figures, show, texts, local)
        cross += checks.check_values(figures, show)
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
