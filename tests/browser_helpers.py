"""Plumbing for tests/integration/test_jupyterlab.py: a throw-away JupyterLab server and the JavaScript that drives it.

Nothing here is a test. The functions start and stop one ``jupyter lab``
process in temporary folders, and the string constants are small JavaScript
functions that Playwright evaluates in the page, where JupyterLab exposes its
application object as ``window.jupyterapp`` (``--LabApp.expose_app_in_browser``).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

#: Debian's Chromium (``apt-get install chromium``); Playwright's own browser builds are not used.
CHROMIUM = Path(os.environ.get("TIP_NORWAY_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # no update checks, safe-browsing lists, ... : only loopback traffic
    "--disable-component-update",
    "--disable-sync",
]

#: A folder that keeps the browser tests' screenshots after the session, besides each test's temporary one.
SCREENSHOTS_ENV = "TIP_NORWAY_SCREENSHOTS"


def save_screenshot(page, temporary: Path, name: str) -> Path:
    """Save a screenshot of ``page`` as ``temporary / name``, and copy it into $TIP_NORWAY_SCREENSHOTS when set.

    ``temporary`` is the test's own folder (from ``tmp_path_factory``), so the suite writes nothing into the
    checkout; the variable names a folder (made if missing) to look at the screenshots in afterwards.
    """
    temporary.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(temporary / name))
    if os.environ.get(SCREENSHOTS_ENV):
        kept = Path(os.environ[SCREENSHOTS_ENV])
        kept.mkdir(parents=True, exist_ok=True)
        kept.joinpath(name).write_bytes((temporary / name).read_bytes())
    return temporary / name


def require_tools(test: str, modules: dict[str, tuple[str, str]]) -> None:
    """Fail (not skip) naming what to install when Chromium or one of ``modules`` is missing.

    ``modules`` maps a module to import to what it is and what pip installs it from.
    Opting out is ``-m "not browser"``.
    """
    import importlib.util
    import shutil

    import pytest

    missing = [f"{how}: {sys.executable} -m pip install {package}" for module, (how, package) in modules.items()
               if importlib.util.find_spec(module) is None]
    if not (CHROMIUM.is_file() and shutil.which(str(CHROMIUM))):
        missing.append(f"Chromium at {CHROMIUM}: apt-get install -y chromium (or point $TIP_NORWAY_CHROMIUM at one)")
    if missing:
        pytest.fail(f"The {test} needs:\n  - " + "\n  - ".join(missing)
                    + '\nDeselect it with: pytest -m "not browser"', pytrace=False)


#: User settings written before the server starts: no "Would you like to receive official Jupyter news?"
#: notification and no update check, so nothing covers the notebook or reaches outside.
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}


@dataclass
class LabServer:
    """A running JupyterLab server.

    Attributes:
        process: The ``jupyter lab`` process.
        port: The loopback port it listens on.
        token: The one-off token every request must carry.
        root: The folder it serves (a temporary copy of the notebooks).
        figures: The folder its kernels write charts to ($TIP_NORWAY_FIGURES_DIR).
        log: The file that receives the server's (and its kernels') stdout and stderr.
    """

    process: subprocess.Popen
    port: int
    token: str
    root: Path
    figures: Path
    log: Path

    @property
    def base_url(self) -> str:
        """The server's root URL, without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    def lab_url(self) -> str:
        """The URL that opens JupyterLab in a fresh workspace (``?reset`` drops saved tabs)."""
        return f"{self.base_url}/lab?reset&token={self.token}"

    def log_tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines of the server log, for failure messages."""
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lab_environment(base: Path, figures: Path, project_root: Path) -> dict[str, str]:
    """The environment for the server process, isolated from the user's own Jupyter set-up.

    Args:
        base: A temporary folder; Jupyter's config, data, runtime and IPython folders are made inside it.
        figures: The folder the notebooks must write their charts to.
        project_root: The repository root, put first on PYTHONPATH so ``import analysis`` works in the kernel
            even where the package is not installed.

    Returns:
        A copy of ``os.environ`` with the Jupyter folders, $TIP_NORWAY_FIGURES_DIR and PYTHONPATH set.
    """
    env = dict(os.environ)
    for variable, folder in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                             ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython")]:
        (base / folder).mkdir(parents=True, exist_ok=True)
        env[variable] = str(base / folder)
    # Kernels inherit the server's environment, so the charts they save land here and figures/ is left alone.
    env["TIP_NORWAY_FIGURES_DIR"] = str(figures)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(project_root), env.get("PYTHONPATH", "")] if p)
    env.pop("JUPYTER_PATH", None)  # a user's extra kernelspec folders could shadow the venv's python3
    return env


def start_lab(root: Path, base: Path, env: dict[str, str], timeout: float = 60.0) -> LabServer:
    """Start ``jupyter lab`` on a free loopback port serving ``root`` and wait until it answers.

    Args:
        root: The folder to serve; also the server's working directory.
        base: A temporary folder for the workspaces and user settings folders and the server log.
        env: The server's environment (see :func:`lab_environment`).
        timeout: Seconds to wait for ``/api/status`` to answer.

    Returns:
        The running server. The caller must :func:`stop_lab` it, also when it fails.

    Raises:
        RuntimeError: If the server exits or does not answer in time (it is stopped first).
    """
    workspaces, settings = base / "workspaces", base / "user-settings"
    workspaces.mkdir(parents=True, exist_ok=True)
    for relative, values in USER_SETTINGS.items():
        target = settings / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values), encoding="utf-8")
    port, token = free_port(), secrets.token_hex(24)
    log = base / "jupyter-lab.log"
    command = [
        sys.executable, "-m", "jupyter", "lab",
        "--no-browser", "--allow-root",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        "--LabApp.expose_app_in_browser=True",
        f"--LabApp.workspaces_dir={workspaces}", f"--LabApp.user_settings_dir={settings}",
        # A safety net should the test process die without its teardown (e.g. SIGKILL): the server then
        # stops itself once it has had no kernel and no request for ten minutes.
        "--ServerApp.shutdown_no_activity_timeout=600",
    ]
    with open(log, "wb") as sink:
        # A session of its own, so stop_lab can kill the server together with any kernel it left behind.
        process = subprocess.Popen(command, cwd=root, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    server = LabServer(process, port, token, root, Path(env["TIP_NORWAY_FIGURES_DIR"]), log)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            stop_lab(server)
            raise RuntimeError(f"jupyter lab exited with code {process.returncode} before answering; "
                               f"log:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{server.base_url}/api/status?token={token}", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass  # not listening yet
        if time.monotonic() > deadline:
            stop_lab(server)
            raise RuntimeError(f"jupyter lab did not answer {server.base_url}/api/status within {timeout:.0f} s; "
                               f"log:\n{server.log_tail()}")
        time.sleep(0.25)


def stop_lab(server: LabServer, grace: float = 20.0) -> None:
    """Stop the server: SIGTERM (it then shuts its kernels down), and SIGKILL to its whole session if it lingers."""
    process = server.process
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    # The server made its own session (start_new_session), whose id is its pid: this reaches only the
    # server and the kernels it started, never another process.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # the server and all its kernels are gone already
    if process.poll() is None:
        process.wait(timeout=10)


# --- JavaScript evaluated in the page ---------------------------------------------------------------
#
# All notebooks are open at once, each in its own tab of one JupyterLab page. Each function below that
# takes an argument takes the tab's widget id (``panel.id``), so that one notebook is looked at no
# matter which tab is in front; the status bar describes the tab in front.

#: Finds an open notebook panel by its widget id (prepended to the functions that take one).
_PANEL = """const panelById = (id) => Array.from(window.jupyterapp.shell.widgets('main')).find((w) => w.id === id);"""

#: True once JupyterLab's application object exists and has restored its (fresh) workspace.
JS_APP_READY = """() => !!window.jupyterapp && !!document.querySelector('#jp-main-statusbar')"""

#: Opens every notebook given (paths relative to the server root), each in a tab of its own, and runs each with
#: "Run > Run All Cells" as soon as its kernel is idle, ``limit`` notebooks at a time (``admitted``: a notebook's
#: turn has come; the next one is admitted when one has finished). Returns at once; the progress of each is
#: kept in window.__tipRuns[path] (see JS_PROGRESS). "Run All Cells" runs the notebook in front, so the notebooks
#: come to the front one at a time, and each starts the command in the same synchronous step in which it is seen
#: to be JupyterLab's current widget (``inFront``).
JS_OPEN_AND_RUN_ALL = """([notebookPaths, limit]) => {
    const app = window.jupyterapp;
    const runs = window.__tipRuns = {};
    const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    let front = Promise.resolve();  // the queue of notebooks waiting to come to the front and start their run
    let free = limit;  // how many more notebooks may have a kernel starting or running now
    const waiting = [];  // notebooks waiting for one of those places, first come first served
    const take = () => (free > 0 ? (free--, Promise.resolve()) : new Promise((resolve) => waiting.push(resolve)));
    const give = () => (waiting.length ? waiting.shift()() : free++);
    const openAndRun = async (path) => {
        const run = runs[path] = {id: null, admitted: false, opened: false, ready: false, started: false, inFront: null,
                                  kernel: null, sawBusy: false, done: false, result: null, error: null};
        await take();
        run.admitted = true;
        try {
            await app.started;
            await app.restored;
            const panel = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
            run.id = panel.id;
            await panel.context.ready;
            await panel.sessionContext.ready;
            run.opened = true;
            // Ready: the model is loaded and the kernel session exists and is idle (the status bar's "| Idle").
            while (!(panel.content.model && panel.sessionContext.session && panel.sessionContext.session.kernel
                     && panel.sessionContext.kernelDisplayStatus === 'idle')) {
                await pause(100);
            }
            run.ready = true;
            run.kernel = panel.sessionContext.session.kernel.name;
            panel.sessionContext.statusChanged.connect((_, status) => { if (status === 'busy') run.sawBusy = true; });
            // One notebook at a time comes to the front; it starts its run in the same synchronous step in which
            // it is seen to be the current widget, so nothing can come in front of it between the two.
            const turn = front.then(async () => {
                const until = Date.now() + 30000;
                app.shell.activateById(panel.id);
                while (app.shell.currentWidget !== panel) {
                    if (Date.now() > until) throw new Error('its tab did not come to the front within 30 s');
                    await pause(20);
                    if (app.shell.currentWidget !== panel) app.shell.activateById(panel.id);
                }
                run.inFront = true;
                run.started = true;
                return {promise: app.commands.execute('runmenu:run-all')};
            });
            front = turn.catch(() => {});  // a notebook that fails to come to the front does not hold up the others
            run.result = await (await turn).promise;
            run.done = true;
        } catch (error) {
            run.error = String(error);
            run.done = true;
        } finally {
            give();
        }
    };
    notebookPaths.forEach((path) => { openAndRun(path); });
}"""

#: {path: the progress of its open-and-run (see JS_OPEN_AND_RUN_ALL), with whether its kernel is idle now}.
JS_PROGRESS = "() => {" + _PANEL + """
    return Object.fromEntries(Object.entries(window.__tipRuns || {}).map(([path, run]) => {
        const panel = run.id && panelById(run.id);
        const idle = !!panel && !!panel.sessionContext && panel.sessionContext.kernelDisplayStatus === 'idle';
        return [path, {...run, idle}];
    }));
}"""

#: Brings the tab to the front; true once it is JupyterLab's current widget.
JS_ACTIVATE = "(id) => {" + _PANEL + """
    window.jupyterapp.shell.activateById(id);
    return window.jupyterapp.shell.currentWidget === panelById(id);
}"""

#: The status bar's text (it describes the tab in front).
JS_STATUS_BAR = """() => (document.querySelector('#jp-main-statusbar') || {}).textContent || '(no status bar)'"""

#: The tab's run record, kernel name and kernel status, for the checks and for failure messages.
JS_STATE = "(id) => {" + _PANEL + """
    const panel = panelById(id);
    let kernel = null, status = null;
    try { kernel = panel.sessionContext.session.kernel.name; } catch (e) { /* no session yet */ }
    try { status = panel.sessionContext.kernelDisplayStatus; } catch (e) { /* no panel */ }
    const run = Object.values(window.__tipRuns || {}).find((r) => r.id === id) || null;
    return {run, kernel, status,
            statusBar: (document.querySelector('#jp-main-statusbar') || {}).textContent || '(no status bar)'};
}"""

#: Every cell of the tab's notebook, read from its model (not the DOM), without the output payloads.
JS_CELLS = "(id) => {" + _PANEL + """
    return panelById(id).content.model.sharedModel.toJSON().cells.map((cell, index) => ({
        index,
        cellType: cell.cell_type,
        executionCount: cell.execution_count === undefined ? null : cell.execution_count,
        source: (Array.isArray(cell.source) ? cell.source.join('') : cell.source).slice(0, 80),
        outputs: (cell.outputs || []).map((output) => ({
            outputType: output.output_type,
            mimeTypes: Object.keys(output.data || {}),
            ename: output.ename || null,
            evalue: output.evalue || null,
        })),
    }));
}"""

#: The rendered output images of the tab: natural size, and whether each has loaded.
JS_OUTPUT_IMAGES = "(id) => {" + _PANEL + """
    return Array.from(panelById(id).node.querySelectorAll('.jp-OutputArea-output img')).map((img) => ({
        naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight, complete: img.complete,
    }));
}"""

#: Asks the tab's kernel, outside the notebook (no cell, no history), which Python it is and where
#: ``analysis.charts`` saves charts; returns what it printed, one value a line.
JS_KERNEL_FACTS = "async (id) => {" + _PANEL + """
    const kernel = panelById(id).sessionContext.session.kernel;
    const code = 'import sys\\nfrom analysis.charts import figures_dir\\nprint(sys.prefix)\\nprint(figures_dir())';
    const future = kernel.requestExecute({code, silent: false, store_history: false});
    let printed = '';
    future.onIOPub = (message) => {
        if (message.header.msg_type === 'stream') printed += message.content.text;
        if (message.header.msg_type === 'error') printed += message.content.ename + ': ' + message.content.evalue;
    };
    await future.done;
    return printed;
}"""
