"""The kernel provisioner that forks kernels from a :class:`.forking.Template` (jupyter_client's extension point).

Registered under the entry point ``tip-norway-fork`` (pyproject.toml,
``jupyter_client.kernel_provisioners``); a kernel spec whose metadata names it
(:func:`kernel_spec_manager`) makes jupyter_client's kernel manager start the
kernel through it. See :mod:`.forking` for why.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from typing import Any

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import Unicode

from .forking import Template, TemplateError, template
from .sockets import pid_alive

#: The provisioner's entry point name (pyproject.toml, ``jupyter_client.kernel_provisioners``).
PROVISIONER = "tip-norway-fork"


class ForkProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, the kernel forked from a :class:`Template` instead of started anew."""

    template = Unicode(help="the id of the template the kernel is forked from (the kernel spec's provisioner config)")

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        """Fork the kernel ``cmd`` describes (``python -m ipykernel_launcher -f <file>``) from the template."""
        launcher = cmd.index("ipykernel_launcher")
        env = dict(kwargs.get("env") or os.environ)
        env["JPY_PARENT_PID"] = str(os.getpid())  # as jupyter_client's launcher gives a kernel it starts
        cwd = str(kwargs.get("cwd") or os.getcwd())
        parent = template(self.template)
        self.process = ForkedProcess(parent.fork(cmd[launcher + 1:], env, cwd), parent)
        self.pid = self.pgid = self.process.pid  # the template answers once the child leads a session of its own
        self.cwd = cwd
        return self.connection_info


def kernel_spec_manager(template_id: str, kernel_name: str) -> KernelSpecManager:
    """A kernel spec manager whose ``kernel_name`` kernel is forked from the template ``template_id``."""

    class Forked(KernelSpecManager):
        def get_kernel_spec(self, name: str):
            spec = super().get_kernel_spec(name)
            if name == kernel_name:
                spec.metadata = {**spec.metadata, "kernel_provisioner": {
                    "provisioner_name": PROVISIONER, "config": {"template": template_id}}}
            return spec

    return Forked()


class ForkedProcess:
    """A kernel forked by the template, seen as ``subprocess.Popen`` shows a child (it is the template's).

    Its exit status is the template's to know, having reaped it: once the template is gone too, the kernel has
    ended with a status nobody knows (:attr:`status_known` False; :attr:`returncode` is then 1, for
    jupyter_client, which takes any value but None as "ended").
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int, parent: Template) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.status_known = True
        self._parent = parent

    def poll(self) -> int | None:
        """The exit status once the kernel has ended (negative: the signal), else None."""
        if self.returncode is None:
            try:
                self.returncode = self._parent.status(self.pid)
            except TemplateError:  # the template is gone, and its children with it
                if not pid_alive(self.pid):
                    self.returncode, self.status_known = 1, False
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the kernel to end; ``subprocess.TimeoutExpired`` after ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("forked kernel", timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, number: int) -> None:
        """Send ``number`` to the kernel (not to its group: jupyter_client signals the group itself)."""
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, number)

    def terminate(self) -> None:
        """SIGTERM."""
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL."""
        self.send_signal(signal.SIGKILL)
