"""The committed notebooks as reference outputs: what nbval compares each new execution with.

A committed notebook keeps its outputs and execution counts (nbval needs
them) but nothing that changes from one run to the next without the results
changing: papermill's timings, the run's paths, the injected parameters.
"""

from __future__ import annotations

from pathlib import Path

from ..data import paths
from .run import run


def clean_reference(executed: Path, target: Path) -> None:
    """Write an executed notebook as the committed reference.

    Outputs and counts kept, papermill's timings and the run's metadata dropped, kernel ``python3``.
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
    nbformat.write(nb, target)


def refresh(notebooks_dir: Path = paths.NOTEBOOKS, **kwargs) -> dict:
    """Run every notebook with its defaults, publish the charts, and write the results back as the references.

    Args:
        notebooks_dir: The notebooks to run and rewrite.
        **kwargs: Passed to :func:`.run.run` (workers, output, figures, ...).
    """
    manifest = run((), {}, publish=True, force=True, notebooks_dir=notebooks_dir, **kwargs)
    for entry in manifest["notebooks"]:
        clean_reference(Path(entry["executed"]), Path(notebooks_dir) / f"{entry['name']}.ipynb")
    return manifest
