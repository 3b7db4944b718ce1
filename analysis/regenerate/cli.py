"""Command line of the project.

``tip-norway check`` validates the curated data and summarises it;
``tip-norway extract`` reads the GLOTIP workbooks of ``data/raw/`` into
``data/processed/glotip.csv``, and the World Bank files into
``data/processed/world_bank.csv``;
``tip-norway list`` shows the notebooks and their parameters;
``tip-norway run`` regenerates the figures through papermill: a run with the
default parameters publishes its charts into ``figures/``; a run with other
values keeps them in its run folder under ``output/runs/`` (``--publish``
publishes them anyway);
``tip-norway sweep NOTEBOOK -p NAME V1 V2 ...`` runs one notebook over every
combination of values, never touching ``figures/``, and collects the results into
one table and one chart under ``output/sweeps/``;
``tip-norway refresh`` runs the defaults, publishes, and rewrites the committed reference outputs of the notebooks;
``tip-norway report`` builds the report site in ``output/site/`` from the last published run;
``tip-norway normalize`` strips run metadata from notebooks (used by pre-commit).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from .. import config
from ..data.errors import DataError, Problem
from .batch import MAX_WORKERS
from .errors import ParameterError, RunError
from .execute import CELL_TIMEOUT
from .grid import load_grid_file
from .notebooks import discover
from .parameters import load_parameter_file, once_each
from .reference import clean_reference, refresh
from .run import run
from .stopping import Stopped
from .sweep import MAX_RUNS, sweep

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


def _check(args: argparse.Namespace) -> int:
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


def _extract(args: argparse.Namespace) -> int:
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


def _list(args: argparse.Namespace) -> int:
    notebooks = discover(args.notebooks_dir)
    for nb in notebooks:
        print(nb.describe())
    for nb in notebooks:
        if nb.unreadable:
            print(f"tip-norway list: {nb.unreadable}", file=sys.stderr)
    return 1 if any(nb.unreadable for nb in notebooks) else 0


def parse_cli_value(text: str):
    """A ``-p NAME VALUE`` value read as YAML: ``2014`` is an int, ``[2014]`` a list, ``USD`` a string, ``null`` None.

    YAML rather than Python literals, so that the shell needs no quotes around
    strings; text YAML cannot read stays text, and the type check judges it.
    """
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def given_parameters(args: argparse.Namespace) -> dict:
    """The parameters of ``-f FILE`` then ``-p NAME VALUE``: a value on the command line overrides the file's."""
    given = load_parameter_file(args.parameters_file) if args.parameters_file else {}
    for name, (value,) in once_each(args.parameter or []).items():
        given[name] = parse_cli_value(value)
    return given


def _run(args: argparse.Namespace) -> int:
    # the data are loaded and checked by run() once it knows a notebook must run: bad data still stop it before any
    # starts
    run(args.notebooks, given_parameters(args), publish=args.publish, force=args.force, workers=args.workers,
        notebooks_dir=args.notebooks_dir,
        output=args.output_dir, figures=args.figures_dir, wait=not args.no_wait, lock_timeout=args.lock_timeout,
        cell_timeout=args.cell_timeout, fresh_kernels=args.fresh_kernels)
    return 0


def _sweep(args: argparse.Namespace) -> int:
    grid = load_grid_file(args.grid_file) if args.grid_file else {}
    for name, values in once_each(args.parameter or []).items():
        grid[name] = [parse_cli_value(v) for v in values]  # a value on the command line overrides the file's
    sweep(args.notebook, grid, workers=args.workers, max_runs=args.max_runs, fresh_kernels=args.fresh_kernels,
          notebooks_dir=args.notebooks_dir, output=args.output_dir, cell_timeout=args.cell_timeout)
    return 0


def _refresh(args: argparse.Namespace) -> int:
    from ..data import load

    data = load()
    refresh(args.notebooks_dir, workers=args.workers, output=args.output_dir, figures=args.figures_dir,
            wait=not args.no_wait, lock_timeout=args.lock_timeout, data=data, cell_timeout=args.cell_timeout)
    print(f"reference outputs rewritten in {args.notebooks_dir}; review with git diff, then commit", file=sys.stderr)
    return 0


def _normalize(args: argparse.Namespace) -> int:
    for path in args.files:
        clean_reference(path, path)
    return 0


def positive_seconds(text: str) -> int:
    """``--cell-timeout``'s value: a whole number of seconds, at least 1."""
    try:
        seconds = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of seconds, found {text!r}") from None
    if seconds < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1 second, found {seconds}")
    return seconds


#: The help of --fresh-kernels, for run and sweep.
FRESH_KERNELS = ("start every kernel anew instead of forking it from a template process that has already imported "
                 "what the notebooks import (slower, for comparison; the results are the same; kernels always start "
                 "anew where there is no fork, on macOS and Windows)")


def _report(args) -> int:
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


def build_parser() -> argparse.ArgumentParser:
    """The parser of the ``tip-norway`` command line: one subcommand each, its options and help."""
    parser = argparse.ArgumentParser(prog="tip-norway", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate the curated data against the raw sources and print a summary")
    check.add_argument("--data-dir", type=Path, default=config.DATA, help="data folder (default: %(default)s)")
    check.set_defaults(func=_check)

    extract = commands.add_parser("extract",
                                  help="read the GLOTIP workbooks and the World Bank files in data/raw/ into "
                                       "data/processed/glotip.csv and world_bank.csv")
    extract.add_argument("--data-dir", type=Path, default=config.DATA, help="data folder (default: %(default)s)")
    extract.set_defaults(func=_extract)

    listing = commands.add_parser("list", help="show the notebooks and their parameters")
    listing.add_argument("--notebooks-dir", type=Path, default=config.NOTEBOOKS, help=argparse.SUPPRESS)
    listing.set_defaults(func=_list)

    for name, func, text in (("run", _run,
                              "run notebooks through papermill; with the default parameters, replace "
                              "their figures if all succeed"),
                             ("refresh", _refresh,
                              "run every notebook with its defaults, publish the figures and rewrite the committed "
                              "reference outputs")):
        sub = commands.add_parser(name, help=text, description=text)
        if name == "run":
            sub.add_argument("notebooks", nargs="*", help="notebook names or numbers (default: all)")
            sub.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"),
                             help="set a parameter of every notebook that declares it; VALUE is read as "
                                  "YAML ([2014], 7.5, USD, null)")
            sub.add_argument("-f", "--parameters-file", type=Path, metavar="YAML",
                             help="parameters from a YAML file: NAME: VALUE, or NOTEBOOK: {NAME: VALUE}")
            sub.add_argument("--force", action="store_true",
                             help="run every selected notebook, even one whose published charts are up to date "
                                  "(its cells, parameters, data, package source and library versions unchanged since "
                                  "it was published)")
            sub.add_argument("--fresh-kernels", action="store_true", help=FRESH_KERNELS)
            sub.add_argument("--publish", action="store_true",
                             help="replace the figures even when parameters differ from the defaults "
                                  "(otherwise such a run leaves figures/ as it was and keeps its "
                                  "charts in its run folder)")
        sub.add_argument("--workers", type=int, default=None,
                         help=f"parallel kernels (default: the number of cores, at most {MAX_WORKERS})")
        sub.add_argument("--cell-timeout", type=positive_seconds, default=CELL_TIMEOUT, metavar="SECONDS",
                         help="seconds one cell may run before its notebook is stopped and reported as failed "
                              "(default: %(default)s)")
        sub.add_argument("--no-wait", action="store_true",
                         help="refuse at once if another run is in progress instead of waiting")
        sub.add_argument("--lock-timeout", type=float, default=1800,
                         help="seconds to wait for another run (default: %(default)s)")
        sub.add_argument("--output-dir", type=Path, default=config.OUTPUT,
                         help="executed notebooks, run manifests and the lock (default: output/)")
        sub.add_argument("--figures-dir", type=Path, default=config.FIGURES,
                         help="published charts, replaced by a successful run with the defaults (default: figures/)")
        sub.add_argument("--notebooks-dir", type=Path, default=config.NOTEBOOKS,
                         help="notebooks to run (default: notebooks/)")
        sub.set_defaults(func=func)
    text = ("run one notebook over every combination of parameter values and collect the "
            "results (never touches figures/)")
    swept = commands.add_parser("sweep", help=text, description=text)
    swept.add_argument("notebook", help="the notebook's name or number")
    swept.add_argument("-p", "--parameter", nargs="+", action="append", metavar="NAME VALUE",
                       help="a parameter and the values to try, each read as YAML ([2014], 7.5, USD, null)")
    swept.add_argument("-f", "--grid-file", type=Path, metavar="YAML",
                       help="the values to try from a YAML file: NAME: [V1, V2, ...]")
    swept.add_argument("--max-runs", type=int, default=MAX_RUNS,
                       help="refuse a grid of more runs than this, before anything runs (default: %(default)s)")
    swept.add_argument("--fresh-kernels", action="store_true", help=FRESH_KERNELS)
    swept.add_argument("--workers", type=int, default=None,
                       help=f"parallel kernels (default: the number of cores, at most {MAX_WORKERS})")
    swept.add_argument("--cell-timeout", type=positive_seconds, default=CELL_TIMEOUT, metavar="SECONDS",
                       help="seconds one cell may run before its run is stopped and reported as "
                            "failed (default: %(default)s)")
    swept.add_argument("--output-dir", type=Path, default=config.OUTPUT,
                       help="the sweep goes to OUTPUT_DIR/sweeps/<id>/ (default: output/)")
    swept.add_argument("--notebooks-dir", type=Path, default=config.NOTEBOOKS, help="notebooks (default: notebooks/)")
    swept.set_defaults(func=_sweep)

    text = ("build the report site (output/site/) from the last published run: a page per analysis with its chart, "
            "table, words and the provenance of every number, and the data's dictionary and downloads; executes "
            "nothing, and does nothing when nothing it reads has changed")
    report = commands.add_parser("report", help=text, description=text)
    report.add_argument("--base-url", default="", metavar="URL",
                        help="the address the site will be published at, for the citation on each page (default: none; "
                             "the pages' own links are relative and work under any address)")
    report.add_argument("--output-dir", type=Path, default=config.OUTPUT,
                        help="where the published run is (published.json, runs/) (default: output/)")
    report.add_argument("--figures-dir", type=Path, default=config.FIGURES,
                        help="the published charts (default: figures/)")
    report.add_argument("--notebooks-dir", type=Path, default=config.NOTEBOOKS,
                        help="the notebooks the site shows (default: notebooks/)")
    report.add_argument("--site-dir", type=Path, default=None,
                        help="where the site goes (default: OUTPUT_DIR/site/)")
    report.set_defaults(func=_report)

    normalize = commands.add_parser("normalize",
                                    help="drop injected-parameter cells and papermill "
                                         "metadata from notebooks, in place")
    normalize.add_argument("files", nargs="+", type=Path, help="notebooks to normalise")
    normalize.set_defaults(func=_normalize)
    return parser


def _stdout_closed() -> int:
    """What a command does when the reader of its output has gone (``tip-norway list | head -1``): stop quietly.

    Python ignores SIGPIPE, so a write to a closed pipe raises BrokenPipeError
    instead of ending the process. Standard output is pointed at /dev/null, so
    that flushing it at exit cannot raise again, and the command ends with the
    status a shell gives a command killed by SIGPIPE (as the Python docs'
    "Note on SIGPIPE" of the signal module advises).
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 128 + signal.SIGPIPE


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``tip-norway``.

    Returns:
        0 on success, 1 on bad data or a failed run, 2 on bad parameters, 128 + the signal's
        number when stopped by Ctrl-C (130) or SIGTERM (143), or when the reader of its output
        has gone (141, as for SIGPIPE).
    """
    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)
        sys.stdout.flush()  # inside the try: a closed pipe is found here rather than at exit
        return code
    except BrokenPipeError:
        return _stdout_closed()
    except DataError as exc:
        print(f"tip-norway {args.command}: {exc}", file=sys.stderr)
        return 1
    except ParameterError as exc:
        print(f"tip-norway {args.command}: {exc}", file=sys.stderr)
        return 2
    except RunError as exc:
        print(f"tip-norway {args.command}: {exc}", file=sys.stderr)
        return 1
    except Stopped as exc:
        print(f"tip-norway {args.command}: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:  # check, extract, list: nothing to stop but the command itself, which writes atomically
        print(f"tip-norway {args.command}: stopped by Ctrl-C (SIGINT); a file it writes is "
              "replaced whole or not at all", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
