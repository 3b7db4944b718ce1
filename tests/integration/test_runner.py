"""The regeneration command: real papermill runs of tiny notebooks, with real kernels, into temporary folders.

The parameters and refusals a run checks before any kernel starts are tested in test_run_parameters.py, its failures
and its lock in test_run_failures.py. Other test modules import the tiny notebooks from here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from tiny_notebooks import KERNEL, RATE, RATE_PARAMS, TINY, cli, latest, write_notebook

from analysis import config
from analysis.regenerate.cli import main
from analysis.regenerate.manifest import RunRecord, sha256
from analysis.report.inputs import FORMATS

__all__ = ["KERNEL", "RATE", "RATE_PARAMS", "TINY", "cli", "latest", "write_notebook"]  # what other modules import


# --- real runs with other parameters, numbers checked against hand-computed values ---------

@pytest.mark.kernel
def test_runs_with_non_default_parameters(tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text(
        "01:\n  years: [2014]\n  denominator: initial_contacts\n"
        "03_funding_per_victim:\n  currency: EUR\n  exchange_rate: 10\n  denominator: shelter_accepted\n"
        "04:\n  years: [2014]\n",
        encoding="utf-8",
    )
    figures = tmp_path / "figures"
    cwd = os.getcwd()
    code = main(["run", "01", "03", "04", "-f", str(params), "--publish", "--output-dir", str(tmp_path / "out"),
                 "--figures-dir", str(figures)])
    assert code == 0
    assert os.getcwd() == cwd, "parallel workers must not change the process's working directory"
    gap = pd.read_csv(figures / "01_conviction_gap.csv")
    per_year = gap[gap.panel == "per_year"]
    assert per_year.year.tolist() == [2014]
    assert per_year.victims_per_conviction.tolist() == [pytest.approx(139 / (4 + 1), rel=1e-5)]

    money = pd.read_csv(figures / "03_funding_per_victim.csv").set_index("id")
    assert money.loc["total", "nok_per_victim"] == pytest.approx((2_500_000 + 4_500_000) / (41 + 1), rel=1e-5)
    assert money.loc["total", "eur_per_victim"] == pytest.approx(7_000_000 / 10 / 42, rel=1e-5)
    assert "usd_per_victim" not in money.columns

    protection = pd.read_csv(figures / "04_victim_protection.csv")
    assert protection.year.unique().tolist() == [2014]
    permits = protection.set_index("measure").loc["temporary_residence_permits_granted", "per_100_victims"]
    assert permits == pytest.approx(100 * 41 / 270, rel=1e-5)

    manifest = json.loads((tmp_path / "out" / "latest.json").read_text())
    assert manifest["status"] == "succeeded" and manifest["figures_replaced"]
    funding = next(n for n in manifest["notebooks"] if n["name"] == "03_funding_per_victim")
    assert funding["parameters"]["exchange_rate"] == 10.0 and funding["parameters"]["year"] == 2014
    assert funding["outputs"]["03_funding_per_victim.csv"] == sha256(figures / "03_funding_per_victim.csv")
    assert "data/processed/figures.csv" in manifest["inputs"]
    assert manifest["inputs"]["uv.lock"] == sha256(config.ROOT / "uv.lock")  # the environment's lock
    assert manifest["versions"]["pandas"].startswith("3.")
    # only the charts of the notebooks run were written, each with every file of a chart
    assert sorted(p.name for p in figures.iterdir()) == sorted(
        f"{name}.{kind}" for name in ("01_conviction_gap", "03_funding_per_victim", "04_victim_protection")
        for kind in FORMATS)


# --- published and exploratory runs ------------------------------------------------------

@pytest.mark.kernel
def test_run_with_the_defaults_publishes(folders, capsys):
    write_notebook(folders["notebooks"] / "01_tiny.ipynb", TINY.replace("{NUMBER}", "01"))
    (folders["figures"] / "01_tiny.csv").write_text("last good")
    assert main(["run", *cli(folders)]) == 0
    assert (folders["figures"] / "01_tiny.csv").read_text() == "tiny"
    manifest = latest(folders)
    assert manifest["published"] and manifest["figures_replaced"] and manifest["charts"] == str(folders["figures"])
    assert manifest["notebooks"][0]["parameters_changed"] == {}
    assert f"charts replaced in {folders['figures']}" in capsys.readouterr().err


#: The fields of a run's manifest, in the order it is written.
MANIFEST_FIELDS = ["run_id", "started", "workers", "versions", "inputs", "reused", "stale", "unreadable", "kernels",
                   "finished", "seconds", "status", "published", "figures_replaced", "charts", "notebooks"]
NOTEBOOK_FIELDS = ["name", "parameters_given", "parameters", "parameters_changed", "seconds", "status", "error",
                   "executed", "outputs"]


@pytest.mark.kernel
def test_a_manifest_lists_its_fields_in_one_order_and_leaves_out_kernels_when_none_started(folders):
    write_notebook(folders["notebooks"] / "01_tiny.ipynb", TINY.replace("{NUMBER}", "01"))
    assert main(["run", *cli(folders)]) == 0
    first = latest(folders)
    assert list(first) == MANIFEST_FIELDS and list(first["notebooks"][0]) == NOTEBOOK_FIELDS
    run_dir = folders["output"] / "runs" / first["run_id"]
    assert (run_dir / "manifest.json").read_bytes() == (folders["output"] / "latest.json").read_bytes()
    assert main(["run", *cli(folders)]) == 0  # up to date: nothing runs, no kernel starts
    again = latest(folders)
    assert list(again) == [name for name in MANIFEST_FIELDS if name != "kernels"]
    assert (again["status"], again["finished"], again["seconds"], again["notebooks"]) == ("up to date",
                                                                                          again["started"], 0.0, [])
    assert (again["published"], again["charts"], again["reused"]) == (
        False, str(folders["figures"]), {"01_tiny": "up to date: its inputs are as at its last publishing run"})


def test_an_incomplete_manifest_holds_only_what_is_known_when_the_run_starts(tmp_path):
    started = RunRecord("20261201T101500123456Z", "2026-12-01T10:15:00+00:00", 2, {"python": "3.11"},
                        {"uv.lock": "ab"}, {}, {"01_tiny": "run with --force"}, {})
    started.write_incomplete(tmp_path)
    written = json.loads((tmp_path / "manifest.json").read_text())
    assert list(written) == [*MANIFEST_FIELDS[:8], "status", "note"]
    assert (written["run_id"], written["workers"], written["stale"]) == ("20261201T101500123456Z", 2,
                                                                         {"01_tiny": "run with --force"})
    assert written["status"] == "incomplete" and written["note"].endswith("it was killed before it finished")


def test_a_manifest_whose_charts_could_not_be_published_ends_with_the_error(tmp_path):
    record = RunRecord("20261201T101500123456Z", "2026-12-01T10:15:00+00:00", 1, {}, {}, {}, {}, {},
                       kernels="forked")
    record.ended("2026-12-01T10:15:02+00:00", 2.0, "succeeded", tmp_path / "staged", [])
    record.publishing_failed(OSError("disk full"), in_place=False)
    record.write(tmp_path, tmp_path)
    written = json.loads((tmp_path / "latest.json").read_text())
    assert list(written) == [*MANIFEST_FIELDS, "error"]
    assert (written["status"], written["published"], written["figures_replaced"], written["error"]) == (
        "not published", False, False, "disk full")
    assert written["charts"] == str(tmp_path / "staged")


@pytest.mark.kernel
def test_run_with_other_parameters_leaves_figures_and_keeps_its_charts_in_its_run_folder(folders, capsys):
    write_notebook(folders["notebooks"] / "01_tiny.ipynb", TINY.replace("{NUMBER}", "01"))
    before = folders["figures"] / "01_tiny.csv"
    before.write_text("last good")
    assert main(["run", *cli(folders), "-p", "label", "other"]) == 0
    err = capsys.readouterr().err
    manifest = latest(folders)
    staged = folders["output"] / "runs" / manifest["run_id"] / "figures"
    assert (staged / "01_tiny.csv").read_text() == "other"
    assert before.read_text() == "last good" and sorted(p.name for p in folders["figures"].iterdir()) == ["01_tiny.csv"]
    assert manifest["status"] == "succeeded" and not manifest["published"] and not manifest["figures_replaced"]
    assert manifest["charts"] == str(staged)
    assert manifest["notebooks"][0]["parameters_changed"] == {"label": {"default": "tiny", "value": "other"}}
    assert f"{folders['figures']} left as it was" in err and f"The charts are in {staged}" in err
    assert "(01_tiny: label)" in err and "--publish" in err


@pytest.mark.kernel
def test_publish_replaces_figures_with_other_parameters(folders, capsys):
    write_notebook(folders["notebooks"] / "01_tiny.ipynb", TINY.replace("{NUMBER}", "01"))
    (folders["figures"] / "01_tiny.csv").write_text("last good")
    assert main(["run", *cli(folders), "-p", "label", "other", "--publish"]) == 0
    assert (folders["figures"] / "01_tiny.csv").read_text() == "other"
    manifest = latest(folders)
    assert manifest["published"] and manifest["charts"] == str(folders["figures"])
    assert manifest["notebooks"][0]["parameters_changed"] == {"label": {"default": "tiny", "value": "other"}}
    assert "published with parameters other than the defaults (01_tiny: label)" in capsys.readouterr().err


@pytest.mark.kernel
def test_union_annotated_parameter_is_listed_checked_and_injected(folders, capsys):
    write_notebook(folders["notebooks"] / "01_rate.ipynb", RATE, params=RATE_PARAMS)
    assert main(["list", "--notebooks-dir", str(folders["notebooks"])]) == 0
    assert "rate: float | None = None  # NOK per unit; None: the report's rate" in capsys.readouterr().out
    assert main(["run", *cli(folders), "-p", "rate", "ten"]) == 2
    assert "parameter 'rate' of 01_rate expects float | None, got 'ten' (str)" in capsys.readouterr().err
    assert main(["run", *cli(folders), "-p", "rate", "null"]) == 0  # None is the default: published
    assert (folders["figures"] / "01_rate.csv").read_text() == "None"
    assert main(["run", *cli(folders), "-p", "rate", "7"]) == 0
    manifest = latest(folders)
    assert (Path(manifest["charts"]) / "01_rate.csv").read_text() == "7.0"
    assert manifest["notebooks"][0]["parameters_changed"] == {"rate": {"default": None, "value": 7.0}}
    assert (folders["figures"] / "01_rate.csv").read_text() == "None"


@pytest.mark.kernel
def test_a_run_prints_only_its_own_lines_and_leaves_no_kernel_files(folders):
    write_notebook(folders["notebooks"] / "01_rate.ipynb", RATE, params=RATE_PARAMS)
    scratch = Path(tempfile.mkdtemp(prefix="tn-"))  # short: the kernel's sockets live under it
    try:
        done = subprocess.run([sys.executable, "-m", "analysis.regenerate.cli", "run", *cli(folders), "-p", "rate",
                               "7"],
                              capture_output=True, text=True, timeout=240, env={**os.environ, "TMPDIR": str(scratch)})
        left = list(scratch.iterdir())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    assert done.returncode == 0, done.stderr
    own = [r"running 1 notebook\(s\) with 1 worker\(s\) into \S+",
           r"\[1/1\] 01_rate ok \(\d+\.\d s\)",
           r"all 1 notebook\(s\) succeeded in \d+\.\d s with parameters other than the defaults \(01_rate: rate\); .+"]
    lines = done.stderr.splitlines()
    assert len(lines) == len(own) and all(re.fullmatch(p, line)
                                          for p, line in zip(own, lines, strict=True)), done.stderr
    assert "warning" not in done.stderr.lower() and "TCP" not in done.stderr and done.stdout == ""
    assert not left, f"kernel files left behind: {left}"
