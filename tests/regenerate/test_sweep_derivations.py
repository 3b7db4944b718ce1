"""A sweep's table of results holds the facts each run states, not the derivations of its chart's cells.

The derivations (how each computed cell was worked out, with every input) stay in each run's JSON beside its chart;
a column of them in ``results.csv`` would hold a document per run, not a value.
"""

from __future__ import annotations

import json
from pathlib import Path

from analysis.regenerate.execute import Outcome
from analysis.regenerate.notebooks import discover
from analysis.regenerate.sweep_results import collect


def test_the_results_leave_out_the_derivations_and_keep_every_fact(tmp_path: Path):
    (notebook,) = [nb for nb in discover() if nb.name == "03_funding_per_victim"]
    figures = tmp_path / "runs" / "001" / "figures"
    figures.mkdir(parents=True)
    derivation = {"row": {"id": "total"}, "column": "nok_per_victim", "kind": "arithmetic", "formula": "n1 / v",
                  "value": 2.0, "inputs": [], "method": "", "method_anchor": ""}
    (figures / f"{notebook.name}.json").write_text(json.dumps({
        "headline": None, "facts": {"nok_per_victim": 2.0, "rate": {"usd": 8.0}, "derivations": [derivation]}}))
    (figures / f"{notebook.name}.csv").write_text("id,nok_per_victim\ntotal,2.0\n")
    outcome = Outcome(notebook.name, {"year": 2014}, tmp_path / "run.ipynb")
    results, _, _ = collect(notebook, [{"year": 2014}], [outcome], tmp_path)
    assert results.iloc[0].to_dict() == {"run": 1, "year": 2014, "status": "ok", "seconds": 0.0,
                                         "facts.nok_per_victim": 2.0, "facts.rate.usd": 8.0, "error": ""}
