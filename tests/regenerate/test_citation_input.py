"""CITATION.cff is an input of every notebook: every chart carries the project's title, licence and address from it.

Declared once, with the environment's lock, in :func:`analysis.config.common_inputs`; here an edit of it makes every
notebook stale, named as the reason, and it is not counted among a notebook's data files. No kernel starts (the
rule's other cases are in test_step_inputs.py).
"""

from __future__ import annotations

import hashlib
import shutil

from read_by_hand import NOTEBOOKS

from analysis import config
from analysis.data.published import Published, PublishedEntry
from analysis.regenerate import incremental
from analysis.regenerate.notebooks import discover


def _inputs() -> dict[str, dict[str, str]]:
    shared = incremental.shared_inputs()
    return {nb.name: incremental.inputs(nb, {}, shared) for nb in discover(config.NOTEBOOKS)}


def test_an_edited_citation_file_makes_every_notebook_stale(project_copy, tmp_path, monkeypatch):
    citation = project_copy / "CITATION.cff"
    shutil.copyfile(config.CITATION, citation)
    monkeypatch.setattr(config, "CITATION", citation)
    before = _inputs()
    digest = hashlib.sha256(citation.read_bytes()).hexdigest()
    assert [found.get("CITATION.cff") for found in before.values()] == [digest] * len(NOTEBOOKS)
    record = Published({name: PublishedEntry(found, {}) for name, found in before.items()})
    with open(citation, "a", encoding="utf-8") as handle:
        handle.write("# an edit\n")
    after = _inputs()
    said = {name: incremental.why_stale(name, after[name], record, tmp_path) for name in NOTEBOOKS}
    assert said == {name: "CITATION.cff changed" for name in NOTEBOOKS}
    nb = next(iter(discover(config.NOTEBOOKS)))
    assert "CITATION.cff" not in incremental.data_inputs(nb, incremental.shared_inputs())
