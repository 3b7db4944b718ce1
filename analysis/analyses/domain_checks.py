"""The checks the domains of :mod:`~analysis.analyses.domains` make, each a function of plain values.

Each returns a list of problems, each a sentence naming the parameter and what was expected; empty when the value is
fine. Kept apart from the domain classes so that a check can be read, and tested, without the declarations around it.
"""

from __future__ import annotations

import pandas as pd

from ..data import Dataset


def one_of(name: str, value, allowed) -> list[str]:
    """``value`` is one of ``allowed``."""
    allowed = list(allowed)
    return [] if value in allowed else [f"{name} must be one of {', '.join(map(str, allowed))}; got {value!r}"]


def years_in(name: str, years, available) -> list[str]:
    """Every year of ``years`` is one the data hold."""
    available = sorted(set(int(y) for y in available))
    if not years:
        return [f"{name} must name at least one year"]
    absent = [y for y in years if y not in available]
    if not absent:
        return []
    return [f"{name}: no data for {', '.join(map(str, absent))}; expected years among {', '.join(map(str, available))}"]


def data_years(data: Dataset) -> tuple[int, int] | None:
    """The first and last year the curated figures speak of, or None.

    The years the figures cover and the editions that give them (2003, the start of a running total, to the latest
    edition), which span UNODC's counts too. Only the figures, which every analysis reads, so that the check makes no
    analysis depend on a table it does not otherwise read (what its notebook is run again for).

    The bounds of a range of years: a range may reach past the years an analysis counts (2010-2024 for a series
    whose counts start in 2013), but not past every year of the data, where it would only make an analysis loop
    over years that hold nothing (``last_year 20222``).
    """
    years = [data.figures.period_start, data.figures.period_end, data.figures.report_year]
    found = [int(y) for column in years for y in (column.min(), column.max()) if not pd.isna(y)]
    return (min(found), max(found)) if found else None


def year_range(first_name: str, first: int, last_name: str, last: int, available,
               bounds: tuple[int, int] | None = None) -> list[str]:
    """``first`` <= ``last``, and the range holds at least one year of the data (when they hold any).

    Both ends must also lie within ``bounds``, the years of the whole data (:func:`data_years`), when given.
    """
    available = sorted(set(int(y) for y in available))
    if first > last:
        return [f"{first_name} ({first}) must not be after {last_name} ({last})"]
    if available and not any(first <= y <= last for y in available):
        return [f"{first_name}-{last_name} {first}-{last} holds no year of the data; "
                f"they cover {available[0]}-{available[-1]}"]
    if bounds is not None:
        outside = [f"{name} {year}" for name, year in ((first_name, first), (last_name, last))
                   if not bounds[0] <= year <= bounds[1]]
        if outside:
            return [f"{' and '.join(outside)} {'is' if len(outside) == 1 else 'are'} outside the years of the data; "
                    f"expected {first_name} and {last_name} within {bounds[0]}-{bounds[1]}"]
    return []


def source_with_figures(name: str, value: str, data: Dataset) -> list[str]:
    """``value`` is the id of a source with figures in the curated data."""
    have = sorted(data.figures.source_id.unique())
    return [] if value in have else [f"{name} must be a source with figures, one of {', '.join(have)}; got {value!r}"]
