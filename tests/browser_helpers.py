"""Plumbing for tests/test_browser.py: a throw-away JupyterLab server and the JavaScript that drives it.

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

    def notebook_url(self, name: str) -> str:
        """The URL that opens notebook ``name`` alone in a fresh workspace (``?reset`` drops saved tabs)."""
        return f"{self.base_url}/lab/tree/{name}?reset&token={self.token}"

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
            raise RuntimeError(f"jupyter lab exited with code {process.returncode} before answering; log:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{server.base_url}/api/status?token={token}", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass  # not listening yet
        if time.monotonic() > deadline:
            stop_lab(server)
            raise RuntimeError(f"jupyter lab did not answer {server.base_url}/api/status within {timeout:.0f} s; log:\n{server.log_tail()}")
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

#: True once the current main-area widget is a notebook whose kernel session exists and whose status bar reads Idle.
JS_NOTEBOOK_READY = """() => {
    const app = window.jupyterapp;
    const panel = app && app.shell.currentWidget;
    if (!panel || !panel.content || !panel.content.model || !panel.sessionContext) return false;
    if (!panel.context.isReady || !panel.sessionContext.session || !panel.sessionContext.session.kernel) return false;
    const bar = document.querySelector('#jp-main-statusbar');
    return !!bar && bar.textContent.includes('| Idle');
}"""

#: Starts "Run > Run All Cells" and records, in window.__tipRun, whether the kernel was seen busy and when
#: the command's promise settled. Returns at once: the test polls window.__tipRun afterwards.
JS_START_RUN_ALL = """() => {
    const app = window.jupyterapp;
    const panel = app.shell.currentWidget;
    const run = window.__tipRun = {sawBusy: false, done: false, result: null, error: null};
    panel.sessionContext.statusChanged.connect((_, status) => { if (status === 'busy') run.sawBusy = true; });
    app.commands.execute('runmenu:run-all').then(
        (result) => { run.result = result; run.done = true; },
        (error) => { run.error = String(error); run.done = true; },
    );
}"""

#: True once run-all has finished: the kernel went busy, the command settled and the status bar reads Idle again.
JS_RUN_ALL_FINISHED = """() => {
    const run = window.__tipRun;
    const bar = document.querySelector('#jp-main-statusbar');
    return !!run && (run.error !== null || (run.sawBusy && run.done && !!bar && bar.textContent.includes('| Idle')));
}"""

#: The status bar's text and the run record, for failure messages.
JS_STATE = """() => ({
    statusBar: (document.querySelector('#jp-main-statusbar') || {}).textContent || '(no status bar)',
    run: window.__tipRun || null,
    kernel: (() => { try { return window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.name; } catch (e) { return null; } })(),
})"""

#: Every cell of the current notebook, read from its model (not the DOM), without the output payloads.
JS_CELLS = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    return panel.content.model.sharedModel.toJSON().cells.map((cell, index) => ({
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

#: The rendered output images: natural size, and whether each has loaded.
JS_OUTPUT_IMAGES = """() => Array.from(document.querySelectorAll('.jp-OutputArea-output img')).map((img) => ({
    naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight, complete: img.complete,
}))"""

#: Asks the notebook's kernel, outside the notebook (no cell, no history), which Python it is and where
#: ``analysis.charts`` saves charts; returns what it printed, one value a line.
JS_KERNEL_FACTS = """async () => {
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
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

#: Shuts the current notebook's kernel down (no dialog), so kernels do not pile up across notebooks.
JS_SHUTDOWN_KERNEL = """async () => {
    const panel = window.jupyterapp.shell.currentWidget;
    if (panel && panel.sessionContext) await panel.sessionContext.shutdown();
}"""
