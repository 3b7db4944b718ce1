"""The suite leaves the checkout as it found it, ignored files included: a pytest plugin (tests/conftest.py loads it).

At the start of the session, in the controller process (never in an xdist worker), it lists every file, link and
folder of the checkout with what a write changes: for a file its size, modification and change times and inode, for
a link its target. At the end of the session it lists them again; any difference fails the session (exit status 1)
and the terminal summary names each path added, removed or changed. The listing is a walk of the whole folder rather
than git's view of it: ``output/``, ``.venv/`` and the publishing staging folders (``.figures.new``,
``.figures.old``) are ignored by git, and a file written again with the same bytes, or made read-only, was still
written to (its change time tells).

What the check leaves out, each written by a tool while the suite runs and never by a test:

- ``.git/``: git's own database; ``git status`` itself refreshes its index.
- ``__pycache__/`` folders: bytecode the interpreter writes beside a module the first time it imports it, as any
  ``import analysis`` does outside the suite.
- ``.pytest_cache/``: pytest's record of the last failures (``--lf``), written at the end of every session.
- ``.coverage`` and ``.coverage.*``: coverage.py's data files (its default ``data_file``, which pyproject.toml's
  ``[tool.coverage.run]`` keeps), written by ``make coverage`` and by each process it measures.

The check runs for the whole suite (``pytest`` with no test named, as ``make test`` runs it) and, with
``--check-working-tree``, for any selection. It is not run by default when tests are named, because one then
usually edits other files while they run, and those edits would be reported; ``-p no:working_tree_check`` turns it
off altogether.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

#: Left out of the listing wherever they are: bytecode caches, written by the interpreter on import.
ANYWHERE = {"__pycache__"}
#: Left out of the listing at the checkout's root: git's database and pytest's cache.
AT_ROOT = {".git", ".pytest_cache"}
#: Left out at the root too, with the files named after it (``.coverage.<host>.<pid>.<random>``): coverage.py's data.
COVERAGE_DATA = ".coverage"
#: How many paths the failure names; the rest are counted.
SHOWN = 40

_BEFORE = pytest.StashKey[dict]()
_PROBLEMS = pytest.StashKey[list]()


def _entry(info: os.stat_result, path: str) -> tuple:
    """What a write to the file, link or folder at ``path`` would change, from its ``lstat``."""
    if stat.S_ISLNK(info.st_mode):
        return ("link", os.readlink(path))
    if stat.S_ISDIR(info.st_mode):
        return ("folder", stat.S_IMODE(info.st_mode))
    return ("file", info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, stat.S_IMODE(info.st_mode))


def _left_out(prefix: str, name: str) -> bool:
    """Whether the entry ``name`` of the folder ``prefix`` (relative to the root, "" for the root) is left out."""
    if name in ANYWHERE:
        return True
    return prefix == "" and (name in AT_ROOT or name == COVERAGE_DATA or name.startswith(COVERAGE_DATA + "."))


def listing(root: Path) -> dict[str, tuple]:
    """``{path relative to root: entry}`` for every file, link and folder of ``root`` but the ones left out.

    A folder's own times are not compared (a new ``__pycache__`` in it changes them), only what it holds.
    """
    found: dict[str, tuple] = {}
    for folder, names, files in os.walk(root):
        relative = Path(folder).relative_to(root).as_posix()
        prefix = "" if relative == "." else relative + "/"
        names[:] = sorted(name for name in names if not _left_out(prefix, name))
        for name in [*names, *(name for name in files if not _left_out(prefix, name))]:
            path = os.path.join(folder, name)
            try:
                found[prefix + name] = _entry(os.lstat(path), path)
            except FileNotFoundError:
                continue  # removed while the walk went on: absent, as a later look would find it
    return found


def differences(before: dict[str, tuple], after: dict[str, tuple]) -> list[str]:
    """One line per path added, removed or changed between two listings, sorted by path."""
    lines = []
    for path in sorted(before.keys() | after.keys()):
        if path not in before:
            lines.append(f"added    {path}")
        elif path not in after:
            lines.append(f"removed  {path}")
        elif before[path] != after[path]:
            lines.append(f"changed  {path}")
    return lines


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--check-working-tree", action="store_true",
                     help="fail the session when it changed the checkout, also when tests are named (the whole "
                          "suite is always checked)")


def _checked(config: pytest.Config) -> bool:
    """Whether this process checks the session: the controller (or the only process), for the whole suite or asked."""
    if hasattr(config, "workerinput"):
        return False
    return config.args_source == pytest.Config.ArgsSource.TESTPATHS or config.getoption("--check-working-tree")


def pytest_sessionstart(session: pytest.Session) -> None:
    if _checked(session.config):
        session.config.stash[_BEFORE] = listing(session.config.rootpath)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """After xdist has stopped its workers: fail the session when the checkout differs from its listing at the start."""
    before = session.config.stash.get(_BEFORE, None)
    if before is None:
        return
    problems = differences(before, listing(session.config.rootpath))
    session.config.stash[_PROBLEMS] = problems
    if problems and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    problems = config.stash.get(_PROBLEMS, [])
    if not problems:
        return
    terminalreporter.section("the session changed the checkout", sep="=", red=True, bold=True)
    terminalreporter.line(f"{len(problems)} paths under {config.rootpath} differ from the start of the session "
                          "(a test, or something else running meanwhile, wrote there; tests write only in tmp_path):")
    for line in problems[:SHOWN]:
        terminalreporter.line(f"  {line}")
    if len(problems) > SHOWN:
        terminalreporter.line(f"  ... and {len(problems) - SHOWN} more")
