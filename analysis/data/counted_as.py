"""The check that binds each quoted value to the words of its quote saying what it counts (``counted_as``).

A number standing in its quote does not show it is the right number of the quote ("36 sex trafficking cases and 68
labor trafficking cases" also holds 68), so each row names the words that bind it, and they must name what the row
says it counts: its metric, its form and its population, in the words the codebooks give each (``named_by``).
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from .errors import Problem
from .numbers import occurs_as_token

#: The form and the population that no word names: a figure's counted_as then names no form, or no population.
UNNAMED = {"form": "unsplit", "population": "all"}
_COLUMNS = ["id", "metric", "unit", "form", "population", "value", "value_as_written", "counted_as", "unbound_reason",
            "part_of", "quote"]


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


def _codebook_words(codebook: pd.DataFrame | None, key: str | tuple[str, str]) -> dict:
    """The ``named_by`` words of each entry of a codebook, by its ``key`` column(s) (none for an unreadable one)."""
    if codebook is None:
        return {}
    keys = zip(*(codebook[k] for k in key), strict=True) if isinstance(key, tuple) else codebook[key]
    return {k: named_words(cell) for k, cell in zip(keys, codebook.named_by, strict=True)}


def _split_of(rows: dict, part) -> object | None:
    """The figure ``part`` splits by form or population, if it is one of the same metric.

    A subset counted alike is not a split.
    """
    whole = rows.get(part.part_of) if not pd.isna(part.part_of) else None
    if whole is None or (whole.metric, whole.unit) != (part.metric, part.unit):
        return None
    return whole if (whole.form, whole.population) != (part.form, part.population) else None


def _unquoted(row) -> list[tuple[str, str]]:
    """A row without a quote and without a value has nothing to bind: counted_as and unbound_reason stay empty."""
    if not pd.isna(row.value):  # a value read from nowhere is reported by the quote checks
        return []
    return [(column, f"expected an empty cell, since the row has no quote to bind, found {cell!r}")
            for column, cell in (("counted_as", row.counted_as), ("unbound_reason", row.unbound_reason))
            if not pd.isna(cell)]


def _binding(row, form_words: dict) -> list[tuple[str, str]] | None:
    """The row gives counted_as or unbound_reason, and counted_as stands in the quote, beginning with the value.

    None when the row binds its value to its counted_as, whose words are then checked.
    """
    counted, reason, written = row.counted_as, row.unbound_reason, row.value_as_written
    if pd.isna(counted) and pd.isna(reason):
        return [("counted_as", "expected the words of the quote that say what the value counts, beginning with the "
                               "value as written (e.g. '36 sex trafficking cases'), or in unbound_reason why the "
                               "quote has none")]
    if not pd.isna(counted) and not pd.isna(reason):
        return [("unbound_reason", f"expected an empty cell, since counted_as binds the value to {counted!r}; "
                                   f"found {reason!r} (a row gives one or the other)")]
    if pd.isna(counted):
        return []
    if counted not in row.quote:
        return [("counted_as", f"{counted!r} does not stand verbatim in the quote {row.quote!r}")]
    places = [] if pd.isna(written) else occurs_as_token(written, row.quote)
    if places and 0 not in occurs_as_token(written, counted):  # absent from the quote: check_values says so
        reads = " or ".join(_reads(_clause(row.quote, at), row.form, form_words) for at in places)
        return [("counted_as", f"{counted!r} does not begin with the value as written, {written!r}: expected the "
                               f"words that follow {written!r} in the quote, where it reads {reads}")]
    return None


def _metric_fault(row, metric_words: dict, rows: dict) -> str | None:
    """counted_as names the row's metric, or the row is a split of a whole whose counted_as names it."""
    if (row.metric, row.unit) not in metric_words:
        return None
    words = metric_words[(row.metric, row.unit)]
    whole = _split_of(rows, row)  # its own row checks that the whole's words name the metric
    if words_in(words, row.counted_as) or (whole is not None and not pd.isna(whole.counted_as)):
        return None
    unbound = "" if whole is None else f" (its whole, {whole.id}, has no counted_as to name it)"
    return (f"does not name the metric {row.metric} ({row.unit}): expected one of the words "
            f"{', '.join(words)}{unbound}")


def _vocabulary_fault(counted: str, value: str, vocabulary: dict, what: str) -> str | None:
    """counted_as names the row's form (or population) and no other; none at all for the unnamed one."""
    if value not in vocabulary:
        return None
    own = words_in(vocabulary[value], counted)
    others = {other: found for other, words in vocabulary.items()
              if other != value and (found := words_in(words, counted))}
    if value == UNNAMED[what]:
        return (f"names {_named(others, what)}, expected no word naming a {what}, since the row's {what} is "
                f"{value}") if others else None
    expected = f"expected words naming {value!r} ({', '.join(vocabulary[value])})"
    if not own:
        return (f"names {_named(others, what)}, {expected}" if others
                else f"does not name the {what} {value!r}: {expected}")
    if others and what == "form":  # a count of men may say it is 41 women and one man; a form is one form
        return f"names {_named(others, what)} as well as {value!r}: expected words naming {value!r} only"
    return None


def check_counted_as(
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
    metric_words = _codebook_words(metrics, ("metric", "unit"))
    form_words = _codebook_words(forms, "form")
    population_words = _codebook_words(populations, "population")
    rows = {row.id: row for row in figures[_COLUMNS].itertuples()}
    problems = []
    for row in rows.values():
        if row.id in misquoted:
            continue
        found = _unquoted(row) if pd.isna(row.quote) else _binding(row, form_words)
        if found is None:
            faults = [_metric_fault(row, metric_words, rows),
                      _vocabulary_fault(row.counted_as, row.form, form_words, "form"),
                      _vocabulary_fault(row.counted_as, row.population, population_words, "population")]
            faults = [fault for fault in faults if fault]
            found = [("counted_as", f"{row.counted_as!r} " + "; it ".join(faults))] if faults else []
        problems += [Problem(show, int(row.Index) + 2, column, message, row.id) for column, message in found]
    return problems
