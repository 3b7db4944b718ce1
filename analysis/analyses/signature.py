"""The parameters an analysis's signature declares, and the one check of a set of values built from them.

:func:`declared` reads each parameter's default and domain (``name: Annotated[type, domain] = default``, see
:mod:`~analysis.analyses.domains`) when the analysis is declared; :func:`checker` orders the domains' checks so that
each is asked only once the parameters it needs are fine.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass

from ..data import Dataset
from .domains import SELF, Domain, Range


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
        needs = {n for _, part_needs in item.domain.parts() for n in part_needs if n != SELF} | set(item.domain.needs)
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
        checks += [(names, part, tuple(n for need in needs for n in (names if need == SELF else (need,))))
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
