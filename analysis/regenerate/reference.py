"""The committed notebooks as reference outputs: what nbval compares each new execution with.

A committed notebook keeps its outputs and execution counts (nbval needs
them) but nothing that changes from one run to the next without the results
changing: papermill's timings, the run's paths, the injected parameters.

A notebook is rewritten whole or not at all (:func:`analysis.data.records.write_text`): Ctrl-C or a full disk
while ``refresh`` writes one leaves it as it was, never truncated.
"""

from __future__ import annotations

from pathlib import Path

from .. import config
from ..data.records import RecordError, write_text
from .errors import RunError
from .run import run


def clean_reference(executed: Path, target: Path) -> None:
    """Write an executed notebook as the committed reference.

    Outputs and counts kept, papermill's timings and the run's metadata dropped, kernel ``python3``; ``target``
    replaced whole or not at all.

    Raises:
        RecordError: When ``target`` cannot be written (it is then as it was).
    """
    import nbformat  # imported here: a run that only checks what is up to date never needs it

    nb = nbformat.read(executed, as_version=4)
    nb.cells = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    nb.metadata.pop("papermill", None)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
    text = nbformat.writes(nb)
    write_text(target, text if text.endswith("\n") else text + "\n")  # as nbformat.write ends it


def refresh(notebooks_dir: Path = config.NOTEBOOKS, **kwargs) -> dict:
    """Run every notebook with its defaults, publish the charts, and write the results back as the references.

    Args:
        notebooks_dir: The notebooks to run and rewrite.
        **kwargs: Passed to :func:`.run.run` (workers, output, figures, ...).

    Raises:
        RunError: When a notebook failed (nothing rewritten), or a reference could not be written (named, each left
            as it was; the others are rewritten).
    """
    manifest = run((), {}, publish=True, force=True, notebooks_dir=notebooks_dir, **kwargs)
    failed = []
    for entry in manifest["notebooks"]:
        try:
            clean_reference(Path(entry["executed"]), Path(notebooks_dir) / f"{entry['name']}.ipynb")
        except RecordError as error:
            failed.append(str(error))
    if failed:
        raise RunError(f"the charts are published, but {len(failed)} reference notebook(s) could not be rewritten "
                       f"(the others were): {'; '.join(failed)}")
    return manifest
