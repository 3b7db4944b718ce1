"""The check of the curated breaks and changes of definition, ``data/processed/series_breaks.csv``.

The table gives GLOTIP's values their flags ``b`` and ``d`` (:mod:`analysis.data.flags`), so it is checked at load:
a row without its reference, a code it may not hold, an unknown country or metric, years that do not fit (a break's
first year is the year its date falls in: a year straddling the change is the break year), a cited figure that does
not exist. Its rows of code ``d`` that rest on KOM's count of victims followed up are reconciled with the data as the
quality flags are: every year where UNODC's count of detected victims in Norway differs from KOM's must be covered,
and every year covered must differ.
"""

from __future__ import annotations

import pandas as pd

from .errors import Problem
from .flags import is_total
from .numbers import occurs_as_token
from .query import kom_victims

#: UNODC's count that KOM's count of victims followed up is compared with.
_KOM_COUNT = ("NOR", "victims_detected")


def kom_comparison(glotip: pd.DataFrame, figures: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """UNODC's count of detected victims in Norway beside KOM's count of victims followed up, in the years of both.

    KOM's count is the latest edition's (everyone, every form, calendar year). UNODC's count of a year differs from
    KOM's when no release gives a count that can equal it (a "<5" can be 1 to 4).

    Returns:
        One row per year: ``year``, ``kom_id``, ``kom_value`` (as written), ``glotip_ids`` and ``glotip_values`` (the
        rows of every release, as written, ", "-joined; each value once) and ``differs``.
    """
    iso3, metric = _KOM_COUNT
    unodc = glotip.loc[(glotip.iso3 == iso3) & (glotip.metric == metric) & is_total(glotip),
                       ["year", "id", "value_as_written", "count_low", "count_high"]]
    rows = []
    for figure in kom_victims(figures, sources).itertuples():
        counts = unodc[unodc.year == figure.Index]
        if counts.empty:
            continue
        rows.append({"year": int(figure.Index), "kom_id": figure.id, "kom_value": figure.value_as_written,
                     "glotip_ids": ", ".join(counts.id), "glotip_values": ", ".join(dict.fromkeys(
                         counts.value_as_written)),
                     "differs": bool(((counts.count_low > figure.value) | (counts.count_high < figure.value)).all())})
    return pd.DataFrame(rows, columns=["year", "kom_id", "kom_value", "glotip_ids", "glotip_values", "differs"])


def check_breaks(breaks: pd.DataFrame, show: str, glotip: pd.DataFrame, figures: pd.DataFrame | None,
                 sources: pd.DataFrame | None) -> list[Problem]:
    """The curated breaks against their own rules and against the data.

    Args:
        breaks: The readable rows of ``series_breaks.csv`` (the schema has checked each cell: a code of
            :data:`~analysis.data.flags.CURATED_CODES`, a known country and metric, a reference).
        show: The file as messages name it.
        glotip: The GLOTIP rows.
        figures: The curated figures (None when they cannot be read: the checks that need them are left out).
        sources: The source register (likewise).
    """
    problems: list[Problem] = []
    known = None if figures is None else set(figures.id)
    comparison = None if figures is None or sources is None else kom_comparison(glotip, figures, sources)
    covered: set[int] = set()
    countries, metrics = set(glotip.iso3.unique()), set(glotip.metric.unique())
    for row in breaks.itertuples():
        line = int(row.Index) + 2
        # a country or metric outside the vocabulary is the schema's to report, not a series without years
        years = (glotip.year[(glotip.iso3 == row.iso3) & (glotip.metric == row.metric)]
                 if row.iso3 in countries and row.metric in metrics else None)
        found = {"b": _check_break, "d": _check_change}.get(row.code, lambda *_: [])(row, years)
        if not pd.isna(row.reason) and ";" in row.reason:
            found.append(("reason", "expected a reason without ';' (it separates the reasons of two codes in "
                                    "flag_reasons)"))
        cited = [] if pd.isna(row.figure_ids) else row.figure_ids.split(";")
        found += [("figure_ids", f"unknown figure {figure_id!r}: expected ids of rows of figures.csv, separated by "
                                 "';'") for figure_id in cited if known is not None and figure_id not in known]
        kom = None if comparison is None else comparison[comparison.kom_id.isin(cited)]
        if row.code == "d" and kom is not None and not kom.empty:
            covered |= set(kom.year)  # what the row means to cover, even when it is wrong (reported once, here)
            if not found:
                found += _check_kom_row(row, comparison, cited)
        problems += [Problem(show, line, column, message, row.id) for column, message in found]
    if comparison is not None:
        problems += _uncovered(comparison[comparison.differs & ~comparison.year.isin(covered)], show)
    return problems


def _uncovered(uncovered: pd.DataFrame, show: str) -> list[Problem]:
    """Years where UNODC's count differs from KOM's and no row of code d covers them.

    One problem for them all: it has no line, and the loader keeps one problem per place.
    """
    if uncovered.empty:
        return []
    iso3, metric = _KOM_COUNT
    listed = ", ".join(f"{y.year} ({y.glotip_values} against {y.kom_value} in {y.kom_id}, rows {y.glotip_ids})"
                       for y in uncovered.itertuples())
    years = "these years" if len(uncovered) > 1 else "this year"
    return [Problem(show, None, None,
                    f"UNODC's count of {metric} for {iso3} differs from KOM's count of victims followed up in "
                    f"{listed}, and no row covers {years}: expected rows of code d for {iso3}, {metric}, citing "
                    f"{';'.join(uncovered.kom_id)} in figure_ids")]


def _check_break(row, years: pd.Series | None) -> list[tuple[str, str]]:
    """A row of code b: a date, its year the first year, an address, GLOTIP's years on both sides; no last year.

    ``years`` are the years of the series (None for a country or metric GLOTIP does not know).
    """
    found = []
    if not pd.isna(row.last_year):
        found.append(("last_year", f"expected an empty cell: a break holds from its first year on, found "
                                   f"{row.last_year}"))
    if pd.isna(row.date):
        found.append(("date", "expected the date the change took effect (YYYY-MM-DD), found an empty cell"))
    elif row.date.year != row.first_year:
        found.append(("first_year", f"expected {row.date.year}, the year of the date {row.date:%Y-%m-%d} the change "
                                    "took effect (a year straddling the change is the break year), found "
                                    f"{row.first_year}"))
    if pd.isna(row.url):
        found.append(("url", "expected the address of the law or document the break rests on, found an empty cell"))
    if years is not None and (not (years < row.first_year).any() or not (years >= row.first_year).any()):
        found.append(("first_year", f"expected a year inside the series: GLOTIP's {row.metric} for {row.iso3} has "
                                    f"years {_span(years)}, so a break in {row.first_year} separates nothing"))
    return found


def _check_change(row, years: pd.Series | None) -> list[tuple[str, str]]:
    """A row of code d: a last year, not before the first, and GLOTIP's counts in between (``years`` as above)."""
    if pd.isna(row.last_year):
        return [("last_year", "expected the last year the definition differs, found an empty cell")]
    if row.last_year < row.first_year:
        return [("last_year", f"expected a year from first_year ({row.first_year}) on, found {row.last_year}")]
    if years is not None and not years.between(row.first_year, row.last_year).any():
        return [("first_year", f"expected years with a count: GLOTIP's {row.metric} for {row.iso3} has years "
                               f"{_span(years)}, none in {row.first_year}-{row.last_year}")]
    return []


def _check_kom_row(row, comparison: pd.DataFrame, cited: list[str]) -> list[tuple[str, str]]:
    """A row of code d citing KOM's counts: it covers exactly the years where UNODC's count differs, and says so."""
    iso3, metric = _KOM_COUNT
    if (row.iso3, row.metric) != _KOM_COUNT:
        return [("iso3" if row.iso3 != iso3 else "metric",
                 f"a row citing KOM's count of victims followed up is about {iso3}'s {metric}, found "
                 f"{row.iso3}'s {row.metric}")]
    found = []
    by_year = comparison.set_index("year")
    years = list(range(int(row.first_year), int(row.last_year) + 1))
    differing = _listed(comparison[comparison.differs].year)
    expected = [by_year.loc[y, "kom_id"] for y in years if y in by_year.index]
    if sorted(cited) != sorted(expected):
        found.append(("figure_ids", f"expected KOM's counts of the years {row.first_year}-{row.last_year}: "
                                    f"{';'.join(expected) or 'none'}, found {';'.join(cited)}"))
    for year in years:
        column = "first_year" if year == years[0] else "last_year"
        if year not in by_year.index:
            found.append((column, f"KOM gives no count of victims followed up for {year} to compare with: expected "
                                  f"years where UNODC's count differs from KOM's ({differing})"))
            continue
        counts = by_year.loc[year]
        if not counts.differs:
            found.append((column, f"UNODC's count for {year} ({counts.glotip_values}) can equal KOM's "
                                  f"({counts.kom_value}, {counts.kom_id}): expected years where it differs "
                                  f"({differing})"))
            continue
        values = (counts.kom_value, *counts.glotip_values.split(", "))
        missing = [value for value in values if not occurs_as_token(value, row.reason)]
        if missing:
            found.append(("reason", f"expected the reason to give {year}'s counts, KOM's {counts.kom_value} "
                                    f"({counts.kom_id}) and UNODC's {counts.glotip_values}: "
                                    f"{', '.join(missing)} not found in it"))
    return found


def _span(years: pd.Series) -> str:
    return "none" if years.empty else f"{years.min()}-{years.max()}"


def _listed(years) -> str:
    return ", ".join(map(str, years)) or "none"
