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
``tip-norway normalize`` writes each published notebook's heading, question, parameters cell and call from its step
and strips run metadata from the notebooks given (used by pre-commit).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from .. import config
from ..data.errors import DataError
from . import commands
from .batch import MAX_WORKERS
from .errors import ParameterError, RunError
from .execute import CELL_TIMEOUT
from .stopping import Stopped
from .sweep import MAX_RUNS


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


def _options(*parents: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """A parent parser (no ``-h`` of its own), holding the options of ``parents`` first."""
    return argparse.ArgumentParser(add_help=False, parents=list(parents))


def _shared_options() -> dict[str, argparse.ArgumentParser]:
    """The options subcommands share, as parent parsers, by name.

    ``data``: --data-dir (check, extract); ``fresh``: --fresh-kernels (run, sweep); ``workers``: --workers (run,
    refresh, sweep); ``execution``: how a publishing run executes and where it reads and writes (run, refresh).
    """
    data = _options()
    data.add_argument("--data-dir", type=Path, default=config.DATA, help="data folder (default: %(default)s)")
    fresh = _options()
    fresh.add_argument("--fresh-kernels", action="store_true", help=FRESH_KERNELS)
    workers = _options()
    workers.add_argument("--workers", type=int, default=None,
                         help=f"parallel kernels (default: the number of cores, at most {MAX_WORKERS})")
    execution = _options(workers)
    execution.add_argument("--cell-timeout", type=positive_seconds, default=CELL_TIMEOUT, metavar="SECONDS",
                           help="seconds one cell may run before its notebook is stopped and reported as failed "
                                "(default: %(default)s)")
    execution.add_argument("--no-wait", action="store_true",
                           help="refuse at once if another run is in progress instead of waiting")
    execution.add_argument("--lock-timeout", type=float, default=1800,
                           help="seconds to wait for another run (default: %(default)s)")
    execution.add_argument("--output-dir", type=Path, default=config.OUTPUT,
                           help="executed notebooks, run manifests and the lock (default: output/)")
    execution.add_argument("--figures-dir", type=Path, default=config.FIGURES,
                           help="published charts, replaced by a successful run with the defaults "
                                "(default: figures/)")
    execution.add_argument("--notebooks-dir", type=Path, default=config.NOTEBOOKS,
                           help="notebooks to run (default: notebooks/)")
    return {"data": data, "fresh": fresh, "workers": workers, "execution": execution}


def _run_options(shared: dict[str, argparse.ArgumentParser]) -> list[argparse.ArgumentParser]:
    """The parents of ``run``, in the order its help lists them: what to run and how, then the shared options."""
    chosen = _options()
    chosen.add_argument("notebooks", nargs="*", help="notebook names or numbers (default: all)")
    chosen.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"),
                        help="set a parameter of every notebook that declares it; VALUE is read as "
                             "YAML ([2014], 7.5, USD, null)")
    chosen.add_argument("-f", "--parameters-file", type=Path, metavar="YAML",
                        help="parameters from a YAML file: NAME: VALUE, or NOTEBOOK: {NAME: VALUE}")
    chosen.add_argument("--force", action="store_true",
                        help="run every selected notebook, even one whose published charts are up to date "
                             "(its cells, parameters, data, package source and library versions unchanged since "
                             "it was published)")
    publish = _options()
    publish.add_argument("--publish", action="store_true",
                         help="replace the figures even when parameters differ from the defaults "
                              "(otherwise such a run leaves figures/ as it was and keeps its "
                              "charts in its run folder)")
    return [chosen, shared["fresh"], publish, shared["execution"]]


def _sweep_options(shared: dict[str, argparse.ArgumentParser]) -> list[argparse.ArgumentParser]:
    """The parents of ``sweep``: its notebook and grid, then the shared options (its own places follow them)."""
    grid = _options()
    grid.add_argument("notebook", help="the notebook's name or number")
    grid.add_argument("-p", "--parameter", nargs="+", action="append", metavar="NAME VALUE",
                      help="a parameter and the values to try, each read as YAML ([2014], 7.5, USD, null)")
    grid.add_argument("-f", "--grid-file", type=Path, metavar="YAML",
                      help="the values to try from a YAML file: NAME: [V1, V2, ...]")
    grid.add_argument("--max-runs", type=int, default=MAX_RUNS,
                      help="refuse a grid of more runs than this, before anything runs (default: %(default)s)")
    return [grid, shared["fresh"], shared["workers"]]


def build_parser() -> argparse.ArgumentParser:
    """The parser of the ``tip-norway`` command line: one subcommand each, its options and help."""
    parser = argparse.ArgumentParser(prog="tip-norway", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    subcommands = parser.add_subparsers(dest="command", required=True)
    shared = _shared_options()
    text = "validate the curated data against the raw sources and print a summary"
    subcommands.add_parser("check", help=text, parents=[shared["data"]]).set_defaults(func=commands.check_data)
    text = ("read the GLOTIP workbooks and the World Bank files in data/raw/ into data/processed/glotip.csv and "
            "world_bank.csv")
    subcommands.add_parser("extract", help=text, parents=[shared["data"]]).set_defaults(func=commands.extract_tables)
    listing = subcommands.add_parser("list", help="show the notebooks and their parameters")
    listing.add_argument("--notebooks-dir", type=Path, default=config.NOTEBOOKS, help=argparse.SUPPRESS)
    listing.set_defaults(func=commands.list_notebooks)

    text = "run notebooks through papermill; with the default parameters, replace their figures if all succeed"
    subcommands.add_parser("run", help=text, description=text,
                           parents=_run_options(shared)).set_defaults(func=commands.run_notebooks)
    text = "run every notebook with its defaults, publish the figures and rewrite the committed reference outputs"
    subcommands.add_parser("refresh", help=text, description=text,
                           parents=[shared["execution"]]).set_defaults(func=commands.refresh_references)

    text = ("run one notebook over every combination of parameter values and collect the "
            "results (never touches figures/)")
    swept = subcommands.add_parser("sweep", help=text, description=text, parents=_sweep_options(shared))
    swept.add_argument("--cell-timeout", type=positive_seconds, default=CELL_TIMEOUT, metavar="SECONDS",
                       help="seconds one cell may run before its run is stopped and reported as "
                            "failed (default: %(default)s)")
    swept.add_argument("--output-dir", type=Path, default=config.OUTPUT,
                       help="the sweep goes to OUTPUT_DIR/sweeps/<id>/ (default: output/)")
    swept.add_argument("--notebooks-dir", type=Path, default=config.NOTEBOOKS, help="notebooks (default: notebooks/)")
    swept.set_defaults(func=commands.sweep_notebook)

    _add_report(subcommands)
    normalize = subcommands.add_parser("normalize", help="drop injected-parameter cells and papermill metadata "
                                       "from notebooks, and write a published notebook's heading, question, "
                                       "parameters cell and call from its step, in place")
    normalize.add_argument("files", nargs="*", type=Path,
                           help="notebooks to normalise (default: every published notebook)")
    normalize.add_argument("--check", action="store_true",
                           help="write nothing; exit 1 when a published notebook's generated cells differ")
    normalize.set_defaults(func=commands.normalize_notebooks)
    return parser


def _add_report(subcommands) -> None:
    """The ``report`` subcommand: its places are those of the published run it reads, and the site it writes."""
    text = ("build the report site (output/site/) from the last published run: a page per analysis with its chart, "
            "table, words and the provenance of every number, and the data's dictionary and downloads; executes "
            "nothing, and does nothing when nothing it reads has changed")
    report = subcommands.add_parser("report", help=text, description=text)
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
    report.set_defaults(func=commands.build_report)


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
