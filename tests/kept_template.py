"""One template for every run and sweep of a test process, started again when a file of the package changes.

The runner starts a template per run or sweep (:func:`analysis.regenerate.forking.started_template`): it costs
seconds of imports, more than a run of a tiny notebook, and the suite makes hundreds of runs. Inside :func:`kept`,
every module of the package that starts templates is given :meth:`KeptTemplate.started` instead, which hands out
one template. It never serves stale code: before each run the package's source is compared with what the
template imported (:func:`source_digest`), and a changed file, or a template that has ended, starts a new one.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
import threading
from pathlib import Path

import pytest

import analysis
from analysis.regenerate import forking

#: The package a template imports.
PACKAGE = Path(analysis.__file__).resolve().parent


def source_digest(package: Path) -> str:
    """The sha256 of every file of ``package`` (its modules, the words' templates): what a template has imported."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


class KeptTemplate:
    """The template the runs of this process share, and the digest of the package source it imported."""

    def __init__(self, package: Path = PACKAGE, launch=None) -> None:
        self.package = package
        #: Gives a live template, launched anew: by default a template of this process's own (:func:`launched`).
        self.launch = launch or launched
        self.template: forking.Template | None = None
        self.digest: str | None = None
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def started(self, fresh: bool = False, environ: dict[str, str] | None = None):
        """:func:`.forking.started_template`, the kept template yielded rather than a new one."""
        if fresh or not forking.available():
            yield None
            return
        yield self.current(environ)

    def current(self, environ: dict[str, str] | None = None) -> forking.Template:
        """The kept template, launched anew when there is none, the package changed, or it has ended.

        ``environ`` is what :func:`.forking.started_template` takes; the package's runs and sweeps give none, and a
        kept template starts with the process's environment, so one given is refused rather than left out.
        """
        if environ:
            raise ValueError(f"a kept template starts with the test process's environment, not {environ}")
        with self._lock:
            digest = source_digest(self.package)
            old = self.template
            if old is None or self.digest != digest or old.process is None or old.process.poll() is not None:
                self.stop()
                self.template = self.launch()
                self.digest = digest
            return self.template

    def stop(self) -> None:
        """End the kept template, if there is one."""
        if self.template is not None:
            self.template.stop()
        self.template = self.digest = None


def launched() -> forking.Template:
    """A template of this process's, launched (it imports while the run goes on to check the data)."""
    template = forking.Template()
    template.launch()
    return template


@contextlib.contextmanager
def kept(package: Path = PACKAGE, launch=None):
    """Within it, the runs and sweeps of this process share one :class:`KeptTemplate`; yields it.

    ``launch`` as :class:`KeptTemplate` takes it.
    """
    import analysis.regenerate.run
    import analysis.regenerate.sweep  # noqa: F401 - the modules that start templates, imported to be given the kept one

    keeper, original = KeptTemplate(package, launch), forking.started_template
    with pytest.MonkeyPatch.context() as patch:
        for name, module in list(sys.modules.items()):
            if name.startswith("analysis.") and getattr(module, "started_template", None) is original:
                patch.setattr(module, "started_template", keeper.started)
        try:
            yield keeper
        finally:
            keeper.stop()
