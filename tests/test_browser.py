"""End to end in a real browser: every notebook runs through JupyterLab's own "Run All Cells" without an error.

One JupyterLab server, serving a temporary copy of notebooks/, and one headless
Chromium (Debian's, driven by Playwright) are shared by all notebooks. For each
notebook found as notebooks/NN_*.ipynb the test opens it, waits for the kernel,
runs every cell from the Run menu and then reads the notebook's model in the
page: no cell may have an error output, every code cell must have run, and at
least one chart must have been rendered as an image. Charts the notebooks save
go to a temporary folder ($TIP_NORWAY_FIGURES_DIR), never to figures/.

Screenshots are left in output/browser/ (``NN_name.png``, or
``NN_name-failed.png`` when a notebook fails).

Needs ``pip install playwright 'jupyterlab>=4.2'`` (the ``lab`` extra) and
``apt-get install chromium``; set $TIP_NORWAY_CHROMIUM to use another Chromium.
Deselect with ``pytest -m "not browser"``.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import time
from pathlib import Path

import browser_helpers as bh
import pytest

from analysis.data import paths

NOTEBOOKS = sorted(paths.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
SCREENSHOTS = paths.OUTPUT / "browser"
#: Seconds to wait for one notebook to open with an idle kernel, and for its "Run All Cells" to finish.
OPEN_TIMEOUT = 90
RUN_TIMEOUT = 120

pytestmark = pytest.mark.browser


def _require_tools() -> None:
    """Fail (not skip) with what to install when a tool is missing: opting out is ``-m "not browser"``."""
    missing = []
    if importlib.util.find_spec("playwright") is None:
        missing.append(f"Playwright for Python: {sys.executable} -m pip install playwright")
    if importlib.util.find_spec("jupyterlab") is None:
        missing.append(f"JupyterLab: {sys.executable} -m pip install 'jupyterlab>=4.2' (or the project's 'lab' extra)")
    if not (bh.CHROMIUM.is_file() and shutil.which(str(bh.CHROMIUM))):
        missing.append(f"Chromium at {bh.CHROMIUM}: apt-get install -y chromium (or point $TIP_NORWAY_CHROMIUM at one)")
    if missing:
        pytest.fail("The browser test needs:\n  - " + "\n  - ".join(missing) + '\nDeselect it with: pytest -m "not browser"', pytrace=False)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    """A JupyterLab server on a free loopback port, serving a temporary copy of the notebooks; always stopped."""
    _require_tools()
    base = tmp_path_factory.mktemp("jupyter-lab")
    root, figures = base / "notebooks", base / "figures"
    root.mkdir()
    figures.mkdir()
    # A copy, so that saving or autosave in the browser never touches the committed notebooks.
    for notebook in NOTEBOOKS:
        shutil.copy2(notebook, root / notebook.name)
    env = bh.lab_environment(base, figures, paths.ROOT)
    server = bh.start_lab(root, base, env, timeout=60)
    try:
        yield server
    finally:
        bh.stop_lab(server)


@pytest.fixture(scope="module")
def browser(lab):
    """One headless Debian Chromium for all notebooks (depends on ``lab`` so the tool check runs first)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(bh.CHROMIUM), headless=True, args=bh.CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser context and page per notebook; the page's console errors are kept on ``page.console_errors``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    try:
        yield page
    finally:
        context.close()


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


def _wait(page, name: str, script: str, timeout_s: float, what: str) -> None:
    """Wait for ``script`` to be true in the page, dismissing dialogs meanwhile; fail with the page's state if it is not."""
    deadline = time.monotonic() + timeout_s
    dialogs = []
    while not page.evaluate(script):
        dialogs += _dismiss_dialogs(page)
        if time.monotonic() > deadline:
            page.screenshot(path=str(SCREENSHOTS / f"{Path(name).stem}-failed.png"))
            pytest.fail(f"{name}: {what} within {timeout_s:.0f} s; page state: {page.evaluate(bh.JS_STATE)}; "
                        f"dialogs closed: {dialogs}; console errors: {page.console_errors[-5:]}", pytrace=False)
        page.wait_for_timeout(250)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_notebook_runs_in_jupyterlab(notebook: Path, lab: bh.LabServer, page) -> None:
    """Open the notebook in JupyterLab, Run All Cells from the menu, and check outputs and charts."""
    name = notebook.name
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    started = time.time()

    page.goto(lab.notebook_url(name), wait_until="domcontentloaded")
    _wait(page, name, bh.JS_NOTEBOOK_READY, OPEN_TIMEOUT, 'did not open with the kernel "| Idle" in the status bar')
    kernel = page.evaluate(bh.JS_STATE)["kernel"]
    assert kernel == "python3", f"{name}: kernel is {kernel!r}, expected python3"

    page.evaluate(bh.JS_START_RUN_ALL)
    _wait(page, name, bh.JS_RUN_ALL_FINISHED, RUN_TIMEOUT, 'Run All Cells did not go busy and back to "| Idle"')
    run = page.evaluate("() => window.__tipRun")
    assert run["error"] is None, f"{name}: runmenu:run-all failed: {run['error']}"

    cells = page.evaluate(bh.JS_CELLS)
    code = [c for c in cells if c["cellType"] == "code"]
    errors = [f"cell {c['index']} ({c['source'].splitlines()[0] if c['source'] else ''!r}): {o['ename']}: {o['evalue']}"
              for c in code for o in c["outputs"] if o["outputType"] == "error"]
    assert not errors, f"{name}: error output in " + "; ".join(errors)
    not_run = [c["index"] for c in code if c["executionCount"] is None]
    assert not not_run, f"{name}: code cells {not_run} have no execution count (did not run)"
    assert any("image/png" in o["mimeTypes"] for c in code for o in c["outputs"]), f"{name}: no cell has an image/png output"

    # The model says a PNG is there; the DOM must show it. Bring the last chart into view (charts close the
    # notebooks) and check a loaded, visible <img> in an output area.
    images = page.locator(".jp-OutputArea-output img")
    assert images.count() > 0, f"{name}: no <img> in any .jp-OutputArea-output"
    chart = images.last
    chart.evaluate("img => img.scrollIntoView({block: 'center'})")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle(), timeout=10_000)
    assert chart.is_visible(), f"{name}: the chart <img> is not visible"
    assert any(i["naturalWidth"] > 0 for i in page.evaluate(bh.JS_OUTPUT_IMAGES)), f"{name}: no output <img> has loaded"
    page.screenshot(path=str(SCREENSHOTS / f"{notebook.stem}.png"))

    # The kernel is this environment's Python (the notebooks name kernelspec python3, which jupyter_client
    # starts with the server's interpreter), and it saved its charts to the temporary folder, not figures/.
    # Asking the kernel is exact even while something else on the machine writes figures/.
    facts = page.evaluate(bh.JS_KERNEL_FACTS).splitlines()
    assert len(facts) == 2, f"{name}: could not ask the kernel where it runs: {facts}"
    assert Path(facts[0]).resolve() == Path(sys.prefix).resolve(), f"{name}: kernel runs in {facts[0]}, not in {sys.prefix}"
    assert Path(facts[1]).resolve() == lab.figures.resolve(), f"{name}: kernel saves charts to {facts[1]}, not to {lab.figures}"
    written = [p.name for p in lab.figures.glob("*.png") if p.stat().st_mtime >= started - 1]
    assert written, f"{name}: saved no chart to $TIP_NORWAY_FIGURES_DIR ({lab.figures})"

    page.evaluate(bh.JS_SHUTDOWN_KERNEL)
