"""The values each parameter of an analysis may take, declared once, in the analysis function's signature.

A parameter is declared as ``name: Annotated[type, domain] = default``::

    @analysis_of("01_conviction_gap")
    def analyse(data, source: Annotated[str, SourceWithFigures()] = "tip2015",
                years: Annotated[tuple[int, ...], YearsOf(_counted, needs=("source",))] = (2013, 2014),
                confidence: Annotated[float, CONFIDENCE] = 0.95) -> Result:

Why in the signature: the name, the type and the default are there already
(the notebook's ``parameters`` cell repeats them, and a test keeps the two
equal), so putting the domain beside them leaves one place to read and change
a parameter, where a separate check function had to be kept in step with the
signature by hand. :func:`typing.Annotated` keeps the type what it was for
every tool that reads it. :func:`~analysis.analyses.result.analysis_of` reads
the declarations when the module is imported and refuses a parameter without a
domain then, not when a user first passes a bad value.

A domain judges a value against the data and the other values; one that reads
other values names them in ``needs`` and is asked only when those are fine (the
years a source holds are asked only of a source that exists), so each problem
is reported once, where it arises. ``a & b`` asks ``b`` only of a value ``a``
allows. A rule across two parameters (first year not after last year) is one
:class:`Range` object, declared on both: one declaration, checked once.

The same declarations serve ``analyse(...)`` and the runner, which asks
:func:`~analysis.analyses.parameter_problems` before it starts any kernel.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable, Collection
from dataclasses import dataclass

import pandas as pd

from ..data import Dataset

#: The years, ids or other values a domain takes from the data and the other values.
FromData = Callable[[Dataset, dict], Collection]


class Domain:
    """What one parameter may take. ``needs``: the other parameters it reads, asked only when they are fine."""

    needs: tuple[str, ...] = ()

    def problems(self, name: str, data: Dataset, values: dict) -> list[str]:
        """What is wrong with ``values[name]``; empty when it is allowed."""
        raise NotImplementedError

    def parts(self) -> list[tuple[Domain, tuple[str, ...]]]:
        """The checks this domain makes, in order, each with the parameters that must be fine before it is asked."""
        return [(self, self.needs)]

    def __and__(self, other: Domain) -> Domain:
        return Both(self, other)


@dataclass(frozen=True, eq=False)
class Both(Domain):
    """``first`` and then, for a value it allows, ``then``."""

    first: Domain
    then: Domain

    def parts(self) -> list[tuple[Domain, tuple[str, ...]]]:
        """``first``'s checks, then ``then``'s, each asked once everything ``first`` needs is fine."""
        first = self.first.parts()
        before = tuple(n for _, needs in first for n in needs)
        return [*first, *((part, (*before, *needs, _SELF)) for part, needs in self.then.parts())]


#: In ``needs``: the parameter's own earlier checks (of ``a & b``, ``b`` needs ``a``'s).
_SELF = "<self>"


def _given(allowed: Collection | FromData, data: Dataset, values: dict) -> list:
    return list(allowed(data, values) if callable(allowed) else allowed)


@dataclass(frozen=True, eq=False)
class OneOf(Domain):
    """One of ``allowed`` (a dict: one of its keys)."""

    allowed: Collection

    def problems(self, name: str, data: Dataset, values: dict) -> list[str]:
        """Not one of ``allowed``."""
        return one_of(name, values[name], self.allowed)


@dataclass(frozen=True, eq=False)
class Between(Domain):
    """A number strictly between ``low`` and ``high`` (the ends excluded), such as ``such_as``."""

    low: float
    high: float
    such_as: str

    def problems(self, name: str, data: Dataset | None, values: dict) -> list[str]:
        """Not a number strictly between ``low`` and ``high`` (a bool is not a number here)."""
        value = values[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not self.low < value < self.high:
            return [f"{name} must be a number strictly between {self.low:g} and {self.high:g}, such as "
                    f"{self.such_as}; got {value!r}"]
        return []


#: The level of an interval for chance.
CONFIDENCE = Between(0, 1, such_as="0.95 for 95 % intervals")

#: NOK per unit of another currency. Every currency in use, hyperinflated ones included, lies far inside (the Kuwaiti
#: dinar near 35 NOK, the Iranian rial near 0.0003); a rate outside would make amounts that overflow to infinity or
#: vanish, not a conversion.
EXCHANGE_RATE = Between(1e-9, 1e9, such_as="11.5 (NOK per EUR)")


@dataclass(frozen=True, eq=False)
class Flag(Domain):
    """True or False."""

    def problems(self, name: str, data: Dataset, values: dict) -> list[str]:
        """Not True or False."""
        return [] if isinstance(values[name], bool) else [f"{name} must be True or False; got {values[name]!r}"]


@dataclass(frozen=True, eq=False)
class Matches(Domain):
    """Text matching the regular expression ``pattern`` whole, described to the user as ``what``."""

    pattern: str
    what: str

    def problems(self, name: str, data: Dataset, values: dict) -> list[str]:
        """Not text matching ``pattern`` whole (a number is read as its text)."""
        value = values[name]
        return [] if re.fullmatch(self.pattern, str(value)) else [f"{name} must be {self.what}; got {value!r}"]


@dataclass(frozen=True, eq=False)
class SourceWithFigures(Domain):
    """The id of a source with figures in the curated data."""

    def problems(self, name: str, data: Dataset, values: dict) -> list[str]:
        """Not the id of a source with figures."""
        return source_with_figures(name, values[name], data)


@dataclass(frozen=True, eq=False)
class YearsOf(Domain):
    """Years (or one year) that ``available(data, values)`` holds: the years the data count what the analysis needs."""

    available: FromData
    needs: tuple[str, ...] = ()

    def problems(self, name: str, data: Dataset, values: dict) -> list[str]:
        """A year the data do not hold for this analysis, or no year at all."""
        value = values[name]
        return years_in(name, [value] if isinstance(value, int) else value, self.available(data, values))


@dataclass(frozen=True, eq=False)
class SomeOf(Domain):
    """At least ``at_least`` values, each one of ``allowed`` (or of ``allowed(data, values)``).

    ``message`` says what was expected, with ``{name}``, ``{allowed}`` (joined
    by commas), ``{unknown}`` (the values not allowed) and ``{value}`` (as given).
    """

    allowed: Collection | FromData
    message: str
    at_least: int = 1
    needs: tuple[str, ...] = ()

    def problems(self, name: str, data: Dataset, values: dict) -> list[str]:
        """Fewer than ``at_least`` values, or a value not allowed: one problem, in ``message``."""
        value, allowed = values[name], _given(self.allowed, data, values)
        unknown = sorted(set(value) - set(allowed))
        if unknown or len(value) < self.at_least:
            return [self.message.format(name=name, allowed=", ".join(map(str, allowed)), unknown=", ".join(unknown),
                                        value=repr(value))]
        return []


@dataclass(frozen=True, eq=False)
class Holds(Domain):
    """A value for which the data hold what it asks for.

    ``lookup(data, values)`` raises :class:`LookupError` saying what is missing.
    """

    lookup: Callable[[Dataset, dict], object]
    needs: tuple[str, ...] = ()
    label: str = ""

    def problems(self, name: str, data: Dataset, values: dict) -> list[str]:
        """The data do not hold what the value asks for."""
        try:
            self.lookup(data, values)
        except LookupError as error:
            return [f"{self.label or name}: {error}"]
        return []


@dataclass(frozen=True, eq=False)
class Range(Domain):
    """The domain of two parameters, ``first`` and ``last``, declared on both.

    ``first`` <= ``last``, and the range holds at least one year of ``years(data, values)`` (not asked when that is
    empty: no data to judge).

    ``holds``, when given, is then asked of the whole range, with the values of ``needs`` fine too
    (a population for every year and country counted), and its problems named ``first-last``.
    """

    first: str
    last: str
    years: FromData
    holds: Callable[[Dataset, dict], object] | None = None
    needs: tuple[str, ...] = ()

    def problems(self, name: str, data: Dataset, values: dict) -> list[str]:
        """``first`` after ``last``, a range that holds no year of the data, or an end outside every year they hold."""
        return year_range(self.first, values[self.first], self.last, values[self.last], self.years(data, values),
                          data_years(data))

    def parts(self) -> list[tuple[Domain, tuple[str, ...]]]:
        """This range's own check, then, with ``holds``, that the data hold what the range asks for."""
        checks: list[tuple[Domain, tuple[str, ...]]] = [(self, ())]
        if self.holds is not None:
            checks.append((Holds(self.holds, label=f"{self.first}-{self.last}"), (*self.needs, _SELF)))
        return checks


@dataclass(frozen=True, eq=False)
class Declared:
    """A parameter as the signature declares it."""

    name: str
    default: object
    domain: Domain


def declared(func: Callable) -> dict[str, Declared]:
    """The parameters of ``func`` but ``data``, each with its default and domain.

    Raises:
        TypeError: Naming the function and the parameter, for a parameter
            without a default or without exactly one domain, a ``needs`` naming no
            parameter, or a :class:`Range` not declared on both its parameters.
    """
    where = f"{func.__module__}.{func.__qualname__}"
    hints = typing.get_type_hints(func, include_extras=True)
    found = {}
    for name, parameter in inspect.signature(func).parameters.items():
        if name == "data":
            continue
        hint = hints.get(name)
        domains = [m for m in getattr(hint, "__metadata__", ()) if isinstance(m, Domain)]
        if len(domains) != 1:
            raise TypeError(f"{where}: parameter {name!r} declares {len(domains)} domains; expected one, "
                            f"as in {name}: Annotated[<type>, OneOf(...)] = <default> "
                            "(see analysis/analyses/domains.py)")
        if parameter.default is inspect.Parameter.empty:
            raise TypeError(f"{where}: parameter {name!r} has no default; expected the published one")
        found[name] = Declared(name, parameter.default, domains[0])
    for item in found.values():
        needs = {n for _, part_needs in item.domain.parts() for n in part_needs if n != _SELF} | set(item.domain.needs)
        unknown = sorted(needs - set(found))
        if unknown:
            raise TypeError(f"{where}: the domain of {item.name!r} needs {', '.join(unknown)}; "
                            f"expected parameters among {', '.join(found)}")
        if isinstance(item.domain, Range):
            on = sorted(n for n, other in found.items() if other.domain is item.domain)
            if on != sorted((item.domain.first, item.domain.last)):
                raise TypeError(f"{where}: Range({item.domain.first!r}, {item.domain.last!r}) is declared on "
                                f"{', '.join(on)}; expected on both of its parameters")
    return found


def checker(parameters: dict[str, Declared]) -> Callable[[Dataset, dict], list[str]]:
    """``problems(data, values)``: every problem of ``values`` (all parameters given) under the declared domains.

    A check is asked after those of the parameters it needs, and not at all
    when one of them has a problem; the problems come in the signature's order.
    """
    checks = []  # (parameter judged, domain, the parameters that must be fine)
    seen: set[int] = set()
    for item in parameters.values():
        if id(item.domain) in seen:
            continue  # a Range, declared on its two parameters, is checked once
        seen.add(id(item.domain))
        names = (item.domain.first, item.domain.last) if isinstance(item.domain, Range) else (item.name,)
        checks += [(names, part, tuple(n for need in needs for n in (names if need == _SELF else (need,))))
                   for part, needs in item.domain.parts()]

    order, pending = [], checks
    while pending:  # a check waits for every check of another parameter it needs
        ready = [c for c in pending if not any(set(o[0]) & set(c[2]) for o in pending if o[0] != c[0])]
        if not ready:
            raise TypeError(f"parameters needing each other: {', '.join(n for names, _, _ in pending for n in names)}")
        order += ready
        pending = [c for c in pending if not any(c is r for r in ready)]
    position = {name: i for i, name in enumerate(parameters)}

    def problems(data: Dataset, values: dict) -> list[str]:
        found: dict[str, list[str]] = {}
        bad: set[str] = set()
        for names, domain, needs in order:
            if bad & set(needs):
                continue
            failed = domain.problems(names[0], data, values)
            if failed:
                bad |= set(names)
                found.setdefault(names[0], []).extend(failed)
        return [p for name in sorted(found, key=position.get) for p in found[name]]

    return problems


# --- the checks the domains make: each returns a list of problems, empty when the value is fine ---

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
