"""How a run ends: its manifest written, and one message saying what it did and where its charts are.

A run ends in one of five ways, each said so that the user knows what ``figures/`` holds: every notebook up to
date (:func:`report_up_to_date`), stopped by a signal before or after its notebooks ran (:func:`end_if_unfinished`,
:func:`end_if_stopped`), a notebook failed (:func:`end_if_unfinished`), or every notebook succeeded
(:func:`report_finished`).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from .. import config
from .batch import tally
from .errors import RunError
from .execute import Outcome
from .manifest import RunRecord
from .selection import Decision, Selection
from .stopping import Stop, Stopped


def end_if_unfinished(outcomes: list[Outcome], manifest: RunRecord, stop: Stop, run_dir: Path, output: Path,
                      figures: Path) -> None:
    """End a run that was stopped or in which a notebook failed, its manifest written and nothing published.

    Raises:
        Stopped: When a stop was requested (the staged charts are removed).
        RunError: When a notebook failed, naming each failure.
    """
    if stop.requested.is_set():
        shutil.rmtree(run_dir / "figures", ignore_errors=True)
        manifest.charts_removed()
        manifest.write(run_dir, output)
        raise _stopped(stop, outcomes, figures, run_dir)
    failed = [o for o in outcomes if o.error]
    if failed:
        manifest.write(run_dir, output)
        raise RunError("\n".join([f"{len(failed)} of {len(outcomes)} notebook(s) failed; {figures} left untouched:",
                                  *(f"  - {o.error}" for o in failed)]))


def end_if_stopped(stop: Stop, manifest: RunRecord, figures: Path, run_dir: Path) -> None:
    """End a run a signal reached once its notebooks had ended: its message says what the run did, published or not.

    Raises:
        Stopped: When a stop was requested.
    """
    if not stop.requested.is_set():
        return
    if manifest.status == "up to date":
        done = f"every notebook was up to date, so none ran; {figures} left as it was"
    elif manifest.published:
        done = (f"every notebook had finished and the charts were published in full in {figures} and recorded, so "
                "the run is complete")
    else:
        done = (f"every notebook had finished; {figures} left as it was, nothing published (parameters other than "
                f"the defaults, or notebooks not the project's); the charts are in {run_dir / 'figures'}")
    raise stop.stopped(f"the request came after the notebooks had run: {done}. The executed notebooks and the "
                       f"manifest are in {run_dir}")


def _stopped(stop: Stop, outcomes: list[Outcome], figures: Path, run_dir: Path) -> Stopped:
    """What a stopped run says: which notebooks finished, which were interrupted, which never started."""
    finished, interrupted, waiting = ([o.name for o in group] for group in tally(outcomes))
    parts = [f"{label}: {', '.join(names)}" for label, names in
             (("finished", finished), ("interrupted or failed", interrupted), ("not started", waiting)) if names]
    return stop.stopped(f"{figures} left as it was, nothing published; {'; '.join(parts) or 'nothing ran'}. "
                        f"The executed notebooks and the manifest are in {run_dir}")


def _differences(changes: dict[str, dict]) -> str:
    """``03_funding_per_victim: currency, exchange_rate; 04_victim_protection: years``."""
    return "; ".join(f"{name}: {', '.join(c)}" for name, c in changes.items() if c)


def report_up_to_date(manifest: RunRecord, decision: Decision, run_dir: Path, output: Path, figures: Path,
                      say: Callable[[str], None]) -> None:
    """Record and say that every notebook was up to date, so none ran and ``figures`` is as it was.

    Raises:
        RunError: When a selected notebook could not be read, naming each (the others are up to date).
    """
    manifest.ended(manifest.started, 0.0, "failed" if manifest.unreadable else "up to date", figures, [])
    manifest.write(run_dir, output)
    say(f"all {len(decision.reused)} notebook(s) up to date; {figures} left as it was (--force runs them anyway)")
    if manifest.unreadable:
        raise RunError("\n".join([f"{len(manifest.unreadable)} notebook(s) could not be read; the others are up to "
                                  f"date and {figures} is left as it was:",
                                  *(f"  - {name}: {why}" for name, why in manifest.unreadable.items())]))


def report_finished(chosen: Selection, decision: Decision, manifest: RunRecord, figures: Path, staged: Path,
                    say: Callable[[str], None]) -> None:
    """Say how a run in which every notebook succeeded ended: where its charts are, and why when not in ``figures``."""
    done = f"all {len(manifest.notebooks)} notebook(s) succeeded in {manifest.seconds:.1f} s"
    differences = _differences(chosen.changes)
    if chosen.foreign:
        say(f"{done}; {figures} left as it was: notebooks from another folder than the project's "
            f"{config.shown(config.NOTEBOOKS)} never replace its charts (--figures-dir FOLDER publishes them there). "
            f"The charts are in {staged}")
    elif chosen.defaults_only:
        kept = f" ({len(decision.reused)} more up to date, left as they were)" if decision.reused else ""
        say(f"{done}; charts replaced in {figures}{kept}")
    elif manifest.published:
        say(f"{done}; charts replaced in {figures}, published with parameters other than the defaults ({differences})")
    else:
        say(f"{done} with parameters other than the defaults ({differences}); {figures} left as it was. "
            f"The charts are in {staged} (run again with --publish to replace them in {figures})")
