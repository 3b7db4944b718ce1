"""Benchmark the report site's build: a full build, a build that finds nothing changed, and the site's size.

It builds from a published run of its own: ``tip-norway run`` of every notebook into a temporary output and figures
folder, so that neither the checkout's ``output/`` nor its absence changes what is measured. Then three full builds
into temporary folders, each the first of a process of its own as ``tip-norway report`` is (the build keeps its
compiled templates for the process; the median is reported, the imports left out), then a build over the last of
them with nothing changed, which must write nothing. The site's size is the sum of its files, with the share of the
chart files (copied from ``figures/``) and the data downloads.

Usage: ``python benchmarks/bench_report.py``. Writes ``benchmarks/report.json``, from which
``benchmarks/speed_table.py``, called at the end, writes the table of docs/report.md. Takes the run's time (about
15 s) and a few seconds.
"""

from __future__ import annotations

import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import speed_table

from analysis import config
from analysis.report import build

RESULTS = config.ROOT / "benchmarks" / "report.json"


def _megabytes(files) -> float:
    return round(sum(p.stat().st_size for p in files) / 1_000_000, 2)


#: One full build of the site ``argv[1]`` from the run in ``argv[2]`` (output/ and figures/), timed in the process that
#: imported the package: printed in seconds.
FIRST_BUILD = """
import sys, time
from pathlib import Path
from analysis.report import build
run = Path(sys.argv[2])
started = time.perf_counter()
assert build(output=run / "output", figures=run / "figures", site=Path(sys.argv[1]), say=lambda line: None)
print(time.perf_counter() - started)
"""


def _command(*args: str) -> str:
    """Run ``python args`` in the project's folder; its standard output, or SystemExit with its messages."""
    done = subprocess.run([sys.executable, *args], cwd=config.ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench_report: {' '.join(args)[:80]}... failed with exit code {done.returncode}:\n"
                         f"{done.stdout}{done.stderr}")
    return done.stdout


def main() -> None:
    full = []
    with tempfile.TemporaryDirectory() as folder:
        run = Path(folder) / "run"
        _command("-m", "analysis.regenerate.cli", "run", "--output-dir", str(run / "output"),
                 "--figures-dir", str(run / "figures"))
        for attempt in range(3):
            site = Path(folder) / f"site{attempt}"
            full.append(float(_command("-c", FIRST_BUILD, str(site), str(run)).split()[-1]))
        started = time.perf_counter()
        assert build(output=run / "output", figures=run / "figures", site=site,
                     say=lambda line: None) is False, "an unchanged build wrote the site again"
        unchanged = time.perf_counter() - started
        files = [p for p in site.rglob("*") if p.is_file()]
        results = {
            "date": date.today().isoformat(),
            "machine": f"{platform.machine()}, {platform.system()}, Python {platform.python_version()}",
            "full_build_seconds_median_of_3": round(statistics.median(full), 2),
            "unchanged_build_seconds": round(unchanged, 2),
            "pages": sum(p.suffix == ".html" for p in files),
            "files": len(files),
            "site_mb": _megabytes(files),
            "charts_mb": _megabytes(p for p in files if p.parent.name == "figures"),
            "data_downloads_mb": _megabytes(p for p in files if "data" in p.relative_to(site).parts),
            "html_mb": _megabytes(p for p in files if p.suffix == ".html"),
        }
    RESULTS.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=1))
    speed_table.main([])  # the docs' tables follow the record at once, as test_speed_table holds them to it


if __name__ == "__main__":
    main()
