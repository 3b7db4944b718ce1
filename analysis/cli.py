"""Command line: ``tip-norway check`` validates the curated data and summarises it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import paths
from .data import Dataset, load
from .errors import DataError


def summary(data: Dataset) -> str:
    """A plain-text account of what the curated data hold."""
    figures, statements = data.figures, data.statements
    lines = [f"Sources: {len(data.sources)}"]
    for row in data.sources.itertuples():
        count = int((figures.source_id == row.source_id).sum())
        said = int((statements.source_id == row.source_id).sum())
        lines.append(f"  {row.source_id}: {row.producer}, edition {row.edition}: {count} figures, {said} statements (sha256 ok)")
    missing = int(figures.value.isna().sum())
    used = len(figures[["metric", "unit"]].drop_duplicates())
    lines.append(f"Figures: {len(figures)} ({missing} explicitly missing), using {used} of the {len(data.metrics)} (metric, unit) pairs of the codebook")
    for kind, group in figures.groupby("period_kind"):
        lines.append(f"  {kind}: {len(group)}")
    lines.append(f"Statements: {len(statements)}")
    for topic, group in statements.groupby("topic"):
        lines.append(f"  {topic}: {len(group)}")
    lines.append("All quotes stand verbatim in their raw documents; every value reads from its quote.")
    return "\n".join(lines)


def _check(args: argparse.Namespace) -> int:
    data = load(args.data_dir)
    print(summary(data))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tip-norway", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate the curated data against the raw sources and print a summary")
    check.add_argument("--data-dir", type=Path, default=paths.DATA, help="data folder (default: %(default)s)")
    check.set_defaults(func=_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DataError as exc:
        print(f"tip-norway {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
