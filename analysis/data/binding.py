"""The check that binds each quoted value to its place among the quote's numbers and to the year the quote names.

``counted_as`` binds a value to its words (:mod:`analysis.data.counted_as`); a row without them records the value's
place among the numbers of its quote (``value_position``). Wherever the value stands, the year the quote names for it
must be the row's period, so a quote cannot hold a figure of another year than its row says.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from .errors import Problem
from .numbers import occurs_as_token, parse_number

_COLUMNS = ["id", "report_year", "period_start", "period_end", "period_kind", "value", "value_as_written",
            "counted_as", "unbound_reason", "value_position", "period_unbound_reason", "quote"]
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


def _unquoted(row) -> list[tuple[str, str]]:
    """A row without a quote and without a value has nothing to bind: value_position and its reason stay empty."""
    if not pd.isna(row.quote) or not pd.isna(row.value):  # a value read from nowhere: the quote checks say so
        return []
    return [(column, f"expected an empty cell, since the row has no quote to bind, found '{cell}'")
            for column, cell in (("value_position", row.value_position),
                                 ("period_unbound_reason", row.period_unbound_reason)) if not pd.isna(cell)]


def _given_position(row, numbers: list[tuple[int, str]], listed: str) -> list[tuple[str, str]] | None:
    """A row's value_position is wanted, within the quote's numbers, at a place where its value as written stands.

    None when it is, and the row goes on to the check of its period.
    """
    position, written = row.value_position, row.value_as_written
    if not pd.isna(row.counted_as):
        return [("value_position", f"expected an empty cell, since counted_as binds the value to "
                                   f"{row.counted_as!r}, found {position}")]
    if pd.isna(written):  # a value without its words as written is reported by check_values
        return [("value_position", f"expected an empty cell, since the row has no value, found {position}")
                ] if pd.isna(row.value) else []
    if position < 1:
        return []  # the schema reports it
    if position > len(numbers):
        return [("value_position", f"expected at most {len(numbers)}, the count of the quote's numbers "
                                   f"({listed}), found {position}")]
    at, text = numbers[int(position) - 1]
    places = occurs_as_token(written, row.quote)
    if at not in places and not (at > 0 and row.quote[at - 1] == "$" and at - 1 in places):
        return [("value_as_written", f"expected {text!r}, number {position} of the quote's numbers ({listed}) as "
                                     f"value_position records, found {written!r}")]
    return None


def _position(row, numbers: list[tuple[int, str]]) -> list[tuple[str, str]] | None:
    """The row's value is bound to its place: by counted_as, or by value_position when unbound_reason says why not.

    None when it is, and the row goes on to the check of its period.
    """
    listed = ", ".join(text for _, text in numbers) or "none"
    written = row.value_as_written
    if not pd.isna(row.value_position):
        return _given_position(row, numbers, listed)
    if pd.isna(row.counted_as) and not pd.isna(row.unbound_reason) and not pd.isna(written):
        places = [str(i) for i, (at, _) in enumerate(numbers, start=1) if at in occurs_as_token(written, row.quote)]
        where = f": {written!r} is number {' or '.join(places)}" if places else ""
        return [("value_position", f"expected the place of the value among the quote's numbers ({listed}), since "
                                   f"no counted_as binds it{where}")]
    return None


def _period(row, numbers: list[tuple[int, str]]) -> list[tuple[str, str]]:
    """The row's period is the one the quote names for its value, or period_unbound_reason says why not."""
    at = _value_at(row, numbers)
    if at is None:
        return []  # counted_as not in the quote: check_counted_as says so
    named = years_named(row.quote, at)
    found = (str(row.period_start) if row.period_start == row.period_end
             else f"{row.period_start}-{row.period_end}")
    what = repr(row.counted_as if not pd.isna(row.counted_as) else row.value_as_written)
    if named is None:  # the year the edition reports on
        year = row.report_year - 1
        said = f"names no year for {what}, so it is of {year}, the year the {row.report_year} edition reports on"
        misfit = None if row.period_start == row.period_end == year else (
            "period_start" if row.period_start != year else "period_end", str(year))
    else:
        said = f"names {named.group()!r} for {what}"
        misfit = _period_misfit(named, row.period_start, row.period_end, row.period_kind)
    excused = row.period_unbound_reason
    if misfit is None and not pd.isna(excused):
        return [("period_unbound_reason", f"expected an empty cell, since the quote {said} and the row's period is "
                                          f"{found}, found {excused!r}")]
    if misfit is not None and pd.isna(excused):
        column, expected = misfit
        return [(column, f"the quote {said}: expected the period {expected}, found {found} (or, where the source "
                         "gives the year otherwise, the reason in period_unbound_reason)")]
    return []


def check_quote_binding(figures: pd.DataFrame, show: str, misquoted: set[str] = frozenset()) -> list[Problem]:
    """Each quoted value is bound to its place in the quote and to the year the quote names for it.

    ``counted_as`` binds a value to its words (:func:`~analysis.data.counted_as.check_counted_as`); a row
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
    for row in figures[_COLUMNS].itertuples():
        if pd.isna(row.quote) or row.id in misquoted:
            found = _unquoted(row)
        else:
            numbers = quote_numbers(row.quote)
            found = _position(row, numbers)
            if found is None:
                found = _period(row, numbers)
        problems += [Problem(show, int(row.Index) + 2, column, message, row.id) for column, message in found]
    return problems
