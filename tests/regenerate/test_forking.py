"""A kernel forked from the template is as clean as one started anew: proved against a cold kernel in the same test.

A probe notebook changes everything a notebook run can change in its kernel
(step 1), or reads it all back (step 0), with real kernels: forked from one
template, as a run's or a sweep's are, and started anew, as ``--fresh-kernels``
starts them. After a forked run has changed the state, the next forked kernel
must read exactly what a cold kernel reads; what is random (numpy's global
generator) must differ between kernels rather than be copied from the template.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import psutil
import pytest
from test_runner import write_notebook

from analysis.config import FIGURES_DIR_ENV
from analysis.regenerate import forking
from analysis.regenerate.forking import Template, available
from analysis.regenerate.kernel import Kernel
from analysis.regenerate.notebooks import discover

pytestmark = [pytest.mark.kernel,
              pytest.mark.skipif(not available(), reason="kernels are forked on Linux only")]

#: Step 1 changes what a run can change; every step then prints the state a notebook sees.
PROBE = """\
import json, os, sys, warnings
import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import analysis.analyses, analysis.charts, analysis.config  # what a notebook imports
def options(node, prefix=""):  # every pandas option, by name
    for name in dir(node):
        value = getattr(node, name)
        yield from (options(value, f"{prefix}{name}.") if type(value).__name__ == "DictWrapper" else [prefix + name])
plt.close(plt.figure())  # the backend in use, with what it registers in the kernel
if step == 1:
    leaked = "set by run 1"
    import collections as forgotten
    mpl.rcParams["lines.linewidth"] = 9.5
    mpl.use("agg")
    pd.set_option("display.max_rows", 3)
    plt.figure()
    os.environ["PROBE_LEFT_BEHIND"] = "yes"
    os.chdir("/")
    warnings.simplefilter("error")
    np.random.seed(12345)
    analysis.config.FIGURES_DIR_ENV = "CHANGED BY RUN 1"
elif step == 2:
    print(leaked)
elif step == 3:
    forgotten.Counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # reading a deprecated option warns
    pandas_options = {k: str(pd.get_option(k)) for k in options(pd.options)}
print(json.dumps({
    "names": sorted(n for n in globals() if not n.startswith("_")),
    "backend": mpl.get_backend(),
    "rc": sorted((k, str(v)) for k, v in mpl.rcParams.items()),
    "figures": plt.get_fignums(),
    "pandas": pandas_options,
    "hooks": sorted(getattr(f, "__qualname__", "?") for f in get_ipython().events.callbacks["post_execute"]),
    "env": {k: v for k, v in os.environ.items() if k not in ("JPY_SESSION_NAME",)},
    "cwd": os.getcwd(),
    "warnings": sorted(str(f) for f in warnings.filters),  # libraries add theirs at import, in import order
    "module_global": analysis.config.FIGURES_DIR_ENV,
    "argv0": os.path.basename(sys.argv[0]),
    "random": np.random.get_state()[1][:4].tolist(),
    "pid": os.getpid(),
    "session_leader": os.getsid(0) == os.getpid(),
}))"""


def _printed(executed: Path) -> dict:
    nb = nbformat.read(executed, as_version=4)
    (text,) = [o["text"] for c in nb.cells if c.cell_type == "code"
               for o in c.get("outputs", []) if o.get("name") == "stdout"]
    return json.loads(text)


def _counts(executed: Path) -> list[int]:
    return [c.execution_count for c in nbformat.read(executed, as_version=4).cells if c.cell_type == "code"]


@pytest.fixture(scope="module")
def probes(tmp_path_factory):
    """The probe's steps in forked kernels of one template, and step 0 in a kernel started anew (the reference)."""
    folder = tmp_path_factory.mktemp("forking")
    (folder / "notebooks").mkdir()
    nb = discover(write_notebook(folder / "notebooks" / "01_probe.ipynb", PROBE, params="step: int = 0").parent)[0]

    def one(step: int, name: str, template: Template | None):
        environ = {FIGURES_DIR_ENV: str(folder / name / "figures")}
        with Kernel(environ=environ, template=template) as kernel:
            return kernel.run(nb, {"step": step}, folder / name / "01_probe.ipynb")

    with Template() as template:
        forked = {name: one(step, name, template)
                  for name, step in (("changes", 1), ("after", 0), ("leaked", 2), ("forgotten", 3), ("again", 0))}
        forks = template.forks
    cold = one(0, "cold", None)
    return forked, cold, forks


def test_each_run_gets_a_kernel_of_its_own_forked_from_the_template(probes):
    forked, cold, forks = probes
    assert forks == 5
    assert forked["changes"].error is None and cold.error is None
    pids = {_printed(o.executed)["pid"] for o in (forked["changes"], forked["after"], forked["again"])}
    assert len(pids) == 3  # three processes
    assert _printed(forked["after"].executed)["session_leader"] and _printed(cold.executed)["session_leader"]


def test_a_name_set_in_one_run_is_undefined_in_the_next_and_a_forgotten_import_fails(probes):
    forked, _, _ = probes
    assert "NameError: name 'leaked' is not defined" in forked["leaked"].error
    assert "cell 4, counting from 1 (execution count [3])" in forked["leaked"].error
    assert "NameError: name 'forgotten' is not defined" in forked["forgotten"].error


def test_a_forked_kernel_after_a_run_that_changed_everything_reads_what_a_cold_kernel_reads(probes):
    forked, cold, _ = probes
    changed, after, reference = (_printed(o.executed) for o in (forked["changes"], forked["after"], cold))
    # run 1 did change all of it
    assert ["lines.linewidth", "9.5"] in changed["rc"] and changed["figures"] == [1] and changed["cwd"] == "/"
    assert changed["module_global"] == "CHANGED BY RUN 1" and changed["env"]["PROBE_LEFT_BEHIND"] == "yes"
    for key in ("names", "backend", "rc", "figures", "pandas", "hooks", "cwd", "warnings", "module_global", "argv0"):
        assert after[key] == reference[key], key
    # the environment: the same but for the folder each run's charts go to
    own = {FIGURES_DIR_ENV}
    assert {k: v for k, v in after["env"].items() if k not in own} == {
        k: v for k, v in reference["env"].items() if k not in own}
    assert after["backend"] == "module://matplotlib_inline.backend_inline"
    assert after["pandas"]["display.max_columns"] == "20"  # pandas in a kernel, not in a terminal
    assert "flush_figures" in after["hooks"]  # the inline backend shows the figures a cell leaves, as in JupyterLab
    assert after["cwd"] == os.getcwd() and after["module_global"] == "TIP_NORWAY_FIGURES_DIR"
    assert _counts(forked["after"].executed) == _counts(cold.executed) == [1, 2, 3]


def test_numpy_s_global_random_state_is_seeded_afresh_in_each_forked_kernel(probes):
    forked, cold, _ = probes
    seeded = _printed(forked["changes"].executed)["random"]
    states = [_printed(o.executed)["random"] for o in (forked["after"], forked["again"], cold)]
    assert seeded not in states  # run 1's seed did not reach the next kernel
    assert len({tuple(s) for s in states}) == 3  # nor is one state copied from the template into every kernel


def test_the_template_and_its_kernels_end_with_it(tmp_path):
    template = Template()
    template.start()
    pid = template.process.pid
    process = template.fork(["-f", str(tmp_path / "kernel.json")], dict(os.environ), str(tmp_path))
    assert psutil.pid_exists(process.pid) and process.poll() is None
    template.stop()
    assert not psutil.pid_exists(pid)
    assert not psutil.pid_exists(process.pid) or psutil.Process(process.pid).status() == psutil.STATUS_ZOMBIE


def test_a_kept_template_serves_every_run_until_a_file_of_the_package_changes(tmp_path, monkeypatch):
    package = tmp_path / "analysis"
    package.mkdir()
    (package / "module.py").write_text("A = 1\n")
    monkeypatch.setattr(forking, "PACKAGE", package)  # the files whose digest is compared
    with forking.kept_template():
        with forking.started_template() as first, forking.started_template() as second:
            assert first is second and first.process.poll() is None
        (package / "module.py").write_text("A = 2\n")
        with forking.started_template() as third:
            assert third is not first and first.process is None  # the old one was stopped
            assert third.process.poll() is None
