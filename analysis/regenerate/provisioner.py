"""The kernel provisioner that forks kernels from a :class:`.forking.Template` (jupyter_client's extension point).

Registered under the entry point ``tip-norway-fork`` (pyproject.toml,
``jupyter_client.kernel_provisioners``); a kernel spec whose metadata names it
(:func:`kernel_spec_manager`) makes jupyter_client's kernel manager start the
kernel through it. See :mod:`.forking` for why.
"""

from __future__ import annotations

import os
from typing import Any

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import Unicode

from .forking import template

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
        self.process = template(self.template).fork(cmd[launcher + 1:], env, cwd)
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
