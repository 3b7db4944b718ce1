"""What each notebook's analysis and drawing load, open and ask of the data is among that notebook's inputs.

One trace of each notebook, shared by the tests here: its analysis runs with its defaults and its chart is drawn and
finished, wide and for narrow screens, in a process of its own, forked from one that has imported the libraries the
package imports but not the package (a forked kernel has already imported the package, so nothing there would be
seen), with the analyses and drawings of the other notebooks stubbed (the registries import them only to find them by
name). The trace notes

- the modules of the package loaded, with the runner's (``analysis/regenerate/run.py``) imported first;
- every file of the project opened, under an audit hook on ``open`` installed before the package is imported: the
  modules imported (their cached bytecode, taken for their source), the tables and their descriptor read, the words
  rendered, the citation and sources the finished chart names;
- the tables the analysis asks of the data its step loads.

As in a run, the data are validated first, here in the test's process (a run validates every table before any kernel
starts, and its kernels find the verdict kept), so what the hook sees is what the notebook's own work reads. Files
under ``output/`` (the cache of validation verdicts) are not inputs. The trace ends with the finished drawings
(:func:`analysis.charts.render`, what ``charts.show`` draws and finishes), not written: writing them to the figures
folder, rendering PNG and SVG, opens no file of the project (the rendering uses the fonts the finishing laid the text
out with), and would take a third of the trace's time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from read_by_hand import NOTEBOOKS, PARTS, READ, TOPICS

from analysis import config
from analysis.regenerate import incremental
from analysis.regenerate.forking import ONE_THREAD
from analysis.regenerate.notebooks import discover

TRACE_EACH = """
import importlib, json, os, sys, traceback, types
import jinja2, matplotlib.pyplot, numpy, pandas, python_calamine, scipy.optimize, scipy.stats, seaborn, yaml
import statsmodels.stats.proportion, statsmodels.stats.rates  # the libraries every notebook imports, imported once
root = sys.argv[2]

def hashing_for_the_verdict():
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name == "cache_key" and frame.f_code.co_filename.endswith("verdicts.py"):
            return True
        frame = frame.f_back
    return False

def trace(name, stubbed):
    opened, asked = set(), set()
    def hook(event, args):
        if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)) and not hashing_for_the_verdict():
            path = os.path.abspath(os.fsdecode(args[0]))
            if path.startswith(root + os.sep):
                opened.add(os.path.relpath(path, root))
    sys.addaudithook(hook)
    for module in stubbed:  # another notebook's analysis or drawing: what its registry would import
        sys.modules[module] = types.SimpleNamespace(draw=None)
    import analysis.regenerate.run
    from analysis.analyses import result

    class Noting:  # the data the step loads, noting each table asked for (not the wrapper's check that it is there)
        def __init__(self, data):
            self.data = data
        def __getattr__(self, table):
            if sys._getframe(1).f_code.co_filename != result.__file__:
                asked.add(table)
            return getattr(self.data, table)

    load = result.load
    result.load = lambda **parts: Noting(load(**parts))
    from analysis.charts import render
    analysed = importlib.import_module("analysis.analyses." + name.split("_", 1)[1]).analyse()
    for narrow in (False, True):  # what charts.show draws and finishes before it writes them
        render(analysed, narrow=narrow)
    loaded = sorted(m.__file__ for n, m in sys.modules.items() if n.split(".")[0] == "analysis" and n not in stubbed)
    print(json.dumps({name: {"loaded": loaded, "opened": sorted(opened), "asked": sorted(asked)}}), flush=True)

for name, stubbed in json.loads(sys.argv[1]).items():
    sys.stdout.flush()
    if not os.fork():
        try:
            trace(name, stubbed)
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        sys.stdout.flush()
        os._exit(0)
    assert os.wait()[1] == 0, name
"""


def _source(opened: str) -> str:
    """A module's cached bytecode as its source file: ``a/__pycache__/b.cpython-311.pyc`` -> ``a/b.py``."""
    if "/__pycache__/" not in opened:
        return opened
    folder, _, name = opened.rpartition("/__pycache__/")
    return f"{folder}/{name.split('.')[0]}.py"


#: Each notebook's own analysis and drawing, and every notebook's.
OWN = {name: {f"analysis/analyses/{topic}.py", f"analysis/charts/{topic}.py"} for name, topic in TOPICS.items()}
EVERY = set().union(*OWN.values())


@pytest.fixture(scope="module")
def traced() -> dict[str, dict[str, set[str]]]:
    """Each notebook's trace: the package's files it ``loaded``, the project's it ``opened``, the tables ``asked``."""
    import analysis

    analysis.load(glotip=True, world_bank=True)  # validated here, its verdict kept in the folder the children read
    stubbed = {name: [f.removesuffix(".py").replace("/", ".") for f in sorted(EVERY - OWN[name])] for name in NOTEBOOKS}
    # BLAS on one thread, as in the runner's kernels: a pool of threads made before a fork slows the child's
    # optimisers down several times over
    environment = {**os.environ, **ONE_THREAD}
    done = subprocess.run([sys.executable, "-c", TRACE_EACH, json.dumps(stubbed), str(config.ROOT)],
                          capture_output=True, text=True, cwd=config.ROOT, env=environment)
    assert done.returncode == 0, done.stderr
    found = {name: trace for line in done.stdout.splitlines() if line.startswith("{")
             for name, trace in json.loads(line).items()}
    assert sorted(found) == NOTEBOOKS
    return {name: {"loaded": {config.display(file) for file in trace["loaded"]},
                   "opened": {_source(f) for f in trace["opened"] if not f.startswith(("output/", ".venv/"))},
                   "asked": set(trace["asked"])} for name, trace in found.items()}


@pytest.fixture(scope="module")
def inputs() -> dict[str, set[str]]:
    """The inputs the runner records for each of the project's notebooks."""
    shared = incremental.shared_inputs()
    return {nb.name: set(incremental.inputs(nb, {}, shared)) for nb in discover()}


@pytest.mark.slow  # reads the trace: seconds of analyses and drawings, in processes of its own
def test_a_notebook_depends_on_every_module_it_runs_and_on_no_other_notebooks_topic(traced, inputs):
    """The static reading of the source found every module a notebook loads, and of the topic modules only its own.

    No analysis imports another notebook's: what several share lives in modules of its own, such as victim_counts.
    """
    for name, trace in traced.items():
        loaded = trace["loaded"]
        assert {f"analysis/charts/{TOPICS[name]}.py", "analysis/charts/finish.py", "analysis/data/loader.py",
                "analysis/regenerate/run.py"} <= loaded, name
        assert loaded <= inputs[name], (name, loaded - inputs[name])
        assert EVERY & inputs[name] == OWN[name], name


@pytest.mark.slow  # reads the trace: seconds of analyses and drawings, in processes of its own
def test_every_project_file_a_notebook_opens_is_among_its_inputs(traced, inputs):
    missing = {}
    for name, trace in traced.items():
        topic = TOPICS[name]
        # what the hook must have seen, or it saw nothing: the analysis, its words and the tables
        assert {f"analysis/analyses/{topic}.py", f"analysis/analyses/words/{topic}.md",
                "data/processed/figures.csv", "data/datapackage.json"} <= trace["opened"], name
        if trace["opened"] - inputs[name]:
            missing[name] = sorted(trace["opened"] - inputs[name])
    assert not missing, f"opened by a notebook's analysis or drawing, but not among its inputs: {missing}"


@pytest.mark.slow  # reads the trace: seconds of analyses and drawings, in processes of its own
def test_each_analysis_uses_only_the_tables_its_step_loads_and_every_part_it_declares(traced):
    from analysis.steps import step

    for name, trace in traced.items():
        assert trace["asked"], name  # every analysis reads some table: the noting works
        assert trace["asked"] <= READ[name], name
        assert set(step(TOPICS[name]).reads) == PARTS.get(name, set()) <= trace["asked"], name
