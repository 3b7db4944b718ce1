"""What a sweep computed, as tables: one row per run, and every run's own table stacked.

Each run of a sweep writes its chart's table (CSV) and its analysis's facts
(JSON) beside its chart, as :func:`analysis.charts.show` does for every
notebook; :func:`collect` reads them back into tidy tables, a parameter or a
fact per column.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .execute import Outcome, progress
from .notebooks import Notebook


def status(outcome: Outcome, stopping: bool = False) -> str:
    """A run's status in the results and the manifest.

    ok, failed, interrupted (failed once a stop was requested), not started.
    """
    return progress(outcome, stopping).lower()


def _cell(value):
    """A parameter or fact as one cell of a tidy table: lists as JSON text."""
    return json.dumps(value) if isinstance(value, list | dict) else value


def _flatten(facts: dict, prefix: str = "facts.") -> dict:
    """``{"pooled": {"NOR": [27.1, 30.6]}}`` -> ``{"facts.pooled.NOR": "[27.1, 30.6]"}``.

    ``derivations`` (how each cell of the chart's table was computed) stay in the run's JSON: they are no fact.
    """
    flat = {}
    for key, value in facts.items():
        if key == "derivations" and prefix == "facts.":
            continue
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = _cell(value)
    return flat


def _not_json(constant: str):
    raise ValueError(f"it holds {constant}, which JSON does not allow")


def read_facts(path: Path) -> dict:
    """The facts a run wrote beside its chart, as strict JSON.

    Raises:
        ValueError: For a file holding ``NaN`` or ``Infinity`` (which Python's reader would take), saying so.
    """
    return json.loads(path.read_text(encoding="utf-8"), parse_constant=_not_json)


def _headline_columns(stated: dict) -> dict:
    """A run's headline as columns of its row: ``headline``, or ``headline_low`` and ``headline_high`` for an interval.

    An interval with no upper end also has ``upper_end_open`` true.
    """
    value = stated["headline"]["value"]
    if not isinstance(value, list):
        return {"headline": value}
    columns = {"headline_low": value[0], "headline_high": value[1]}
    if "headline.value" in stated.get("open_upper_ends", []):
        columns["upper_end_open"] = True
    return columns


def _run_table(table, run: int, combo: dict):
    """A run's own table, with its run number and parameters in front of its columns.

    A column of the table that names a swept parameter (03's "denominator") is dropped when it holds the run's value
    throughout, and renamed ``NAME_in_table`` otherwise.
    """
    for name, value in combo.items():
        if name in table.columns:
            same = table[name].astype(str).eq(str(_cell(value))).all()
            table = table.drop(columns=name) if same else table.rename(columns={name: f"{name}_in_table"})
    return table.assign(**{"run": run, **{name: _cell(value) for name, value in combo.items()}})


def collect(nb: Notebook, combos: list[dict], outcomes: list[Outcome], sweep_dir: Path, stopping: bool = False):
    """The tidy tables of a sweep: one row per run (``results``) and every run's table stacked (``tables``).

    A run whose facts are not strict JSON is failed, with the reason, whatever its notebook's outcome. A headline
    interval with no upper end has an empty ``headline_high`` and ``upper_end_open`` true (a column whose name
    leaves out "headline": the sweep's chart reads those columns as numbers).
    """
    import pandas as pd

    rows, tables, headline, labels = [], [], None, set()
    for k, (combo, outcome) in enumerate(zip(combos, outcomes, strict=True), start=1):
        figures = sweep_dir / "runs" / f"{k:03d}" / "figures"
        row = {"run": k, **{name: _cell(value) for name, value in combo.items()},
               "status": status(outcome, stopping), "seconds": round(outcome.seconds, 3)}
        facts_file = figures / f"{nb.name}.json"
        error = outcome.error
        stated = None
        if not error and facts_file.is_file():
            try:
                stated = read_facts(facts_file)
            except ValueError as exc:
                error = f"{facts_file}: {exc}"
                row["status"] = "failed"
        if stated is not None:
            if stated["headline"] is not None:
                headline = headline or stated["headline"]
                labels.add(stated["headline"]["label"])
                row.update(_headline_columns(stated))
            row.update(_flatten(stated["facts"]))
            tables.append(_run_table(pd.read_csv(figures / f"{nb.name}.csv"), k, combo))
        row["error"] = error or ""
        rows.append(row)
    results = pd.DataFrame(rows)
    front = ["run", *combos[0]]
    stacked = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=front)
    stacked = stacked[front + [c for c in stacked.columns if c not in front]]
    if headline is not None and len(labels) > 1:  # "funding per victim, in {currency}" with currency swept
        headline = {**headline,
                    "label": re.sub(r"\{(\w+)\}", lambda m: f"the run's {m.group(1).replace('_', ' ')}",
                                    headline["label_template"])}
    return results, stacked, headline
