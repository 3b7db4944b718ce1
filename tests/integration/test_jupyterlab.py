"""End to end in a real browser: two notebooks run through JupyterLab's own "Run All Cells" without an error.

What this test adds to nbval is JupyterLab itself: a notebook opened in the browser, its kernel started by the
server, its cells run from the Run menu, its outputs rendered. That does not depend on what a notebook computes, so
one notebook of each kind published stands for all twelve (KINDS): one on a single TIP edition, one on the GLOTIP
series. nbval executes every published notebook in the suite and compares its outputs with the committed ones, and
the root conftest.py compares each one's charts with figures/: they prove that the other ten execute.

One JupyterLab server, serving a temporary copy of the two notebooks, and one headless Chromium (Debian's, driven
by Playwright) with one JupyterLab page run both side by side, each in a tab of its own, started from the Run menu
("Run All Cells") once its kernel is idle. Once both have finished, each tab is brought to the front and looked at:
the status bar must read "| Idle", no cell may have an error output, every code cell must have run, and a chart
must have been rendered as a visible, loaded image. One module-scoped fixture (``lab_runs``) records what is seen
and one test per notebook asserts on its record. Charts go to a temporary folder ($TIP_NORWAY_FIGURES_DIR), never
figures/; screenshots (``NN_name[-failed].png``) to one too, and to $TIP_NORWAY_SCREENSHOTS when that is set.

Needs ``pip install playwright 'jupyterlab>=4.2'`` (the ``lab`` extra) and ``apt-get install chromium``
($TIP_NORWAY_CHROMIUM for another Chromium); deselect with ``pytest -m "not browser"``.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import browser_helpers as bh
import pytest

from analysis import config

#: {kind: notebook} for each kind published: one question, victims per conviction, of a TIP edition and of GLOTIP.
KINDS = {"single TIP edition": "01_conviction_gap.ipynb", "GLOTIP series": "06_series_conviction_gap.ipynb"}
NOTEBOOKS = [config.NOTEBOOKS / name for name in KINDS.values()]
#: Notebooks whose kernels start or run at once: one per core (more on a loaded 2-core machine left kernels dead).
AT_ONCE = 2
#: Seconds a notebook may take, once its turn has come, to open with an idle kernel and start "Run All Cells", and
#: then to finish it (generous: its kernel shares the cores with AT_ONCE - 1 others and with the rest of the suite).
OPEN_TIMEOUT = 180
RUN_TIMEOUT = 180

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    """A JupyterLab server on a free loopback port, serving a temporary copy of NOTEBOOKS; always stopped."""
    bh.require_tools("browser test", {
        "playwright": ("Playwright for Python", "playwright"),
        "jupyterlab": ("JupyterLab", "'jupyterlab>=4.2' (or the project's 'lab' extra)")})
    base = tmp_path_factory.mktemp("jupyter-lab")
    root, figures = base / "notebooks", base / "figures"
    root.mkdir()
    figures.mkdir()
    # A copy, so that saving or autosave in the browser never touches the committed notebooks.
    for notebook in NOTEBOOKS:
        shutil.copy2(notebook, root / notebook.name)
    env = bh.lab_environment(base, figures, config.ROOT)
    server = bh.start_lab(root, base, env, timeout=60)
    try:
        yield server
    finally:
        bh.stop_lab(server)


def _dismiss_dialogs(page) -> list[str]:
    """Close any JupyterLab dialog (e.g. a kernel or news prompt) with its reject button, returning their texts."""
    texts = []
    for dialog in page.locator(".jp-Dialog").all():
        if not dialog.is_visible():
            continue
        texts.append(dialog.inner_text()[:200])
        reject = dialog.locator(".jp-Dialog-button.jp-mod-reject")
        if reject.count():
            reject.first.click()
        else:
            page.keyboard.press("Escape")
    return texts


class _Failed(Exception):
    """One notebook's check failed while the page was being driven; the message is the test's failure."""


def _bring_to_front(page, name: str, panel: str) -> None:
    """Make the notebook's tab the current widget, and wait for the status bar to read "| Idle"."""
    deadline = time.monotonic() + 30
    while not page.evaluate(bh.JS_ACTIVATE, panel) or "| Idle" not in page.evaluate(bh.JS_STATUS_BAR):
        if time.monotonic() > deadline:
            raise _Failed(f'{name}: its tab did not come to the front with "| Idle" in the status bar within 30 s; '
                          f"page state: {page.evaluate(bh.JS_STATE, panel)}")
        page.wait_for_timeout(100)


def _look_at(page, name: str, panel: str, lab: bh.LabServer, started: float, shots: Path) -> dict:
    """Bring the notebook to the front and record what it shows, for its test to assert on."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    _bring_to_front(page, name, panel)
    record = {"state": page.evaluate(bh.JS_STATE, panel), "cells": page.evaluate(bh.JS_CELLS, panel)}
    # The DOM must show the PNG the model holds: the last chart (charts close the notebooks), loaded and visible.
    images = page.locator(f'[id="{panel}"] .jp-OutputArea-output img')
    record["img_count"] = images.count()
    record["chart_loaded"] = record["chart_visible"] = False
    if record["img_count"]:
        chart = images.last
        chart.evaluate("img => img.scrollIntoView({block: 'center'})")
        try:
            page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle(),
                                   timeout=10_000)
            record["chart_loaded"] = True
        except PlaywrightTimeoutError:
            pass
        record["chart_visible"] = chart.is_visible()
    record["images"] = page.evaluate(bh.JS_OUTPUT_IMAGES, panel)
    record["screenshot"] = bh.save_screenshot(page, shots, f"{Path(name).stem}.png")
    # Which Python the kernel is, and where it saves charts, asked of the kernel itself.
    record["facts"] = page.evaluate(bh.JS_KERNEL_FACTS, panel).splitlines()
    number = Path(name).stem[:3]  # "01_": the chart of notebook 01 is 01_<its name>.png
    record["written"] = sorted(p.name for p in lab.figures.glob(f"{number}*.png") if p.stat().st_mtime >= started - 1)
    return record


def _run_all_at_once(page, names: list[str], failures: dict[str, str]) -> dict[str, dict]:
    """Open each notebook and start Run All Cells once its kernel is idle, AT_ONCE at a time; wait until all finish.

    Finished means its command settled and its kernel was seen busy and idle again; dialogs are dismissed meanwhile.
    A notebook not started within OPEN_TIMEOUT of its turn, or not finished within RUN_TIMEOUT of starting, is put in
    ``failures`` with the page's state. Returns the last progress record of each notebook.
    """
    page.evaluate(bh.JS_OPEN_AND_RUN_ALL, [names, AT_ONCE])
    dialogs, admitted_at, started_at = [], {}, {}
    while True:
        progress = page.evaluate(bh.JS_PROGRESS)
        now, waiting = time.monotonic(), []
        for name in names:
            run = progress.get(name) or {}
            if name in failures or (run.get("done") and (run["error"] is not None or (run["sawBusy"] and run["idle"]))):
                continue
            late = None
            if run.get("started"):
                started_at.setdefault(name, now)
                late = now - started_at[name] > RUN_TIMEOUT and ('Run All Cells did not go busy and back to "| Idle" '
                                                                 f'within {RUN_TIMEOUT} s')
            elif run.get("admitted"):
                admitted_at.setdefault(name, now)
                late = (now - admitted_at[name] > OPEN_TIMEOUT
                        and f'did not open with its kernel "| Idle" and start Run All Cells within {OPEN_TIMEOUT} s')
            if late:
                failures[name] = (f"{name}: {late} ({AT_ONCE} notebooks at a time); progress: {run}; dialogs closed: "
                                  f"{dialogs}; console errors: {page.console_errors[-5:]}")
            else:
                waiting.append(name)
        if not waiting:
            return progress
        dialogs += _dismiss_dialogs(page)
        page.wait_for_timeout(250)


@pytest.fixture(scope="module")
def lab_runs(lab: bh.LabServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Each notebook opened, run with "Run All Cells" and looked at in one JupyterLab page, AT_ONCE at a time.

    Returns {notebook file name: record}: a record holds what the page showed for that notebook (its run, its
    cells as the model holds them, its images, its kernel's answers, the charts it wrote), or under "failure"
    why it could not be looked at. The tests below assert on the records, one test per notebook.
    """
    from playwright.sync_api import sync_playwright

    shots = tmp_path_factory.mktemp("jupyterlab-screenshots")
    names = [notebook.name for notebook in NOTEBOOKS]
    failures: dict[str, str] = {}
    records: dict[str, dict] = {}
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(bh.CHROMIUM), headless=True, args=bh.CHROMIUM_ARGS)
        try:
            context = chromium.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.console_errors = []
            page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
            started = time.time()
            page.goto(lab.lab_url(), wait_until="domcontentloaded")
            page.wait_for_function(bh.JS_APP_READY, timeout=OPEN_TIMEOUT * 1000)
            progress = _run_all_at_once(page, names, failures)
            ids = {name: run["id"] for name, run in progress.items() if run.get("id")}
            for name in names:
                if name in failures:
                    continue
                if name not in ids:
                    failures[name] = f"{name}: JupyterLab did not open it: {progress.get(name)}"
                    continue
                try:
                    records[name] = _look_at(page, name, ids[name], lab, started, shots)
                except _Failed as failed:
                    failures[name] = str(failed)
            for name in failures:
                if name in ids:
                    page.evaluate(bh.JS_ACTIVATE, ids[name])
                bh.save_screenshot(page, shots, f"{Path(name).stem}-failed.png")
            context.close()
        finally:
            chromium.close()
    for name, failure in failures.items():
        records[name] = {"failure": failure}
    return records


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_notebook_runs_in_jupyterlab(notebook: Path, lab: bh.LabServer, lab_runs: dict[str, dict]) -> None:
    """Run All Cells in JupyterLab runs every cell of the notebook without an error, and its chart shows."""
    name = notebook.name
    record = lab_runs[name]
    if "failure" in record:
        pytest.fail(record["failure"], pytrace=False)
    state = record["state"]
    assert state["kernel"] == "python3", f"{name}: kernel is {state['kernel']!r}, expected python3"
    assert "| Idle" in state["statusBar"], f"{name}: the status bar reads {state['statusBar']!r}, not Idle"
    run = state["run"]
    assert run["error"] is None, f"{name}: runmenu:run-all failed: {run['error']}"
    assert run["inFront"] and run["sawBusy"] and run["done"], (f"{name}: Run All Cells did not run in its tab, go busy "
                                                               f"and finish: {run}")

    code = [c for c in record["cells"] if c["cellType"] == "code"]
    errors = [f"cell {c['index']} ({c['source'].splitlines()[0] if c['source'] else ''!r}): {o['ename']}: {o['evalue']}"
              for c in code for o in c["outputs"] if o["outputType"] == "error"]
    assert not errors, f"{name}: error output in " + "; ".join(errors)
    not_run = [c["index"] for c in code if c["executionCount"] is None]
    assert not not_run, f"{name}: code cells {not_run} have no execution count (did not run)"
    assert any("image/png" in o["mimeTypes"] for c in code
               for o in c["outputs"]), f"{name}: no cell has an image/png output"

    # The model says a PNG is there; the DOM must show it: its last chart, scrolled into view, loaded and visible.
    assert record["img_count"] > 0, f"{name}: no <img> in any .jp-OutputArea-output"
    assert record["chart_loaded"], f"{name}: the last chart <img> did not load within 10 s"
    assert record["chart_visible"], f"{name}: the chart <img> is not visible"
    assert any(i["naturalWidth"] > 0 for i in record["images"]), f"{name}: no output <img> has loaded"
    assert record["screenshot"].read_bytes().startswith(b"\x89PNG"), f"{name}: no screenshot at {record['screenshot']}"

    # The kernel is this environment's Python (the notebooks name kernelspec python3, which jupyter_client
    # starts with the server's interpreter), and it saved its charts to the temporary folder, not figures/.
    # Asking the kernel is exact even while something else on the machine writes figures/.
    facts = record["facts"]
    assert len(facts) == 2, f"{name}: could not ask the kernel where it runs: {facts}"
    assert Path(facts[0]).resolve() == Path(sys.prefix).resolve(), (f"{name}: kernel runs in "
                                                                    f"{facts[0]}, not in {sys.prefix}")
    assert Path(facts[1]).resolve() == lab.figures.resolve(), (f"{name}: kernel saves charts to "
                                                               f"{facts[1]}, not to {lab.figures}")
    assert record["written"], (f"{name}: saved no chart of its own ({notebook.stem[:3]}*.png) to "
                               f"$TIP_NORWAY_FIGURES_DIR ({lab.figures})")
