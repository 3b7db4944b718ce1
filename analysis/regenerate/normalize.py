"""``tip-norway normalize``: write each published notebook's heading, question, parameters cell and call.

The analysis function is the one declaration of its parameters, the step's front matter of its title and question
(:mod:`.cells`, :mod:`analysis.steps`). This command writes what is generated from them into the notebook, keeping
every other cell, output, count and metadata as they are; a notebook whose cells already read so is not touched.
With ``check`` it writes nothing and says which notebooks differ (the suite runs it so: a notebook edited by hand,
or an analysis whose signature changed without a normalize, fails).

A rewritten notebook's outputs are those of its old cells: ``tip-norway refresh`` runs it and writes them again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from .. import config
from ..data.records import write_text
from .errors import RunError
from .notebooks import discover


def _cells_to_write(nb, topic: str) -> tuple[object, object]:
    """The parameters cell and the call cell of ``nb`` (an nbformat notebook); RunError naming what is missing."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    parameters = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    calls = [c for c in code if f"{topic}.analyse(" in c.source]
    if len(parameters) != 1 or len(calls) != 1:
        raise RunError(f"a published notebook has one cell tagged 'parameters' and one cell calling "
                       f"{topic}.analyse(...); found {len(parameters)} and {len(calls)}")
    return parameters[0], calls[0]


def normalized(path: Path, analyse: Callable, topic: str) -> str | None:
    """The text of the notebook at ``path`` with its two cells generated from ``analyse``; None when already so."""
    import nbformat

    from ..steps import step
    from .cells import call_cell, intro, parameters_cell

    nb = nbformat.read(path, as_version=4)
    try:
        parameters, call = _cells_to_write(nb, topic)
    except RunError as error:
        raise RunError(f"{config.shown(path)}: {error}") from None
    first = nb.cells[0]
    if first.cell_type != "markdown":
        raise RunError(f"{config.shown(path)}: a published notebook opens with a Markdown cell, its heading")
    cells = (first, parameters, call)
    wanted = (intro(step(topic), first.source), parameters_cell(analyse), call_cell(analyse, topic))
    if tuple(c.source for c in cells) == wanted:
        return None
    for cell, source in zip(cells, wanted, strict=True):
        cell.source = source
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"  # as nbformat.write ends it


def normalize(paths: Iterable[Path], check: bool = False, say: Callable[[str], None] = print) -> list[str]:
    """Write the generated parts into each notebook of ``paths`` that is a published step; those that differed.

    A notebook that is no step (its name is no analysis's) is left as it is. With ``check`` nothing is written.
    """
    from ..analyses import ANALYSES, topic

    differ = []
    for path in paths:
        name = Path(path).stem
        if name not in ANALYSES:
            continue
        text = normalized(Path(path), ANALYSES[name], topic(name))
        if text is None:
            continue
        differ.append(name)
        if check:
            say(f"{name}: its heading, question, parameters or call is not the one its step declares")
        else:
            write_text(Path(path), text)
            say(f"{name}: heading, question, parameters and call written from its step; run tip-norway refresh")
    return differ


def published(notebooks_dir: Path = config.NOTEBOOKS) -> list[Path]:
    """The published notebooks of ``notebooks_dir``, each normalized when no file is named."""
    return [nb.path for nb in discover(notebooks_dir) if not nb.unreadable]
