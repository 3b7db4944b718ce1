"""Checks of the curated tables against the register and the raw documents: files, references, quotes, values.

Each function returns a list of :class:`~analysis.data.errors.Problem`; the loader
gathers them all and raises one :class:`~analysis.data.errors.DataError`, so a
curator sees every mistake of an edit at once. The checks of the words that bind a
value (:mod:`analysis.data.counted_as`, :mod:`analysis.data.binding`) and of the
figures against one another (:mod:`analysis.data.consistency`) have modules of their own.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pandas as pd

from .. import config
from .digest import sha256
from .errors import Problem
from .numbers import occurs_as_token, parse_number

#: Words that must stand just before a value the source qualifies this way.
HEDGE_WORDS = {
    "approximately": ("approximately", "about", "around", "some", "nearly", "almost", "roughly", "ca."),
    "over": ("over", "more than"),
    "under": ("under", "fewer than", "less than", "underkant"),
    "up to": ("up to",),
}
#: How far before the value a hedge word may stand ("approximately 20 percent ... and 20 percent").
_HEDGE_REACH = 40


def _line(index) -> int:
    return int(index) + 2


def paragraphs(text: str) -> list[str]:
    """Blocks of text separated by blank lines, the unit that ``locator`` counts."""
    return [block for block in re.split(r"\n[ \t]*\n", text) if block.strip()]


def check_raw_files(sources: pd.DataFrame, raw_dir: Path, register: str) -> tuple[list[Problem], dict[str, str]]:
    """Each registered file exists with its recorded hash; each raw file is registered.

    Returns:
        The problems, and the text of every readable registered text document by source_id.
    """
    problems, texts = [], {}
    registered = set()
    for row in sources.itertuples():
        if pd.isna(row.file):
            continue
        registered.add(row.file)
        path = Path(raw_dir) / row.file
        if not path.is_file():
            problems.append(Problem(register, _line(row.Index), "file",
                                    f"registered file {config.display(path)} not found", row.source_id))
            continue
        actual = sha256(path)
        if pd.isna(row.sha256) or actual != row.sha256:
            problems.append(Problem(
                register, _line(row.Index), "sha256",
                f"raw file {config.display(path)} has changed: its sha256 is {actual}, the register expects "
                f"{row.sha256}. Raw files are kept byte for byte; restore the published copy or register a new source.",
                row.source_id))
            continue
        if path.suffix == ".txt":  # documents quoted verbatim; a workbook is read by the extraction step
            texts[row.source_id] = path.read_text(encoding="utf-8")
    # every file under raw/, in subfolders and hidden ones too: each is part of the data a run is judged by
    for path in sorted(Path(raw_dir).rglob("*")):
        name = path.relative_to(raw_dir).as_posix()
        if path.is_file() and name != Path(register).name and name not in registered:
            hidden = (" (a hidden file: a listing may not show it, but it is part of the data all the same)"
                      if any(part.startswith(".") for part in Path(name).parts) else "")
            problems.append(Problem(config.display(path), None, None,
                                    f"raw file is not in the source register {register}{hidden}"))
    return problems, texts


def check_references(
    table: pd.DataFrame, show: str, sources: pd.DataFrame, metrics: pd.DataFrame | None, ids: set[str] | None = None
) -> list[Problem]:
    """Foreign keys: known source, edition matching the source, known (metric, unit), existing part_of.

    ``ids`` are the ids ``part_of`` may name (default: those of ``table``).
    """
    problems = []
    editions = dict(zip(sources.source_id, sources.edition, strict=True))
    pairs = set() if metrics is None else set(zip(metrics.metric, metrics.unit, strict=True))
    ids = set(table.id) if ids is None else ids
    columns = [c for c in ("id", "source_id", "report_year", "metric", "unit", "part_of") if c in table.columns]
    for row in table[columns].itertuples():
        if row.source_id not in editions:
            close = difflib.get_close_matches(str(row.source_id), list(editions), n=3)
            hint = f" (closest: {', '.join(close)})" if close else ""
            problems.append(Problem(show, _line(row.Index), "source_id",
                                    f"unknown source {row.source_id!r}: expected a source_id registered in "
                                    f"data/raw/sources.csv{hint}", row.id))
        elif row.report_year != editions[row.source_id]:
            problems.append(Problem(show, _line(row.Index), "report_year",
                                    f"expected {editions[row.source_id]}, the edition of source {row.source_id}, found "
                                    f"{row.report_year}", row.id))
        if metrics is not None:
            if (row.metric, row.unit) not in pairs:
                units = sorted(u for m, u in pairs if m == row.metric)
                expected = f"unit {' or '.join(units)}" if units else "a metric listed in data/processed/metrics.csv"
                problems.append(Problem(show, _line(row.Index), "metric" if not units else "unit",
                                        f"({row.metric}, {row.unit}) is not in the metric "
                                        f"codebook: expected {expected}", row.id))
            if not pd.isna(row.part_of) and row.part_of not in ids:
                problems.append(Problem(show, _line(row.Index), "part_of",
                                        f"expected the id of another figure, found {row.part_of!r}", row.id))
    return problems


def check_quotes(table: pd.DataFrame, show: str, texts: dict[str, str], local: set[str]) -> list[Problem]:
    """Quotes from documents held in data/raw/ stand verbatim in them, in the paragraph the locator names.

    Args:
        table: The figures or statements, with ``quote`` and ``locator``.
        show: The table's file, as messages name it.
        texts: Text of each readable registered file, by source_id.
        local: source_ids whose document data/raw/ holds (their rows must quote it).
    """
    problems = []
    split = {source: paragraphs(text) for source, text in texts.items()}
    for row in table[["id", "source_id", "locator", "quote"]].itertuples():
        if row.source_id not in local:
            continue  # no local copy: the quote is as read at the address, checked against the value only
        if pd.isna(row.quote):
            problems.append(Problem(show, _line(row.Index), "quote",
                                    f"expected the passage of {row.source_id}, which data/raw/ holds", row.id))
            continue
        located = re.match(r"paragraph (\d+)( \(.+\))?$", row.locator)
        if not located:
            problems.append(Problem(show, _line(row.Index), "locator",
                                    "expected 'paragraph N (section)' for a document held in "
                                    f"data/raw/, found {row.locator!r}", row.id))
            continue
        if row.source_id not in texts:
            continue  # the copy failed its own check, reported with the register
        if row.quote not in texts[row.source_id]:
            problems.append(Problem(show, _line(row.Index), "quote",
                                    f"quote not found verbatim in the raw document of {row.source_id}: {row.quote!r}",
                                    row.id))
            continue
        number = int(located.group(1))
        blocks = split[row.source_id]
        if not (1 <= number <= len(blocks)) or row.quote not in blocks[number - 1]:
            found = [str(i) for i, block in enumerate(blocks, start=1) if row.quote in block]
            problems.append(Problem(show, _line(row.Index), "locator",
                                    f"the quote is not in paragraph {number}; expected paragraph {' or '.join(found)}",
                                    row.id))
    return problems


def _missing(row) -> list[tuple[str, str]]:
    """A row without a value says why, and writes no value."""
    faults = []
    if pd.isna(row.missing_reason):
        faults.append(("missing_reason",
                       "the value is empty: expected the reason it is missing (a missing value is not zero)"))
    if not pd.isna(row.value_as_written):
        faults.append(("value", f"expected the value written as {row.value_as_written!r}, found an empty cell"))
    return faults


def _hedge(row, positions: list[int]) -> list[tuple[str, str]]:
    """The hedge of the row is the one the quote writes before the value (``positions``: where the value stands)."""
    before = [row.quote[max(0, p - _HEDGE_REACH):p].lower() for p in positions]
    if row.hedge in HEDGE_WORDS:
        words = HEDGE_WORDS[row.hedge]
        if not any(w in b for w in words for b in before):
            return [("hedge", f"expected one of {', '.join(repr(w) for w in words)} before {row.value_as_written!r} "
                              "in the quote")]
        return []
    near = [b[-15:] for b in before]
    hedges = sorted({w for ws in HEDGE_WORDS.values() for w in ws if all(w in n for n in near)})
    return [("hedge", f"the quote qualifies the value with {hedges[0]!r}: expected that hedge, found 'exact'")
            ] if hedges else []


def _value(row) -> list[tuple[str, str]]:
    """A row's value is the number its value_as_written reads as, which stands in its quote, with its hedge."""
    if pd.isna(row.value):
        return _missing(row)
    faults = [] if pd.isna(row.missing_reason) else [("missing_reason",
                                                      "expected an empty cell, since the value is given")]
    if pd.isna(row.value_as_written):
        return [*faults, ("value_as_written", "expected the value as the quote writes it")]
    try:
        written = parse_number(row.value_as_written)
    except ValueError as exc:
        return [*faults, ("value_as_written", f"expected a number in digits or words, {exc}")]
    if written != row.value:
        faults.append(("value", f"expected {written:g}, the value of {row.value_as_written!r}, found {row.value:g}"))
    if pd.isna(row.quote):
        return [*faults, ("quote", "expected the passage the value is read from")]
    positions = occurs_as_token(row.value_as_written, row.quote)
    if not positions:
        return [*faults, ("value_as_written", f"{row.value_as_written!r} does not stand in the quote {row.quote!r}")]
    return faults + _hedge(row, positions)


def check_values(figures: pd.DataFrame, show: str) -> list[Problem]:
    """Each value can be read from its quote, with the stated hedge; missing values say why."""
    columns = ["id", "value", "value_as_written", "missing_reason", "quote", "hedge"]
    return [Problem(show, _line(row.Index), column, message, row.id)
            for row in figures[columns].itertuples() for column, message in _value(row)]
