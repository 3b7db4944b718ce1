"""Whether a result holds only finite numbers where finite numbers are meant, and which parameters produced any other.

An infinity or a printed "inf" or "nan" in a result is a fault (an overflow, a division by a count of 0) except as
the open upper end of an interval that has none; :func:`refuse_non_finite` turns one into a
:class:`NonFiniteError` naming the places and the parameters that produced them, before anything is drawn or written.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Iterator

from ..data import Dataset
from ..parameters import changed_from_defaults


class NonFiniteError(ValueError):
    """A result that holds an infinity (or prints "inf", "nan") where a finite number was meant.

    Raised by every analysis before it returns, so the notebook's cell fails, nothing is drawn or written and the run
    is not marked ok; the message names the notebook, each place and the parameters that produced it.
    """


def _number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def open_interval(value) -> bool:
    """Whether ``value`` is an interval with no upper end by design: a pair ``(low, +inf)`` with ``low`` finite.

    A ratio over a count that may be 0 (a "<5" taken to be 0 to 4, a comparison with a year of no convictions) has
    no upper limit: the infinity there is the answer, not an overflow. It is written to JSON as ``[low, null]``
    with its place listed under ``open_upper_ends`` (:func:`analysis.charts.save.jsonable`), and the words print it
    without an upper end (the filter ``interval`` gives "at least 3"); any other infinity is an error
    (:func:`non_finite`). NaN only ever means "not reported".
    """
    return (isinstance(value, tuple | list) and len(value) == 2 and all(_number(v) for v in value)
            and math.isfinite(float(value[0])) and float(value[1]) == math.inf)


def _infinite(value) -> bool:
    """An infinity (not a NaN, which means "not reported"), of Python, numpy or pandas."""
    return _number(value) and math.isinf(float(value))


def _places(value, path: str) -> Iterator[tuple[str, object]]:
    """Each place under ``value`` holding an infinity that is not the open upper end of an interval."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _places(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, tuple | list):
        if open_interval(value):
            return
        for i, item in enumerate(value):
            yield from _places(item, f"{path}[{i}]")
    elif _infinite(value):
        yield path, value


#: A number Python prints when it is not finite: "inf", "-inf", "nan" as a word of their own ("EUR inf", "inf%").
_PRINTED = re.compile(r"(?<![\w.])[-+]?(?:inf|nan)(?!\w)")


def non_finite(result) -> list[tuple[str, object]]:
    """Where ``result`` holds a number that is not finite and should be: ``(place, value)`` pairs, empty when none.

    ``result`` is a :class:`~analysis.analyses.result.Result` (not imported here: that module imports this one).

    The facts and every cell of its tables may hold NaN (not reported) and the open upper end of an interval
    (:func:`open_interval`; in a table, +inf in a column whose name ends in ``high``); any other infinity is listed.
    Its words may not print "inf" or "nan" at all.
    """
    found = list(_places(result.facts, "facts"))
    for name, table in {"table": result.table, **result.tables}.items():
        for column in table.columns:
            for row, cell in enumerate(table[column]):
                where = f"{name}[{column!r}] row {row}"
                if _infinite(cell) and not (float(cell) == math.inf and str(column).endswith("high")):
                    found.append((where, cell))
                elif isinstance(cell, tuple | list | dict):
                    found += _places(cell, where)
    for part in ("title", "summary", "closing"):
        for match in _PRINTED.finditer(str(getattr(result, part))):
            text = str(getattr(result, part))
            found.append((part, text[max(0, match.start() - 30):match.end() + 10]))
    return found


def _shown_places(found: list[tuple[str, object]]) -> str:
    listed = "; ".join(f"{place} is {value!r}" for place, value in found[:3])
    return listed + (f"; and {len(found) - 3} more" if len(found) > 3 else "")


def _blame(func: Callable, check: Callable[[Dataset, dict], list[str]], data: Dataset, values: dict,
           defaults: dict, found: list[tuple[str, object]]) -> str:
    """The parameters of ``func`` that produced the non-finite places ``found``, in words.

    With one parameter changed from its default it is that one. With several, each is set back to its default in
    turn and cleared when the places stay non-finite without it (the currency, when only the rate overflows); one
    whose default the other values do not allow, or whose trial fails, stays a suspect.
    """
    changed = changed_from_defaults(values, defaults)
    if not changed:
        return "with the published defaults (a fault of the analysis or the data, not of a parameter)"
    culprits = list(changed)
    if len(changed) > 1:
        places = {place for place, _ in found}
        suspects = []
        for name in changed:
            trial = {**values, name: defaults[name]}
            try:
                again = None if check(data, trial) else non_finite(func(data, **trial))
            except Exception:  # noqa: BLE001 - a trial that fails says nothing of the parameter
                again = None
            if again is None or not places & {place for place, _ in again}:
                suspects.append(name)
        culprits = suspects or culprits
    return "produced by " + ", ".join(f"{name}={values[name]!r} (published default: {defaults[name]!r})"
                                      for name in culprits)


def refuse_non_finite(notebook: str, result, func: Callable, check: Callable[[Dataset, dict], list[str]],
                      data: Dataset, values: dict, defaults: dict) -> None:
    """Raise :class:`NonFiniteError` when ``result`` of ``func(data, **values)`` holds a number it should not.

    The message names the notebook, the first places (:func:`non_finite`) and the parameters that produced them.
    """
    found = non_finite(result)
    if found:
        raise NonFiniteError(f"{notebook}: {_shown_places(found)}: not a finite number, "
                             f"{_blame(func, check, data, values, defaults, found)}; expected finite "
                             "numbers (NaN only for a value not reported, +inf only as the upper end of an "
                             "interval that has none); nothing was drawn or written")
