"""UNODC's yearly counts for one country, as the analyses use them: one release's row per year, censoring kept."""

from __future__ import annotations

import pandas as pd

from ..data.vintages import RULES, choose_release

#: The values the ``release`` parameter takes: which GLOTIP release stands where both give a count.
RELEASES = RULES


def yearly_counts(glotip: pd.DataFrame, iso3: str, metric: str, years: list[int], form: str = "unsplit",
                  release: str = "latest", include_flagged: bool = False) -> pd.DataFrame:
    """One row per year of ``years``: the count as written, its bounds, and where it comes from.

    A year without a row has an empty ``written`` and missing bounds: not
    reported, which is neither zero nor censored. A flagged row is left out
    (and the year then missing, unless the other release gives it) unless
    ``include_flagged``.
    """
    chosen = choose_release(glotip, release, include_flagged)
    rows = chosen[(chosen.iso3 == iso3) & (chosen.metric == metric) & (chosen.form == form) & (chosen.sex == "Total")
                  & (chosen.age == "Total")].set_index("year")
    table = pd.DataFrame({"year": years})
    found = rows.reindex(years)
    table["written"] = found.value_as_written.to_numpy()
    table["low"] = found.count_low.astype("Float64").to_numpy(dtype=float, na_value=float("nan"))
    table["high"] = found.count_high.astype("Float64").to_numpy(dtype=float, na_value=float("nan"))
    table["censored"] = found.censored.fillna(False).astype(bool).to_numpy()
    table["id"] = found.id.to_numpy()
    table["release"] = found.source_id.to_numpy()
    return table
