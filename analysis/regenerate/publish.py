"""Replacing charts in ``figures/`` so that a reader never sees a half-written folder."""

from __future__ import annotations

import shutil
from pathlib import Path


def replace_charts(staged: Path, target: Path, prefixes: list[str]) -> None:
    """Replace the charts of the notebooks run (by prefix) in ``target`` with the staged ones.

    The new folder is assembled beside ``target`` and swapped in with two
    renames, so a reader never sees a half-written ``figures/``; charts of
    notebooks not run are carried over unchanged.

    Args:
        staged: The run's charts.
        target: The published folder, ``figures/``.
        prefixes: The numbers of the notebooks run (``03_``): their old charts
            are removed even where the run wrote no file of that name.
    """
    fresh = target.with_name(f".{target.name}.new")
    stale = target.with_name(f".{target.name}.old")
    for leftover in (fresh, stale):
        if leftover.exists():
            shutil.rmtree(leftover)
    if target.exists():
        shutil.copytree(target, fresh)
        for old in fresh.iterdir():
            if old.is_file() and old.name.startswith(tuple(prefixes)):
                old.unlink()
    else:
        fresh.mkdir(parents=True)
    for new in staged.iterdir():
        shutil.copy2(new, fresh / new.name)
    if target.exists():
        target.rename(stale)
    fresh.rename(target)
    if stale.exists():
        shutil.rmtree(stale)
