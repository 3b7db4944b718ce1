"""The one notion of "up to date": the digests of files, the first reason two records differ, a record written whole.

The run (``published.json``), the data verdicts (``output/cache/verdict-*.json``) and the report site
(``.inputs.json``) all judge and write through :mod:`analysis.data.uptodate`; each is checked here against digests
worked out with :mod:`hashlib` and records written by hand.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from file_states import immutable

from analysis import config
from analysis.data import uptodate, verdicts
from analysis.data.published import PublishedEntry, SiteRecord
from analysis.data.records import RecordError
from analysis.data.uptodate import Made, changed_output, first_difference


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_digests_of_files_are_their_sha256_by_name(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "b.csv").write_bytes(b"x,y\n1,2\n")
    (tmp_path / "c.md").write_bytes(b"")
    files = [tmp_path / "a" / "b.csv", tmp_path / "c.md"]
    assert uptodate.digests(files, tmp_path) == {"a/b.csv": _sha(b"x,y\n1,2\n"), "c.md": _sha(b"")}
    assert uptodate.digests(files) == {str(tmp_path / "a" / "b.csv"): _sha(b"x,y\n1,2\n"),
                                       str(tmp_path / "c.md"): _sha(b"")}  # outside the project: absolute
    assert uptodate.digests([config.ROOT / "uv.lock"]) == {"uv.lock": _sha((config.ROOT / "uv.lock").read_bytes())}
    with pytest.raises(FileNotFoundError):
        uptodate.digests([tmp_path / "missing.csv"])


def test_the_digest_of_a_value_does_not_depend_on_the_order_of_its_keys():
    assert uptodate.digest({"b": 1, "a": [2, "x"]}) == _sha(b'{"a": [2, "x"], "b": 1}')
    assert uptodate.digest({"a": [2, "x"], "b": 1}) == uptodate.digest({"b": 1, "a": [2, "x"]})
    assert uptodate.digest({"a": 1}) != uptodate.digest({"a": 2})


BEFORE = {"analysis/charts/finish.py": "1", "parameters": "p", "version of pandas": "3.0.0", "uv.lock": "l"}


@pytest.mark.parametrize(("current", "reason"), [
    (BEFORE, None),
    ({**BEFORE, "analysis/charts/finish.py": "2"}, "analysis/charts/finish.py changed"),
    ({**BEFORE, "parameters": "q"}, "its parameters changed"),
    ({**BEFORE, "version of pandas": "3.0.1"}, "pandas 3.0.0 -> 3.0.1"),
    ({**BEFORE, "analysis/analyses/words/x.md": "w"}, "analysis/analyses/words/x.md is new"),
    ({k: v for k, v in BEFORE.items() if k != "uv.lock"}, "uv.lock is no longer among its inputs"),  # still there
    ({k: v for k, v in BEFORE.items() if k != "version of pandas"}, "version of pandas is gone"),
    # the first by name: "analysis/..." before "parameters"
    ({**BEFORE, "parameters": "q", "analysis/charts/finish.py": "2"}, "analysis/charts/finish.py changed"),
])
def test_the_first_difference_of_two_records_is_said_by_name(current, reason):
    assert first_difference(BEFORE, current) == reason


def test_an_input_no_longer_on_disk_is_gone():
    assert first_difference({"data/processed/no_such_table.csv": "d"}, {}) == "data/processed/no_such_table.csv is gone"


def test_a_file_made_that_is_missing_or_edited_is_named(tmp_path):
    (tmp_path / "01_x.csv").write_bytes(b"a\n")
    made = Made({"parameters": "p"}, {"01_x.csv": _sha(b"a\n")})
    assert made.why_stale({"parameters": "p"}, tmp_path) is None
    assert made.why_stale({"parameters": "q"}, tmp_path) == "its parameters changed"  # inputs first
    (tmp_path / "01_x.csv").write_bytes(b"b\n")
    assert made.why_stale({"parameters": "p"}, tmp_path) == f"{tmp_path / '01_x.csv'} was changed by hand"
    (tmp_path / "01_x.csv").unlink()
    assert changed_output(tmp_path, made.outputs) == f"{tmp_path / '01_x.csv'} is missing"


def test_the_run_and_the_site_keep_records_of_the_same_kind(tmp_path):
    """Both are judged by Made.why_stale; each keeps the format of its file, which an older build wrote too."""
    (tmp_path / "index.html").write_bytes(b"<p>")
    (tmp_path / ".inputs.json").write_text(json.dumps({"files": {"index.html": _sha(b"<p>")}, "inputs": {"a": "b"}}))
    kept = SiteRecord.read(tmp_path)
    assert isinstance(kept, Made) and kept.outputs == {"index.html": _sha(b"<p>")}
    assert kept.why_stale({"a": "b"}, tmp_path) is None
    assert kept.why_stale({"a": "c"}, tmp_path) == "a changed"
    entry = PublishedEntry({"a": "b"}, {"index.html": _sha(b"<p>")}, "runs/r/01_x.ipynb")
    assert isinstance(entry, Made) and entry.why_stale({"a": "b"}, tmp_path) is None


def test_a_record_is_written_whole_or_not_at_all(tmp_path):
    target = tmp_path / "record.json"
    uptodate.write(target, {"b": 1, "a": {"x": "y"}}, indent=None, sort_keys=True)
    assert target.read_text() == '{"a": {"x": "y"}, "b": 1}\n'
    with immutable(tmp_path), pytest.raises(RecordError, match="record.json: Operation not permitted; it is left"):
        uptodate.write(target, {"c": 2})
    assert target.read_text() == '{"a": {"x": "y"}, "b": 1}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["record.json"]


def test_a_verdict_is_written_through_the_same_write_and_an_unwritable_cache_is_passed_over(verdict_cache):
    verdicts.keep("k1", {"glotip", "core"})
    assert (verdict_cache / "verdict-k1.json").read_text() == '{"key": "k1", "validated": ["core", "glotip"]}\n'
    assert sorted(p.name for p in verdict_cache.iterdir()) == ["verdict-k1.json"]  # no staging file left
    assert verdicts.validated_parts("k1") == {"core", "glotip"}
    with immutable(verdict_cache):
        verdicts.keep("k2", {"core"})  # no error: the load validates every time instead
    assert sorted(p.name for p in verdict_cache.iterdir()) == ["verdict-k1.json"]
    assert verdicts.validated_parts("k2") == set()
