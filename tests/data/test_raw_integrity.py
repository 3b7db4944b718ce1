"""Every processed row held to its raw source (issue 27, cases 1, 10 and 14 and the smaller data cases).

GLOTIP rows carry the sha256 of the workbook they were read from and a digest of their cells; validation holds them
to the register and reads a workbook again only where those disagree. The expected values here are read from the
workbook's XML (``read_sheet_xml``, not calamine) or are the committed cells themselves.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from data_edits import edit_csv
from raw_links import own

import analysis
from analysis import config
from analysis.data import DataError, glotip, records, verdicts
from analysis.regenerate.cli import main

WORKBOOK = "unodc_glotip_2025-04-14.xlsx"
#: Norway's persons convicted in 2010, release 2025: the workbook's cell L33308 says 127.
ROW_ID, SHEET_ROW, WRITTEN = "glotip2025-r33308", 33308, "127"


def _shown(text: str, data_copy: Path) -> str:
    return text.replace(f"{data_copy.parent}/", "")


def _problems(data_copy: Path) -> list[str]:
    with pytest.raises(DataError) as info:
        analysis.data.loader.validate(data_copy, glotip=True, world_bank=True)
    return [_shown(str(p), data_copy) for p in info.value.problems]


def _line_of(data_copy: Path, row_id: str) -> int:
    with open(data_copy / "processed" / "glotip.csv", encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if row[0] == row_id:
                return number
    raise KeyError(row_id)


def _set_cell(workbook: Path, row: int, value: str) -> str:
    """Write ``value`` into column L (txtVALUE) of ``row`` of the first sheet, as an inline string; its new sha256."""
    with zipfile.ZipFile(workbook) as book:
        members = [(info, book.read(info)) for info in book.infolist()]
    with zipfile.ZipFile(workbook, "w", zipfile.ZIP_DEFLATED) as book:
        for info, data in members:
            if info.filename == "xl/worksheets/sheet1.xml":
                data, replaced = re.subn(rf'<c r="L{row}"[^>]*>.*?</c>'.encode(),
                                         f'<c r="L{row}" t="inlineStr"><is><t>{value}</t></is></c>'.encode(), data)
                assert replaced == 1
            book.writestr(info, data)
    return hashlib.sha256(workbook.read_bytes()).hexdigest()


# --- case 1 (a): a workbook changed and registered anew, the table not extracted again -------------------------

@pytest.mark.slow
def test_a_workbook_registered_anew_without_extract_fails_check_naming_the_row_and_both_values(data_copy, capsys):
    old = hashlib.sha256((config.RAW / WORKBOOK).read_bytes()).hexdigest()
    new = _set_cell(own(data_copy / "raw" / WORKBOOK), SHEET_ROW, "9")
    register_line = edit_csv(data_copy / "raw" / "sources.csv", "glotip2025", "sha256", new)
    table = data_copy / "processed" / "glotip.csv"
    before = table.read_bytes()
    with open(table, encoding="utf-8", newline="") as handle:  # the first row of the 2025 release in the table
        first, first_id = next((number, row["id"]) for number, row in enumerate(csv.DictReader(handle), start=2)
                               if row["source_id"] == "glotip2025")
    line = _line_of(data_copy, ROW_ID)

    assert main(["check", "--data-dir", str(data_copy)]) == 1
    err = _shown(capsys.readouterr().err, data_copy)
    assert err.splitlines()[1:] == [
        f"  - data/processed/glotip.csv, line {first} (id {first_id}), column 'workbook_sha256': 1915 of the "
        f"1915 rows of glotip2025 were extracted from data/raw/{WORKBOOK} when its sha256 was {old}; the register "
        f"(data/raw/sources.csv, line {register_line}) gives {new}: run tip-norway extract: the table is written by "
        "script only",
        *(f"  - data/processed/glotip.csv, line {line} (id {ROW_ID}), column '{column}': expected '9', as sheet "
          f"'data_glotip_1', row {SHEET_ROW} of data/raw/{WORKBOOK} gives, found '{WRITTEN}': run tip-norway extract: "
          "the table is written by script only" for column in ("value_as_written", "count", "count_low", "count_high")),
    ]
    assert "Traceback" not in err and table.read_bytes() == before


# --- case 1 (b): a consistent hand edit of a count and its bounds ------------------------------------------------

@pytest.mark.slow
def test_a_consistent_hand_edit_fails_check_naming_the_row_and_both_values(data_copy, capsys):
    for column in ("value_as_written", "count", "count_low", "count_high"):
        line = edit_csv(data_copy / "processed" / "glotip.csv", ROW_ID, column, "12")
    assert main(["check", "--data-dir", str(data_copy)]) == 1
    err = _shown(capsys.readouterr().err, data_copy)
    assert err.splitlines() == ["tip-norway check: 4 problems in the curated data:", *(
        f"  - data/processed/glotip.csv, line {line} (id {ROW_ID}), column '{column}': expected '{WRITTEN}', as sheet "
        f"'data_glotip_1', row {SHEET_ROW} of data/raw/{WORKBOOK} gives, found '12': run tip-norway extract: the table "
        "is written by script only" for column in ("value_as_written", "count", "count_low", "count_high"))]


@pytest.mark.slow
def test_a_deleted_row_and_an_edited_digest_are_found(data_copy):
    table = data_copy / "processed" / "glotip.csv"
    lines = table.read_text(encoding="utf-8").splitlines(keepends=True)
    line = _line_of(data_copy, ROW_ID)
    table.write_text("".join(lines[: line - 1] + lines[line:]), encoding="utf-8")
    found = _problems(data_copy)
    # the row is a total: without it, two recorded quality flags on its parts no longer hold, as the record says
    assert [p for p in found if not p.startswith("data/processed/glotip_flags.csv")] == [
        f"data/processed/glotip.csv, column 'id': no row {ROW_ID}: expected the row of sheet 'data_glotip_1', row "
        f"{SHEET_ROW} of data/raw/{WORKBOOK} (run tip-norway extract: the table is written by script only)"]
    assert len(found) == 3
    table.write_text("".join(lines), encoding="utf-8")
    digest = lines[line - 1].rstrip("\n").rsplit(",", 1)[1]
    edit_csv(table, ROW_ID, "cells_digest", "0" * 16)
    assert _problems(data_copy) == [
        f"data/processed/glotip.csv, line {line} (id {ROW_ID}), column 'cells_digest': expected {digest}, the digest "
        "of the row's cells, found 0000000000000000: run tip-norway extract: the table is written by script only"]


def test_the_digests_decide_without_reading_a_workbook(data_copy, monkeypatch):
    def read(path):
        raise AssertionError(f"{path} read again")

    monkeypatch.setattr(glotip, "_read", read)
    data = analysis.data.loader.validate(data_copy, glotip=True, world_bank=True)
    assert len(data.glotip) == 3474
    edit_csv(data_copy / "processed" / "glotip.csv", ROW_ID, "country", "Norge")
    with pytest.raises(AssertionError, match=WORKBOOK):  # a digest that disagrees: the workbook is read again
        analysis.data.loader.validate(data_copy, glotip=True)


def test_every_committed_row_carries_its_workbooks_registered_sha256_and_its_digest():
    register = pd.read_csv(config.RAW / "sources.csv", dtype=str).set_index("source_id").sha256
    with open(config.PROCESSED / "glotip.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    sizes = pd.Series([r["source_id"] for r in rows]).value_counts().to_dict()
    files = {name: hashlib.sha256((config.RAW / name).read_bytes()).hexdigest() for name in {r["file"] for r in rows}}
    for row in rows:
        assert row["workbook_sha256"] == register[row["source_id"]] == files[row["file"]]
        cells = [row[c] for c in glotip.CELLS]
        text = "\x1f".join([row["workbook_sha256"], str(sizes[row["source_id"]]), *cells])
        assert row["cells_digest"] == hashlib.sha256(text.encode()).hexdigest()[:16], row["id"]


# --- case 1 and case 14: `run` validates the data itself ---------------------------------------------------------

@pytest.fixture
def tiny_run(folders, monkeypatch, data_copy, tmp_path):
    """A one-notebook run against ``data_copy``, with its own empty verdict cache."""
    from nbformat.v4 import new_code_cell, new_notebook

    cell = new_code_cell('label = "tiny"')
    cell.metadata["tags"] = ["parameters"]
    code = ("from analysis.config import figures_dir\nfolder = figures_dir()\n"
            "folder.mkdir(parents=True, exist_ok=True)\n(folder / '01_tiny.csv').write_text(label)")
    import nbformat

    nbformat.write(new_notebook(cells=[cell, new_code_cell(code)], metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}}),
        folders["notebooks"] / "01_tiny.ipynb")
    monkeypatch.setattr(config, "DATA", data_copy)
    monkeypatch.setattr(analysis.data.load, "__defaults__", (data_copy,))
    monkeypatch.setenv(verdicts.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(verdicts.NO_CACHE_ENV, raising=False)
    return ["run", "--notebooks-dir", str(folders["notebooks"]), "--output-dir", str(folders["output"]),
            "--figures-dir", str(folders["figures"])]


@pytest.mark.slow
def test_run_refuses_a_hand_edited_table_and_publishes_nothing(tiny_run, folders, data_copy, capsys):
    for column in ("value_as_written", "count", "count_low", "count_high"):
        line = edit_csv(data_copy / "processed" / "glotip.csv", ROW_ID, column, "12")
    assert main(tiny_run) == 1
    err = _shown(capsys.readouterr().err, data_copy)
    assert (f"data/processed/glotip.csv, line {line} (id {ROW_ID}), column 'count': expected '{WRITTEN}', as sheet "
            f"'data_glotip_1', row {SHEET_ROW} of data/raw/{WORKBOOK} gives, found '12'") in err
    assert list(folders["figures"].iterdir()) == [] and not (folders["output"] / "runs").exists()


@pytest.mark.slow
def test_a_verdict_written_for_edited_data_does_not_make_run_publish_them(tiny_run, folders, data_copy, capsys):
    for column in ("value_as_written", "count", "count_low", "count_high"):
        line = edit_csv(data_copy / "processed" / "glotip.csv", ROW_ID, column, "12")
    key = verdicts.cache_key(data_copy)
    forged = verdicts.cache_folder() / f"verdict-{key}.json"
    forged.parent.mkdir()
    forged.write_text(f'{{"key": "{key}", "validated": ["core", "glotip", "world_bank"]}}\n', encoding="utf-8")
    assert verdicts.validated_parts(key) == {"core", "glotip", "world_bank"}
    # an interactive load trusts it (what the cache is for: the same bytes are not checked again in every kernel)
    assert analysis.load(data_copy, glotip=True, world_bank=True).glotip.set_index("id")["count"][ROW_ID] == 12

    assert main(tiny_run) == 1
    err = _shown(capsys.readouterr().err, data_copy)
    assert (f"data/processed/glotip.csv, line {line} (id {ROW_ID}), column 'count': expected '{WRITTEN}', as sheet "
            f"'data_glotip_1', row {SHEET_ROW} of data/raw/{WORKBOOK} gives, found '12'") in err
    assert list(folders["figures"].iterdir()) == [] and not (folders["output"] / "runs").exists()
    assert main(["check", "--data-dir", str(data_copy)]) == 1


def test_a_fresh_load_keeps_only_what_it_validated(data_copy, monkeypatch, tmp_path):
    monkeypatch.setenv(verdicts.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(verdicts.NO_CACHE_ENV, raising=False)
    key = verdicts.cache_key(data_copy)
    verdicts.keep(key, {"glotip", "world_bank"})  # a verdict found, not vouched for by this load
    analysis.load(data_copy, fresh=True)
    assert verdicts.validated_parts(key) == {"core"}


# --- case 10: an unreadable workbook, two extracts at once, Ctrl-C at the write ----------------------------------

@pytest.mark.slow
def test_an_unreadable_registered_workbook_gives_one_line_naming_it(data_copy, capsys):
    workbook = own(data_copy / "raw" / WORKBOOK)
    workbook.write_bytes(b"PK\x03\x04 truncated")
    new = hashlib.sha256(workbook.read_bytes()).hexdigest()
    edit_csv(data_copy / "raw" / "sources.csv", "glotip2025", "sha256", new)
    table = data_copy / "processed" / "glotip.csv"
    before = table.read_bytes()
    assert main(["extract", "--data-dir", str(data_copy)]) == 1
    err = _shown(capsys.readouterr().err, data_copy)
    assert re.fullmatch(rf"tip-norway extract: 1 problem in the curated data:\n  - data/raw/{WORKBOOK}: cannot be "
                        r"read as an Excel workbook \(.+\): expected the GLOTIP release the register names; restore "
                        r"the published copy\n", err), err
    assert table.read_bytes() == before
    # and check names it too, among the rows it can no longer vouch for
    assert main(["check", "--data-dir", str(data_copy)]) == 1
    assert f"data/raw/{WORKBOOK}: cannot be read as an Excel workbook" in _shown(capsys.readouterr().err, data_copy)


def _one_row_releases(data_copy: Path) -> None:
    """Both GLOTIP releases made one-row workbooks of UNODC's layout, registered anew.

    The quality records and the breaks, which name rows and series of the real releases, are emptied to their headers.
    """
    from test_glotip import _workbook

    for source_id, name, date in (("glotip2023", "unodc_glotip_2023-05-30.xlsx", "30/05/2023"),
                                  ("glotip2025", WORKBOOK, "14/04/2025")):
        workbook = data_copy / "raw" / name
        workbook.unlink()
        _workbook(workbook, date=date)
        edit_csv(data_copy / "raw" / "sources.csv", source_id, "sha256",
                 hashlib.sha256(workbook.read_bytes()).hexdigest())
    for name in ("glotip_flags.csv", "series_breaks.csv"):
        table = data_copy / "processed" / name
        table.write_text(table.read_text(encoding="utf-8").splitlines(keepends=True)[0], encoding="utf-8")


def _waiting_for_the_lock(folder: Path) -> int:
    """How many processes wait for an flock on ``folder``: /proc/locks marks each with '->' and names the inode."""
    inode = f":{folder.stat().st_ino} "
    return sum("->" in line and inode in line for line in Path("/proc/locks").read_text().splitlines())


@pytest.mark.kernel
def test_two_extracts_at_once_both_succeed_and_never_truncate_the_table(data_copy, capsys):
    """Two extract processes wait for the lock a third holds, then write one after the other.

    The race is in the writing, so the releases are one-row workbooks (:func:`_one_row_releases`); the test holds the
    lock on processed/, as an extract does while it writes, until both processes wait for it.
    """
    _one_row_releases(data_copy)
    assert main(["extract", "--data-dir", str(data_copy)]) == 0
    assert "wrote 2 rows" in capsys.readouterr().out
    processed = data_copy / "processed"
    table = processed / "glotip.csv"
    expected = table.read_bytes()
    command = [sys.executable, "-m", "analysis.regenerate.cli", "extract", "--data-dir", str(data_copy)]
    with glotip.extract_lock(data_copy):
        started = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for _ in range(2)]
        while _waiting_for_the_lock(processed) < 2 and all(p.poll() is None for p in started):
            time.sleep(0.01)
        waiting = _waiting_for_the_lock(processed)
    sizes = set()
    while any(p.poll() is None for p in started):
        sizes.add(table.stat().st_size)
        time.sleep(0.005)
    results = [p.communicate() for p in started]
    assert waiting == 2 and [p.returncode for p in started] == [0, 0], results
    assert all("wrote 2 rows" in out for out, _ in results), results
    assert sizes <= {len(expected)} and table.read_bytes() == expected
    assert sorted(p.name for p in processed.iterdir() if p.name.startswith(".")) == []


@pytest.mark.slow
def test_ctrl_c_at_the_write_leaves_no_staging_file_and_the_table_whole(data_copy, monkeypatch, capsys):
    processed = data_copy / "processed"
    before = {p.name: p.read_bytes() for p in processed.iterdir()}
    (processed / ".glotip.csv.new").write_text("left by a killed extract of an earlier version")

    replace = os.replace

    def interrupted(source, target):  # Ctrl-C as the staged table is renamed over data/processed/glotip.csv
        if Path(target) == processed / "glotip.csv":
            raise KeyboardInterrupt
        replace(source, target)  # the checks' mirror in a temporary folder

    monkeypatch.setattr(records.os, "replace", interrupted)
    assert main(["extract", "--data-dir", str(data_copy)]) == 130
    assert "stopped by Ctrl-C" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in processed.iterdir()} == before


# --- the smaller cases ---------------------------------------------------------------------------------------------

def test_an_unregistered_file_in_a_subfolder_or_a_hidden_one_is_reported(data_copy):
    (data_copy / "raw" / "2026").mkdir()
    (data_copy / "raw" / "2026" / "unodc_glotip_2026-01-01.xlsx").write_bytes(b"x")
    (data_copy / "raw" / ".notes.txt").write_text("x")
    with pytest.raises(DataError) as info:
        analysis.load(data_copy)
    assert [_shown(str(p), data_copy) for p in info.value.problems] == [
        "data/raw/.notes.txt: raw file is not in the source register data/raw/sources.csv (a hidden file: a listing "
        "may not show it, but it is part of the data all the same)",
        "data/raw/2026/unodc_glotip_2026-01-01.xlsx: raw file is not in the source register data/raw/sources.csv"]


def test_a_cell_keeps_its_spaces_as_written_and_the_table_reads_back(tmp_path):
    from test_glotip import _workbook

    table, problems = glotip.read_release(_workbook(tmp_path / "w.xlsx", value=" 12 "), "glotip2025", "2025-04-14")
    assert problems == [] and table.value_as_written.tolist() == [" 12 "] and table["count"].tolist() == [12]
    table, problems = glotip.read_release(_workbook(tmp_path / "c.xlsx", value="<5 "), "glotip2025", "2025-04-14")
    assert problems == [] and table.value_as_written.tolist() == ["<5 "] and table.censored.tolist() == [True]
    assert (table.count_low.tolist(), table.count_high.tolist()) == ([1], [4])
    # written to the CSV and read back, the spaces stay
    typed = table.astype({"count": "Int64", "row": int, "year": int, "count_low": int, "count_high": int})
    target = tmp_path / "glotip.csv"
    glotip.write(typed.assign(cells_digest=glotip.cells_digest(typed)), target)
    with open(target, encoding="utf-8", newline="") as handle:
        assert [row["value_as_written"] for row in csv.DictReader(handle)] == ["<5 "]
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".new")]
