"""Vintages: one figure as several editions of a series report it.

Each TIP edition reports mostly on the calendar year before it, and later
editions restate earlier figures. Every edition's value is kept in the data;
the functions here choose between them (first-reported or latest) or lay
them side by side.
"""

from __future__ import annotations

import pandas as pd

#: Columns that identify "the same figure" across editions of one series.
FIGURE_KEY = ["series", "metric", "form", "population", "area", "item", "unit", "period_start", "period_end"]


def with_series(figures: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Figures with the ``series`` of their source (TIP, KOM, statement)."""
    return figures.merge(sources[["source_id", "series"]], on="source_id", how="left", validate="many_to_one")


def choose_vintage(figures: pd.DataFrame, sources: pd.DataFrame, rule: str = "latest") -> pd.DataFrame:
    """One row per figure: the first-reported or the latest edition's value.

    Args:
        figures: The curated figures, every edition's.
        sources: The source register, which says each source's series and edition.
        rule: ``"first"`` keeps the earliest edition that gives a value,
            ``"latest"`` the most recent one. An edition that gives no value
            (missing, with its reason) is chosen only when no edition gives one.

    Returns:
        The chosen rows, with ``series`` and ``editions`` (how many editions
        report the figure).
    """
    if rule not in RULES:
        raise ValueError(f"rule must be 'first' or 'latest', got {rule!r}")
    table = with_series(figures, sources)
    table["_has_value"] = table.value.notna()
    table["_order"] = table.report_year if rule == "latest" else -table.report_year
    table = table.sort_values(["_has_value", "_order"], kind="stable")
    grouped = table.groupby(FIGURE_KEY, dropna=False, sort=False)
    chosen = grouped.tail(1).copy()
    counts = grouped.report_year.transform("nunique")
    chosen["editions"] = counts.loc[chosen.index].astype(int)
    return chosen.drop(columns=["_has_value", "_order"]).sort_values(["metric", "period_start", "id"],
                                                                     ignore_index=True)


def restatements(figures: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Every figure that more than one edition of a series gives a value for.

    Returns:
        One row per figure and edition, with ``first_value`` (the earliest
        edition's), ``difference`` from it and ``agrees`` (all editions give
        the same value).
    """
    table = with_series(figures, sources)
    table = table[table.value.notna()]
    grouped = table.groupby(FIGURE_KEY, dropna=False)
    table = table[grouped.report_year.transform("nunique") > 1].sort_values([*FIGURE_KEY, "report_year"])
    if table.empty:
        return table.assign(first_value=pd.Series(dtype="Float64"), difference=pd.Series(dtype="Float64"),
                            agrees=pd.Series(dtype=bool))
    grouped = table.groupby(FIGURE_KEY, dropna=False)
    table["first_value"] = grouped.value.transform("first")
    table["difference"] = table.value - table.first_value
    table["agrees"] = grouped.value.transform("nunique").eq(1)
    return table[["id", *FIGURE_KEY, "report_year", "value", "hedge", "definition", "first_value", "difference",
                  "agrees"]].reset_index(drop=True)



#: The rules :func:`choose_vintage` knows.
RULES = ("first", "latest")


#: Columns that identify "the same count" across GLOTIP releases.
GLOTIP_KEY = ["iso3", "metric", "form", "sex", "age", "year"]


def choose_release(glotip: pd.DataFrame, rule: str = "latest", include_flagged: bool = False) -> pd.DataFrame:
    """One GLOTIP row per count: the latest (or first) release that gives it.

    Args:
        glotip: ``load(glotip=True).glotip``, with its ``flag`` column.
        rule: ``"latest"`` or ``"first"`` release.
        include_flagged: Keep rows a quality check flags. Off by default: a
            flagged row is left out before the choice, so an earlier release's
            unflagged value stands in for a later release's flagged one.
    """
    if rule not in RULES:
        raise ValueError(f"rule must be 'first' or 'latest', got {rule!r}")
    rows = glotip if include_flagged else glotip[glotip.flag.isna()]
    rows = rows.sort_values(["source_id", "row"], ascending=rule == "first", kind="stable")
    return rows.drop_duplicates(GLOTIP_KEY, keep="first").sort_values([*GLOTIP_KEY], ignore_index=True)


def each_release(glotip: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The GLOTIP rows of each release alone, by source id in release order (``choose_release`` then picks among them).

    A headline is checked on every release alone, over the years all of them cover (:func:`last_common_year`).
    """
    return {source_id: glotip[glotip.source_id == source_id] for source_id in sorted(glotip.source_id.unique())}


def last_common_year(glotip: pd.DataFrame) -> int:
    """The last year every GLOTIP release covers (the earlier release ends sooner)."""
    return int(glotip.groupby("source_id").year.max().min())


def release_differences(glotip: pd.DataFrame) -> pd.DataFrame:
    """Counts the two releases both give and write differently, side by side (the restatements of GLOTIP)."""
    columns = [*GLOTIP_KEY, "source_id", "value_as_written", "id"]  # taken first: the other columns are not needed
    single = glotip[columns][~glotip.duplicated(["source_id", *GLOTIP_KEY], keep=False)]
    releases = sorted(single.source_id.unique())
    if len(releases) < 2:
        return pd.DataFrame(columns=[*GLOTIP_KEY, "first_release", "first_value", "first_id", "latest_release",
                                     "latest_value", "latest_id"])
    first, latest = (single[single.source_id == r] for r in (releases[0], releases[-1]))
    both = first.merge(latest, on=GLOTIP_KEY, suffixes=("_first", "_latest"))
    both = both[both.value_as_written_first != both.value_as_written_latest]
    both = both.rename(columns={"source_id_first": "first_release", "value_as_written_first": "first_value",
                                "id_first": "first_id",
                                "source_id_latest": "latest_release", "value_as_written_latest": "latest_value",
                                "id_latest": "latest_id"})
    return both.sort_values(GLOTIP_KEY, ignore_index=True)
