"""Parameter sweeps: the grid, the collected results, a kernel of its own for every run.

That a forked kernel starts as clean as a cold one is proved in test_forking.py; that ``--fresh-kernels`` starts
every run's kernel anew, by the runner, in test_stops.py (its sweep "kernels started anew").
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from tiny_notebooks import write_notebook

from analysis import config
from analysis.regenerate.cli import main
from analysis.regenerate.errors import ParameterError, RunError
from analysis.regenerate.grid import combinations, load_grid_file
from analysis.regenerate.manifest import sha256
from analysis.regenerate.notebooks import discover, select
from analysis.regenerate.sweep import MAX_RUNS, sweep

#: Notebook 03's funding lines for 2014, as the TIP 2015 narrative reports them: NOK 2.5 million and 4.5 million.
NOK_2014 = 2_500_000 + 4_500_000
#: Its victim counts for 2014: about 270 identified and assisted; 139 initial contacts at one care institution.
VICTIMS = {"victims_identified_assisted": 270, "initial_contacts": 139}


def _tree(folder: Path) -> dict[str, str]:
    return {p.name: sha256(p) for p in sorted(folder.iterdir()) if p.is_file()}


def _only_sweep(output: Path) -> Path:
    (found,) = (output / "sweeps").iterdir()
    return found


@pytest.fixture(scope="module")
def funding_sweep(tmp_path_factory):
    """One real sweep of notebook 03 through the command line.

    Two rates from a YAML file (a whole number among them), two denominators on the line.
    """
    output = tmp_path_factory.mktemp("sweep")
    grid = output / "grid.yaml"
    grid.write_text("exchange_rate: [7.5, 8]\n", encoding="utf-8")
    before = _tree(config.FIGURES)
    code = main(["sweep", "03", "-f", str(grid), "-p", "denominator", "victims_identified_assisted", "initial_contacts",
                 "--output-dir", str(output), "--workers", "2"])
    return code, _only_sweep(output), before


@pytest.mark.kernel
def test_a_sweep_of_03_gives_one_tidy_table_with_the_values_worked_out_by_hand(funding_sweep):
    code, folder, _ = funding_sweep
    assert code == 0
    results = pd.read_csv(folder / "results.csv")
    assert list(results.columns[:5]) == ["run", "exchange_rate", "denominator", "status", "seconds"]
    assert len(results) == 4 and set(results.status) == {"ok"}
    # the first parameter varies slowest, as written
    assert list(results.exchange_rate) == [7.5, 7.5, 8.0, 8.0]
    assert list(results.denominator) == ["victims_identified_assisted", "initial_contacts"] * 2
    for row in results.itertuples():
        expected = NOK_2014 / VICTIMS[row.denominator] / row.exchange_rate
        assert row.headline == pytest.approx(expected, rel=1e-9)
    assert results["facts.nok_per_victim"].tolist() == pytest.approx([NOK_2014 / VICTIMS[d]
                                                                      for d in results.denominator])
    assert (results["facts.currency"].eq("USD").all()
            and results["facts.rate"].tolist() == results.exchange_rate.tolist())
    assert results["facts.victims"].tolist() == [270.0, 139.0] * 2


@pytest.mark.kernel
def test_the_stacked_tables_are_each_run_s_own_csv_with_its_parameters_in_front(funding_sweep):
    _, folder, _ = funding_sweep
    tables = pd.read_csv(folder / "tables.csv")
    assert list(tables.columns[:3]) == ["run", "exchange_rate", "denominator"]
    for k in range(1, 5):
        own = pd.read_csv(folder / "runs" / f"{k:03d}" / "figures" / "03_funding_per_victim.csv")
        stacked = tables[tables.run == k].reset_index(drop=True)
        # 03's table names its denominator: the parameter's column stands for it
        assert (own.denominator == stacked.denominator).all()
        stacked = stacked.drop(columns=["run", "exchange_rate"])[list(own.columns)]
        pd.testing.assert_frame_equal(stacked, own, check_dtype=False)
    # the two lines and their total, per run; NOK per victim identified and assisted: 2.5 m / 270 and 4.5 m / 270
    first = tables[tables.run == 1]
    # CSV keeps 6 digits
    assert first.nok_per_victim.tolist()[:2] == pytest.approx([2_500_000 / 270, 4_500_000 / 270], rel=1e-5)


@pytest.mark.kernel
def test_a_sweep_writes_its_chart_and_manifest_and_never_touches_figures(funding_sweep):
    _, folder, before = funding_sweep
    assert _tree(config.FIGURES) == before
    assert (folder / "headline.png").stat().st_size > 10_000 and (folder / "headline.svg").is_file()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["notebook"] == "03_funding_per_victim"
    assert manifest["grid"] == {"exchange_rate": [7.5, 8],
                                "denominator": ["victims_identified_assisted", "initial_contacts"]}
    assert (manifest["runs"], manifest["succeeded"], manifest["failed"]) == (4, 4, 0)
    assert manifest["kernels"].startswith("a kernel forked per notebook run")
    assert manifest["headline"] == {"fact": "per_victim", "label": "funding per victim, in USD"}
    assert [r["parameters"]["exchange_rate"] for r in manifest["run_list"]] == [7.5, 7.5, 8.0, 8.0]
    assert set(manifest["versions"]) >= {"papermill", "pandas", "matplotlib"}
    assert (manifest["inputs"]["notebooks/03_funding_per_victim.ipynb"]
            == sha256(config.NOTEBOOKS / "03_funding_per_victim.ipynb"))


@pytest.mark.kernel
def test_the_sweep_chart_is_readable_and_shows_every_run(funding_sweep):
    from chart_layout import layout_problems

    from analysis.charts.sweep import sweep_chart

    _, folder, _ = funding_sweep
    results = pd.read_csv(folder / "results.csv")
    fig = sweep_chart(results, ["exchange_rate", "denominator"], "funding per victim, in USD", "03_funding_per_victim")
    fig.canvas.draw()  # the legend finds its place when drawn
    try:
        assert layout_problems(fig) == ([], [])
        (ax,) = fig.axes
        assert ax.get_xlabel() == "exchange rate"
        plotted = sorted(y for line in ax.get_lines() for y in line.get_ydata())
        assert plotted == pytest.approx(sorted(results.headline))
        assert [t.get_text() for t in ax.get_legend().get_texts()] == [
            "denominator = victims_identified_assisted", "denominator = initial_contacts"]
        assert fig.texts[0].get_text().startswith("Funding per victim, in USD, by exchange rate")
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)


# --- the grid is checked before anything runs ---

@pytest.fixture(scope="module")
def nb03():
    return select(discover(config.NOTEBOOKS), ["03"])[0]


def test_a_grid_larger_than_the_limit_is_refused_with_its_size(nb03):
    grid = {"exchange_rate": [float(r) for r in range(1, 12)], "denominator": list(VICTIMS),
            "currency": ["USD", "EUR", "SEK", "DKK", "GBP"]}
    with pytest.raises(ParameterError) as refused:
        combinations(nb03, grid, MAX_RUNS)
    assert str(refused.value) == ("03_funding_per_victim: the grid has 110 runs (11 exchange_rate x 2 "
                                  "denominator x 5 currency), "
                                  "more than the limit of 100; sweep fewer values, or raise the "
                                  "limit with --max-runs 110")
    assert len(combinations(nb03, grid, 110)) == 110


def test_unknown_names_repeated_values_and_ill_typed_values_are_refused_together(nb03):
    with pytest.raises(ParameterError) as refused:
        combinations(nb03, {"rate": [7.0], "currency": ["EUR", "EUR"]}, MAX_RUNS)
    message = str(refused.value)
    assert "unknown parameter 'rate'" in message and "currency: 'EUR' given twice" in message
    with pytest.raises(ParameterError, match=r"\(year=two\): .*year"):
        combinations(nb03, {"year": [2014, "two"]}, MAX_RUNS)


@pytest.mark.slow  # starts no kernel, but loads the data as a sweep does
def test_values_the_data_do_not_allow_stop_the_sweep_before_any_kernel(tmp_path, capsys):
    code = main(["sweep", "03", "-p", "year", "2014", "1999", "--output-dir", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "(year=1999)" in err and "1999" in err and "(year=2014)" not in err
    assert not (tmp_path / "sweeps").exists()


def test_a_grid_file_lists_values_and_a_lone_value_is_a_list_of_one(tmp_path):
    grid = tmp_path / "grid.yaml"
    grid.write_text("years: [[2013], [2013, 2014]]\nsource: tip2015\n", encoding="utf-8")
    assert load_grid_file(grid) == {"years": [[2013], [2013, 2014]], "source": ["tip2015"]}
    grid.write_text("- 7.5\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="expected a mapping of parameter names to lists of values"):
        load_grid_file(grid)


# --- a combination that fails: run 1 sets a name, run 2 reads it in a kernel of its own ---

#: Run 2 fails if run 1's name reached its kernel (it must not); run 3 prints.
LEAK = """\
if step == 1:
    leaked = "set by run 1"
elif step == 2:
    print(leaked)
print("step", step)"""


@pytest.mark.kernel
def test_a_failing_combination_is_reported_with_its_parameters_and_the_others_are_kept(tmp_path, capsys):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    write_notebook(notebooks / "01_probe.ipynb", LEAK, params="step: int = 0")
    with pytest.raises(RunError) as failed:
        sweep("01", {"step": [1, 2, 4]}, workers=1, notebooks_dir=notebooks, output=tmp_path / "output",
              say=lambda _: None)
    message = str(failed.value)
    assert message.startswith("1 of 3 run(s) of the sweep failed")
    assert "run 2 (step=2): 01_probe: cell 4" in message and "NameError: name 'leaked' is not defined" in message
    results = pd.read_csv(_only_sweep(tmp_path / "output") / "results.csv")
    assert results.status.tolist() == ["ok", "failed", "ok"]
    assert "no chart" in message  # a notebook that writes no facts has no headline to draw
