"""The kernel manager and client a :class:`.kernel.Kernel` runs its notebook through: jupyter_client's, extended.

nbclient asks the kernel manager it is given for a client (``km.client()``).
An :class:`~jupyter_client.manager.AsyncKernelManager` makes an
*asynchronous* client, and that matters: nbclient watches for a dead kernel
and for a cell past its timeout from the same event loop that reads the
kernel's messages, and a blocking client would stop that loop inside a read
that never returns. A kernel that dies, a cell that overruns and a kernel
interrupted by a stop request therefore each end the run within about a second.

Two public methods are extended, and papermill's engine is told where to log:

- :meth:`ReadyClient.wait_for_ready` returns as soon as the kernel answers on
  its shell channel and its IOPub channel is through. jupyter_client's then
  drains IOPub until 0.2 s pass without a message: a fixed 0.2 s on every
  kernel, longer than a forked kernel takes to start. The messages it would
  drain are the status messages of the kernel_info request, which nbclient
  ignores anyway (it reads only the messages of the cells it sends).
- :meth:`Manager.client` keeps each client it makes, so that the kernel's
  stop closes their channels (nbclient leaves the client of a manager it was
  given open);
- :class:`Engine`, papermill's nbclient engine registered (under :data:`ENGINE`)
  through papermill's public registry, makes its client log as nbclient's does
  by default, into traitlets' silent logger. papermill's own gives it papermill's
  logger, which prints nbclient's errors ("Kernel died while waiting for execute
  reply") on the run's stderr beside the runner's message naming the cell.

This module imports jupyter_client and papermill: :mod:`.kernel` imports it when a kernel starts.
"""

from __future__ import annotations

import time
from queue import Empty

from jupyter_client import protocol_version_info
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from traitlets import List

#: The name :class:`Engine` is registered under in papermill.
ENGINE = "tip-norway-kernel"


class ReadyClient(AsyncKernelClient):
    """jupyter_client's asynchronous client, ready as soon as the kernel answers."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """Wait until the kernel answers on its shell channel and its IOPub channel reaches this client.

        Raises:
            RuntimeError: When the kernel dies first, or does not answer within ``timeout`` seconds.
        """
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            # any kernel_info reply will do, as in jupyter_client: a slow kernel answers an earlier request late
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:  # a message on IOPub proves the subscription is through; without one, ask again
                    await self.iopub_channel.get_msg(timeout=0.2)
                except Empty:
                    pass
                else:
                    self._adapt(reply)
                    return
            if not await self.is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

    def _adapt(self, reply: dict) -> None:
        """Speak the kernel's major protocol version, as jupyter_client's own wait does (ipykernel's is ours: 5)."""
        major = int(reply["content"]["protocol_version"].split(".")[0])
        if major != protocol_version_info[0]:
            self.session.adapt_version = major


class Manager(AsyncKernelManager):
    """jupyter_client's asynchronous kernel manager, whose clients are :class:`ReadyClient` and are kept."""

    clients = List(help="the clients made for the kernel, closed when it stops")

    def __init__(self, **kwargs) -> None:
        super().__init__(client_class=f"{__name__}.{ReadyClient.__name__}", **kwargs)

    def client(self, **kwargs) -> ReadyClient:
        """A client connected to the kernel, kept in :attr:`clients`."""
        made = super().client(**kwargs)
        self.clients.append(made)
        return made


class Engine(NBClientEngine):
    """papermill's nbclient engine, its client logging where nbclient's does by default."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=60, execution_timeout=None, **kwargs):
        """Run the notebook of ``nb_man`` as papermill's engine does, with ``kwargs`` (``km``, hooks) for nbclient."""
        kwargs.pop("input_path", None)
        client = PapermillNotebookClient(nb_man, timeout=execution_timeout, startup_timeout=start_timeout,
                                         kernel_name=kernel_name, log_output=log_output, stdout_file=stdout_file,
                                         stderr_file=stderr_file, **kwargs)
        return client.execute()


papermill_engines.register(ENGINE, Engine)
