"""What each ``tip-norway`` subcommand does, given its parsed options (:mod:`.cli` declares the options).

Each handler takes the :class:`argparse.Namespace` of its subcommand and returns the exit code; a foreseeable failure
is raised (:class:`~analysis.data.errors.DataError`, :class:`.errors.ParameterError`, :class:`.errors.RunError`,
:class:`.stopping.Stopped`) for :func:`.cli.main` to say in one line with its exit code.
"""

from __future__ import annotations

import argparse
import functools
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .. import config
from ..data.errors import DataError, Problem
from .grid import load_grid_file
from .notebooks import discover
from .parameter_input import given_parameters, once_each, parse_cli_value
from .reference import clean_reference, refresh
from .run import run
from .sweep import sweep

if TYPE_CHECKING:
    from ..data import Dataset


def summary(data: Dataset) -> str:
    """A plain-text account of what the curated data hold."""
    figures, statements, sources = data.figures, data.statements, data.sources
    lines = [f"Sources: {len(sources)} ({sources.file.notna().sum()} held in data/raw/, sha256 checked)"]
    for row in sources[sources.file.notna()].itertuples():
        if row.series == "GLOTIP" and data.glotip is not None:
            rows = data.glotip[data.glotip.source_id == row.source_id]
            lines.append(f"  {row.source_id}: UNODC GLOTIP release {row.date_published}: {len(rows)} rows extracted "
                         f"({int(rows.censored.sum())} written '<5', {int(rows.flag.notna().sum())} "
                         "flagged by the quality checks)")
            continue
        if row.series == "World Bank" and data.world_bank is not None:
            rows = data.world_bank[data.world_bank.source_id == row.source_id]
            lines.append(f"  {row.source_id}: World Bank, {', '.join(sorted(set(rows.indicator)))}: "
                         f"{len(rows)} rows extracted "
                         f"({', '.join(sorted(set(rows.iso3)))}, {rows.year.min()}-{rows.year.max()}), each checked "
                         "against its line of the raw file")
            continue
        count = int((figures.source_id == row.source_id).sum())
        said = int((statements.source_id == row.source_id).sum())
        lines.append(f"  {row.source_id}: {row.producer}, edition {row.edition}: {count} figures, {said} statements, "
                     "every quote checked")
    remote = sources[sources.file.isna()]
    for series, group in remote.groupby("series"):
        rows = figures[figures.source_id.isin(group.source_id)]
        lines.append(f"  {series}: {len(group)} pages read at their address, editions "
                     f"{group.edition.min()}-{group.edition.max()}: "
                     f"{rows.value.notna().sum()} figures, {rows.value.isna().sum()} explicit gaps")
    missing = int(figures.value.isna().sum())
    used = len(figures[["metric", "unit"]].drop_duplicates())
    lines.append(f"Figures: {len(figures)} ({missing} explicitly missing), using {used} of the {len(data.metrics)} "
                 "(metric, unit) pairs of the codebook")
    for kind, group in figures.groupby("period_kind"):
        lines.append(f"  {kind}: {len(group)}")
    lines.append(f"Statements: {len(statements)}")
    for topic, group in statements.groupby("topic"):
        lines.append(f"  {topic}: {len(group)}")
    if data.series_breaks is not None:
        from ..data.flags import CURATED_CODES, FLAG_CODES

        codes = data.series_breaks.code.value_counts()
        lines.append(f"Series breaks and changes of definition (GLOTIP): {len(data.series_breaks)} rows ("
                     + ", ".join(f"{codes.get(code, 0)} {code} {FLAG_CODES[code]}" for code in CURATED_CODES)
                     + "), each with its reference, checked against the data")
    lines.append("Quotes from documents in data/raw/ stand verbatim in them; every value reads from its quote.")
    return "\n".join(lines)


def check_data(args: argparse.Namespace) -> int:
    """``tip-norway check``: validate the data of ``--data-dir`` afresh, whatever a cached verdict says; summarise."""
    from ..data import load

    data = load(args.data_dir, glotip=True, world_bank=True, fresh=True)
    print(summary(data))
    return 0


def _checked_before_writing(data_dir: Path, written: dict[str, Callable[[Path], None]]) -> None:
    """Validate the data as they will be once the ``written`` files are replaced, as :func:`analysis.data.load` would.

    The new files are written into a mirror of ``data_dir`` in a temporary
    folder (every other file linked, not copied), and the mirror validated;
    problems are reported under the real paths.

    Raises:
        DataError: Listing every problem the new files would bring.
    """
    import tempfile

    from ..data.loader import validate

    data_dir = Path(data_dir)
    with tempfile.TemporaryDirectory(prefix="tip-norway-extract-") as folder:
        mirror = Path(folder) / "data"
        (mirror / "processed").mkdir(parents=True)
        for entry in data_dir.iterdir():
            if entry.name != "processed":
                (mirror / entry.name).symlink_to(entry.resolve())
        for entry in (data_dir / "processed").iterdir():
            if entry.name not in written:
                (mirror / "processed" / entry.name).symlink_to(entry.resolve())
        for name, write in written.items():
            write(mirror / "processed" / name)
        try:
            validate(mirror, glotip=True, world_bank=True)
        except DataError as error:
            shown = config.display(data_dir)
            raise DataError([Problem(p.file.replace(str(mirror), shown), p.line, p.column,
                                     p.message.replace(str(mirror), shown),
                                     p.row_id, p.unreadable) for p in error.problems]) from None


def extract_tables(args: argparse.Namespace) -> int:
    """``tip-norway extract``: write ``glotip.csv`` and ``world_bank.csv`` from the raw files, or neither."""
    from ..data import glotip, world_bank

    # both read, and checked as load() checks them, before anything is written: a bad file leaves both tables as
    # they were
    table = glotip.extract(args.data_dir)
    series = world_bank.extract(args.data_dir)
    written = {"glotip.csv": lambda target: glotip.write(table, target),
               "world_bank.csv": lambda target: world_bank.write(series, target)}
    try:
        _checked_before_writing(args.data_dir, written)
    except DataError as error:
        raise DataError([*error.problems, Problem(config.display(Path(args.data_dir) / "processed"), None, None,
                                                  "nothing written: the extracted tables "
                                                  "would not pass these checks")]) from None
    with glotip.extract_lock(args.data_dir):  # one extract at a time; each file replaced whole (records.write_text)
        for name, write in written.items():
            write(Path(args.data_dir) / "processed" / name)
    for (source_id, country), rows in table.groupby(["source_id", "country"]):
        print(f"{source_id} {country}: {len(rows)} rows")
    print(f"wrote {len(table)} rows to {config.shown(Path(args.data_dir) / 'processed' / 'glotip.csv')}")
    for source_id, rows in series.groupby("source_id"):
        print(f"{source_id}: {len(rows)} rows ({', '.join(sorted(rows.iso3.unique()))}, "
              f"{rows.year.min()}-{rows.year.max()})")
    print(f"wrote {len(series)} rows to {config.shown(Path(args.data_dir) / 'processed' / 'world_bank.csv')}")
    return 0


def _about(nb) -> str | None:
    """The step's title and question, indented under its notebook's name; None for a notebook that is no step."""
    from ..steps import StepError, step

    try:
        found = step(nb.name.partition("_")[2], notebooks=nb.path.parent)
    except StepError:
        return None
    return textwrap.fill(f"{found.title}: {found.question}", width=116, initial_indent="    ",
                         subsequent_indent="    ")


def list_notebooks(args: argparse.Namespace) -> int:
    """``tip-norway list``: each notebook, its title and question, and its parameters.

    1 when a notebook cannot be read (said on stderr). The title and question are its step's
    (:mod:`analysis.steps`), for a notebook that is one.
    """
    notebooks = discover(args.notebooks_dir)
    for nb in notebooks:
        name, _, parameters = nb.describe().partition("\n")
        print("\n".join(part for part in (name, _about(nb), parameters) if part))
    for nb in notebooks:
        if nb.unreadable:
            print(f"tip-norway list: {nb.unreadable}", file=sys.stderr)
    return 1 if any(nb.unreadable for nb in notebooks) else 0


def run_notebooks(args: argparse.Namespace) -> int:
    """``tip-norway run`` (:func:`.run.run`).

    The data are loaded and checked by :func:`.run.run` once it knows a notebook must run: bad data still stop it
    before any starts.
    """
    run(args.notebooks, given_parameters(args), publish=args.publish, force=args.force, workers=args.workers,
        notebooks_dir=args.notebooks_dir,
        output=args.output_dir, figures=args.figures_dir, wait=not args.no_wait, lock_timeout=args.lock_timeout,
        cell_timeout=args.cell_timeout, fresh_kernels=args.fresh_kernels)
    return 0


def sweep_notebook(args: argparse.Namespace) -> int:
    """``tip-norway sweep`` (:func:`.sweep.sweep`), over the grid of ``-f`` and ``-p``."""
    grid = load_grid_file(args.grid_file) if args.grid_file else {}
    for name, values in once_each(args.parameter or []).items():
        grid[name] = [parse_cli_value(v) for v in values]  # a value on the command line overrides the file's
    sweep(args.notebook, grid, workers=args.workers, max_runs=args.max_runs, fresh_kernels=args.fresh_kernels,
          notebooks_dir=args.notebooks_dir, output=args.output_dir, cell_timeout=args.cell_timeout)
    return 0


def refresh_references(args: argparse.Namespace) -> int:
    """``tip-norway refresh`` (:func:`.reference.refresh`): run the defaults, publish, rewrite the reference outputs."""
    from ..data import load

    data = load()
    refresh(args.notebooks_dir, workers=args.workers, output=args.output_dir, figures=args.figures_dir,
            wait=not args.no_wait, lock_timeout=args.lock_timeout, data=data, cell_timeout=args.cell_timeout)
    print(f"reference outputs rewritten in {args.notebooks_dir}; review with git diff, then commit", file=sys.stderr)
    return 0


def normalize_notebooks(args: argparse.Namespace) -> int:
    """``tip-norway normalize``: each notebook given stripped of run metadata, its step's cells written.

    Every published notebook when none is given. 1 with ``--check`` when a notebook's generated cells differ (nothing
    written).
    """
    from .normalize import normalize, published

    say = functools.partial(print, file=sys.stderr)
    paths = args.files or published()
    if args.check:
        return 1 if normalize(paths, check=True, say=say) else 0
    for path in paths:
        clean_reference(path, path)
    normalize(paths, say=say)
    return 0


def build_report(args: argparse.Namespace) -> int:
    """``tip-norway report``: build the site; 1, each problem listed and the last good site kept, when it cannot."""
    from ..report import ReportError, build

    site = args.site_dir or args.output_dir / "site"
    try:
        build(output=args.output_dir, figures=args.figures_dir, notebooks=args.notebooks_dir, site=site,
              base_url=args.base_url, say=lambda line: print(line, file=sys.stderr))
    except ReportError as error:
        kept = f"the last good site in {config.shown(site)} is left as it was" if site.exists() else "no site written"
        print(f"tip-norway report: cannot build the site ({kept}):", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    return 0
