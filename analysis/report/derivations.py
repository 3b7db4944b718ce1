"""How each computed number of a chart's table was computed: its formula and every input, each with its passage.

An analysis that computes a number from others (a ratio, an amount per victim, kroner of another year, a converted
currency) lists it in its result's facts under ``derivations`` (built with :mod:`analysis.analyses.derivation`), and
the chart's JSON carries them. Each entry names the cell by the values of the row's key columns (none: every row)
and the column, and holds::

    {"row": {"year": 2014}, "column": "nok_per_victim_constant", "kind": "arithmetic",
     "formula": "(n1 + n2) / v × (1 + i2015/100)", "value": 23930.07,
     "inputs": [{"name": "n1", "label": "NGO ..., 2014", "value": 2500000, "unit": "NOK",
                 "figure_id": "tip2015-funding-ngo-nok"},
                {"name": "i2015", "label": "consumer price inflation, Norway, 2015", "value": 2.17,
                 "unit": "percent change on the previous year", "table": "world_bank",
                 "row_id": "wb-cpi-inflation-NOR-2015"}, ...],
     "method": "", "method_anchor": ""}

An interval's two ends are two model outputs (``ci_low``, ``ci_high``); each also holds ``ends``, the pair (None where
an end is not finite), so whichever cell shows the interval shows all of it.

``kind`` is ``arithmetic`` (a sum or ratio of the inputs), ``converted`` (an amount recomputed at an exchange rate,
not a figure the source states), ``stated`` (the number as the source states it), ``supplied`` (a value the user
gave the run) or ``model`` (a model's output: ``method`` names it and ``method_anchor`` is the id of its section on
the methods page, ``methods.html``). The formula writes each input by its ``name``. An input says where it comes
from: an id of the curated data (``figure_id``: a figure, a GLOTIP row), a row of a processed table (``table`` and
``row_id``: the World Bank's inflation of a year), another cell of the same row (``cell``: its column), or a
parameter of the run (``parameter``). The first two are looked up in the data, so the page shows their passages.
"""

from __future__ import annotations

import re

from .provenance import Provenance

#: How the page introduces a derivation of each kind.
KIND_LABELS = {"arithmetic": "Computed from the figures below",
               "converted": "Recomputed at an exchange rate: not a figure the source states",
               "stated": "As the source states it",
               "supplied": "Given to this run by its user, not read from a source",
               "model": "The output of a model"}

#: Where an input can come from; an input names one of them, the others are empty.
_WHERE = {"figure_id": "", "table": "", "row_id": "", "cell": "", "parameter": ""}
_SYMBOL = re.compile(r"\b[a-z]\w*\b")


def cells(facts: dict, rows: list[dict], provenance: Provenance | None = None) -> dict[tuple[int, str], dict]:
    """The derivation of each computed cell of ``rows`` (the chart CSV's rows, in order), by (row index, column).

    ``facts`` is the chart's JSON (the derivations under its ``facts``) or a result's facts (under itself). A row is
    matched by the values of every key in a derivation's ``row``, compared as text as the CSV holds them;
    a derivation without keys holds for every row. Each is returned ready to show (:func:`shown`), with the
    passages of its inputs when ``provenance`` is given, and a ``*_low`` cell with its ``*_high`` one as ``partner``.
    """
    found: dict[tuple[int, str], dict] = {}
    inner = facts.get("facts")
    by_keys: dict[tuple[str, ...], dict[tuple[str, ...], list[int]]] = {}
    for derivation in (inner if isinstance(inner, dict) else facts).get("derivations") or []:
        ready = shown(derivation, provenance)
        keys = tuple(derivation["row"])
        if keys not in by_keys:
            by_keys[keys] = _rows_by(keys, rows)
        for index in by_keys[keys].get(tuple(_as_text(value) for value in derivation["row"].values()), []):
            found[(index, derivation["column"])] = ready
    return _paired(found)


def _rows_by(keys: tuple[str, ...], rows: list[dict]) -> dict[tuple[str, ...], list[int]]:
    """The index of each row, in order, by its values of ``keys`` as text (one group of every row for no key).

    A derivation is matched to its rows by one look-up here rather than by comparing it with every row.
    """
    groups: dict[tuple[str, ...], list[int]] = {}
    for index, row in enumerate(rows):
        groups.setdefault(tuple(str(row.get(key, "")) for key in keys), []).append(index)
    return groups


def _paired(found: dict[tuple[int, str], dict]) -> dict[tuple[int, str], dict]:
    """Each ``*_low`` cell with its row's ``*_high`` cell as ``partner``, so a page showing one range shows both."""
    for (index, column), derivation in list(found.items()):
        high = (index, column.removesuffix("_low") + "_high")
        if column.endswith("_low") and high in found:
            found[(index, column)] = {**derivation, "partner": found[high]}
    return found


def shown(derivation: dict, provenance: Provenance | None = None) -> dict:
    """A derivation as the page shows it.

    Adds ``label`` (what kind of number it is), ``shown`` (its value for a reader), ``worked`` (the formula with each
    input's value in place of its name, to recompute by hand), ``ends_shown`` (an interval's two ends, for a reader),
    ``methods_href`` and ``partner`` (None: :func:`cells` sets it); each input gets every key of where it comes from
    (empty but the one it has), ``shown`` and ``card``, the provenance of its figure or table row (None for another
    cell, a parameter, or an id ``provenance`` does not hold).
    """
    inputs = [{**_WHERE, **i, "shown": number(i["value"]), "card": _card(i, provenance)} for i in derivation["inputs"]]
    values = {i["name"]: i["shown"] for i in inputs}
    worked = _SYMBOL.sub(lambda m: values.get(m.group(0), m.group(0)), derivation["formula"])
    anchor = derivation.get("method_anchor") or ""
    return {**derivation, "inputs": inputs, "label": KIND_LABELS[derivation["kind"]],
            "shown": result(derivation["value"]), "worked": worked,
            "ends_shown": [result(v) for v in derivation.get("ends") or []],
            "methods_href": f"methods.html#{anchor}" if anchor else "", "partner": None}


def number(value: float) -> str:
    """An input as the data hold it, for a reader to recompute with: thousands separated, every digit kept."""
    value = float(value)
    return f"{value:,.0f}" if value.is_integer() else f"{value:,}"


def result(value: float) -> str:
    """A computed value as the derivation states it: to the cent (two decimals), or four digits below 1."""
    value = float(value)
    if value.is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.4g}"


def _card(given: dict, provenance: Provenance | None):
    id_ = given.get("figure_id") or given.get("row_id")
    return provenance.card(id_) if provenance is not None and id_ and id_ in provenance else None


def _as_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
