"""The quality checks of GLOTIP's counts on a table made here, and the per-row checks of the figures run twice.

The expected findings are written out by hand from the rows below, not computed with the code under test.
"""

from __future__ import annotations

import pandas as pd

from analysis.data.checks import check_values
from analysis.data.quality import inconsistencies

_COLUMNS = ["id", "source_id", "iso3", "metric", "year", "form", "sex", "age", "category", "value_as_written",
            "count", "count_high"]


def _glotip(rows: list[tuple]) -> pd.DataFrame:
    """GLOTIP rows typed as the loader types them."""
    table = pd.DataFrame(rows, columns=_COLUMNS)
    return table.astype({c: "str" for c in _COLUMNS if c not in ("year", "count", "count_high")}).astype(
        {"year": "Int64", "count": "Int64", "count_high": "Int64"})


def test_parts_above_their_total_and_shared_keys_are_found_and_rows_without_a_year_left_out():
    table = _glotip([
        ("t1", "r", "NOR", "m", 2020, "unsplit", "Total", "Total", "Total", "5", 5, 5),
        ("p1", "r", "NOR", "m", 2020, "sex", "Total", "Total", "Sexual exploitation", "4", 4, 4),
        ("p2", "r", "NOR", "m", 2020, "labor", "Total", "Total", "Forced labour", "<5", None, 4),
        ("p3", "r", "NOR", "m", 2020, "other", "Total", "Total", "Other", "3", 3, 3),
        ("d1", "r", "NOR", "m", 2021, "unsplit", "Female", "Total", "Total", "2", 2, 2),
        ("d2", "r", "NOR", "m", 2021, "unsplit", "Female", "Total", "Total", "3", 3, 3),
        ("n1", "r", "NOR", "m", None, "unsplit", "Male", "Total", "Total", "50", 50, 50),
        ("n2", "r", "NOR", "m", None, "unsplit", "Male", "Total", "Total", "60", 60, 60),
        ("n3", "r", "NOR", "m", None, "unsplit", "Total", "Total", "Total", "1", 1, 1),
        ("s1", "r", "SWE", "m", 2020, "unsplit", "Total", "Total", "Total", "<5", None, 4),
        ("s2", "r", "SWE", "m", 2020, "unsplit", "Total", "0 to 17 years", "0 to 17 years", "<5", None, 4),
    ])
    over = ("parts add up to at least 7 (Sexual exploitation 4, Forced labour <5, Other 3), more than the total 5 "
            "(at most 5; row t1)")
    assert inconsistencies(table) == {
        ("d1", "duplicate_key"): "2 rows share this key: 2, 3",
        ("d2", "duplicate_key"): "2 rows share this key: 2, 3",
        ("p1", "parts_by_form_exceed_total"): over,
        ("p2", "parts_by_form_exceed_total"): over,
        ("p3", "parts_by_form_exceed_total"): over,
    }


def test_a_row_checked_again_with_one_cell_changed_is_judged_on_its_new_cells():
    quote = "Authorities initiated investigations of 36 sex trafficking cases"
    figures = pd.DataFrame({"id": ["f1"], "value": [36.0], "value_as_written": ["36"], "missing_reason": [None],
                            "quote": [quote], "hedge": ["exact"]}).astype(
        {"id": "str", "value": "Float64", "value_as_written": "str", "missing_reason": "str", "quote": "str",
         "hedge": "str"})
    assert check_values(figures, "figures.csv") == []
    assert check_values(figures, "figures.csv") == []
    changed = figures.assign(value=pd.array([37.0], dtype="Float64"))
    assert [str(p) for p in check_values(changed, "figures.csv")] == [
        "figures.csv, line 2 (id f1), column 'value': expected 36, the value of '36', found 37"]
    assert [str(p) for p in check_values(changed.set_axis([4]), "figures.csv")] == [
        "figures.csv, line 6 (id f1), column 'value': expected 36, the value of '36', found 37"]
