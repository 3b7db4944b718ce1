"""The records module: writes whole or not at all, records checked when read, every failure one line.

Real files and folders throughout: an immutable folder (``chattr +i``, which binds root too, unlike ``chmod``) for a
folder that cannot be written, a small tmpfs for a full disk; an ``OSError`` or Ctrl-C injected in-process only to stop
a write at the one moment between writing and renaming.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from file_states import immutable, tmpfs

from analysis.data import records
from analysis.data.errors import RunError
from analysis.data.published import Published, PublishedEntry, SiteRecord
from analysis.data.records import RecordError, read_json, write_json


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- writing -----------------------------------------------------------------------------------------------------

def test_a_record_is_written_as_json_and_no_staging_file_is_left(tmp_path):
    target = tmp_path / "latest.json"
    target.write_text("old\n")
    target.chmod(0o640)
    write_json(target, {"b": [1, 2.5, None], "a": Path("x/y")}, sort_keys=True)
    assert target.read_text() == '{\n  "a": "x/y",\n  "b": [\n    1,\n    2.5,\n    null\n  ]\n}\n'
    assert _names(tmp_path) == ["latest.json"]
    assert target.stat().st_mode & 0o777 == 0o640  # the file it replaced kept its permissions


def test_a_non_finite_number_is_refused_and_the_old_record_kept(tmp_path):
    target = tmp_path / "manifest.json"
    target.write_text('{"ok": 1}\n')
    with pytest.raises(RecordError, match=r"could not write .*manifest.json: Out of range float values are not JSON "
                                          r"compliant"):
        write_json(target, {"seconds": float("inf")})
    assert target.read_text() == '{"ok": 1}\n' and _names(tmp_path) == ["manifest.json"]


def test_an_immutable_folder_gives_one_line_naming_the_file_and_the_cause(tmp_path):
    folder = tmp_path / "output"
    folder.mkdir()
    target = folder / "published.json"
    target.write_text("{}\n")
    with immutable(folder), pytest.raises(RecordError) as refused:
        write_json(target, {"01_x": {}})
    assert str(refused.value) == f"could not write {target}: Operation not permitted; it is left as it was"
    assert isinstance(refused.value, RunError)  # the command line's exit code 1
    assert target.read_text() == "{}\n" and _names(folder) == ["published.json"]


def test_a_full_disk_leaves_the_old_file_and_no_staging_file(tmp_path):
    folder = tmp_path / "small"
    with tmpfs(folder, "64k"):
        target = folder / "latest.json"
        target.write_text('{"run": 1}\n')
        with pytest.raises(RecordError) as refused:
            records.write_text(target, "x" * 200_000)
        assert str(refused.value) == f"could not write {target}: No space left on device; it is left as it was"
        assert target.read_text() == '{"run": 1}\n' and _names(folder) == ["latest.json"]


@pytest.mark.parametrize("stop", [KeyboardInterrupt(), OSError(errno.EIO, "Input/output error")])
def test_a_write_stopped_before_its_rename_leaves_the_file_whole(tmp_path, monkeypatch, stop):
    target = tmp_path / "03_funding_per_victim.ipynb"
    target.write_text('{"cells": []}\n')

    def interrupted(fd):  # the new text is written and about to be renamed into place
        raise stop

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises((KeyboardInterrupt, RecordError)) as stopped:
        records.write_text(target, '{"cells": [1]}\n' * 1000)
    if isinstance(stop, OSError):
        assert str(stopped.value) == f"could not write {target}: Input/output error; it is left as it was"
    assert target.read_text() == '{"cells": []}\n' and _names(tmp_path) == [target.name]


def test_two_writers_never_share_a_staging_file(tmp_path, monkeypatch):
    """Each write stages into a file of a name of its own (a second write while the first is staged is not hurt)."""
    target = tmp_path / "latest.json"
    staged = []
    real = os.replace

    def first_waits(source, destination):
        staged.append(Path(source).name)
        if len(staged) == 1:
            write_json(target, {"second": True})  # another writer, while the first's staging file exists
        real(source, destination)

    monkeypatch.setattr(os, "replace", first_waits)
    write_json(target, {"first": True})
    assert len(set(staged)) == 2 and all(n.startswith(".latest.json.") and n.endswith(".new") for n in staged)
    assert json.loads(target.read_text()) == {"first": True} and _names(tmp_path) == ["latest.json"]


# --- reading back ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ('{"01_conviction_gap": {"inputs": {', " is not valid JSON (line 1, column 35: Expecting property name enclosed in "
                                          "double quotes); it is truncated or was edited by hand"),
    ("", " is not valid JSON (it is empty); it is truncated or was edited by hand"),
    ("[]", ": the whole file must be an object with one entry per notebook, found a list"),
    ('{"01_x": 3}', ": the entry of 01_x must be an object, found a number"),
    ('{"01_x": {"inputs": {}}}', ": the entry of 01_x has no 'outputs'"),
    ('{"01_x": {"inputs": {"a": 1}, "outputs": {}}}', ": the entry of 01_x's 'inputs'['a'] must be a digest (text), "
                                                      "found a number"),
    ('{"01_x": {"inputs": {}, "outputs": {}, "executed": ["runs"]}}', ": the entry of 01_x's 'executed' must be a path "
                                                                      "(text), found a list"),
])
def test_a_damaged_published_record_is_named_with_what_is_wrong(tmp_path, text, expected):
    record = tmp_path / "published.json"
    record.write_text(text)
    with pytest.raises(RecordError) as refused:
        Published.read(tmp_path)
    assert str(refused.value) == f"{record}{expected}"
    assert refused.value.damaged  # writing it anew repairs it


@pytest.mark.parametrize("executed", ["../../../etc/passwd", "/etc/passwd", "runs/../site/index.html", "link/x.ipynb"])
def test_an_executed_notebook_outside_output_runs_is_refused(tmp_path, executed):
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "link").symlink_to("/etc")  # a link inside runs/ that leads out of it
    (tmp_path / "link").symlink_to(tmp_path / "runs" / "link")
    record = tmp_path / "published.json"
    record.write_text(json.dumps({"01_x": {"inputs": {}, "outputs": {}, "executed": executed}}))
    with pytest.raises(RecordError) as refused:
        Published.read(tmp_path)
    assert str(refused.value) == (f"{record}: the entry of 01_x's 'executed' is {executed!r}, which is not inside "
                                  f"{tmp_path / 'runs'}/; refused")
    assert Published.from_json(json.loads(record.read_text()), record).entries["01_x"].executed == executed
    with pytest.raises(RecordError, match="which is not inside"):
        PublishedEntry({}, {}, "runs/link/passwd").executed_in(tmp_path, "01_x")  # the link inside runs/ too


def test_a_published_record_reads_back_as_written_and_a_missing_one_is_none(tmp_path):
    assert Published.read(tmp_path) is None
    entry = PublishedEntry({"data/x.csv": "ab"}, {"01_x.png": "cd"}, "runs/2026-01-01/01_x.ipynb")
    Published().merged({"01_x": entry}).write(tmp_path)
    assert json.loads((tmp_path / "published.json").read_text()) == {
        "01_x": {"inputs": {"data/x.csv": "ab"}, "outputs": {"01_x.png": "cd"},
                 "executed": "runs/2026-01-01/01_x.ipynb"}}
    read = Published.read(tmp_path)
    assert read.entries == {"01_x": entry}
    assert read.entries["01_x"].executed_in(tmp_path, "01_x") == tmp_path / "runs" / "2026-01-01" / "01_x.ipynb"


def test_a_record_that_cannot_be_read_is_named_and_not_taken_for_damaged(tmp_path):
    (tmp_path / "published.json").mkdir()
    with pytest.raises(RecordError) as refused:
        Published.read(tmp_path)
    folder = tmp_path / "published.json"
    assert str(refused.value) == f"could not read {folder}: Is a directory ({folder})"
    assert not refused.value.damaged


def test_a_file_that_is_not_utf8_is_named(tmp_path):
    path = tmp_path / "x.json"
    path.write_bytes(b'{"a": "\xff"}')
    with pytest.raises(RecordError, match=r"x.json is not UTF-8 text \(invalid start byte at byte 7\)"):
        read_json(path)


@pytest.mark.parametrize("text", ['{"inputs": {"a": "b"}, "files": {"index.html": "c', "[]", '{"inputs": []}', ""])
def test_a_damaged_site_record_only_means_the_site_is_built_again(tmp_path, text):
    (tmp_path / ".inputs.json").write_text(text)
    assert SiteRecord.read(tmp_path) is None
    SiteRecord({"a": "b"}, {"index.html": "c"}).write(tmp_path)
    assert SiteRecord.read(tmp_path) == SiteRecord({"a": "b"}, {"index.html": "c"})
