"""Checks across tables and against the raw documents.

Each function returns a list of :class:`~analysis.errors.Problem`; the loader
gathers them all and raises one :class:`~analysis.errors.DataError`, so a
curator sees every mistake of an edit at once.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections import defaultdict
from pathlib import Path

import pandas as pd

from . import paths
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
#: Largest spread allowed between the NOK/USD rates implied by the funding lines of one edition.
RATE_TOLERANCE = 0.02


def _line(index) -> int:
    return int(index) + 2


def sha256(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


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
            problems.append(Problem(register, _line(row.Index), "file", f"registered file {paths.display(path)} not found", row.source_id))
            continue
        actual = sha256(path)
        if pd.isna(row.sha256) or actual != row.sha256:
            problems.append(Problem(
                register, _line(row.Index), "sha256",
                f"raw file {paths.display(path)} has changed: its sha256 is {actual}, the register expects {row.sha256}. "
                "Raw files are kept byte for byte; restore the published copy or register a new source.",
                row.source_id))
            continue
        if path.suffix == ".txt":  # documents quoted verbatim; a workbook is read by the extraction step
            texts[row.source_id] = path.read_text(encoding="utf-8")
    for path in sorted(Path(raw_dir).iterdir()):
        if path.is_file() and path.name != Path(register).name and path.name not in registered and not path.name.startswith("."):
            problems.append(Problem(paths.display(path), None, None, f"raw file is not in the source register {register}"))
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
                                    f"unknown source {row.source_id!r}: expected a source_id registered in data/raw/sources.csv{hint}", row.id))
        elif row.report_year != editions[row.source_id]:
            problems.append(Problem(show, _line(row.Index), "report_year",
                                    f"expected {editions[row.source_id]}, the edition of source {row.source_id}, found {row.report_year}", row.id))
        if metrics is not None:
            if (row.metric, row.unit) not in pairs:
                units = sorted(u for m, u in pairs if m == row.metric)
                expected = f"unit {' or '.join(units)}" if units else "a metric listed in data/processed/metrics.csv"
                problems.append(Problem(show, _line(row.Index), "metric" if not units else "unit",
                                        f"({row.metric}, {row.unit}) is not in the metric codebook: expected {expected}", row.id))
            if not pd.isna(row.part_of) and row.part_of not in ids:
                problems.append(Problem(show, _line(row.Index), "part_of", f"expected the id of another figure, found {row.part_of!r}", row.id))
    return problems


def check_quotes(table: pd.DataFrame, show: str, texts: dict[str, str], local: set[str]) -> list[Problem]:
    """Quotes from documents held in data/raw/ stand verbatim in them, in the paragraph the locator names.

    Args:
        texts: Text of each readable registered file, by source_id.
        local: source_ids whose document data/raw/ holds (their rows must quote it).
    """
    problems = []
    split = {source: paragraphs(text) for source, text in texts.items()}
    for row in table[["id", "source_id", "locator", "quote"]].itertuples():
        if row.source_id not in local:
            continue  # no local copy: the quote is as read at the address, checked against the value only
        if pd.isna(row.quote):
            problems.append(Problem(show, _line(row.Index), "quote", f"expected the passage of {row.source_id}, which data/raw/ holds", row.id))
            continue
        located = re.match(r"paragraph (\d+)( \(.+\))?$", row.locator)
        if not located:
            problems.append(Problem(show, _line(row.Index), "locator",
                                    f"expected 'paragraph N (section)' for a document held in data/raw/, found {row.locator!r}", row.id))
            continue
        if row.source_id not in texts:
            continue  # the copy failed its own check, reported with the register
        if row.quote not in texts[row.source_id]:
            problems.append(Problem(show, _line(row.Index), "quote", f"quote not found verbatim in the raw document of {row.source_id}: {row.quote!r}", row.id))
            continue
        number = int(located.group(1))
        blocks = split[row.source_id]
        if not (1 <= number <= len(blocks)) or row.quote not in blocks[number - 1]:
            found = [str(i) for i, block in enumerate(blocks, start=1) if row.quote in block]
            problems.append(Problem(show, _line(row.Index), "locator",
                                    f"the quote is not in paragraph {number}; expected paragraph {' or '.join(found)}", row.id))
    return problems


def check_values(figures: pd.DataFrame, show: str) -> list[Problem]:
    """Each value can be read from its quote, with the stated hedge; missing values say why."""
    problems = []
    for row in figures[["id", "value", "value_as_written", "missing_reason", "quote", "hedge"]].itertuples():
        line = _line(row.Index)

        def add(column, message, line=line, row_id=row.id):
            problems.append(Problem(show, line, column, message, row_id))

        if pd.isna(row.value):
            if pd.isna(row.missing_reason):
                add("missing_reason", "the value is empty: expected the reason it is missing (a missing value is not zero)")
            if not pd.isna(row.value_as_written):
                add("value", f"expected the value written as {row.value_as_written!r}, found an empty cell")
            continue
        if not pd.isna(row.missing_reason):
            add("missing_reason", "expected an empty cell, since the value is given")
        if pd.isna(row.value_as_written):
            add("value_as_written", "expected the value as the quote writes it")
            continue
        try:
            written = parse_number(row.value_as_written)
        except ValueError as exc:
            add("value_as_written", f"expected a number in digits or words, {exc}")
            continue
        if written != row.value:
            add("value", f"expected {written:g}, the value of {row.value_as_written!r}, found {row.value:g}")
        if pd.isna(row.quote):
            add("quote", "expected the passage the value is read from")
            continue
        positions = occurs_as_token(row.value_as_written, row.quote)
        if not positions:
            add("value_as_written", f"{row.value_as_written!r} does not stand in the quote {row.quote!r}")
            continue
        before = [row.quote[max(0, p - _HEDGE_REACH):p].lower() for p in positions]
        if row.hedge in HEDGE_WORDS:
            words = HEDGE_WORDS[row.hedge]
            if not any(w in b for w in words for b in before):
                add("hedge", f"expected one of {', '.join(repr(w) for w in words)} before {row.value_as_written!r} in the quote")
        else:
            near = [b[-15:] for b in before]
            hedges = sorted({w for ws in HEDGE_WORDS.values() for w in ws if all(w in n for n in near)})
            if hedges:
                add("hedge", f"the quote qualifies the value with {hedges[0]!r}: expected that hedge, found 'exact'")
    return problems


def check_parts(figures: pd.DataFrame, show: str) -> list[Problem]:
    """Parts agree with their whole: counts add up to no more than it, shares stay within 100 percent.

    ``part_of`` declares a subset (the 41 women and one man who accepted shelter
    are among the 139 victims who made initial contact), so parts counted in
    another unit than the whole are still compared with it. Parts split the
    whole one way each (by population, by form, or a subset such as "first
    identified"); each way must add up to no more than the whole.
    """
    problems = []
    columns = ["id", "part_of", "unit", "value", "hedge", "form", "population", "period_start", "period_end"]
    rows = {row.id: row for row in figures[columns].itertuples()}
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for part in rows.values():
        if pd.isna(part.part_of) or part.part_of not in rows:
            continue
        whole = rows[part.part_of]
        if not (whole.period_start <= part.period_start and part.period_end <= whole.period_end):
            problems.append(Problem(show, _line(part.Index), "part_of",
                                    f"covers {part.period_start}-{part.period_end}, outside its whole {whole.id} "
                                    f"({whole.period_start}-{whole.period_end})", part.id))
        if pd.isna(part.value):
            continue
        if part.unit == "percent":
            if part.value > 100:
                problems.append(Problem(show, _line(part.Index), "value",
                                        f"a share of {whole.id} must be at most 100 percent, found {part.value:g}", part.id))
            continue
        way = "population" if part.population != whole.population else "form" if part.form != whole.form else "subset"
        groups[(whole.id, way)].append(part)
    for (whole_id, way), split in groups.items():
        whole = rows[whole_id]
        total = sum(p.value for p in split)
        if not pd.isna(whole.value) and whole.hedge in ("exact", "approximately") and total > whole.value:
            listed = ", ".join(f"{p.id}={p.value:g}" for p in split)
            problems.append(Problem(show, _line(split[-1].Index), "value",
                                    f"the parts of {whole_id} by {way} add up to {total:g} ({listed}), more than the whole, {whole.value:g}",
                                    split[-1].id))
    return problems


def check_currency_pairs(figures: pd.DataFrame, show: str) -> list[Problem]:
    """The NOK and USD amounts a source gives for each funding line imply one exchange rate."""
    problems = []
    amounts: dict[str, dict[tuple, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    last: dict[str, object] = {}
    for row in figures[["id", "source_id", "unit", "value", "item", "period_start", "period_end"]].itertuples():
        if row.unit in ("NOK", "USD") and not pd.isna(row.value):
            amounts[row.source_id][(row.item, row.period_start, row.period_end)][row.unit] = row.value
            last[row.source_id] = row
    for source, lines in amounts.items():
        rates = {key: pair["NOK"] / pair["USD"] for key, pair in lines.items() if "NOK" in pair and pair.get("USD")}
        if len(rates) > 1 and max(rates.values()) / min(rates.values()) - 1 > RATE_TOLERANCE:
            listed = ", ".join(f"{key[0]} ({key[1]}): {rate:.3f}" for key, rate in rates.items())
            row = last[source]
            problems.append(Problem(show, _line(row.Index), "value",
                                    f"the NOK/USD pairs of {source} imply rates more than {RATE_TOLERANCE:.0%} apart ({listed})", row.id))
    return problems


def check_counts(table: pd.DataFrame, show: str, sources: pd.DataFrame) -> list[Problem]:
    """Each GLOTIP row names a registered release and its count agrees with the cell as written.

    A count is the number written (thousands separators dropped); "<5" is an
    empty count, censored, bounded 1 to 4. The numbers were written by the
    extraction step; this keeps a hand edit of one column from going unnoticed.
    """
    problems = []
    releases = set(sources.source_id[sources.series == "GLOTIP"])
    for row in table[["id", "source_id", "value_as_written", "count", "censored", "count_low", "count_high"]].itertuples():
        line = _line(row.Index)

        def add(column, message, line=line, row_id=row.id):
            problems.append(Problem(show, line, column, message, row_id))

        if row.source_id not in releases:
            add("source_id", f"expected a GLOTIP release registered in data/raw/sources.csv, found {row.source_id!r}")
        if row.value_as_written == "<5":
            expected = (True, None, 1, 4)
        else:
            number = int(row.value_as_written.replace(",", ""))
            expected = (False, number, number, number)
        found = (bool(row.censored), None if pd.isna(row.count) else int(row.count), int(row.count_low), int(row.count_high))
        for column, want, have in zip(("censored", "count", "count_low", "count_high"), expected, found, strict=True):
            if want != have:
                add(column, f"expected {want if want is not None else 'an empty cell'} for the cell written {row.value_as_written!r}, "
                            f"found {have if have is not None else 'an empty cell'}")
    return problems
