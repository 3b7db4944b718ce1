"""Finishing and saving a chart.

The source line built from the register, and files that are the same bytes on every save.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.analyses import conviction_gap
from analysis.charts import save, source_line
from analysis.data import sources_of


def test_source_line_is_built_from_the_register(data):
    line = source_line(sources_of(data.figures, data.sources, ["tip2015-tier", "tip2015-victims-2014"]))
    assert line.count("Trafficking in Persons Report 2015") == 1
    assert "https://2009-2017.state.gov/j/tip/rls/tiprpt/countries/2015/243506.htm" in line
    with pytest.raises(LookupError, match="unknown figure id"):
        sources_of(data.figures, data.sources, ["no-such-figure"])


@pytest.mark.slow
def test_saved_figures_are_byte_stable(tmp_path, data):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from analysis.charts import DRAWINGS, apply_theme, finish

    apply_theme()
    result = conviction_gap.analyse(data)
    digests = []
    for attempt in range(2):
        fig = finish(DRAWINGS[result.name](result), result)
        narrow = finish(DRAWINGS[result.name](result, narrow=True), result, narrow=True)
        written = save(fig, "probe", pd.DataFrame({"x": [1.0, 2.0], "ids": [("a", "b"), ("c",)]}),
                       tmp_path / str(attempt), narrow=narrow, title="A title")
        plt.close(fig)
        plt.close(narrow)
        digests.append([p.read_bytes() for p in written])
    assert [p.name for p in written] == ["probe.png", "probe.svg", "probe.narrow.png", "probe.csv"]
    assert digests[0] == digests[1]
    svg = digests[0][1].decode()
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg and "<title>A title</title>" in svg
    assert b"Software" not in digests[0][0] and b"Software" not in digests[0][2]
    assert digests[0][3].decode() == "x,ids\n1,a;b\n2,c\n"


def test_the_csv_holds_exact_values_with_whole_numbers_as_integers(tmp_path):
    """No rounding to 6 significant digits: a population or an amount reads back as the number computed, every run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    per_victim = [7_000_000 / 270, 7_000_000 / 324, float("nan")]
    table = pd.DataFrame({"nok": [2_500_000.0, 4_500_000.0, float("nan")], "per_victim": per_victim,
                          "population": [4_709_153.0, 5_408_320.0, 372_295.0], "share": [0.1 + 0.2, 1.0, 0.5],
                          "count": [1, 2, 3], "ids": [("a", "b"), ("c",), ()]})
    fig, _ = plt.subplots()
    texts = []
    for attempt in range(2):
        written = save(fig, "probe", table, tmp_path / str(attempt))
        texts.append(written[2].read_bytes())
    plt.close(fig)
    assert texts[0] == texts[1]
    lines = texts[0].decode().splitlines()
    assert lines[0] == "nok,per_victim,population,share,count,ids"
    assert lines[1] == f"2500000,{per_victim[0]!r},4709153,{0.1 + 0.2!r},1,a;b"  # 25925.925925925927, not 25925.9
    assert lines[2] == f"4500000,{per_victim[1]!r},5408320,1.0,2,c"  # 5408320, not 5.40832e+06
    assert lines[3] == ",,372295,0.5,3,"
    back = pd.read_csv(tmp_path / "0" / "probe.csv")
    assert back.per_victim.iloc[0] == per_victim[0] and back.share.iloc[0] == 0.1 + 0.2
    assert back.population.tolist() == [4_709_153, 5_408_320, 372_295]
