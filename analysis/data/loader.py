"""Loaders for the curated tables: each returns a validated pandas DataFrame.

Every load reads and types the tables from the data files; whether it also
runs the checks depends on the verdict cache (:mod:`.verdicts`): the same bytes
that passed before are not checked again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd

from .. import config
from . import checks, quality, verdicts
from .binding import check_quote_binding
from .breaks import check_breaks
from .consistency import check_currency_pairs, check_parts
from .counted_as import check_counted_as
from .errors import DataError, Problem
from .glotip_check import check_against_workbooks, check_counts
from .register import table_file
from .schema import read_table_with_problems
from .verdicts import CORE, GLOTIP, WORLD_BANK
from .world_bank_check import check_against_raw


@dataclass(frozen=True)
class Dataset:
    """All curated tables, validated together.

    ``glotip`` holds UNODC's counts with a ``flag`` column: the recorded
    reason a row fails a data-quality check, empty for a row that passes.
    ``world_bank`` holds the World Bank's population and consumer price
    inflation (an annual percentage change) for the Nordic countries.
    ``forms`` and ``populations`` are the codebooks of ``figures.form`` and
    ``figures.population``, with the words that name each in the sources.
    ``series_breaks`` holds the curated breaks in GLOTIP's series and changes
    of definition (read with ``glotip``); :mod:`analysis.data.flags` gives each
    GLOTIP value its flags from it and from the data.
    """

    sources: pd.DataFrame
    metrics: pd.DataFrame
    figures: pd.DataFrame
    statements: pd.DataFrame
    glotip: pd.DataFrame | None = None
    world_bank: pd.DataFrame | None = None
    forms: pd.DataFrame | None = None
    populations: pd.DataFrame | None = None
    series_breaks: pd.DataFrame | None = None


def load_figures(data_dir: Path = config.DATA) -> pd.DataFrame:
    """The curated figures, checked against the register, the codebook and the raw text."""
    return load(data_dir).figures


def load_statements(data_dir: Path = config.DATA) -> pd.DataFrame:
    """The curated statements, checked against the register and the raw text."""
    return load(data_dir).statements


#: The parts this process has validated itself, by verdict key (:func:`.verdicts.cache_key`). Unlike a verdict file,
#: which anyone can write, no one but this process writes here, so even a fresh load trusts it: a process that runs
#: several commands (a test session, a notebook calling the runner) validates the same bytes once.
_VALIDATED_HERE: dict[str, set[str]] = {}


def load(data_dir: Path = config.DATA, *, glotip: bool = False, world_bank: bool = False,
         fresh: bool = False) -> Dataset:
    """Read every curated table at once, validated now or, for the same bytes, validated before.

    All problems of all tables are gathered before anything is raised, so one
    run shows everything an edit broke. A load that passed leaves a verdict
    (see :mod:`.verdicts`); a later load of the same files reads them
    again but need not check them again.

    Args:
        data_dir: The ``data/`` folder.
        glotip: Also read UNODC's GLOTIP counts and check them against the
            record of known inconsistencies, with the curated breaks in its
            series (``series_breaks``). Off by default: the GLOTIP table
            has thousands of rows, and checking them costs time the notebooks
            that do not use it should not pay.
        world_bank: Also read the World Bank's population and consumer price
            inflation (``data/processed/world_bank.csv``) and check every row
            against the line of the raw file it names. Off by default, like ``glotip``.
        fresh: Validate even when a verdict says the same files passed (``tip-norway check`` does, and so does
            ``run`` before it executes any notebook: a verdict in ``output/cache/`` is a file anyone can write, so
            it serves only interactive loads and the kernels of a run that has just validated the same files);
            the verdict is written all the same. Only the same bytes validated earlier by this very process are
            not validated again (:data:`_VALIDATED_HERE`).

    Raises:
        DataError: Listing each problem with its file, line, column and what was expected.
    """
    data_dir = Path(data_dir)
    if os.environ.get(verdicts.NO_CACHE_ENV):
        return validate(data_dir, glotip, world_bank)
    wanted = {CORE} | ({GLOTIP} if glotip else set()) | ({WORLD_BANK} if world_bank else set())
    stamp = verdicts.stamp(data_dir)  # taken before the key: a file written after it changes the stamp
    key = verdicts.cache_key(data_dir)
    known = verdicts.validated_parts(key)
    here = _VALIDATED_HERE.get(key, set())
    if wanted <= here or (not fresh and wanted <= known):
        dataset = _read(data_dir, glotip, world_bank)
        if dataset is not None and verdicts.stamp(data_dir) == stamp:  # the files did not change while they were read
            if fresh or not wanted <= known:  # the verdict a load that validated them writes
                verdicts.keep(key, wanted if fresh else known | wanted)
            return dataset
    dataset = validate(data_dir, glotip, world_bank)
    if verdicts.stamp(data_dir) == stamp:
        _VALIDATED_HERE[key] = here | wanted
        # a fresh load vouches only for what it validated itself: what a verdict found said is not carried over
        verdicts.keep(key, wanted if fresh else known | wanted)
    return dataset


def _names(glotip: bool, world_bank: bool) -> tuple[str, ...]:
    """The tables a load reads (:data:`.verdicts.TABLES`)."""
    return verdicts.TABLES[CORE] + (verdicts.TABLES[GLOTIP] if glotip else ()) + (
        verdicts.TABLES[WORLD_BANK] if world_bank else ())


def _finish(tables: dict, glotip: bool) -> Dataset:
    """The dataset from its tables: GLOTIP's rows get the reason each is flagged, if any."""
    if glotip:
        flags = tables.pop("glotip_flags")
        tables["glotip"] = tables["glotip"].assign(
            flag=tables["glotip"].id.map(quality.flag_reasons(flags)).astype("str"))
    return Dataset(**tables)


def _read(data_dir: Path, glotip: bool, world_bank: bool) -> Dataset | None:
    """The tables read and typed from their files without the checks (their verdict says they pass).

    None if any cannot be read.
    """
    tables = {}
    for name in _names(glotip, world_bank):
        tables[name], problems = read_table_with_problems(name, data_dir, validate=False)
        if tables[name] is None or problems:
            return None
    return _finish(tables, glotip)


def _readable(tables: dict, data_dir: Path, unreadable: set, name: str) -> tuple[pd.DataFrame, str]:
    """A table without its rows that hold a cell that could not be read, and its file as messages name it."""
    show = table_file(name, data_dir)
    table = tables[name]
    return table[[(show, int(i) + 2) not in unreadable for i in table.index]], show


def _figure_checks(tables: dict, readable, texts: dict[str, str], local: set[str]) -> list[Problem]:
    """The checks of the figures across tables: references, quotes, values, the words that bind them, parts."""
    if tables["figures"] is None:
        return []
    figures, show = readable("figures")
    ids = set(tables["figures"].id.dropna())
    cross = checks.check_references(figures, show, readable("sources")[0], tables["metrics"], ids)
    quotes = checks.check_quotes(figures, show, texts, local)
    cross += quotes
    cross += checks.check_values(figures, show)
    misquoted = {p.row_id for p in quotes if p.column == "quote"}
    cross += check_counted_as(figures, show, tables["metrics"], tables["forms"], tables["populations"], misquoted)
    cross += check_quote_binding(figures, show, misquoted)
    return cross + check_parts(figures, show) + check_currency_pairs(figures, show)


def _statement_checks(tables: dict, readable, texts: dict[str, str], local: set[str]) -> list[Problem]:
    """The checks of the statements across tables: references and quotes."""
    if tables["statements"] is None:
        return []
    statements, show = readable("statements")
    return (checks.check_references(statements, show, readable("sources")[0], None)
            + checks.check_quotes(statements, show, texts, local))


def _glotip_checks(tables: dict, readable, data_dir: Path, raw_failed: set[str]) -> list[Problem]:
    """GLOTIP's counts against the register, their workbooks and the quality flags; the curated breaks."""
    if tables["glotip"] is None or tables["glotip_flags"] is None:
        return []
    counts, show = readable("glotip")
    register = table_file("sources", data_dir)
    cross = check_counts(counts, show, readable("sources")[0])
    # every row against its workbook's sha256 and its digest; the workbook itself is read only where they differ
    cross += check_against_workbooks(counts, show, tables["sources"], register, data_dir / "raw", raw_failed)
    cross += quality.reconcile_flags(counts, tables["glotip_flags"], show, table_file("glotip_flags", data_dir))
    if tables["series_breaks"] is not None:
        breaks, show = readable("series_breaks")
        cross += check_breaks(breaks, show, counts, tables["figures"], readable("sources")[0])
    return cross


def _world_bank_checks(tables: dict, data_dir: Path, raw_failed: set[str]) -> list[Problem]:
    """The World Bank's table against its raw files.

    Every row, readable or not: a cell that failed its own check is reported once, the rest of its row compared.
    """
    if tables["world_bank"] is None:
        return []
    return check_against_raw(tables["world_bank"], table_file("world_bank", data_dir), tables["sources"],
                             table_file("sources", data_dir), data_dir / "raw", raw_failed)


def validate(data_dir: Path, glotip: bool, world_bank: bool = False) -> Dataset:
    """Read and check every table, whatever any verdict says.

    This is :func:`load` without its cache; `tip-norway extract` checks what it would write with it.
    """
    problems, tables = [], {}
    for name in _names(glotip, world_bank):
        tables[name], found = read_table_with_problems(name, data_dir)
        problems.extend(found)
    if tables["sources"] is None:
        raise DataError(problems)
    register = table_file("sources", data_dir)
    found, texts = checks.check_raw_files(tables["sources"], data_dir / "raw", register)
    problems.extend(found)
    raw_failed = {p.row_id for p in found if p.file == register}
    # Rows with a cell that could not be read are left out of the checks across
    # tables (their consequences would only repeat the problem), and a cell that
    # failed its own table's checks is reported once.
    readable = partial(_readable, tables, data_dir, {(p.file, p.line) for p in problems if p.unreadable})
    reported = {(p.file, p.line, p.column) for p in problems}
    local = set(tables["sources"].source_id[tables["sources"].file.notna()])
    cross = _figure_checks(tables, readable, texts, local) + _statement_checks(tables, readable, texts, local)
    cross += _glotip_checks(tables, readable, data_dir, raw_failed) if glotip else []
    cross += _world_bank_checks(tables, data_dir, raw_failed) if world_bank else []
    for problem in cross:  # one problem per cell: the first check to find it names it
        if (problem.file, problem.line, problem.column) not in reported:
            reported.add((problem.file, problem.line, problem.column))
            problems.append(problem)
    if problems:
        raise DataError(problems)
    return _finish(tables, glotip)
