"""Flags on UNODC's GLOTIP values, in Eurostat's codes, with the reason for each.

A chart that shows a GLOTIP value shows its flags beside it. The codes, in the
order they are written (``"br"``, never ``"rb"``):

- ``b`` break in time series: the country's count of this metric is on a new
  basis from a given year (a new law); every value from that year on carries it.
  From the curated table ``data/processed/series_breaks.csv``.
- ``d`` definition differs: in the years a row of that table names, the count
  is on another basis than in the other years. From the same table.
- ``r`` revised: the two releases both give the count and write it
  differently (:func:`~analysis.data.vintages.release_differences`).
- ``u`` low reliability: a quality check flags the value itself (kept only
  when a choice includes flagged rows), or the value is a total whose parts
  in the same release fail a check (``data/processed/glotip_flags.csv``). A
  small count is not ``u``: it keeps its own marker ("<5", censored).

The curated table is checked at load (:mod:`analysis.data.breaks`).
"""

from __future__ import annotations

import re

import pandas as pd

from .quality import CHECKS
from .vintages import GLOTIP_KEY, release_differences

#: Eurostat's codes for the flags on a value, in the order they are written, with their labels.
FLAG_CODES = {
    "b": "break in time series",
    "d": "definition differs",
    "r": "revised",
    "u": "low reliability",
}
#: The codes the curated table ``series_breaks.csv`` holds; the others are derived from the data.
CURATED_CODES = ("b", "d")
#: What separates the reasons of two codes in ``flag_reasons`` (so no curated reason may hold a ';').
SEPARATOR = "; "

#: The quality checks that find parts above their total (the total is then unreliable too), and how a reason names
#: the parts.
_PARTS = {"parts_by_form_exceed_total": "by form", "parts_by_sex_exceed_total": "by sex",
          "parts_by_age_exceed_total": "by age"}
_CHECK_NAMES = re.compile(r"\b(" + "|".join(map(re.escape, CHECKS)) + r"): ")


def is_total(rows: pd.DataFrame) -> pd.Series:
    """Which rows are a total: every form, sex and age together."""
    return (rows.form == "unsplit") & (rows.sex == "Total") & (rows.age == "Total")


def _applies(chosen: pd.DataFrame, row) -> pd.Series:
    """Which chosen rows a row of the curated table covers: its country and metric, its years."""
    covered = (chosen.iso3 == row.iso3) & (chosen.metric == row.metric) & (chosen.year >= row.first_year)
    if not pd.isna(row.last_year):
        covered &= chosen.year <= row.last_year
    return covered


def _break_reason(row) -> str:
    if row.code == "b":
        return f"new basis from {row.first_year}, the change in effect on {row.date:%Y-%m-%d}: {row.reason} ({row.id})"
    return f"other basis in {row.first_year}-{row.last_year}: {row.reason} ({row.id})"


def _break_reasons(breaks: pd.DataFrame, chosen: pd.DataFrame) -> dict[str, dict]:
    """Codes b and d: the chosen rows each curated row covers, with its reason."""
    found: dict[str, dict] = {code: {} for code in CURATED_CODES}
    for row in breaks.itertuples():
        for index in chosen.index[_applies(chosen, row)]:
            found[row.code].setdefault(index, []).append(_break_reason(row))
    return found


def _revision_reasons(glotip: pd.DataFrame, chosen: pd.DataFrame) -> dict:
    """Code r: the chosen rows whose count the two releases write differently, with both values."""
    by_key = {}
    for row in release_differences(glotip).itertuples():
        by_key[tuple(getattr(row, c) for c in GLOTIP_KEY)] = [
            f"the releases write it differently: {row.first_release} writes {row.first_value} (row {row.first_id}), "
            f"{row.latest_release} writes {row.latest_value} (row {row.latest_id})"]
    keys = zip(*(chosen[c].tolist() for c in GLOTIP_KEY), strict=True)  # lists: a pandas 3 str column iterates slowly
    return {index: by_key[key] for index, key in zip(chosen.index.tolist(), keys, strict=True) if key in by_key}


def _reliability_reasons(glotip: pd.DataFrame, chosen: pd.DataFrame) -> dict:
    """Code u: the chosen rows a quality check flags, and the totals whose parts in the same release it flags."""
    found: dict = {}
    for index, flag in zip(chosen.index.tolist(), chosen.flag.tolist(), strict=True):
        if not pd.isna(flag):
            named = ", and ".join(CHECKS[name] for name in dict.fromkeys(_CHECK_NAMES.findall(flag)))
            found[index] = [f"a quality check flags this value ({named}, see glotip_flags.csv)"]
    parts: dict[tuple, dict[str, list[str]]] = {}
    for row in glotip.loc[glotip.flag.notna(), ["source_id", "iso3", "metric", "year", "flag", "id"]].itertuples():
        for name in dict.fromkeys(_CHECK_NAMES.findall(row.flag)):
            if name in _PARTS:
                key = (row.source_id, row.iso3, row.metric, row.year)
                parts.setdefault(key, {}).setdefault(_PARTS[name], []).append(row.id)
    totals = chosen[is_total(chosen)]
    keys = zip(*(totals[c].tolist() for c in ("source_id", "iso3", "metric", "year")), strict=True)
    for index, key in zip(totals.index.tolist(), keys, strict=True):
        for split, ids in parts.get(key, {}).items():
            found.setdefault(index, []).append(f"its parts {split} in the same release add up to more than it "
                                               f"(rows {', '.join(ids)}, see glotip_flags.csv)")
    return found


def value_flags(glotip: pd.DataFrame, breaks: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    """The flags of each chosen GLOTIP row, and why.

    Args:
        glotip: ``load(glotip=True).glotip``, every release's rows with their ``flag`` column (the releases are
            compared, and the parts of a total found, in it).
        breaks: ``load(glotip=True).series_breaks``, the curated breaks and definition changes.
        chosen: Rows of ``glotip``, one per count, as :func:`~analysis.data.vintages.choose_release` returns them
            (or any subset of them, such as one country's totals).

    Returns:
        One row per row of ``chosen``, with its index: ``id``; ``flags``, the codes of :data:`FLAG_CODES` that
        apply, in that order ("br"; empty when none); ``flag_reasons``, one reason per code in the same order,
        each starting with its code and separated by "; " ("b: ...; r: ..."; empty when none). Read the column
        as ``table["flags"]``: ``table.flags`` is pandas' own attribute.
    """
    reasons = {**_break_reasons(breaks, chosen), "r": _revision_reasons(glotip, chosen),
               "u": _reliability_reasons(glotip, chosen)}
    flags, texts = [], []
    for index in chosen.index:
        codes = [code for code in FLAG_CODES if index in reasons[code]]
        flags.append("".join(codes))
        texts.append(SEPARATOR.join(f"{code}: {', and '.join(reasons[code][index])}" for code in codes))
    return pd.DataFrame({"id": chosen.id.astype("str"), "flags": pd.Series(flags, index=chosen.index, dtype="str"),
                         "flag_reasons": pd.Series(texts, index=chosen.index, dtype="str")}, index=chosen.index)


def of_ids(flags: pd.DataFrame, ids) -> tuple[list[str], list[str]]:
    """The flags and the reasons of each of ``ids``, from a table :func:`value_flags` made.

    An id that is not a string (a year without a count) or has no row gets empty ones: no value, no flag. The two
    lists are in the order of ``ids``, to stand as a chart table's ``<value>_flags`` and ``<value>_flag_reasons``.
    """
    by_id = flags.set_index("id")
    found = [isinstance(i, str) and i in by_id.index for i in ids]
    return ([by_id.at[i, "flags"] if ok else "" for i, ok in zip(ids, found, strict=True)],
            [by_id.at[i, "flag_reasons"] if ok else "" for i, ok in zip(ids, found, strict=True)])


def yearly_flags(glotip: pd.DataFrame, breaks: pd.DataFrame, chosen: pd.DataFrame, iso3: str, metric: str,
                 years: list[int], form: str = "unsplit") -> pd.DataFrame:
    """The flags of one country's total, one row per year of ``years``, to join to ``unodc.yearly_counts`` by ``id``.

    The rows are those ``yearly_counts`` picks (the country, the metric, the form, sex and age "Total").

    Returns:
        Columns ``year``, ``id`` (missing for a year without a count), ``flags`` and ``flag_reasons`` (empty for a
        year without a count: no value, no flag), as :func:`value_flags`.
    """
    rows = chosen[(chosen.iso3 == iso3) & (chosen.metric == metric) & (chosen.form == form) & (chosen.sex == "Total")
                  & (chosen.age == "Total")]
    found = value_flags(glotip, breaks, rows).assign(year=rows.year).set_index("year").reindex(years)
    return pd.DataFrame({"year": years, "id": found.id.to_numpy(),
                         "flags": found["flags"].fillna("").to_numpy(),
                         "flag_reasons": found.flag_reasons.fillna("").to_numpy()}).astype(
        {"id": "str", "flags": "str", "flag_reasons": "str"})
