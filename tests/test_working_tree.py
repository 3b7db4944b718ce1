"""The suite leaves the checkout as it found it: its loader's verdicts kept elsewhere, and the check of the whole.

Every process the suite starts (subprocesses of ``tip-norway`` and Python, papermill's and nbval's kernels) inherits
the environment the session sets up: $TIP_NORWAY_CACHE_DIR names a temporary folder of the process's own, so a load
in any of them keeps its verdict there and never in the checkout's ``output/cache/``. The whole suite is checked by
tests/working_tree_check.py, a plugin that lists the checkout before and after the session; its tests are here too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import kernel_coverage
import pytest
import working_tree_check
from data_edits import data_digest

from analysis import config
from analysis.data import verdicts


def _state(path: Path) -> tuple[int, int] | None:
    """A file's size and modification time (in ns), or None when there is none."""
    return (info.st_size, info.st_mtime_ns) if path.exists() and (info := path.stat()) else None


def test_a_load_in_a_process_the_suite_starts_keeps_its_verdict_outside_the_checkout(tmp_path):
    session = Path(os.environ[verdicts.CACHE_DIR_ENV])
    assert not session.resolve().is_relative_to(config.ROOT.resolve()), session
    name = f"verdict-{data_digest(config.DATA)}.json"
    (session / name).unlink(missing_ok=True)  # so the verdict seen below is the one the subprocess keeps
    in_checkout = config.ROOT / "output" / "cache" / name
    before = _state(in_checkout)

    subprocess.run([sys.executable, "-c", "import analysis; analysis.load()"], check=True, cwd=tmp_path)

    assert (session / name).read_text(encoding="utf-8") == (
        f'{{"key": "{data_digest(config.DATA)}", "validated": ["core"]}}\n')
    assert _state(in_checkout) == before, "the checkout's output/cache/ is left as it was"


def test_without_the_variable_verdicts_are_kept_in_output_cache(monkeypatch):
    monkeypatch.delenv(verdicts.CACHE_DIR_ENV)
    assert verdicts.cache_folder() == config.ROOT / "output" / "cache"
    monkeypatch.setenv(verdicts.CACHE_DIR_ENV, "/somewhere/else")
    assert verdicts.cache_folder() == Path("/somewhere/else")


# --- the whole-suite check (tests/working_tree_check.py) ---------------------------------------------------------

def _tree(root: Path) -> None:
    """A checkout in small: a tracked-looking file, ignored output, an environment, caches and a link."""
    for relative, text in [("kept.txt", "kept\n"), ("output/cache/verdict.json", "{}\n"), (".venv/lib/site.py", "#\n"),
                           ("analysis/__pycache__/m.cpython-311.pyc", "pyc"), (".pytest_cache/v/lastfailed", "{}"),
                           (".git/index", "index"), (".coverage", "data")]:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    (root / "link").symlink_to("kept.txt")
    os.utime(root / "kept.txt", ns=(10**18, 10**18))  # long ago, so that a rewrite now changes its time


def test_the_listing_holds_ignored_files_and_leaves_out_the_tools_caches(tmp_path):
    _tree(tmp_path)
    listed = working_tree_check.listing(tmp_path)
    assert sorted(listed) == [".venv", ".venv/lib", ".venv/lib/site.py", "analysis", "kept.txt", "link", "output",
                              "output/cache", "output/cache/verdict.json"]
    assert listed["link"] == ("link", "kept.txt")
    assert listed["kept.txt"][:3] == ("file", 5, 10**18)


def test_every_write_is_named_and_the_caches_are_not(tmp_path):
    _tree(tmp_path)
    before = working_tree_check.listing(tmp_path)
    (tmp_path / "kept.txt").write_text("kept\n", encoding="utf-8")  # the same bytes, written again
    (tmp_path / "output" / "cache" / "verdict.json").chmod(0o444)  # made read-only
    (tmp_path / "output" / "browser").mkdir()
    (tmp_path / "output" / "browser" / "01.png").write_bytes(b"png")
    (tmp_path / ".venv" / "lib" / "site.py").unlink()
    (tmp_path / "analysis" / "__pycache__" / "n.cpython-311.pyc").write_bytes(b"pyc")
    (tmp_path / ".pytest_cache" / "v" / "lastfailed").write_text("{1}", encoding="utf-8")
    (tmp_path / ".git" / "index").write_text("index 2", encoding="utf-8")
    (tmp_path / ".coverage.host.1.2").write_text("data", encoding="utf-8")

    assert working_tree_check.differences(before, working_tree_check.listing(tmp_path)) == [
        "removed  .venv/lib/site.py", "changed  kept.txt", "added    output/browser", "added    output/browser/01.png",
        "changed  output/cache/verdict.json"]


def _project(root: Path, test: str) -> dict[str, str]:
    """A project whose one test runs ``test``, checked by the plugin as tests/conftest.py loads it; its environment."""
    (root / "t").mkdir()
    (root / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["t"]\n', encoding="utf-8")
    (root / "conftest.py").write_text('pytest_plugins = ["working_tree_check"]\n', encoding="utf-8")
    (root / "kept.txt").write_text("kept\n", encoding="utf-8")
    (root / "t" / "test_one.py").write_text(f"from pathlib import Path\n\n\ndef test_one():\n    {test}\n",
                                            encoding="utf-8")
    here = str(Path(working_tree_check.__file__).parent)
    # only pytest's own plugins and this one: the installed ones (nbval, xdist, ...) play no part here
    return {**os.environ, "PYTHONPATH": os.pathsep.join([here, os.environ.get("PYTHONPATH", "")]),
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def _pytest(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """A pytest run in ``root``: it writes its .pytest_cache/ and the test's __pycache__/ there, as in the checkout."""
    return subprocess.run([sys.executable, "-m", "pytest", *args], cwd=root, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.kernel
def test_a_suite_that_writes_into_the_checkout_fails_naming_each_path(tmp_path):
    env = _project(tmp_path, 'Path("output").mkdir(); Path("output/new.txt").write_text("x"); '
                             'Path("kept.txt").write_text("changed")')
    done = _pytest(tmp_path, env)
    assert done.returncode == 1, done.stdout + done.stderr
    section = done.stdout.split("the session changed the checkout", 1)[1]
    assert f"3 paths under {tmp_path} differ from the start of the session" in section
    assert [line.strip() for line in section.splitlines()[2:5]] == [
        "changed  kept.txt", "added    output", "added    output/new.txt"]
    assert "1 passed" in done.stdout  # the test itself passed: the session fails for what it left behind


@pytest.mark.kernel
def test_a_suite_that_leaves_the_checkout_alone_passes_and_named_tests_are_checked_when_asked(tmp_path):
    clean = tmp_path / "clean"
    clean.mkdir()
    done = _pytest(clean, _project(clean, "assert Path('kept.txt').read_text() == 'kept\\n'"))
    assert done.returncode == 0 and "changed the checkout" not in done.stdout, done.stdout + done.stderr
    writes = tmp_path / "writes"
    writes.mkdir()
    env = _project(writes, 'Path("new.txt").write_text("x")')
    named = _pytest(writes, env, "t/test_one.py")
    assert named.returncode == 0 and "changed the checkout" not in named.stdout, named.stdout + named.stderr
    asked = _pytest(writes, env, "t/test_one.py", "--check-working-tree")
    assert asked.returncode == 1 and "changed  new.txt" in asked.stdout, asked.stdout + asked.stderr


# --- make coverage: kernels killed as the runner kills them keep their measure (tests/kernel_coverage.py) ---------

@pytest.mark.kernel
def test_a_kernel_killed_after_a_cell_has_saved_the_lines_the_cell_ran(tmp_path):
    import coverage
    from jupyter_client import KernelManager

    (tmp_path / "probe.py").write_text("def square(x):\n    return x * x\n\n\ndef cube(x):\n    return x**3\n")
    measured = coverage.Coverage(data_file=str(tmp_path / ".coverage"), source=[str(tmp_path)], config_file=False)
    env = {**os.environ, "COVERAGE_PROCESS_CONFIG": measured.config.serialize(), "PYTHONPATH": str(tmp_path),
           "IPYTHONDIR": str(kernel_coverage.ipython_folder(tmp_path / "ipython"))}
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(env=env, cwd=str(tmp_path))
    try:
        client = manager.client()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        reply = client.execute_interactive("import probe\nprobe.square(3)", timeout=60)
        assert reply["content"]["status"] == "ok", reply
        client.stop_channels()
    finally:
        manager.shutdown_kernel(now=True)  # SIGKILL, as the runner ends its kernels: no exit hook runs
    data = coverage.CoverageData(basename=str(tmp_path / ".coverage"))
    data.read()
    assert sorted(data.lines(str(tmp_path / "probe.py")) or []) == [1, 2, 5], "square's body ran, cube's did not"
