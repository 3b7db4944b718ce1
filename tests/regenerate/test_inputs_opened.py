"""Every file of the project a notebook's analysis and drawing open is among that notebook's recorded inputs.

Each notebook's analysis and drawing run in a fresh process (a forked kernel has already imported the package, so a
hook there would see nothing), under an audit hook on ``open`` installed before the package is imported: the hook
sees the modules imported (their cached bytecode, taken for their source), the tables and their descriptor read, the
words rendered. As in a run, the data are validated first, in a process of their own (a run validates every table
before any kernel starts, and its kernels find the verdict kept), so what the hook sees is what the notebook's own
work reads. Every such file inside the project must be among the inputs the runner records for the notebook, so
an edit of any of them makes it run again. Files under ``output/`` (the cache of validation verdicts) and the chart
files written are not inputs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from analysis import config
from analysis.regenerate import incremental
from analysis.regenerate.notebooks import discover

NOTEBOOKS = sorted(p.stem for p in config.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))

#: What a run does before any kernel starts: validate every table, keeping the verdict.
VALIDATE = "import analysis; analysis.load(glotip=True, world_bank=True)"

OPEN_EACH = """
import importlib, json, os, sys, types
import matplotlib.pyplot, numpy, pandas, pandera, scipy.stats, seaborn, statsmodels.api  # loaded once, forked after
root = sys.argv[2]
for name, stubbed in json.loads(sys.argv[1]).items():
    sys.stdout.flush()
    if os.fork():
        assert os.wait()[1] == 0, name
        continue
    opened = set()
    def hashing_for_the_verdict():
        frame = sys._getframe(2)
        while frame is not None:
            if frame.f_code.co_name == "cache_key" and frame.f_code.co_filename.endswith("verdicts.py"):
                return True
            frame = frame.f_back
        return False
    def hook(event, args):
        if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)) and not hashing_for_the_verdict():
            path = os.path.abspath(os.fsdecode(args[0]))
            if path.startswith(root + os.sep):
                opened.add(os.path.relpath(path, root))
    sys.addaudithook(hook)
    for module in stubbed:  # another notebook's analysis or drawing: what its registry would import
        sys.modules[module] = types.SimpleNamespace(draw=None)
    from analysis.charts import show
    show(importlib.import_module("analysis.analyses." + name.split("_", 1)[1]).analyse())
    print(json.dumps({name: sorted(opened)}), flush=True)
    os._exit(0)
"""


def _source(opened: str) -> str:
    """A module's cached bytecode as its source file: ``a/__pycache__/b.cpython-311.pyc`` -> ``a/b.py``."""
    if "/__pycache__/" not in opened:
        return opened
    folder, _, name = opened.rpartition("/__pycache__/")
    return f"{folder}/{name.split('.')[0]}.py"


def test_every_project_file_a_notebook_opens_is_among_its_inputs(tmp_path):
    topics = {nb: nb.split("_", 1)[1] for nb in NOTEBOOKS}
    every = {f"analysis.{layer}.{topic}" for topic in topics.values() for layer in ("analyses", "charts")}
    stubbed = {name: sorted(every - {f"analysis.analyses.{topic}", f"analysis.charts.{topic}"})
               for name, topic in topics.items()}
    environment = {**os.environ, "TIP_NORWAY_FIGURES_DIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", VALIDATE], check=True, cwd=config.ROOT, env=environment)
    done = subprocess.run([sys.executable, "-c", OPEN_EACH, json.dumps(stubbed), str(config.ROOT)],
                          capture_output=True, text=True, check=True, cwd=config.ROOT,
                          env=environment)
    opened = {name: {_source(f) for f in files if not f.startswith(("output/", ".venv/"))}
              for line in done.stdout.splitlines() if line.startswith("{") for name, files in json.loads(line).items()}
    assert sorted(opened) == NOTEBOOKS
    shared = incremental.shared_inputs()
    missing = {}
    for nb in discover():
        inputs = set(incremental.inputs(nb, {}, shared))
        topic = topics[nb.name]
        # what the hook must have seen, or it saw nothing: the analysis, its words and the tables
        assert {f"analysis/analyses/{topic}.py", f"analysis/analyses/words/{topic}.md",
                "data/processed/figures.csv", "data/datapackage.json"} <= opened[nb.name], nb.name
        if opened[nb.name] - inputs:
            missing[nb.name] = sorted(opened[nb.name] - inputs)
    assert not missing, f"opened by a notebook's analysis or drawing, but not among its inputs: {missing}"
