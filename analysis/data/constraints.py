"""The pandera schema of each curated table, built from its Frictionless descriptor, and the problems it finds.

The descriptor (``datapackage.json``) is the single description of every table; building the checks from it keeps
the published description and the checks the loader runs from drifting apart. pandera is imported only here, and
only when a table is checked: a load that trusts a verdict (:mod:`analysis.data.verdicts`) never needs it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .errors import Problem

if TYPE_CHECKING:
    import pandera.pandas as pa

#: Frictionless field type -> (pandas dtype, description used in messages).
DTYPES = {
    "string": ("str", "text"),
    "integer": ("Int64", "a whole number"),
    "number": ("Float64", "a number"),
    "date": ("datetime64[s]", "a date written YYYY-MM-DD"),
    "boolean": ("boolean", "true or false"),
}


def _checks(field: dict) -> list[pa.Check]:
    import pandera.pandas as pa

    cons = field.get("constraints", {})
    checks = []
    if "enum" in cons:
        allowed = ", ".join(map(str, cons["enum"]))
        checks.append(pa.Check.isin(cons["enum"], error=f"expected one of: {allowed}"))
    if "pattern" in cons:
        checks.append(pa.Check.str_matches(f"^(?:{cons['pattern']})$",
                                           error=f"expected text matching {cons['pattern']!r}"))
    if "minimum" in cons:
        checks.append(pa.Check.ge(cons["minimum"], error=f"expected a value of at least {cons['minimum']}"))
    if "maximum" in cons:
        checks.append(pa.Check.le(cons["maximum"], error=f"expected a value of at most {cons['maximum']}"))
    return checks


def pandera_schema(res: dict, check_dtypes: bool = True) -> pa.DataFrameSchema:
    """Build the pandera schema of one resource from its Frictionless fields.

    Args:
        res: The resource descriptor.
        check_dtypes: Whether pandera checks the column dtypes and the column
            set. The loader turns this off: it has already checked the header
            and converted every column to its declared dtype cell by cell
            (reporting the cells that did not fit), so its schema holds only the
            columns that carry a constraint; checking again would double the
            validation time.
    """
    import pandera.pandas as pa  # here, not at the top: a load that trusts a verdict never needs it

    columns = {}
    for field in res["schema"]["fields"]:
        cons = field.get("constraints", {})
        if not check_dtypes and not cons:
            continue
        columns[field["name"]] = pa.Column(
            DTYPES[field["type"]][0] if check_dtypes else None,
            checks=_checks(field),
            nullable=not cons.get("required", False),
            unique=cons.get("unique", False),
        )
    return pa.DataFrameSchema(columns, strict=check_dtypes, name=res["name"])


@lru_cache(maxsize=16)
def _loader_schema(res_json: str) -> pa.DataFrameSchema:
    """The loader's schema of a resource, built once per descriptor content."""
    return pandera_schema(json.loads(res_json), check_dtypes=False)


_PANDERA_MESSAGES = {
    "not_nullable": "expected a value, found an empty cell",
    "field_uniqueness": "expected a unique value, found a duplicate",
}


def _shown(value) -> str:
    """A failing value as a curator would type it: 'Sex', -11, 2.5."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f"{float(value):g}"
    return repr(value)


def constraint_problems(res: dict, table: pd.DataFrame, show: str, ids: pd.Series,
                        reported: list[Problem]) -> list[Problem]:
    """The cells of ``table`` that break a constraint of its descriptor ``res``, as problems.

    Args:
        res: The resource descriptor.
        table: The table, typed by the descriptor.
        show: Its file, as messages name it.
        ids: The key of each row, by the table's index.
        reported: The problems already found converting cells: such a cell is not reported again.
    """
    import pandera.pandas as pa

    converted_badly = {(p.line, p.column) for p in reported}
    try:
        _loader_schema(json.dumps(res, sort_keys=True)).validate(table, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return []
    problems = []
    for case in cases.itertuples():
        line = None if pd.isna(case.index) else int(case.index) + 2
        if (line, case.column) in converted_badly:
            continue  # already reported as a value of the wrong type
        message = _PANDERA_MESSAGES.get(case.check, case.check)
        if case.check not in _PANDERA_MESSAGES and not pd.isna(case.failure_case):
            message += f", found {_shown(case.failure_case)}"
        problems.append(Problem(show, line, case.column, message, None if line is None else ids[line - 2],
                                unreadable=case.check == "not_nullable"))
    return problems
