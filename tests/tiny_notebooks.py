"""Tiny notebooks for real runs of the regeneration command, and how a test reads what a run left.

A tiny notebook has the parameters cell a published one has and writes one chart file, importing nothing heavy, so that
its kernel starts quickly, forked or anew: the tests of the runner, its stops, forks, sweeps and records run many.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from analysis.regenerate.forkserver import IMPORTS_ENV

KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
          "language_info": {"name": "python"}}


def write_notebook(path: Path, *sources: str, params: str = 'label: str = "tiny"  # what to write') -> Path:
    """A notebook at ``path``: a heading, the parameters cell ``params``, then a code cell for each of ``sources``."""
    cells = [new_markdown_cell("# probe")]
    parameters = new_code_cell(params)
    parameters.metadata["tags"] = ["parameters"]
    cells.append(parameters)
    cells += [new_code_cell(s) for s in sources]
    nbformat.write(new_notebook(cells=cells, metadata=KERNEL), path)
    return path


#: The environment of a template for tiny notebooks: it imports the kernel's modules and numpy (which a forked kernel
#: imports to seed its random state), not pandas, matplotlib or the package, which no tiny notebook uses; ready in a
#: fifth of the CPU time. The template of a published run imports them all (test_forking.py proves both).
LEAN_TEMPLATE = {IMPORTS_ENV: "numpy"}


#: A tiny notebook's code (``{NUMBER}`` replaced): write its label into ``{NUMBER}_tiny.csv`` among the charts.
TINY = ("from analysis.config import figures_dir\n"
        "folder = figures_dir()\n"
        "folder.mkdir(parents=True, exist_ok=True)\n"
        "(folder / f'{NUMBER}_tiny.csv').write_text(label)\n"
        "print('wrote', label)")


#: A parameter papermill's own reading of the parameters cell misses: it accepts no ``|`` in an annotation.
RATE_PARAMS = "rate: float | None = None  # NOK per unit; None: the report's rate"
RATE = ("from analysis.config import figures_dir\n"
        "folder = figures_dir()\n"
        "folder.mkdir(parents=True, exist_ok=True)\n"
        "(folder / '01_rate.csv').write_text(repr(rate))")


def latest(folders) -> dict:
    """The manifest of the last run into ``folders["output"]``."""
    return json.loads((folders["output"] / "latest.json").read_text())


def cli(folders, *args) -> list[str]:
    """``args`` and the options that point a run at ``folders`` (notebooks, output, figures)."""
    return [*args, "--notebooks-dir", str(folders["notebooks"]), "--output-dir", str(folders["output"]),
            "--figures-dir", str(folders["figures"])]
