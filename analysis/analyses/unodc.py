"""UNODC's yearly counts for one country, as the analyses use them: one release's row per year, censoring kept.

An analysis chooses the release once (:func:`~analysis.data.vintages.choose_release`)
and reads every series it needs from that choice.
"""

from __future__ import annotations

import pandas as pd

from ..data.vintages import RULES

#: The values the ``release`` parameter takes: which GLOTIP release stands where both give a count.
RELEASES = RULES


#: The smallest value a count UNODC writes "<5" is taken to have: 1, since UNODC writes a zero as 0. An assumption,
#: which notebook 06's ``censored_low`` may set to 0 (and whose effect it shows once).
CENSORED_LOW = 1


def yearly_counts(chosen: pd.DataFrame, iso3: str, metric: str, years: list[int],
                  form: str = "unsplit", lowest: int = CENSORED_LOW) -> pd.DataFrame:
    """One row per year of ``years``: the count as written, its bounds, and where it comes from.

    Args:
        chosen: GLOTIP rows with one release per count, from ``choose_release``
            (which leaves flagged rows out unless told otherwise).
        iso3: The country.
        metric: The count, as the GLOTIP table names it.
        years: The calendar years, one row each.
        form: The form of trafficking (``"unsplit"``: all forms together).
        lowest: The smallest value a "<5" may take (its ``low`` bound).

    A year without a row has an empty ``written`` and missing bounds: not
    reported, which is neither zero nor censored.
    """
    rows = chosen[(chosen.iso3 == iso3) & (chosen.metric == metric) & (chosen.form == form) & (chosen.sex == "Total")
                  & (chosen.age == "Total")].set_index("year")
    table = pd.DataFrame({"year": years})
    found = rows.reindex(years)
    table["written"] = found.value_as_written.to_numpy()
    table["low"] = found.count_low.astype("Float64").to_numpy(dtype=float, na_value=float("nan"))
    table["high"] = found.count_high.astype("Float64").to_numpy(dtype=float, na_value=float("nan"))
    table["censored"] = found.censored.fillna(False).astype(bool).to_numpy()
    table.loc[table.censored, "low"] = float(lowest)
    table["id"] = found.id.to_numpy()
    table["release"] = found.source_id.to_numpy()
    return table
