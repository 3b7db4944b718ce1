"""Norway's victims by year in each source's count, each with its ids, its definition and why it is missing.

The TIP's government count, KOM's victims followed up and UNODC's detected victims.

Several analyses set these counts side by side (06, 03, 08, 10); they are read here once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data import Dataset, choose_vintage, kom_victims, victim_count
from ..data.flags import of_ids, value_flags
from ..data.measures import GOVERNMENT_COUNTS
from ..data.vintages import choose_release
from .unodc import yearly_counts

#: The counts of victims the funding is divided by, side by side: the key the tables use, and who counts.
COUNTS = {"tip": "TIP", "unodc_detected": "UNODC", "kom": "KOM"}
#: What UNODC's and KOM's counts count (the TIP's is named by its measure).
COUNTED = {"unodc_detected": "victims detected", "kom": "victims followed up"}
#: UNODC's release read for its counts, flagged rows left out, as in the other notebooks.
RELEASE = "latest"
#: Why a count is missing when the data record no reason: the curated data hold no such count for the year.
NOT_IN_DATA = "not in the data"


def tip_years(figures: pd.DataFrame, sources: pd.DataFrame, rule: str) -> pd.DataFrame:
    """The TIP's figures for calendar years, one edition's value per figure (``rule``: first or latest)."""
    chosen = choose_vintage(figures, sources, rule)
    return chosen[(chosen.series == "TIP") & (chosen.period_kind == "calendar_year")]


def victims_per_year(figures: pd.DataFrame, sources: pd.DataFrame, years: list[int],
                     rule: str = "latest") -> pd.DataFrame:
    """The TIP's government count of victims for each year, by the best measure the editions give.

    Identified-and-assisted counts come first; then victims identified (adding
    the populations given, when together they cover everyone, e.g. adults and
    children); then the government's estimate. A year without any keeps the
    reason the preferred measure gives.
    """
    tip = tip_years(figures, sources, rule)
    rows = []
    for year in years:
        found = None
        for name in GOVERNMENT_COUNTS:
            try:
                count = victim_count(tip, name, year)
            except LookupError:
                continue
            definitions = tip[tip.id.isin(count.ids)].set_index("id").definition.loc[list(count.ids)]
            found = {"measure": name, "victims": count.value, "hedge": count.hedge,
                     "definition": " + ".join(definitions),
                     "ids": count.ids, "missing_reason": None}
            break
        if found is None:
            gap = tip[(tip.metric == GOVERNMENT_COUNTS[0]) & (tip.period_start == year) & (tip.form == "unsplit")]
            reason = gap.missing_reason.iloc[0] if len(gap) else "no source covers this year"
            found = {"measure": None, "victims": float("nan"), "hedge": None, "definition": None, "ids": tuple(gap.id),
                     "missing_reason": reason}
        rows.append({"year": year, **found})
    return pd.DataFrame(rows)


def _kom_missing(reasons: pd.Series, year: int) -> str:
    """Why KOM gives no count of victims followed up for ``year``: the reason the data record, or none there.

    ``reasons`` is the ``missing_reason`` column of :func:`~analysis.data.query.kom_victims` with the missing years.
    """
    reason = reasons.get(year)
    return reason if isinstance(reason, str) else NOT_IN_DATA


def other_counts(data: Dataset, years: list[int], release: str = RELEASE) -> pd.DataFrame:
    """UNODC's detected victims and KOM's victims followed up, one row per year and count.

    Columns: ``year``, ``count`` (a key of :data:`COUNTS`), ``victims`` (missing where there is no single count),
    ``ids`` (a tuple of figure ids), ``definition``, ``missing_reason``, and ``flags`` with ``flag_reasons`` (the
    flags of UNODC's value, :mod:`analysis.data.flags`; empty for KOM's). UNODC's counts come from the GLOTIP
    ``release`` with flagged rows left out; a count written "<5" gives no single number and is missing with its reason.
    KOM's are its counts of everyone (:func:`~analysis.data.query.kom_victims`).
    """
    chosen = choose_release(data.glotip, release)
    unodc = yearly_counts(chosen, "NOR", "victims_detected", years).set_index("year")
    unodc["flags"], unodc["flag_reasons"] = of_ids(value_flags(data.glotip, data.series_breaks, chosen), list(unodc.id))
    kom = kom_victims(data.figures, data.sources)
    reasons = None  # why KOM gives no count, by year: read once, at the first year without one
    rows = []
    for year in years:
        found = unodc.loc[year]
        given = isinstance(found.written, str)
        single = given and found.low == found.high
        reason = None if single else (f"written {found.written!r}" if given else "not reported to UNODC")
        rows.append({"year": year, "count": "unodc_detected", "victims": float(found.low) if single else np.nan,
                     "ids": (found.id,) if given else (), "definition": COUNTED["unodc_detected"],
                     "missing_reason": reason, "flags": found["flags"], "flag_reasons": found["flag_reasons"]})
        if year in kom.index:
            found = kom.loc[year]
            rows.append({"year": year, "count": "kom", "victims": float(found.value), "ids": (found.id,),
                         "definition": found.definition, "missing_reason": None, "flags": "", "flag_reasons": ""})
        else:
            if reasons is None:
                reasons = kom_victims(data.figures, data.sources, with_missing=True).missing_reason
            rows.append({"year": year, "count": "kom", "victims": np.nan, "ids": (), "definition": None,
                         "missing_reason": _kom_missing(reasons, year), "flags": "", "flag_reasons": ""})
    return pd.DataFrame(rows)
