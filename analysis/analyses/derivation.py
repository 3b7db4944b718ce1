"""How a computed cell of a chart's table was computed: its formula and each input, recorded where it is computed.

An analysis that computes a number of its chart's table from others (a ratio, an amount per victim, kroner of another
year, a converted currency) lists it in its result's facts under ``derivations``, and the report shows it beside its
cell (:mod:`analysis.report.derivations` declares the format). The builders here keep every entry in that format; the
analysis passes them the variables it computed with, so the record is never a second computation.

Each input is named by a short symbol that the formula uses (``n1``, ``v``, ``i2016``) and described by a label,
and says where it comes from: an id of the curated data (``figure_id``: a figure, a GLOTIP row), a row of a
processed table (``table`` and ``row_id``: the World Bank's inflation of a year), another cell of the same row
(``cell``: its column) or a parameter of the run (``parameter``).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable

import pandas as pd

from ..data import Dataset
from ..data.world_bank_raw import country_name

#: What a derivation can be: a sum or ratio of inputs, an amount converted at a rate, a number as the source states
#: it, a value the user gave to the run, a model's output.
KINDS = ("arithmetic", "converted", "stated", "supplied", "model")


#: The sections of ``docs/intervals.md`` (published as the methods page) that explain each family of methods, by the
#: heading's text; a model's derivation links the section by its slug (:func:`method_anchor`).
METHOD_SECTIONS = {"exact": "One year, one count: exact methods",
                   "overdispersed": "Years pooled, compared or fitted: a model with overdispersion"}


def finite_only(build: Callable[..., list[dict]]) -> Callable[..., list[dict]]:
    """``build``, keeping only the derivations whose value and inputs are finite numbers.

    An infinity in a cell is a fault the analysis refuses, naming the fact or the table's cell
    (:func:`~analysis.analyses.finite.refuse_non_finite`); its derivation would only repeat it.
    """

    @functools.wraps(build)
    def kept(*args, **kwargs) -> list[dict]:
        return [e for e in build(*args, **kwargs)
                if all(math.isfinite(v) for v in (e["value"], *(i["value"] for i in e["inputs"])))]

    return kept


def entry(row: dict, column: str, kind: str, formula: str, value, inputs: list[dict], method: str = "",
          method_anchor: str = "") -> dict:
    """One derivation: the cell (its row's key values and its column), how it was computed and its inputs."""
    if kind not in KINDS:
        raise ValueError(f"a derivation's kind is one of {', '.join(KINDS)}; got {kind!r}")
    return {"row": {key: _plain(v) for key, v in row.items()}, "column": column, "kind": kind, "formula": formula,
            "value": float(value), "inputs": inputs, "method": method, "method_anchor": method_anchor}


def model(row: dict, column: str, method: str, section: str, formula: str, value, inputs: list[dict]) -> dict:
    """A model's output (an interval's end), with its method and the section of the methods page that explains it.

    ``section`` is a key of :data:`METHOD_SECTIONS`.
    """
    return entry(row, column, "model", formula, value, inputs, method, method_anchor(section))


def method_anchor(section: str) -> str:
    """The id of a section of the methods page: the slug of its heading in ``docs/intervals.md``."""
    return slug(METHOD_SECTIONS[section])


def confidence(value: float) -> dict:
    """The level of an interval, a parameter of the run, as an input."""
    return parameter("confidence", "level of the interval", value, "probability", "confidence")


def figure(name: str, label: str, value, unit: str, figure_id: str) -> dict:
    """An input read from the curated data: a transcribed figure or a GLOTIP row, by its id."""
    return {"name": name, "label": label, "value": float(value), "unit": unit, "figure_id": figure_id}


def table_row(name: str, label: str, value, unit: str, table: str, row_id: str) -> dict:
    """An input read from a row of a processed table (``world_bank``), by the row's id."""
    return {"name": name, "label": label, "value": float(value), "unit": unit, "table": table, "row_id": row_id}


def other_cell(name: str, label: str, value, unit: str, column: str) -> dict:
    """An input that is another computed cell of the same row, whose own derivation gives its inputs."""
    return {"name": name, "label": label, "value": float(value), "unit": unit, "cell": column}


def parameter(name: str, label: str, value, unit: str, parameter_name: str) -> dict:
    """An input given to the run by its user, as a parameter."""
    return {"name": name, "label": label, "value": float(value), "unit": unit, "parameter": parameter_name}


def interval(row: dict, columns: tuple[str, str], values: tuple, method: str, section: str, of: str,
             inputs: list[dict]) -> list[dict]:
    """The two ends of an interval of ``of`` (a formula) as model outputs; an end that is not finite is left out.

    Each end also holds both (``ends``, when both are finite), so the cell of either shows the whole interval.
    """
    ends = [float(v) for v in values] if all(math.isfinite(v) for v in values) else None
    return [{**model(row, column, method, section, f"{end} end of the interval of {of} at the level confidence",
                     value, inputs), "ends": ends}
            for column, end, value in zip(columns, ("lower", "upper"), values, strict=True) if math.isfinite(value)]


def parts(figures: pd.DataFrame, ids, form: str, symbol: str, label: str) -> list[dict]:
    """The figures among ``ids`` of ``form`` (``figures`` indexed by id) as inputs: ``symbol``, or ``s1``, ``s2``..."""
    chosen = [i for i in ids if figures.form[i] == form]
    names = [symbol] if len(chosen) == 1 else [f"{symbol}{k}" for k in range(1, len(chosen) + 1)]
    return [figure(name, label, figures.value[i], str(figures.unit[i]), i)
            for name, i in zip(names, chosen, strict=True)]


def names(inputs: list[dict]) -> list[str]:
    """The symbols of ``inputs``, in order."""
    return [i["name"] for i in inputs]


def total(names: list[str]) -> str:
    """The sum of ``names`` as a formula writes it: ``n1``, or ``(n1 + n2)``."""
    return names[0] if len(names) == 1 else f"({' + '.join(names)})"


def count_inputs(data: Dataset, ids, value, label: str, unit: str = "victims") -> list[dict]:
    """A count of victims as inputs: the count itself when one figure gives it, else each figure that adds up to it."""
    ids = list(ids)
    if len(ids) == 1:
        return [figure("v", label, value, unit, ids[0])]
    values = data.figures.set_index("id").value
    return [figure(f"v{i}", f"{label}, part {i}", values[id_], unit, id_) for i, id_ in enumerate(ids, start=1)]


def inflation(data: Dataset, ids) -> list[dict]:
    """The World Bank's consumer price inflation of each year whose row id is in ``ids``, each its own input."""
    rows = data.world_bank.set_index("id")
    return [table_row(f"i{rows.year[id_]}",
                      f"consumer price inflation, {country_name(rows.iso3[id_])}, {rows.year[id_]}",
                      rows.value[id_], str(rows.unit[id_]), "world_bank", id_) for id_ in ids]


def deflation(names: list[str], year: int, base_year: int) -> str:
    """What an amount of ``year`` is multiplied by to be in prices of ``base_year``, with each year's inflation."""
    if not names:
        return ""
    factors = " × ".join(f"(1 + {name}/100)" for name in names)
    return f" × {factors}" if base_year > year else f" / ({factors})"


def slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _plain(value):
    """A key value as JSON holds it: a plain number (an int for a whole year) or text."""
    if hasattr(value, "item"):  # a numpy scalar
        value = value.item()
    return int(value) if isinstance(value, float) and value.is_integer() else value
