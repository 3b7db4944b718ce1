"""Checks across tables and against the raw documents.

Each function returns a list of :class:`~analysis.data.errors.Problem`; the loader
gathers them all and raises one :class:`~analysis.data.errors.DataError`, so a
curator sees every mistake of an edit at once.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from functools import lru_cache
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
#: Largest spread allowed between the NOK/USD rates implied by the funding lines of one edition.
RATE_TOLERANCE = 0.02
#: The form and the population that no word names: a figure's counted_as then names no form, or no population.
UNNAMED = {"form": "unsplit", "population": "all"}


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


# a check-list, one rule after another, each with its own message: read best in one place
def check_values(figures: pd.DataFrame, show: str) -> list[Problem]:  # noqa: C901
    """Each value can be read from its quote, with the stated hedge; missing values say why."""
    problems = []
    for row in figures[["id", "value", "value_as_written", "missing_reason", "quote", "hedge"]].itertuples():
        line = _line(row.Index)

        def add(column, message, line=line, row_id=row.id):
            problems.append(Problem(show, line, column, message, row_id))

        if pd.isna(row.value):
            if pd.isna(row.missing_reason):
                add("missing_reason",
                    "the value is empty: expected the reason it is missing (a missing value is not zero)")
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
                add("hedge",
                    f"expected one of {', '.join(repr(w) for w in words)} before {row.value_as_written!r} in the quote")
        else:
            near = [b[-15:] for b in before]
            hedges = sorted({w for ws in HEDGE_WORDS.values() for w in ws if all(w in n for n in near)})
            if hedges:
                add("hedge", f"the quote qualifies the value with {hedges[0]!r}: expected that hedge, found 'exact'")
    return problems


def named_words(cell) -> tuple[str, ...]:
    """The words of a ``named_by`` cell of a codebook, split at ';' (none for an empty cell)."""
    return () if pd.isna(cell) else tuple(word.strip() for word in str(cell).split(";") if word.strip())


@lru_cache(maxsize=512)
def _whole_word(word: str) -> re.Pattern:
    # A word edge is required only where the word itself begins or ends with a letter or digit: "$" names a
    # dollar amount in "$314,000", while "man" is not found in "woman" nor "sex" in "sexual". The spaces of
    # "fulgt opp" match any run of spaces.
    before = r"(?<!\w)" if re.match(r"\w", word) else ""
    after = r"(?!\w)" if re.search(r"\w$", word) else ""
    return re.compile(before + r"\s+".join(map(re.escape, word.split())) + after, re.IGNORECASE)


def words_in(words: tuple[str, ...], text: str) -> list[str]:
    """The words of ``words`` that stand in ``text`` as whole words, regardless of case."""
    return [word for word in words if _whole_word(word).search(text)]


def _clause(quote: str, at: int) -> str:
    """The quote from position ``at`` to the end of its clause (a comma, bracket, 'and', or eight words on)."""
    rest = re.split(r"[,;()]| and | og ", quote[at:], maxsplit=1)[0]
    return " ".join(rest.split()[:8])


def _reads(clause: str, form: str, form_words: dict[str, tuple[str, ...]]) -> str:
    """A clause of the quote, and the forms it names if the row's form is not among them.

    "'68 labor trafficking cases' (the form 'labor')".
    """
    named = [other for other, words in form_words.items() if words_in(words, clause)]
    return f"{clause!r} (the form {' and '.join(map(repr, named))})" if named and form not in named else repr(clause)


def _named(found: dict[str, list[str]], what: str) -> str:
    """'the form 'labor' ('labor')', one entry per value of ``found`` that its words name."""
    return ", ".join(f"the {what} {value!r} ({', '.join(map(repr, words))})" for value, words in found.items())


# a check-list, one rule after another, each with its own message: read best in one place
def check_counted_as(  # noqa: C901
    figures: pd.DataFrame, show: str, metrics: pd.DataFrame | None, forms: pd.DataFrame | None,
    populations: pd.DataFrame | None,
    misquoted: set[str] = frozenset(),
) -> list[Problem]:
    """Each quoted value is bound to the words of its quote that say what it counts, and they say what its row says.

    That ``value_as_written`` stands in the quote does not show it is the right
    number of the quote: "36 sex trafficking cases and 68 labor trafficking
    cases" also holds 68. So a row with a quote gives ``counted_as``, the words
    of the quote that say what its value counts, or ``unbound_reason``, why
    there are none (the number follows its noun, as in "Tier 1"), never both.
    ``counted_as`` stands verbatim in the quote and begins with the value as
    written, as a whole token ("36" is not the start of "360 cases"). It
    contains, as whole words regardless of case, a word naming the row's
    (metric, unit) from ``metrics.named_by``; a part of another figure of the
    same metric and unit (``part_of``, split by form or population) may leave
    that to its whole's ``counted_as``, as "37 prostitusjon eller andre seksuelle
    formål" leaves it to "106 anmeldelser". It names the row's form
    (``forms.named_by``) unless the row is unsplit, and no other form; it names
    the row's population (``populations.named_by``) unless the row is about
    everyone, in which case it names no population. A figure the source does
    not report has no value as written: its words (what is not reported) are
    checked for all but the value.

    Rows without a quote are left to the quote checks; a value or a vocabulary
    that is not in its codebook is reported by the schema and check_references.

    Args:
        figures: The curated figures.
        show: Their file, as messages name it.
        metrics: The metric codebook, with its ``named_by`` words (None if unreadable: not checked).
        forms: The form codebook, likewise.
        populations: The population codebook, likewise.
        misquoted: ids of rows whose quote check_quotes found not to stand in its document: their words are
            not checked against a quote that is itself wrong (one problem per mistake).
    """
    problems = []
    metric_words = {} if metrics is None else {
        (row.metric, row.unit): named_words(row.named_by) for row in metrics.itertuples()}
    form_words = {} if forms is None else {row.form: named_words(row.named_by) for row in forms.itertuples()}
    population_words = {} if populations is None else {
        row.population: named_words(row.named_by) for row in populations.itertuples()}
    columns = ["id", "metric", "unit", "form", "population", "value", "value_as_written", "counted_as",
               "unbound_reason",
               "part_of", "quote"]
    rows = {row.id: row for row in figures[columns].itertuples()}

    def split_of(part) -> object | None:
        """The figure ``part`` splits by form or population, if it is one of the same metric.

        A subset counted alike is not a split.
        """
        whole = rows.get(part.part_of) if not pd.isna(part.part_of) else None
        if whole is None or (whole.metric, whole.unit) != (part.metric, part.unit):
            return None
        return whole if (whole.form, whole.population) != (part.form, part.population) else None

    for row in rows.values():
        line = _line(row.Index)

        def add(column, message, line=line, row_id=row.id):
            problems.append(Problem(show, line, column, message, row_id))

        counted, reason = row.counted_as, row.unbound_reason
        if row.id in misquoted:
            continue
        if pd.isna(row.quote):
            if pd.isna(row.value):  # a value read from nowhere is reported by the quote checks
                for column, cell in (("counted_as", counted), ("unbound_reason", reason)):
                    if not pd.isna(cell):
                        add(column, f"expected an empty cell, since the row has no quote to bind, found {cell!r}")
            continue
        if pd.isna(counted) and pd.isna(reason):
            add("counted_as",
                "expected the words of the quote that say what the value counts, beginning with the value as "
                "written (e.g. '36 sex trafficking cases'), or in unbound_reason why the quote has none")
            continue
        if not pd.isna(counted) and not pd.isna(reason):
            add("unbound_reason", f"expected an empty cell, since counted_as binds the value to {counted!r}; "
                                  f"found {reason!r} (a row gives one or the other)")
            continue
        if pd.isna(counted):
            continue
        if counted not in row.quote:
            add("counted_as", f"{counted!r} does not stand verbatim in the quote {row.quote!r}")
            continue
        written = row.value_as_written
        if not pd.isna(written):
            places = occurs_as_token(written, row.quote)
            if places and 0 not in occurs_as_token(written, counted):  # absent from the quote: check_values says so
                reads = " or ".join(_reads(_clause(row.quote, at), row.form, form_words) for at in places)
                add("counted_as",
                    f"{counted!r} does not begin with the value as written, {written!r}: expected the words "
                    f"that follow {written!r} in the quote, where it reads {reads}")
                continue
        faults = []
        if (row.metric, row.unit) in metric_words:
            words = metric_words[(row.metric, row.unit)]
            whole = split_of(row)  # its own row checks that the whole's words name the metric
            if not words_in(words, counted) and (whole is None or pd.isna(whole.counted_as)):
                unbound = "" if whole is None else f" (its whole, {whole.id}, has no counted_as to name it)"
                faults.append(f"does not name the metric {row.metric} ({row.unit}): expected one of the words "
                              f"{', '.join(words)}{unbound}")
        for value, vocabulary, what in ((row.form, form_words, "form"),
                                        (row.population, population_words, "population")):
            none = UNNAMED[what]
            if value not in vocabulary:
                continue
            own = words_in(vocabulary[value], counted)
            others = {other: found for other, words in vocabulary.items()
                      if other != value and (found := words_in(words, counted))}
            if value == none:
                if others:
                    faults.append(f"names {_named(others, what)}, expected no word naming a {what}, since the row's "
                                  f"{what} is {none}")
            elif not own:
                expected = f"expected words naming {value!r} ({', '.join(vocabulary[value])})"
                faults.append(f"names {_named(others, what)}, {expected}" if others
                              else f"does not name the {what} {value!r}: {expected}")
            elif others and what == "form":  # a count of men may say it is 41 women and one man; a form is one form
                faults.append(f"names {_named(others, what)} as well as {value!r}: expected "
                              f"words naming {value!r} only")
        if faults:
            add("counted_as", f"{counted!r} " + "; it ".join(faults))
    return problems


#: A word or a numeral of a quote: "27", "2,000", "2.5", "six-month", "twenty-one", "én".
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:-[^\W\d_]+)*")
_YEAR = r"(?:19|20)\d\d"
#: How a quote names the year of a figure: a span ("from 2007 to 2013", "From 2003 to June 2013"), a choice
#: ("in 2017 or 2018") or one year ("in 2013", "I 2016", "since 2003").
_YEARS_NAMED = re.compile(
    rf"\bfrom (?P<first>{_YEAR}) to (?:[^\W\d_]+ )?(?P<last>{_YEAR})\b"
    rf"|(?<![\w.,$])(?P<either>{_YEAR}) or (?P<or>{_YEAR})(?![\w]|[.,]\d)"
    rf"|(?<![\w.,$])(?P<year>{_YEAR})(?![\w]|[.,]\d)", re.IGNORECASE)
#: Words that open the part of a quote about another figure than the one before them: "40 ultimately accepted
#: shelter, compared to 38 in 2015" names 2015 for 38 only.
COMPARISON_WORDS = ("compared with", "compared to", "in contrast with", "the same number as", "mot")
_COMPARISON = re.compile(r"\b(?:" + "|".join(map(re.escape, COMPARISON_WORDS)) + r")\b", re.IGNORECASE)


def quote_numbers(quote: str) -> list[tuple[int, str]]:
    """The numbers of a quote, in order, with where each begins: every numeral and number word, years included.

    A word counts if :func:`~analysis.data.numbers.parse_number` reads it, or the part of it before a hyphen
    ("six" of "six-month"); this is the count ``value_position`` is a place in.
    """
    found = []
    for match in _TOKEN.finditer(quote):
        text = _as_number(match.group())
        if text is not None:
            found.append((match.start(), text))
    return found


@lru_cache(maxsize=4096)
def _as_number(token: str) -> str | None:
    """The token, or its part before a hyphen, if it is a number; else None (the same words recur in every quote)."""
    for text in dict.fromkeys((token, token.split("-")[0])):
        try:
            parse_number(text)
        except ValueError:
            continue
        return text
    return None


def _part(quote: str, at: int) -> tuple[int, int]:
    """The stretch of the quote about the figure at position ``at``.

    A bracket that names a year is a part of its own ("(118 and 45, respectively, in 2017)"); the rest of the
    quote is cut before each comparison word. Returns the part's bounds, with any bracket inside it that names a
    year left to be skipped by the caller.
    """
    for bracket in re.finditer(r"\([^()]*\)", quote):
        if bracket.start() <= at < bracket.end() and _YEARS_NAMED.search(bracket.group()):
            return bracket.start(), bracket.end()
    cuts = [0, *(m.start() for m in _COMPARISON.finditer(quote)), len(quote)]
    start = max(c for c in cuts if c <= at)
    return start, min(c for c in cuts if c > at)


def years_named(quote: str, at: int) -> re.Match | None:
    """The years the quote names for the number at position ``at``, or None if it names none.

    Those of its part of the quote (see :func:`_part`): the first named after the number ("30 sex trafficking
    cases and 39 labor trafficking cases in 2013"), else the last named before it ("In 2018, 77 potential
    victims"). A year in a bracket of its own, or after a comparison word, qualifies other numbers.
    """
    start, end = _part(quote, at)
    inner = [b.span() for b in re.finditer(r"\([^()]*\)", quote)
             if start <= b.start() and b.end() <= end and (b.start(), b.end()) != (start, end)
             and _YEARS_NAMED.search(b.group())]
    named = [m for m in _YEARS_NAMED.finditer(quote, start, end)
             if not any(s <= m.start() < e for s, e in inner)]
    after = [m for m in named if m.start() > at]
    before = [m for m in named if m.end() <= at]
    return after[0] if after else before[-1] if before else None


def _period_misfit(named: re.Match, start: int, end: int, kind: str) -> tuple[str, str] | None:
    """None if a row's period is the one the quote names; else the column at fault and that period, as stated."""
    if named["first"]:  # a span: both ends
        first, last = int(named["first"]), int(named["last"])
        column = "period_start" if start != first else "period_end" if end != last else None
        return column and (column, f"{first}-{last}")
    years = [int(named["either"]), int(named["or"])] if named["either"] else [int(named["year"])]
    if kind == "cumulative":  # "since 2003": the first year; the last is the edition's
        return None if start in years else ("period_start", " or ".join(f"{year}-{end}" for year in years))
    column = "period_start" if start not in years else "period_end" if end != start else None
    return column and (column, " or ".join(map(str, years)))


def _value_at(row, numbers: list[tuple[int, str]]) -> int | None:
    """Where the row's value stands in its quote: where ``counted_as`` begins, or its ``value_position``."""
    if not pd.isna(row.counted_as):
        at = row.quote.find(row.counted_as)
        return None if at < 0 else at
    if not pd.isna(row.value_position) and 1 <= row.value_position <= len(numbers):
        return numbers[int(row.value_position) - 1][0]
    return None


# a check-list, one rule after another, each with its own message: read best in one place
def check_quote_binding(  # noqa: C901
        figures: pd.DataFrame, show: str, misquoted: set[str] = frozenset()) -> list[Problem]:
    """Each quoted value is bound to its place in the quote and to the year the quote names for it.

    ``counted_as`` binds a value to its words (:func:`check_counted_as`); a row
    without them (``unbound_reason``) gives ``value_position``, the place of its
    value among the quote's numbers (:func:`quote_numbers`), so that "27 victims
    and ... 41 victims" cannot become 41. Then, wherever the value stands, a year
    the quote names in the clause that holds it (:func:`years_named`) must be the
    row's period: one year for a year's figure, both ends of a span, the first
    year of a running total "since" a year. A year that qualifies another number
    ("11 ... in 2014, compared with 19 in 2013") does not bind it. A clause that
    names no year speaks of the year its edition reports on (``report_year`` - 1:
    "Authorities initiated investigations of 36 sex trafficking cases" in the
    2015 edition is of 2014). Where the source gives the year otherwise (outside
    the quote, "the year before", "the same number as in 2019"), the row records
    why in ``period_unbound_reason``; a record the quote no longer calls for is
    refused.

    Args:
        figures: The curated figures.
        show: Their file, as messages name it.
        misquoted: ids of rows whose quote check_quotes found not to stand in its document.
    """
    problems = []
    columns = ["id", "report_year", "period_start", "period_end", "period_kind", "value", "value_as_written",
               "counted_as", "unbound_reason", "value_position", "period_unbound_reason", "quote"]
    for row in figures[columns].itertuples():
        line = _line(row.Index)

        def add(column, message, line=line, row_id=row.id):
            problems.append(Problem(show, line, column, message, row_id))

        position, excused, written = row.value_position, row.period_unbound_reason, row.value_as_written
        if pd.isna(row.quote) or row.id in misquoted:
            for column, cell in (("value_position", position), ("period_unbound_reason", excused)):
                # a value read from nowhere is reported by the quote checks
                if pd.isna(row.quote) and pd.isna(row.value) and not pd.isna(cell):
                    add(column, f"expected an empty cell, since the row has no quote to bind, found '{cell}'")
            continue
        numbers = quote_numbers(row.quote)
        listed = ", ".join(text for _, text in numbers) or "none"
        if not pd.isna(position):
            if not pd.isna(row.counted_as):
                add("value_position", f"expected an empty cell, since counted_as binds the value to "
                                      f"{row.counted_as!r}, found {position}")
                continue
            if pd.isna(written):
                if pd.isna(row.value):  # a value without its words as written is reported by check_values
                    add("value_position", f"expected an empty cell, since the row has no value, found {position}")
                continue
            if position < 1:
                continue  # the schema reports it
            if position > len(numbers):
                add("value_position", f"expected at most {len(numbers)}, the count of the quote's numbers "
                                      f"({listed}), found {position}")
                continue
            at, text = numbers[int(position) - 1]
            if at not in occurs_as_token(written, row.quote) and not (
                    at > 0 and row.quote[at - 1] == "$" and at - 1 in occurs_as_token(written, row.quote)):
                add("value_as_written", f"expected {text!r}, number {position} of the quote's numbers ({listed}) as "
                                        f"value_position records, found {written!r}")
                continue
        elif pd.isna(row.counted_as) and not pd.isna(row.unbound_reason) and not pd.isna(written):
            places = [str(i) for i, (at, _) in enumerate(numbers, start=1) if at in occurs_as_token(written, row.quote)]
            where = f": {written!r} is number {' or '.join(places)}" if places else ""
            add("value_position", f"expected the place of the value among the quote's numbers ({listed}), since "
                                  f"no counted_as binds it{where}")
            continue
        at = _value_at(row, numbers)
        if at is None:
            continue  # counted_as not in the quote: check_counted_as says so
        named = years_named(row.quote, at)
        found = (str(row.period_start) if row.period_start == row.period_end
                 else f"{row.period_start}-{row.period_end}")
        what = repr(row.counted_as if not pd.isna(row.counted_as) else written)
        if named is None:  # the year the edition reports on
            year = row.report_year - 1
            said = f"names no year for {what}, so it is of {year}, the year the {row.report_year} edition reports on"
            misfit = None if row.period_start == row.period_end == year else (
                "period_start" if row.period_start != year else "period_end", str(year))
        else:
            said = f"names {named.group()!r} for {what}"
            misfit = _period_misfit(named, row.period_start, row.period_end, row.period_kind)
        if misfit is None and not pd.isna(excused):
            add("period_unbound_reason", f"expected an empty cell, since the quote {said} and the row's period is "
                                         f"{found}, found {excused!r}")
        elif misfit is not None and pd.isna(excused):
            column, expected = misfit
            add(column, f"the quote {said}: expected the period {expected}, found {found} (or, where the source "
                        "gives the year otherwise, the reason in period_unbound_reason)")
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
                                        f"a share of {whole.id} must be at most 100 percent, found {part.value:g}",
                                        part.id))
            continue
        way = "population" if part.population != whole.population else "form" if part.form != whole.form else "subset"
        groups[(whole.id, way)].append(part)
    for (whole_id, way), split in groups.items():
        whole = rows[whole_id]
        total = sum(p.value for p in split)
        if not pd.isna(whole.value) and whole.hedge in ("exact", "approximately") and total > whole.value:
            listed = ", ".join(f"{p.id}={p.value:g}" for p in split)
            problems.append(Problem(show, _line(split[-1].Index), "value",
                                    f"the parts of {whole_id} by {way} add up to {total:g} ({listed}), more than the "
                                    f"whole, {whole.value:g}",
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
                                    f"the NOK/USD pairs of {source} imply rates more than "
                                    f"{RATE_TOLERANCE:.0%} apart ({listed})", row.id))
    return problems


def check_counts(table: pd.DataFrame, show: str, sources: pd.DataFrame) -> list[Problem]:
    """Each GLOTIP row names a registered release and its count agrees with the cell as written.

    A count is the number written (thousands separators dropped); "<5" is an
    empty count, censored, bounded 1 to 4. The numbers were written by the
    extraction step; this keeps a hand edit of one column from going unnoticed.
    """
    problems = []
    releases = set(sources.source_id[sources.series == "GLOTIP"])
    for row in table[["id", "source_id", "value_as_written", "count", "censored", "count_low",
                      "count_high"]].itertuples():
        line = _line(row.Index)

        def add(column, message, line=line, row_id=row.id):
            problems.append(Problem(show, line, column, message, row_id))

        if row.source_id not in releases:
            add("source_id", f"expected a GLOTIP release registered in data/raw/sources.csv, found {row.source_id!r}")
        if row.value_as_written.strip() == "<5":  # the cell as written, spaces around it kept
            expected = (True, None, 1, 4)
        else:
            number = int(row.value_as_written.replace(",", ""))
            expected = (False, number, number, number)
        found = (bool(row.censored), None if pd.isna(row.count) else int(row.count), int(row.count_low),
                 int(row.count_high))
        for column, want, have in zip(("censored", "count", "count_low", "count_high"), expected, found, strict=True):
            if want != have:
                add(column,
                    f"expected {want if want is not None else 'an empty cell'} for the cell written "
                    f"{row.value_as_written!r}, "
                    f"found {have if have is not None else 'an empty cell'}")
    return problems
