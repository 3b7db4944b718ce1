"""What a run is asked for and what it will do: its notebooks and their parameters, and which of them must run.

Everything here happens before any kernel starts, so that a wrong name or value is refused at once.

:func:`resolve` reads the selection (:class:`Selection`): the notebooks named, the values each runs with, which differ
from its defaults, and whether they are the project's own; :func:`check_values` asks the data whether they allow
those values; :func:`decide` says which notebooks must run and why (:class:`Decision`), judged against the
publishing record (:mod:`.incremental`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import config
from . import incremental
from .batch import workers_for
from .errors import ParameterError, RunError
from .notebooks import Notebook, discover, select
from .parameters import changed, check_domains, resolve_parameters

if TYPE_CHECKING:
    from ..data import Dataset


@dataclass
class Selection:
    """The notebooks a run is asked for, the parameters each runs with, and which of those differ from its defaults."""

    notebooks: list[Notebook]
    parameters: dict[str, dict]
    changes: dict[str, dict]
    #: Selected notebooks whose file cannot be read: each is reported as failed, the others run.
    unreadable: list[Notebook]
    #: The notebooks are not the project's own (``--notebooks-dir``) and the charts would go to the project's
    #: ``figures/``: their charts are then never published (see :func:`_foreign`).
    foreign: bool = False

    @property
    def defaults_only(self) -> bool:
        """Whether every notebook runs with its defaults: only then are its charts published without ``publish``."""
        return not any(self.changes.values())

    @property
    def incremental(self) -> bool:
        """Whether notebooks are judged against the publishing record: the project's own, with their defaults."""
        return self.defaults_only and not self.foreign


@dataclass
class Decision:
    """Which of the selected notebooks run, which are reused and why, and the inputs they are judged by."""

    to_run: list[Notebook]
    reused: list[Notebook]
    #: Why each notebook run with its defaults must run again (``None``: it is up to date).
    reasons: dict[str, str | None]
    #: The publishing record as the run found it (see :mod:`.incremental`).
    before: dict
    #: The digests every notebook shares, and each notebook's inputs.
    shared: dict[str, str]
    current: dict[str, dict[str, str]]


def resolve(names: Iterable[str], given: dict | None, notebooks_dir: Path, workers: int | None,
             figures: Path = config.FIGURES, publish: bool = False) -> Selection:
    """The notebooks of ``names`` and the parameters each runs with, refused before anything runs if either is wrong.

    A selected notebook whose file cannot be read is set aside, to be reported as failed; the others run.

    Raises:
        RunError: When no notebook is found, or none selected can be read.
        ParameterError: For a worker count below 1 (refused first), unknown, ill-typed parameters, or ``publish``
            asked of notebooks that are not the project's into the project's ``figures/``.
    """
    selected = select(discover(notebooks_dir), names)
    if not selected:
        raise RunError(f"no notebooks found in {config.shown(notebooks_dir)}")
    workers_for(workers, len(selected))  # a bad count is refused before anything else
    foreign = _foreign(notebooks_dir, figures, publish)
    notebooks = [nb for nb in selected if not nb.unreadable]
    unreadable = [nb for nb in selected if nb.unreadable]
    if not notebooks:
        raise RunError("\n".join([f"no notebook selected can be read; {config.shown(figures)} left untouched:",
                                  *(f"  - {nb.name}: {nb.unreadable}" for nb in unreadable)]))
    parameters = resolve_parameters(notebooks, given or {})
    return Selection(notebooks, parameters, {nb.name: changed(nb, parameters[nb.name]) for nb in notebooks},
                     unreadable, foreign)


def _foreign(notebooks_dir: Path, figures: Path, publish: bool) -> bool:
    """Whether the notebooks are not the project's own while the charts would go to the project's ``figures/``.

    The project's charts are made by the project's notebooks only: a copy being tried elsewhere
    (``--notebooks-dir``) would otherwise replace the charts of the same numbers. Such a run is exploratory:
    its charts stay in its run folder.

    Raises:
        ParameterError: When ``publish`` asks for it anyway; ``--figures-dir`` publishes elsewhere.
    """
    if Path(notebooks_dir).resolve() == config.NOTEBOOKS.resolve():
        return False
    if Path(figures).resolve() != config.FIGURES.resolve():
        return False
    if publish:
        raise ParameterError(f"cannot publish: the notebooks of {config.shown(notebooks_dir)} are not the project's "
                             f"({config.shown(config.NOTEBOOKS)}), so their charts are never published into the "
                             f"project's {config.shown(figures)}; give --figures-dir FOLDER to publish them there")
    return True


def check_values(chosen: Selection, notebooks: list[Notebook], data: Dataset | None) -> None:
    """Load and validate the data, UNODC's counts included, and check the values, before any kernel starts.

    Bad data stop the run here. The data are validated now, whatever a cached verdict says (``fresh``): a run that
    executes notebooks vouches for their numbers itself; the verdict it leaves serves its kernels' loads.
    """
    from ..data import load

    check_domains(notebooks, chosen.parameters,
                  load(glotip=True, world_bank=True, fresh=True) if data is None else data)


def decide(chosen: Selection, force: bool, figures: Path, output: Path, say: Callable[[str], None]) -> Decision:
    """Which notebooks must run, each said with its reason.

    With the defaults, those whose published charts are not up to date (all of them with ``force``); with other values,
    every one selected.
    """
    before = incremental.read_record(output, say)
    shared = incremental.shared_inputs()
    current = {nb.name: incremental.inputs(nb, chosen.parameters[nb.name], shared) for nb in chosen.notebooks}
    reasons = {}
    if chosen.incremental:
        reasons = {nb.name: "run with --force" if force
                   else incremental.why_stale(nb.name, current[nb.name], before, figures)
                   for nb in chosen.notebooks}
        for nb in chosen.notebooks:
            say(f"{nb.name}: up to date" if reasons[nb.name] is None else f"{nb.name}: to run ({reasons[nb.name]})")
    reused = [nb for nb in chosen.notebooks if chosen.incremental and reasons[nb.name] is None]
    return Decision([nb for nb in chosen.notebooks if nb not in reused], reused, reasons, before, shared, current)
