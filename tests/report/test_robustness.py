"""The report site against a hostile file system and damaged records: one line, exit 1, the last good site kept.

Each test works on a private copy of the published run (the ``run_copy`` fixture) and a copy of a site built from it,
and breaks them for real: an immutable folder (``chattr +i``, which binds root, unlike ``chmod``), a small tmpfs for a
full disk, a tmpfs mounted on the site folder, a truncated record. The sites built here show a few notebooks
(few_notebooks.py): what is tested is how a build ends, not what its pages hold.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest
from few_notebooks import FEW
from file_states import immutable, tmpfs

from analysis.regenerate.cli import main
from analysis.regenerate.run import run
from analysis.report import build

#: A base address other than the one the session's site was built for: the site must be built again.
ELSEWHERE = "https://example.org/tip-norway/"


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _copy_site(site: Path, target: Path) -> Path:
    """The session's site, copied into ``target`` (which may exist, a mount point), as the last good site."""
    target.mkdir(parents=True, exist_ok=True)
    for name, content in _tree(site).items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_bytes(content)
    return target


@pytest.fixture(scope="module")
def small_site(published, few: Path, tmp_path_factory) -> Path:
    """The site of ``few``'s notebooks built from the published run (read only): the last good site of each test."""
    folder = tmp_path_factory.mktemp("small-site") / "site"
    assert build(output=published["output"], figures=published["figures"], notebooks=few, site=folder,
                 say=lambda line: None)
    return folder


def _report(copy: dict, site: Path, few: Path, *extra: str) -> int:
    return main(["report", "--output-dir", str(copy["output"]), "--figures-dir", str(copy["figures"]),
                 "--notebooks-dir", str(few), "--site-dir", str(site), *extra])


def _refused(capsys, site: Path, cause: str) -> None:
    """The command said, in one line, that it could not build into ``site`` and why, and kept the last good site."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert re.fullmatch(rf"tip-norway report: could not build the site in {re.escape(str(site))}: {cause}; the last "
                        rf"good site in {re.escape(str(site))} is left as it was\n", err), err


# --- case 6: a site folder that cannot be written ------------------------------------------------------------------

def test_an_immutable_site_folder_is_named_and_the_last_good_site_kept(run_copy, few, small_site, tmp_path, capsys):
    kept = _copy_site(small_site, tmp_path / "out" / "site")
    before = _tree(kept)
    with immutable(kept):
        assert _report(run_copy, kept, few, "--base-url", ELSEWHERE) == 1
    _refused(capsys, kept, re.escape(f"Operation not permitted ({kept})"))
    assert _tree(kept) == before
    assert sorted(p.name for p in kept.parent.iterdir()) == ["site"]  # no staging folder, no old site left


def test_an_immutable_output_folder_is_named_and_the_last_good_site_kept(run_copy, few, small_site, tmp_path, capsys):
    kept = _copy_site(small_site, tmp_path / "out" / "site")
    before = _tree(kept)
    with immutable(kept.parent):
        assert _report(run_copy, kept, few, "--base-url", ELSEWHERE) == 1
    _refused(capsys, kept, rf"Operation not permitted \({re.escape(str(kept.parent))}/\.site\.\w+\.new\)")
    assert _tree(kept) == before
    assert sorted(p.name for p in kept.parent.iterdir()) == ["site"]


def test_a_full_disk_is_named_and_the_last_good_site_kept(run_copy, few, small_site, tmp_path, capsys):
    size = sum(len(content) for content in _tree(small_site).values())
    with tmpfs(tmp_path / "out", f"{size * 3 // 2 // 1024}k") as small:  # room for one site, not two
        kept = _copy_site(small_site, small / "site")
        before = _tree(kept)
        assert _report(run_copy, kept, few, "--base-url", ELSEWHERE) == 1
        # the file being written, or, for a write that names none, the staging folder
        _refused(capsys, kept, rf"No space left on device \((writing into )?{re.escape(str(small))}/\.site\.\w+\.new"
                               r"(/[\w./-]+)?\)")
        assert _tree(kept) == before
        assert sorted(p.name for p in small.iterdir()) == ["site"]


def test_a_site_folder_that_is_a_mount_point_is_named_as_such(run_copy, few, small_site, tmp_path, capsys):
    with tmpfs(tmp_path / "out" / "site", "64m") as mounted:
        kept = _copy_site(small_site, mounted)
        before = _tree(kept)
        assert _report(run_copy, kept, few, "--base-url", ELSEWHERE) == 1
        _refused(capsys, kept, re.escape(f"{kept} is a mount point, which cannot be replaced by a rename (Device or "
                                         "resource busy); mount the folder above it, or give --site-dir a folder "
                                         "inside it"))
        assert _tree(kept) == before
        assert sorted(p.name for p in kept.parent.iterdir()) == ["site"]


# --- case 7: damaged records -------------------------------------------------------------------------------------

def _refused_record(capsys, site: Path, line: str) -> None:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err == (f"tip-norway report: cannot build the site (the last good site in {site} is left as it was):\n"
                   f"  - {line}; run `tip-norway run --force` to publish every notebook and write it anew\n")


def test_a_truncated_published_record_is_named_with_where_it_breaks(run_copy, few, small_site, tmp_path, capsys):
    kept = _copy_site(small_site, tmp_path / "site")
    before = _tree(kept)
    text = run_copy["record"].read_text(encoding="utf-8")
    cut = text[: len(text) // 2]
    run_copy["record"].write_text(cut, encoding="utf-8")
    with pytest.raises(json.JSONDecodeError) as broken:  # where the standard library's parser stops
        json.loads(cut)
    assert _report(run_copy, kept, few, "--base-url", ELSEWHERE) == 1
    _refused_record(capsys, kept, f"{run_copy['record']} is not valid JSON (line {broken.value.lineno}, column "
                                  f"{broken.value.colno}: {broken.value.msg.removesuffix(' at')}); it is truncated or "
                                  "was edited by hand")
    assert _tree(kept) == before


def test_a_published_record_holding_a_list_is_named(run_copy, few, small_site, tmp_path, capsys):
    kept = _copy_site(small_site, tmp_path / "site")
    run_copy["record"].write_text("[]\n", encoding="utf-8")
    assert _report(run_copy, kept, few) == 1
    _refused_record(capsys, kept, f"{run_copy['record']}: the whole file must be an object with one entry per "
                                  "notebook, found a list")


def test_an_executed_path_out_of_output_runs_is_refused_before_it_is_read(run_copy, few, small_site, tmp_path, capsys):
    kept = _copy_site(small_site, tmp_path / "site")
    record = json.loads(run_copy["record"].read_text(encoding="utf-8"))
    record["05_what_the_sources_name"]["executed"] = "../../../etc/passwd"  # a notebook the site does not show
    run_copy["record"].write_text(json.dumps(record), encoding="utf-8")
    assert _report(run_copy, kept, few) == 1
    _refused_record(capsys, kept, f"{run_copy['record']}: the entry of 05_what_the_sources_name's 'executed' is "
                                  f"'../../../etc/passwd', which is not inside {run_copy['output'] / 'runs'}/; refused")


@pytest.mark.parametrize("damage", ["truncated", "a list", "not UTF-8"])
def test_a_damaged_site_record_only_makes_the_site_be_built_again(published, few, small_site, tmp_path, capsys,
                                                                  damage):
    kept = _copy_site(small_site, tmp_path / "site")
    before = _tree(kept)
    record = kept / ".inputs.json"
    record.write_bytes({"truncated": record.read_bytes()[:100], "a list": b"[]",
                        "not UTF-8": b"\xff\xfe"}[damage])
    assert _report(published, kept, few) == 0  # the run the small site was built from, only read
    assert capsys.readouterr().err.startswith(f"built {kept}: {len(list(small_site.glob('*.html')))} pages")
    assert _tree(kept) == before  # the same site, its record whole again
    assert _report(published, kept, few) == 0
    assert capsys.readouterr().err == f"{kept} is up to date: nothing it is built from has changed\n"


# --- case 8: a run published with values other than the defaults ---------------------------------------------------

def _text(path: Path) -> str:
    return html.unescape(path.read_text(encoding="utf-8"))


@pytest.mark.kernel  # a run of notebook 03
def test_a_run_published_with_other_values_is_labelled_so_with_its_values(run_copy, few, tmp_path, capsys):
    manifest = run(["03"], {"currency": "EUR", "exchange_rate": 11.5}, publish=True, output=run_copy["output"],
                   figures=run_copy["figures"], say=lambda line: None)
    assert manifest["published"] is True
    site = tmp_path / "site"
    assert _report(run_copy, site, few) == 0
    page = re.sub(r"</?strong>", "", _text(site / "03_funding_per_victim.html"))
    assert "The values this analysis ran with, the published defaults" not in page
    assert ("Published with values other than its defaults: <code>currency</code> = EUR, <code>exchange_rate</code> "
            "= 11.5 (see") in page
    assert ("Not the published defaults: this analysis was published from a run with values other than its defaults "
            "(<code>currency</code> = EUR, <code>exchange_rate</code> = 11.5), with <code>--publish</code>; "
            "<code>tip-norway run --force 03</code> publishes the defaults' charts again.") in page
    index = _text(site / "index.html")
    assert index.count("Published with values other than its defaults") == 1
    assert "<code>currency</code> = EUR, <code>exchange_rate</code> = 11.5." in index
    shown = sorted(site.glob("[0-9][0-9]_*.html"))
    assert [page.stem for page in shown] == list(FEW)
    for other in shown:
        if other.name != "03_funding_per_victim.html":
            text = _text(other)
            assert "The values this analysis ran with, the published defaults;" in text, other.name
            assert "nondefault" not in text, other.name


def test_the_site_of_a_run_with_the_defaults_says_so_on_every_page(site):
    for page in sorted(site.glob("[0-9][0-9]_*.html")):
        text = _text(page)
        assert "The values this analysis ran with, the published defaults;" in text and "nondefault" not in text


def test_no_staging_folder_outlives_a_refused_build(run_copy, few, small_site, tmp_path, capsys):
    """A build refused for its inputs leaves nothing beside the site (the staging folder is never made)."""
    kept = _copy_site(small_site, tmp_path / "out" / "site")
    shutil.rmtree(run_copy["output"] / "runs")
    assert _report(run_copy, kept, few) == 1
    assert "the executed notebook" in capsys.readouterr().err
    assert sorted(p.name for p in kept.parent.iterdir()) == ["site"]
