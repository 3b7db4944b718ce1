"""Publishing into figures/ when the file system says no: read-only, full, a mount point, an undeletable file.

The file systems are real: a small tmpfs for a full disk and a mount point,
a read-only remount, and the immutable attribute (``chattr +i``) for a
folder or a file that cannot be changed even by root. Making them needs root,
as CI and this project's machine have; elsewhere these tests are skipped.
"""

from __future__ import annotations

import json
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
from tiny_notebooks import TINY, write_notebook

from analysis.regenerate.cli import main
from analysis.regenerate.publish import PublishError, replace_charts


def _root_tool(*args: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"{' '.join(args)} is not allowed here ({done.stderr.strip()}); these tests need root")


@contextmanager
def tmpfs(folder: Path, size: str = "1m"):
    folder.mkdir(parents=True, exist_ok=True)
    _root_tool("mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@contextmanager
def immutable(path: Path):
    _root_tool("chattr", "+i", str(path))
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=False)


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def charts(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


OLD = {"01_chart.png": b"old one", "01_gone.csv": b"not made any more", "02_chart.png": b"two, not run"}
NEW = {"01_chart.png": b"new one", "01_chart.csv": b"a,b\n"}


def test_a_mount_point_is_published_into_file_by_file(tmp_path):
    staged = charts(tmp_path / "staged", NEW)
    with tmpfs(tmp_path / "figures") as figures:
        charts(figures, OLD)
        replace_charts(staged, figures, ["01_"])  # renaming a mount point fails with "Device or resource busy"
        assert contents(figures) == {"01_chart.csv": b"a,b\n", "01_chart.png": b"new one",
                                     "02_chart.png": b"two, not run"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures", "staged"]


def test_a_full_disk_leaves_the_last_good_charts_and_no_staging_folder(tmp_path):
    staged = charts(tmp_path / "staged", {**NEW, "01_big.svg": b"x" * 400_000})
    with tmpfs(tmp_path / "volume", "256k") as volume:
        figures = charts(volume / "figures", OLD)
        with pytest.raises(PublishError) as refused:
            replace_charts(staged, figures, ["01_"])
        message = str(refused.value)
        assert message.startswith(f"could not publish the charts: No space left on device ({volume}/.figures.new/")
        assert message.endswith("while assembling them beside "
                                f"{figures}; {figures} left as it was") and "\n" not in message
        assert contents(figures) == OLD
        assert sorted(p.name for p in volume.iterdir()) == ["figures"]


def test_a_full_mount_point_leaves_the_last_good_charts_and_no_temporary_file(tmp_path):
    staged = charts(tmp_path / "staged", {**NEW, "01_big.svg": b"x" * 400_000})
    with tmpfs(tmp_path / "figures", "256k") as figures:
        charts(figures, OLD)
        with pytest.raises(PublishError) as refused:
            replace_charts(staged, figures, ["01_"])
        # the chart that did not fit, where it was going (not the staged copy it came from)
        assert str(refused.value) == (f"could not publish the charts: No space left on device ({figures}/01_big.svg) "
                                      f"while writing them into {figures}; {figures} left as it was")
        assert contents(figures) == OLD


def test_a_read_only_mount_point_is_refused_in_one_line(tmp_path):
    staged = charts(tmp_path / "staged", NEW)
    with tmpfs(tmp_path / "figures") as figures:
        charts(figures, OLD)
        _root_tool("mount", "-o", "remount,ro", str(figures))
        with pytest.raises(PublishError) as refused:
            replace_charts(staged, figures, ["01_"])
        assert str(refused.value).startswith("could not publish the charts: Read-only file system")
        assert contents(figures) == OLD


def test_a_folder_that_cannot_be_changed_is_refused_and_kept(tmp_path):
    staged = charts(tmp_path / "staged", NEW)
    figures = charts(tmp_path / "figures", OLD)
    with immutable(figures):
        with pytest.raises(PublishError) as refused:
            replace_charts(staged, figures, ["01_"])
        assert str(refused.value) == (f"could not publish the charts: {figures} cannot be replaced: Operation not "
                                      f"permitted ({figures}); {figures} left as it was")
        assert contents(figures) == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures", "staged"]


def test_an_undeletable_old_chart_still_publishes_and_names_the_folder_left(tmp_path):
    staged = charts(tmp_path / "staged", NEW)
    figures = charts(tmp_path / "figures", OLD)
    left = tmp_path / ".figures.old"
    _root_tool("chattr", "+i", str(figures / "01_gone.csv"))
    try:
        with pytest.raises(PublishError) as refused:
            replace_charts(staged, figures, ["01_"])
    finally:
        for path in (figures / "01_gone.csv", left / "01_gone.csv"):
            if path.exists():
                subprocess.run(["chattr", "-i", str(path)], check=False)
    assert refused.value.in_place
    assert str(refused.value).startswith(f"the charts are published in {figures}, but the previous folder {left} could "
                                         f"not be removed: Operation not permitted")
    assert contents(figures) == {"01_chart.csv": b"a,b\n", "01_chart.png": b"new one", "02_chart.png": b"two, not run"}
    assert contents(left) == {"01_gone.csv": b"not made any more"}


def test_an_undeletable_previous_folder_is_named_when_it_blocks_publishing(tmp_path):
    """A ``.figures.old/`` an earlier run could not remove: the message names it, not ``figures/``."""
    staged = charts(tmp_path / "staged", NEW)
    figures = charts(tmp_path / "figures", OLD)
    left = charts(tmp_path / ".figures.old", {"01_gone.csv": b"not made any more"})
    with immutable(left / "01_gone.csv"):
        with pytest.raises(PublishError) as refused:
            replace_charts(staged, figures, ["01_"])
        assert str(refused.value) == (f"could not publish the charts: {left}, left by an earlier run, cannot be "
                                      f"removed: Operation not permitted ({left / '01_gone.csv'}); remove it by hand "
                                      f"(chattr -i may be needed); {figures} left as it was")
        assert contents(figures) == OLD
        assert sorted(p.name for p in tmp_path.iterdir()) == [".figures.old", "figures", "staged"]
    replace_charts(staged, figures, ["01_"])  # once it can be removed, publishing goes on
    assert contents(figures) == {"01_chart.csv": b"a,b\n", "01_chart.png": b"new one", "02_chart.png": b"two, not run"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures", "staged"]


@pytest.mark.kernel
def test_a_run_that_cannot_publish_says_why_keeps_figures_and_records_nothing(tmp_path, capsys):
    """The whole command: exit 1, one line naming the folder and the cause, no staging folder, no published.json."""
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    write_notebook(notebooks / "01_tiny.ipynb", TINY.replace("{NUMBER}", "01"))
    output = tmp_path / "output"
    figures = charts(tmp_path / "figures", OLD)
    with immutable(figures):
        code = main(["run", "--notebooks-dir", str(notebooks), "--output-dir", str(output), "--figures-dir",
                     str(figures)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    last = err.splitlines()[-1]
    assert last == (f"tip-norway run: could not publish the charts: {figures} cannot be replaced: Operation not "
                    f"permitted ({figures}); {figures} left as it was")
    assert contents(figures) == OLD
    assert not (output / "published.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures", "notebooks", "output"]
    manifest = json.loads((output / "latest.json").read_text())
    assert (manifest["status"], manifest["published"]) == ("not published", False)
