"""The suite keeps the loader's verdicts out of the checkout.

Every process the suite starts (subprocesses of ``tip-norway`` and Python, papermill's and nbval's kernels) inherits
the environment tests/conftest.py sets for the session: $TIP_NORWAY_CACHE_DIR names a temporary folder of the worker's
own, so a load in any of them keeps its verdict there and never in the checkout's ``output/cache/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import data_digest

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
