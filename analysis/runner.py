"""Regenerate the figures: run the notebooks through papermill, in-process, in parallel.

A run executes each notebook into ``output/runs/<run id>/`` with its charts
written to a staging folder there. Only when every notebook has succeeded are
the staged charts moved into ``figures/``; a failing notebook leaves
``figures/`` as it was and its executed copy in the run folder for inspection.
A lock file serialises runs, so two runs started at once cannot interleave.
"""

from __future__ import annotations

import ast
import fcntl
import hashlib
import json
import os
import platform
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import nbformat
import papermill
import yaml

from . import paths
from .plotting import FIGURES_DIR_ENV

#: Most kernels started at once: each holds pandas and matplotlib in memory.
MAX_WORKERS = 4
#: Seconds one cell may run before the run gives up on its notebook (a hung scheduled run must end).
CELL_TIMEOUT = 600
#: Libraries whose versions a manifest records.
RECORDED_PACKAGES = ("tip-norway", "pandas", "numpy", "pandera", "matplotlib", "seaborn", "papermill", "nbclient", "ipykernel")


class RunError(Exception):
    """A run cannot start (bad notebook name or parameter, lock held) or did not succeed."""


class ParameterError(RunError):
    """A parameter is unknown to the selected notebooks or has the wrong type."""


@dataclass
class Notebook:
    """A notebook of ``notebooks/`` and the parameters its ``parameters`` cell declares."""

    path: Path
    parameters: dict[str, dict]

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def figure_prefix(self) -> str:
        """Charts of this notebook start with its number: ``03_``."""
        return self.name.split("_", 1)[0] + "_"

    def describe(self) -> str:
        lines = [self.name]
        for name, spec in self.parameters.items():
            lines.append(f"    {name}: {spec['inferred_type_name']} = {spec['default']}  # {spec['help']}")
        if not self.parameters:
            lines.append("    (no parameters)")
        return "\n".join(lines)


@dataclass
class Outcome:
    """What happened to one notebook in a run."""

    name: str
    parameters: dict
    executed: Path
    seconds: float = 0.0
    error: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)


def discover(folder: Path = paths.NOTEBOOKS) -> list[Notebook]:
    """The numbered notebooks of ``folder``, in reading order, with their parameters."""
    found = []
    for path in sorted(Path(folder).glob("[0-9][0-9]_*.ipynb")):
        found.append(Notebook(path, dict(papermill.inspect_notebook(str(path)))))
    return found


def select(notebooks: list[Notebook], names: Iterable[str]) -> list[Notebook]:
    """Notebooks by full name (``03_funding_per_victim``) or number (``03``); all when none named."""
    names = list(names)
    if not names:
        return notebooks
    chosen = []
    for wanted in names:
        wanted = Path(wanted).stem
        match = [nb for nb in notebooks if nb.name == wanted or nb.figure_prefix == wanted + "_"]
        if not match:
            raise RunError(f"unknown notebook {wanted!r}: expected one of {', '.join(nb.name for nb in notebooks)}")
        chosen.extend(m for m in match if m not in chosen)
    return chosen


def conforms(value, type_name: str) -> bool:
    """Whether ``value`` fits a parameter annotated ``type_name`` (as papermill infers it)."""
    kind = type_name.replace(" ", "")
    if kind == "str":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    inner = re.fullmatch(r"list\[(.+)\]", kind)
    if inner:
        return isinstance(value, list) and all(conforms(item, inner.group(1)) for item in value)
    if kind == "list":
        return isinstance(value, list)
    if kind == "dict":
        return isinstance(value, dict)
    return True  # an annotation this checker does not know: let the notebook judge


def _normalise(value, type_name: str):
    """Give a float parameter a float even when written as a whole number."""
    return float(value) if type_name.replace(" ", "") == "float" else value


def parse_cli_value(text: str):
    """A ``-p NAME VALUE`` value read as YAML: ``2014`` is an int, ``[2014]`` a list, ``USD`` a string."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def load_parameter_file(path: Path) -> dict:
    """Parameters from YAML: top-level names apply to every notebook that declares them;
    a top-level key naming a notebook holds parameters for that notebook only."""
    try:
        content = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError(f"parameter file {path} not found") from None
    except yaml.YAMLError as exc:
        raise ParameterError(f"parameter file {path} is not valid YAML: {exc}") from None
    if content is None:
        return {}
    if not isinstance(content, dict):
        raise ParameterError(f"parameter file {path}: expected a mapping of parameter names to values")
    return content


def resolve_parameters(notebooks: list[Notebook], given: dict) -> dict[str, dict]:
    """Assign the given parameters to the notebooks that declare them, checking names and types.

    Args:
        notebooks: The selected notebooks.
        given: Parameter names to values, plus optional per-notebook mappings
            keyed by notebook name or number.

    Returns:
        For each notebook name, the parameters to inject (empty for defaults).

    Raises:
        ParameterError: Listing every unknown name and ill-typed value, with the
            parameters each selected notebook takes, before anything runs.
    """
    per_notebook: dict[str, dict] = {nb.name: {} for nb in notebooks}
    problems = []
    scoped, common = {}, {}
    for key, value in given.items():
        if isinstance(key, int) and not isinstance(key, bool):
            key = f"{key:02d}"  # YAML reads a bare 03 as the number 3
        target = [nb for nb in notebooks if key in (nb.name, nb.figure_prefix[:-1])]
        if target and isinstance(value, dict):
            scoped[target[0].name] = value
        else:
            common[key] = value
    for name, value in common.items():
        takers = [nb for nb in notebooks if name in nb.parameters]
        if not takers:
            problems.append(f"unknown parameter {name!r}: no selected notebook declares it")
        for nb in takers:
            per_notebook[nb.name][name] = value
    for nb_name, values in scoped.items():
        nb = next(n for n in notebooks if n.name == nb_name)
        for name, value in values.items():
            if name not in nb.parameters:
                problems.append(f"unknown parameter {name!r} for notebook {nb_name}")
            else:
                per_notebook[nb_name][name] = value
    for nb in notebooks:
        for name, value in per_notebook[nb.name].items():
            type_name = nb.parameters[name]["inferred_type_name"]
            if not conforms(value, type_name):
                problems.append(f"parameter {name!r} of {nb.name} expects {type_name}, got {value!r} ({type(value).__name__})")
            else:
                per_notebook[nb.name][name] = _normalise(value, type_name)
    if problems:
        listing = "\n".join(nb.describe() for nb in notebooks)
        raise ParameterError("\n".join(problems) + "\n\nThe selected notebooks take:\n" + listing)
    return per_notebook


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in RECORDED_PACKAGES:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


def _inputs(notebooks: list[Notebook]) -> dict[str, str]:
    files = [paths.DATAPACKAGE, *sorted(paths.RAW.iterdir()), *sorted(paths.PROCESSED.iterdir()), *(nb.path for nb in notebooks)]
    return {paths.display(p): sha256(p) for p in files if p.is_file()}


@contextmanager
def run_lock(output: Path, wait: bool, timeout: float, say: Callable[[str], None]):
    """Hold ``output/.lock`` for the whole run; wait for another run or refuse at once."""
    output.mkdir(parents=True, exist_ok=True)
    lock_path = output / ".lock"
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            if not wait:
                raise RunError(f"another run holds {lock_path} ({holder}); not starting (run again without --no-wait to wait)") from None
            say(f"another run holds {lock_path} ({holder}); waiting up to {timeout:.0f} s")
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise RunError(f"gave up after {timeout:.0f} s waiting for {lock_path} ({holder})") from None
                    time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {datetime.now(UTC).isoformat(timespec='seconds')}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _execute(nb: Notebook, params: dict, run_dir: Path) -> Outcome:
    executed = run_dir / f"{nb.name}.ipynb"
    outcome = Outcome(nb.name, params, executed)
    started = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(nb.path), str(executed), parameters=params or None, kernel_name="python3",
            progress_bar=False, log_output=False, execution_timeout=CELL_TIMEOUT,
            # The executed copy is written once at the end (and on failure), not after every cell,
            # and the kernel is stopped at once rather than politely: together a third of the time.
            request_save_on_cell_execute=False, shutdown_kernel="immediate",
        )  # no cwd=: papermill would chdir the whole process, which races between worker threads
    except papermill.PapermillExecutionError as exc:
        outcome.error = (f"{nb.name}: cell {exc.cell_index + 1}, counting from 1 (execution count [{exc.exec_count}]), raised "
                         f"{exc.ename}: {exc.evalue}; the executed notebook is kept at {executed}")
    except Exception as exc:  # a kernel that dies or a notebook that cannot be read
        outcome.error = f"{nb.name}: {type(exc).__name__}: {exc}; see {executed}"
    outcome.seconds = time.perf_counter() - started
    return outcome


def _publish(staged: Path, target: Path, prefixes: list[str]) -> None:
    """Replace the charts of the notebooks run (by prefix) in ``target`` with the staged ones.

    The new folder is assembled beside ``target`` and swapped in with two
    renames, so a reader never sees a half-written ``figures/``.
    """
    fresh = target.with_name(f".{target.name}.new")
    stale = target.with_name(f".{target.name}.old")
    for leftover in (fresh, stale):
        if leftover.exists():
            shutil.rmtree(leftover)
    if target.exists():
        shutil.copytree(target, fresh)
        for old in fresh.iterdir():
            if old.is_file() and old.name.startswith(tuple(prefixes)):
                old.unlink()
    else:
        fresh.mkdir(parents=True)
    for new in staged.iterdir():
        shutil.copy2(new, fresh / new.name)
    if target.exists():
        target.rename(stale)
    fresh.rename(target)
    if stale.exists():
        shutil.rmtree(stale)


def run(
    names: Iterable[str] = (),
    given: dict | None = None,
    *,
    workers: int | None = None,
    notebooks_dir: Path = paths.NOTEBOOKS,
    output: Path = paths.OUTPUT,
    figures: Path = paths.FIGURES,
    wait: bool = True,
    lock_timeout: float = 1800,
    say: Callable[[str], None] = lambda text: print(text, file=sys.stderr, flush=True),
) -> dict:
    """Run notebooks and, if all succeed, replace their charts in ``figures``.

    Returns:
        The run manifest (also written to the run folder and to ``output/latest.json``).

    Raises:
        ParameterError: Before anything runs, for unknown or ill-typed parameters.
        RunError: If the lock cannot be had, or any notebook failed (after the
            others finished; ``figures`` is then untouched).
    """
    notebooks = select(discover(notebooks_dir), names)
    if not notebooks:
        raise RunError(f"no notebooks found in {notebooks_dir}")
    parameters = resolve_parameters(notebooks, given or {})
    workers = max(1, min(workers or os.cpu_count() or 1, MAX_WORKERS, len(notebooks)))
    output, figures = Path(output), Path(figures)

    with run_lock(output, wait, lock_timeout, say):
        run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        run_dir = output / "runs" / run_id
        staged = run_dir / "figures"
        staged.mkdir(parents=True)
        manifest = {
            "run_id": run_id,
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "workers": workers,
            "versions": _versions(),
            "inputs": _inputs(notebooks),
        }
        say(f"running {len(notebooks)} notebook(s) with {workers} worker(s) into {run_dir}")
        previous = os.environ.get(FIGURES_DIR_ENV)
        os.environ[FIGURES_DIR_ENV] = str(staged)  # inherited by every kernel this run starts
        outcomes: list[Outcome] = []
        started = time.perf_counter()
        try:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                futures = [pool.submit(_execute, nb, parameters[nb.name], run_dir) for nb in notebooks]
                for done, future in enumerate(as_completed(futures), start=1):
                    outcome = future.result()
                    outcomes.append(outcome)
                    status = "FAILED" if outcome.error else "ok"
                    say(f"[{done}/{len(notebooks)}] {outcome.name} {status} ({outcome.seconds:.1f} s)")
        finally:
            if previous is None:
                os.environ.pop(FIGURES_DIR_ENV, None)
            else:
                os.environ[FIGURES_DIR_ENV] = previous
        order = [nb.name for nb in notebooks]
        outcomes.sort(key=lambda o: order.index(o.name))
        for outcome in outcomes:
            prefix = outcome.name.split("_", 1)[0] + "_"
            outcome.outputs = {p.name: sha256(p) for p in sorted(staged.iterdir()) if p.name.startswith(prefix)}
        failed = [o for o in outcomes if o.error]
        if not failed:
            _publish(staged, figures, [nb.figure_prefix for nb in notebooks])
        manifest.update({
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - started, 3),
            "status": "failed" if failed else "succeeded",
            "figures_replaced": not failed,
            "notebooks": [
                {
                    "name": o.name,
                    "parameters_given": o.parameters,
                    "parameters": {**defaults(next(nb for nb in notebooks if nb.name == o.name)), **o.parameters},
                    "seconds": round(o.seconds, 3),
                    "status": "failed" if o.error else "succeeded",
                    "error": o.error,
                    "executed": str(o.executed),
                    "outputs": o.outputs,
                }
                for o in outcomes
            ],
        })
        text = json.dumps(manifest, indent=2, default=str) + "\n"
        (run_dir / "manifest.json").write_text(text, encoding="utf-8")
        (output / "latest.json").write_text(text, encoding="utf-8")
        if failed:
            raise RunError("\n".join([f"{len(failed)} of {len(outcomes)} notebook(s) failed; {figures} left untouched:",
                                      *(f"  - {o.error}" for o in failed)]))
        say(f"all {len(outcomes)} notebook(s) succeeded in {manifest['seconds']:.1f} s; charts replaced in {figures}")
        return manifest


def defaults(nb: Notebook) -> dict:
    """The default value of each parameter of ``nb``, read from its source as a Python literal."""
    values = {}
    for name, spec in nb.parameters.items():
        try:
            values[name] = ast.literal_eval(spec["default"])
        except (ValueError, SyntaxError):
            values[name] = spec["default"]
    return values


def clean_reference(executed: Path, target: Path) -> None:
    """Write an executed notebook as the committed reference: outputs and counts kept,
    papermill's timings and the run's metadata dropped, kernel ``python3``."""
    nb = nbformat.read(executed, as_version=4)
    nb.cells = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    nb.metadata.pop("papermill", None)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
    nbformat.write(nb, target)


def refresh(notebooks_dir: Path = paths.NOTEBOOKS, **kwargs) -> dict:
    """Run every notebook with its defaults and write the results back as the committed reference outputs."""
    manifest = run((), {}, notebooks_dir=notebooks_dir, **kwargs)
    for entry in manifest["notebooks"]:
        clean_reference(Path(entry["executed"]), Path(notebooks_dir) / f"{entry['name']}.ipynb")
    return manifest
