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
        written = save(fig, "probe", pd.DataFrame({"x": [1.0, 2.0], "ids": [("a", "b"), ("c",)]}),
                       tmp_path / str(attempt))
        plt.close(fig)
        digests.append([p.read_bytes() for p in written])
    assert digests[0] == digests[1]
    svg = digests[0][1].decode()
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg
    assert b"Software" not in digests[0][0]
    assert digests[0][2].decode() == "x,ids\n1,a;b\n2,c\n"
