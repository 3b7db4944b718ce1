"""A kernel forked from the template is as clean as one started anew: proved against a cold kernel in the same test.

A probe notebook changes everything a notebook run can change in its kernel
(step 1), or reads it all back (step 0), with real kernels: forked from one
template, as a run's or a sweep's are, and started anew, as ``--fresh-kernels``
starts them. After a forked run has changed the state, the next forked kernel
must read exactly what a cold kernel reads; what is random (numpy's global
generator) must differ between kernels rather than be copied from the template.

Then the fork's own edges, each with a real template: it forks from one thread only, what its streams hold is
written once, a kernel asking for an environment the template cannot give is started anew, and a kernel whose
template died ends with its status unknown. The forks that need no template of their own are made from the one the
suite's runs share (tests/kept_template.py), through the runner's own ``started_template``; a template is started
for a test only when the test gives it another environment or ends it, and imports only what its tiny notebooks need
(``LEAN_TEMPLATE``, $TIP_NORWAY_TEMPLATE_IMPORTS: proved here too).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import psutil
import pytest
from kept_template import KeptTemplate
from tiny_notebooks import LEAN_TEMPLATE, write_notebook

import analysis.regenerate.run as run_module
from analysis.config import FIGURES_DIR_ENV
from analysis.regenerate.execute import execute
from analysis.regenerate.forking import ONE_THREAD, Template, available, wait_until_ready
from analysis.regenerate.forkserver import IMPORTS, IMPORTS_ENV, KERNEL_IMPORTS
from analysis.regenerate.notebooks import discover

pytestmark = pytest.mark.skipif(not available(), reason="kernels are forked on Linux only")

#: Step 1 changes what a run can change; every step then prints the state a notebook sees.
PROBE = """\
import json, os, sys, warnings
import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import analysis.analyses, analysis.charts, analysis.config  # what a notebook imports
import scipy.stats, statsmodels.api  # what its analysis imports once it computes (each adds its warning filters)
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
    "parent": os.getppid(),
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
    """The probe's steps in forked kernels of one template, and step 0 in a kernel started anew (the reference).

    The template is the one a run of this process forks from; with the outcomes come its process id and, taken once
    the kernels are forked, how many threads it runs.
    """
    folder = tmp_path_factory.mktemp("forking")
    (folder / "notebooks").mkdir()
    nb = discover(write_notebook(folder / "notebooks" / "01_probe.ipynb", PROBE, params="step: int = 0").parent)[0]

    def one(step: int, name: str, template: Template | None):
        return execute(nb, {"step": step}, folder / name, {FIGURES_DIR_ENV: str(folder / name / "figures")},
                       template=template)

    with run_module.started_template() as template:
        wait_until_ready(template)  # as a run does before its first kernel
        forked = {name: one(step, name, template)
                  for name, step in (("changes", 1), ("after", 0), ("leaked", 2), ("forgotten", 3), ("again", 0))}
        process = psutil.Process(template.process.pid)
        template_pid, threads, environment = process.pid, process.num_threads(), process.environ()
    cold = one(0, "cold", None)
    return forked, cold, template_pid, threads, environment


@pytest.mark.kernel
def test_each_run_gets_a_kernel_of_its_own_forked_from_the_template(probes):
    forked, cold, template_pid, _, _ = probes
    assert forked["changes"].error is None and cold.error is None
    printed = [_printed(o.executed) for o in (forked["changes"], forked["after"], forked["again"])]
    assert len({p["pid"] for p in printed}) == 3  # three processes
    assert {p["parent"] for p in printed} == {template_pid}
    assert _printed(cold.executed)["parent"] == os.getpid()  # started anew, by this process
    assert _printed(forked["after"].executed)["session_leader"] and _printed(cold.executed)["session_leader"]


@pytest.mark.kernel
def test_a_name_set_in_one_run_is_undefined_in_the_next_and_a_forgotten_import_fails(probes):
    forked, *_ = probes
    assert "NameError: name 'leaked' is not defined" in forked["leaked"].error
    assert "cell 4, counting from 1 (execution count [3])" in forked["leaked"].error
    assert "NameError: name 'forgotten' is not defined" in forked["forgotten"].error


@pytest.mark.kernel
def test_a_forked_kernel_after_a_run_that_changed_everything_reads_what_a_cold_kernel_reads(probes):
    forked, cold, *_ = probes
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


@pytest.mark.kernel
def test_numpy_s_global_random_state_is_seeded_afresh_in_each_forked_kernel(probes):
    forked, cold, *_ = probes
    seeded = _printed(forked["changes"].executed)["random"]
    states = [_printed(o.executed)["random"] for o in (forked["after"], forked["again"], cold)]
    assert seeded not in states  # run 1's seed did not reach the next kernel
    assert len({tuple(s) for s in states}) == 3  # nor is one state copied from the template into every kernel


@pytest.mark.kernel
def test_the_template_and_its_kernels_end_with_it(tmp_path):
    template = Template(LEAN_TEMPLATE)
    template.start()
    pid = template.process.pid
    kernel = template.fork(["-f", str(tmp_path / "kernel.json")], dict(os.environ), str(tmp_path))
    assert psutil.pid_exists(kernel) and template.status(kernel) is None
    template.stop()
    assert not psutil.pid_exists(pid)
    assert not psutil.pid_exists(kernel) or psutil.Process(kernel).status() == psutil.STATUS_ZOMBIE


@pytest.mark.kernel
def test_a_kept_template_serves_every_run_until_a_file_of_the_package_changes(tmp_path):
    package = tmp_path / "analysis"
    package.mkdir()
    (package / "module.py").write_text("A = 1\n")
    kept = KeptTemplate(package)  # the files whose digest is compared
    try:
        with kept.started() as first, kept.started() as second:
            assert first is second and first.process.poll() is None
        (package / "module.py").write_text("A = 2\n")
        with kept.started() as third:
            assert third is not first and first.process is None  # the old one was stopped
            assert third.process.poll() is None
    finally:
        kept.stop()


@pytest.mark.kernel
def test_the_suite_s_runs_and_sweeps_share_the_kept_template():
    import analysis.regenerate.sweep as sweep_module

    with run_module.started_template() as first, sweep_module.started_template() as second:
        assert first is second and first.process.poll() is None

    with run_module.started_template(fresh=True) as fresh:
        assert fresh is None


# --- the fork's edges ---------------------------------------------------------------------------------------

def _one_notebook(folder: Path, source: str) -> object:
    (folder / "notebooks").mkdir(parents=True)
    return discover(write_notebook(folder / "notebooks" / "01_edge.ipynb", source).parent)[0]


def _printed_lines(executed: Path) -> list[str]:
    nb = nbformat.read(executed, as_version=4)
    return [line for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("name") == "stdout"
            for line in o["text"].splitlines()]


def _startup(folder: Path, code: str) -> dict[str, str]:
    """An environment whose interpreter runs ``code`` at start (a ``sitecustomize`` on ``PYTHONPATH``)."""
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(code)
    return {"PYTHONPATH": os.pathsep.join([str(folder), *filter(None, [os.environ.get("PYTHONPATH")])]),
            **LEAN_TEMPLATE}


@pytest.mark.kernel
def test_the_template_runs_one_thread_its_blas_pools_off_and_every_kernel_is_told_the_same(probes):
    forked, cold, _, threads, environment = probes
    assert threads == 1  # numpy, scipy and the package imported, kernels forked: no thread pool
    assert {k: environment[k] for k in ONE_THREAD} == {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    told = [{k: _printed(o.executed)["env"][k] for k in ONE_THREAD} for o in (forked["after"], cold)]
    assert told == [{"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}] * 2


@pytest.mark.kernel
@pytest.mark.parametrize("code", ["import threading, time\nthreading.Thread(target=time.sleep, args=(600,), "
                                  "daemon=True).start()\n",
                                  "import zmq\ncontext = zmq.Context.instance()\ncontext.socket(zmq.PUB)\n"],
                         ids=["a Python thread", "native threads only"])
def test_a_template_running_another_thread_refuses_to_fork(tmp_path, code):
    environ = _startup(tmp_path / "startup", code)
    nb = _one_notebook(tmp_path, "print('ran')")
    with Template(environ) as template:
        outcome = execute(nb, {}, tmp_path / "run", environ, template=template)
        threads = psutil.Process(template.process.pid).num_threads()
    assert threads > 1
    assert outcome.error.startswith(
        "01_edge: not run, its kernel could not be started: forking a kernel: the template runs "
        f"{threads} threads ({2 if 'threading' in code else 1} of them Python's); it forks only from one thread; "
        "run again, or with --fresh-kernels")


@pytest.mark.kernel
def test_what_the_template_s_output_holds_is_written_once_not_once_more_per_kernel(tmp_path, capfd):
    environ = {**_startup(tmp_path / "startup", "print('said by the template', end='')\n"),
               "PYTHONUNBUFFERED": ""}  # buffered, as when the runner's output goes to a file or a pipe
    nb = _one_notebook(tmp_path, "import os\nprint(os.getppid())")
    with Template(environ) as template:
        outcomes = [execute(nb, {}, tmp_path / f"run{k}", environ, template=template) for k in range(2)]
        template_pid = template.process.pid
    assert {int(_printed_lines(o.executed)[0]) for o in outcomes} == {template_pid}  # two kernels forked
    assert capfd.readouterr().out.count("said by the template") == 1


@pytest.mark.kernel
def test_a_kernel_asking_for_another_hash_seed_is_started_anew_and_gets_it(tmp_path):
    nb = _one_notebook(tmp_path, "import os\nprint(hash('tip-norway'), os.getppid())")
    with run_module.started_template() as template:
        wait_until_ready(template)
        forked = execute(nb, {}, tmp_path / "forked", template=template)
        seeded = execute(nb, {}, tmp_path / "seeded", {"PYTHONHASHSEED": "1234"}, template=template)
        template_pid = template.process.pid
    expected = subprocess.run([sys.executable, "-c", "print(hash('tip-norway'))"], capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": "1234"}, check=True).stdout.strip()
    assert _printed_lines(forked.executed)[0].split()[1] == str(template_pid)
    assert _printed_lines(seeded.executed)[0].split() == [expected, str(os.getpid())]


@pytest.mark.parametrize(("variable", "value", "forked"), [
    ("PYTHONHASHSEED", "0", False), ("PYTHONPATH", "/elsewhere", False), ("LANG", "nb_NO.UTF-8", False),
    ("LC_ALL", "C", False), ("OMP_NUM_THREADS", "2", False), ("OPENBLAS_NUM_THREADS", "4", False),
    ("MPLBACKEND", "agg", False), (FIGURES_DIR_ENV, "/elsewhere", True), ("ANYTHING", "else", True)])
def test_a_kernel_is_forked_only_when_the_template_has_its_start_time_environment(variable, value, forked):
    template = Template()
    template.environment = {**os.environ, **ONE_THREAD}  # what launch() records, without starting a process
    # the suite's own processes already run BLAS on one thread (conftest.py): a kernel asking for the library's default
    # pool is one without the variables
    default_pool = {name: value for name, value in os.environ.items() if name not in ONE_THREAD}
    assert template.serves({**os.environ, **ONE_THREAD}) and not template.serves(default_pool)
    assert template.serves({**os.environ, **ONE_THREAD, variable: value}) is forked


@pytest.mark.kernel
def test_a_kernel_whose_template_died_ends_with_its_exit_status_unknown(tmp_path):
    nb = _one_notebook(tmp_path, "import os, signal, time\nos.kill(os.getppid(), signal.SIGKILL)\ntime.sleep(600)")
    with Template(LEAN_TEMPLATE) as template:
        outcome = execute(nb, {}, tmp_path / "run", template=template)
    assert outcome.error == (
        "01_edge: cell 3, counting from 1 ('import os, signal, time'): the kernel died while it ran (status unknown); "
        f"the executed notebook is kept at {tmp_path / 'run' / '01_edge.ipynb'}")


#: Printed by a kernel: its parent, and which of the modules a template may import its process holds (the kernel
#: forked from the lean template shows that a kernel's own start imports none of pandas, matplotlib or the package).
IMPORTED = f"import json, os, sys\nprint(json.dumps([os.getppid(), sorted(set(sys.modules) & {set(IMPORTS)!r})]))"


@pytest.mark.kernel
def test_a_template_imports_what_the_notebooks_import_unless_the_variable_names_other_modules(tmp_path):
    nb = _one_notebook(tmp_path, IMPORTED)
    with run_module.started_template() as published:  # a run's, the variable unset
        wait_until_ready(published)
        full = execute(nb, {}, tmp_path / "full", template=published)
        published_pid = published.process.pid
        assert IMPORTS_ENV not in published.environment
    with Template(LEAN_TEMPLATE) as lean:  # the tiny notebooks' template: the variable names numpy alone
        named = execute(nb, {}, tmp_path / "lean", template=lean)
        lean_pid = lean.process.pid
    assert json.loads(_printed_lines(full.executed)[0]) == [published_pid, sorted(IMPORTS)]
    assert json.loads(_printed_lines(named.executed)[0]) == [lean_pid, sorted({*KERNEL_IMPORTS, "numpy"})]
