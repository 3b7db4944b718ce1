"""The ``data_copy`` fixture: a test breaks its own copy of data/, never the checkout's and never another test's.

The descriptor and the processed tables are copied; the raw files are hard links to one copy of data/raw/ per test
process (tests/conftest.py). The expected digests are the register's, read here with the csv module.
"""

from __future__ import annotations

import csv
import hashlib
import os
from pathlib import Path

import pytest
from raw_links import own

from analysis import config

TEXT = "us_tip_report_2015_norway.txt"


def _digests(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` by its relative name, with its sha256."""
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def _append(path: Path) -> None:
    with open(path, "ab") as handle:
        handle.write(b"\0")


def _write_text(path: Path) -> None:
    path.write_text("edited", encoding="utf-8")


def _write_bytes(path: Path) -> None:
    path.write_bytes(b"edited")


def _chmod(path: Path) -> None:
    path.chmod(0o600)


#: The ways a test changes a file in place: each follows a link to the file it names.
WRITES = [_write_text, _write_bytes, _append, _chmod]


def _state(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mode


@pytest.fixture
def checkout_raw():
    """The checkout's data/raw/ as the register gives it, checked again after the test: it must not have changed."""
    with open(config.RAW / "sources.csv", encoding="utf-8", newline="") as handle:
        registered = {row["file"]: row["sha256"] for row in csv.DictReader(handle) if row["file"]}
    before = _digests(config.RAW)
    assert {name: before[name] for name in registered} == registered
    yield before
    assert _digests(config.RAW) == before, "a test changed the checkout's data/raw/"


def test_the_tables_are_copied_and_the_raw_files_linked_to_the_process_copy(data_copy, raw_files):
    assert _digests(data_copy) == _digests(config.DATA)
    for path in (p for p in data_copy.rglob("*") if p.is_file()):
        name = path.relative_to(data_copy)
        assert not os.path.samefile(path, config.DATA / name), name
        if name.parts[0] == "raw":
            assert os.path.samefile(path, raw_files.folder / name.relative_to("raw")), name
        else:
            assert path.stat().st_nlink == 1, name


@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.__name__)
def test_a_raw_file_made_its_own_is_changed_in_that_copy_alone(data_copy, raw_files, checkout_raw, tmp_path, write):
    path = own(data_copy / "raw" / TEXT)
    write(path)
    assert _state(path) != _state(config.RAW / TEXT)
    raw_files.link_into(tmp_path / "other")
    assert _digests(tmp_path / "other") == _digests(raw_files.folder) == checkout_raw
    assert raw_files.written_through() == []


@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.__name__)
def test_a_raw_file_changed_through_its_link_reaches_the_process_copy_only_and_is_put_back(
        data_copy, raw_files, checkout_raw, write):
    write(data_copy / "raw" / TEXT)  # without own(): the file every copy of the process shares
    assert raw_files.written_through() == [TEXT]  # what fails the test at teardown
    assert _state(raw_files.folder / TEXT) == _state(config.RAW / TEXT)
    assert _digests(raw_files.folder) == checkout_raw
    assert raw_files.written_through() == []


def test_removing_adding_and_replacing_raw_files_changes_that_copy_alone(data_copy, raw_files, checkout_raw):
    raw = data_copy / "raw"
    (raw / TEXT).unlink()
    (raw / "tip_2016.txt").write_text("new", encoding="utf-8")
    (raw / "2026").mkdir()
    (raw / "2026" / "notes.txt").write_text("new", encoding="utf-8")
    (raw / "replacement.csv").write_text("new", encoding="utf-8")
    (raw / "replacement.csv").replace(raw / "sources.csv")
    assert _digests(raw_files.folder) == checkout_raw
    assert raw_files.written_through() == []
    assert sorted(_digests(raw)) == sorted([*(set(checkout_raw) - {TEXT}), "tip_2016.txt", "2026/notes.txt"])


def test_own_leaves_a_file_that_is_already_the_tests_own_as_it_is(data_copy):
    table = data_copy / "processed" / "figures.csv"
    inode = table.stat().st_ino
    assert own(table) == table and table.stat().st_ino == inode
    workbook = own(data_copy / "raw" / "unodc_glotip_2025-04-14.xlsx")
    assert workbook.stat().st_nlink == 1
    assert hashlib.sha256(workbook.read_bytes()).hexdigest() == hashlib.sha256(
        (config.RAW / workbook.name).read_bytes()).hexdigest()


def test_a_file_of_the_process_copy_is_read_once_and_any_other_each_time(data_copy, raw_files):
    read = []

    def first_bytes(path: Path) -> list[bytes]:
        read.append(path)
        return [path.read_bytes()[:4]]

    once = raw_files.read_once(first_bytes)
    workbook = data_copy / "raw" / "unodc_glotip_2025-04-14.xlsx"
    given = once(workbook)
    given.append(b"changed by the caller")
    assert once(workbook) == once(raw_files.folder / workbook.name) == [b"PK\x03\x04"] and read == [workbook]
    assert once(config.RAW / workbook.name) == [b"PK\x03\x04"] and len(read) == 2  # the checkout's: not the copy's
    with open(own(workbook), "r+b") as handle:
        handle.write(b"XX")
    assert once(workbook) == [b"XX\x03\x04"] and once(workbook) == [b"XX\x03\x04"] and read[2:] == [workbook] * 2
