"""The runner's records and folders: an unwritable output/, a damaged published.json, refresh's rewritten notebooks.

Tiny notebooks in temporary folders, run for real; an immutable file or folder (``chattr +i``, which binds root,
unlike ``chmod``) for one that cannot be written. Ctrl-C is injected in-process at the one moment a notebook's new
text is written and not yet renamed into place, which a real signal cannot hit on purpose.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from file_states import immutable
from tiny_notebooks import TINY, cli, write_notebook

from analysis import config
from analysis.regenerate.cli import main


@pytest.fixture
def project(folders):
    """Two tiny notebooks, and empty output/ and figures/ folders."""
    for number in ("01", "02"):
        write_notebook(folders["notebooks"] / f"{number}_tiny.ipynb", TINY.replace("{NUMBER}", number))
    return folders


def _run(project, capsys, *args: str) -> tuple[int, list[str]]:
    code = main(["run", *cli(project), *args])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err.splitlines()


# --- case 11: an output/ that cannot be written -------------------------------------------------------------------

def test_an_immutable_lock_file_is_named_in_one_line(project, capsys):
    lock = project["output"] / ".lock"
    lock.write_text("")
    with immutable(lock):
        code, lines = _run(project, capsys)
    assert code == 1
    assert lines == [f"tip-norway run: cannot use {project['output']}: its lock file {lock} cannot be opened for "
                     f"writing: Operation not permitted ({lock})"]
    assert sorted(p.name for p in project["output"].iterdir()) == [".lock"] and not any(project["figures"].iterdir())


def test_an_immutable_output_folder_is_named_in_one_line(project, capsys):
    output = project["output"]
    with immutable(output):
        code, lines = _run(project, capsys)
    assert code == 1
    assert lines == [f"tip-norway run: cannot use {output}: its lock file {output / '.lock'} cannot be opened for "
                     f"writing: Operation not permitted ({output / '.lock'})"]
    assert not any(output.iterdir()) and not any(project["figures"].iterdir())


@pytest.mark.kernel
def test_an_immutable_runs_folder_is_named_in_one_line_and_nothing_is_published(project, capsys):
    runs = project["output"] / "runs"
    runs.mkdir()
    with immutable(runs):
        code, lines = _run(project, capsys)
    assert code == 1
    assert re.fullmatch(rf"tip-norway run: cannot make the folder {re.escape(str(runs))}/([\w.-]+): Operation not "
                        rf"permitted \({re.escape(str(runs))}/\1\)", lines[-1]), lines
    assert not any(runs.iterdir()) and not any(project["figures"].iterdir())
    assert not (project["output"] / config.PUBLISHED_RECORD).exists()


# --- case 7, the runner's side: a damaged published.json is rewritten, not a traceback ------------------------------

@pytest.mark.kernel
@pytest.mark.parametrize(("damage", "said"), [
    ("[]", ": the whole file must be an object with one entry per notebook, found a list"),
    ('{"01_tiny": {"inputs": {"a": ', " is not valid JSON (line 1, column 30: Expecting value); it is truncated or "
                                     "was edited by hand"),
])
def test_a_damaged_published_record_counts_as_none_and_is_written_anew(project, capsys, damage, said):
    record = project["output"] / config.PUBLISHED_RECORD
    record.write_text(damage)
    code, lines = _run(project, capsys)
    assert code == 0
    assert lines[0] == (f"{record}{said}: it counts as no record, so the notebooks run again and the run writes it "
                        "anew")
    assert lines[1:3] == [f"{name}: to run (no publishing run recorded)" for name in ("01_tiny", "02_tiny")]
    written = json.loads(record.read_text())
    assert sorted(written) == ["01_tiny", "02_tiny"]
    assert all(entry["executed"].startswith("runs/") for entry in written.values())
    assert (project["figures"] / "01_tiny.csv").read_text() == "tiny"
    code, lines = _run(project, capsys)  # and the next run trusts it
    assert code == 0 and lines[:2] == ["01_tiny: up to date", "02_tiny: up to date"]


def test_a_published_record_that_is_a_folder_is_named_before_anything_runs(project, capsys):
    record = project["output"] / config.PUBLISHED_RECORD
    record.mkdir()
    code, lines = _run(project, capsys)
    assert code == 1
    assert lines == [f"tip-norway run: could not read {record}: Is a directory ({record})"]
    assert not (project["output"] / "runs").exists() and not any(project["figures"].iterdir())


# --- case 13: refresh rewrites each notebook whole or not at all ---------------------------------------------------

def _refresh(project) -> int:
    return main(["refresh", "--notebooks-dir", str(project["notebooks"]), "--output-dir", str(project["output"]),
                 "--figures-dir", str(project["figures"])])


@pytest.mark.kernel
def test_refresh_rewrites_the_notebooks_with_their_outputs(project, capsys):
    before = (project["notebooks"] / "01_tiny.ipynb").read_bytes()
    assert _refresh(project) == 0
    assert capsys.readouterr().err.splitlines()[-1] == (f"reference outputs rewritten in {project['notebooks']}; "
                                                        "review with git diff, then commit")
    for number in ("01", "02"):
        notebook = json.loads((project["notebooks"] / f"{number}_tiny.ipynb").read_text())
        outputs = [o for cell in notebook["cells"] if cell["cell_type"] == "code" for o in cell["outputs"]]
        assert [o["text"] for o in outputs] == [["wrote tiny\n"]]  # stored as its lines
        assert "papermill" not in notebook["metadata"]
    assert (project["notebooks"] / "01_tiny.ipynb").read_bytes() != before
    assert sorted(p.name for p in project["notebooks"].iterdir()) == ["01_tiny.ipynb", "02_tiny.ipynb"]


@pytest.mark.kernel
def test_a_notebook_refresh_cannot_replace_is_named_and_kept_and_the_others_rewritten(project, capsys):
    kept = project["notebooks"] / "02_tiny.ipynb"
    before = kept.read_bytes()
    with immutable(kept):
        assert _refresh(project) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines()[-1] == ("tip-norway refresh: the charts are published, but 1 reference notebook(s) could "
                                    "not be rewritten (the others were): could not write "
                                    f"{kept}: Operation not permitted; it is left as it was")
    assert kept.read_bytes() == before
    assert "wrote tiny" in (project["notebooks"] / "01_tiny.ipynb").read_text()
    assert sorted(p.name for p in project["notebooks"].iterdir()) == ["01_tiny.ipynb", "02_tiny.ipynb"]


def test_ctrl_c_while_a_notebook_is_written_leaves_it_whole(tmp_path, monkeypatch, capsys):
    """``normalize`` (refresh's writer) stopped after writing the new text and before renaming it: the old file."""
    notebook = shutil.copy(config.NOTEBOOKS / "03_funding_per_victim.ipynb", tmp_path / "03_funding_per_victim.ipynb")
    before = Path(notebook).read_bytes()

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    assert main(["normalize", str(notebook)]) == 130
    assert capsys.readouterr().err == ("tip-norway normalize: stopped by Ctrl-C (SIGINT); a file it writes is "
                                       "replaced whole or not at all\n")
    assert Path(notebook).read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["03_funding_per_victim.ipynb"]


def test_normalizing_a_committed_notebook_gives_its_bytes_back(tmp_path):
    """The atomic writer writes exactly what nbformat would: a committed reference is already normal."""
    for committed in sorted(config.NOTEBOOKS.glob(config.NOTEBOOK_PATTERN))[:3]:
        copy = shutil.copy(committed, tmp_path / committed.name)
        assert main(["normalize", str(copy)]) == 0
        assert Path(copy).read_bytes() == committed.read_bytes(), committed.name
