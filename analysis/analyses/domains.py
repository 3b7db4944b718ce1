"""The values each parameter of an analysis may take, declared once, in the analysis function's signature.

A parameter is declared as ``name: Annotated[type, domain] = default``::

    @analysis_of()
    def analyse(data, source: Annotated[str, SourceWithFigures()] = "tip2015",
                years: Annotated[tuple[int, ...], YearsOf(_counted, needs=("source",))] = (2013, 2014),
                confidence: Annotated[float, CONFIDENCE] = 0.95) -> Result:

Why in the signature: the name, the type and the default are there already
(the notebook's ``parameters`` cell repeats them, and a test keeps the two
equal), so putting the domain beside them leaves one place to read and change
a parameter, rather than a separate check function kept in step with the
signature by hand. :func:`typing.Annotated` leaves the type as it is for
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

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from ..data import Dataset
from .domain_checks import data_years, one_of, source_with_figures, year_range, years_in

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
        return [*first, *((part, (*before, *needs, SELF)) for part, needs in self.then.parts())]


#: In ``needs``: the parameter's own earlier checks (of ``a & b``, ``b`` needs ``a``'s).
SELF = "<self>"


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
            checks.append((Holds(self.holds, label=f"{self.first}-{self.last}"), (*self.needs, SELF)))
        return checks
