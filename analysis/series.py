"""Figures across editions and sources: vintages, restatements, tiers, drift, TIP against KOM.

Each TIP edition reports mostly on the calendar year before it, and later
editions restate earlier figures. Every edition's value is kept in the data;
the functions here choose between them (first-reported or latest) or lay
them side by side.
"""

from __future__ import annotations

import pandas as pd

#: Columns that identify "the same figure" across editions of one series.
FIGURE_KEY = ["series", "metric", "form", "population", "area", "item", "unit", "period_start", "period_end"]

#: TIP metric and the KOM metric that counts the nearest thing, for the reconciliation.
TIP_KOM_PAIRS = {
    "victims_identified_assisted": "victims_followed_up",
    "investigations": "police_reports",
    "convictions": "judgments",
}


def with_series(figures: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Figures with the ``series`` of their source (TIP, KOM, statement)."""
    return figures.merge(sources[["source_id", "series"]], on="source_id", how="left", validate="many_to_one")


def choose_vintage(figures: pd.DataFrame, sources: pd.DataFrame, rule: str = "latest") -> pd.DataFrame:
    """One row per figure: the first-reported or the latest edition's value.

    Args:
        rule: ``"first"`` keeps the earliest edition that gives a value,
            ``"latest"`` the most recent one. An edition that gives no value
            (missing, with its reason) is chosen only when no edition gives one.

    Returns:
        The chosen rows, with ``series`` and ``editions`` (how many editions
        report the figure).
    """
    if rule not in ("first", "latest"):
        raise ValueError(f"rule must be 'first' or 'latest', got {rule!r}")
    table = with_series(figures, sources)
    table["_has_value"] = table.value.notna()
    table["_order"] = table.report_year if rule == "latest" else -table.report_year
    table = table.sort_values(["_has_value", "_order"], kind="stable")
    grouped = table.groupby(FIGURE_KEY, dropna=False, sort=False)
    chosen = grouped.tail(1).copy()
    counts = grouped.report_year.transform("nunique")
    chosen["editions"] = counts.loc[chosen.index].astype(int)
    return chosen.drop(columns=["_has_value", "_order"]).sort_values(["metric", "period_start", "id"], ignore_index=True)


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
        return table.assign(first_value=pd.Series(dtype="Float64"), difference=pd.Series(dtype="Float64"), agrees=pd.Series(dtype=bool))
    grouped = table.groupby(FIGURE_KEY, dropna=False)
    table["first_value"] = grouped.value.transform("first")
    table["difference"] = table.value - table.first_value
    table["agrees"] = grouped.value.transform("nunique").eq(1)
    return table[["id", *FIGURE_KEY, "report_year", "value", "hedge", "definition", "first_value", "difference", "agrees"]].reset_index(drop=True)


def tier_timeline(figures: pd.DataFrame, editions: list[int] | None = None) -> pd.DataFrame:
    """Tier by TIP edition; an edition without a tier figure is listed with a missing tier."""
    tiers = figures[figures.metric == "tier"][["report_year", "value", "id", "source_id"]].rename(
        columns={"report_year": "edition", "value": "tier"})
    if editions:
        tiers = tiers.set_index("edition").reindex(editions).rename_axis("edition").reset_index()
    return tiers.sort_values("edition", ignore_index=True)


def cumulative_drift(figures: pd.DataFrame, sources: pd.DataFrame, metric: str = "convictions") -> pd.DataFrame:
    """Cumulative counts ("since 2003") as each edition or source states them, with the change between statements."""
    table = with_series(figures, sources)
    table = table[(table.metric == metric) & (table.period_kind == "cumulative") & table.value.notna()]
    table = table.sort_values(["period_end", "report_year"])[
        ["id", "series", "source_id", "report_year", "period_start", "period_end", "value", "hedge", "definition"]]
    table["years_covered"] = table.period_end - table.period_start + 1
    tip = table.series == "TIP"
    table["change_from_previous_edition"] = table.value.where(tip).diff().where(tip)
    table["years_since_previous_edition"] = table.period_end.where(tip).diff().where(tip)
    return table.reset_index(drop=True)


def reconcile(figures: pd.DataFrame, sources: pd.DataFrame, rule: str = "latest") -> pd.DataFrame:
    """TIP figures beside the nearest KOM figure for the same year, form and population.

    Returns:
        One row per (pair of metrics, year, form, population) where both series
        give a value: each side's value, definition and id, the difference
        (KOM minus TIP) and the ratio KOM/TIP.
    """
    chosen = choose_vintage(figures, sources, rule)
    chosen = chosen[(chosen.period_kind == "calendar_year") & chosen.value.notna() & chosen.item.isna()]
    keys = ["period_start", "form", "population"]
    pairs = []
    for tip_metric, kom_metric in TIP_KOM_PAIRS.items():
        tip = chosen[(chosen.series == "TIP") & (chosen.metric == tip_metric)]
        kom = chosen[(chosen.series == "KOM") & (chosen.metric == kom_metric)]
        cols = [*keys, "value", "hedge", "definition", "unit", "id"]
        merged = tip[cols].merge(kom[cols], on=keys, suffixes=("_tip", "_kom"))
        merged.insert(0, "tip_metric", tip_metric)
        merged.insert(1, "kom_metric", kom_metric)
        pairs.append(merged)
    table = pd.concat(pairs, ignore_index=True).rename(columns={"period_start": "year"})
    table["difference"] = table.value_kom - table.value_tip
    table["ratio_kom_to_tip"] = table.value_kom / table.value_tip.where(table.value_tip != 0)
    return table.sort_values(["tip_metric", "year", "form", "population"], ignore_index=True)


#: Victim measures of the TIP series, in the order a yearly series prefers them (best definition first).
VICTIM_MEASURES = ("victims_identified_assisted", "victims_identified", "victims_estimated")


def _covers_everyone(populations: set[str]) -> bool:
    """Whether populations given separately add up to everyone (a child count alone is not a total)."""
    return {"adults", "children"} <= populations or {"men", "women", "children"} <= populations


def victims_per_year(figures: pd.DataFrame, sources: pd.DataFrame, years: list[int], rule: str = "latest") -> pd.DataFrame:
    """The TIP's government count of victims for each year, by the best measure the editions give.

    Identified-and-assisted counts come first; then victims identified (adding
    the populations given, when together they cover everyone, e.g. adults and
    children); then the government's estimate. A year without any keeps the reason the preferred measure gives.
    """
    chosen = choose_vintage(figures, sources, rule)
    tip = chosen[(chosen.series == "TIP") & (chosen.period_kind == "calendar_year") & chosen.item.isna()
                 & (chosen.form == "unsplit")]
    rows = []
    for year in years:
        found = None
        for measure in VICTIM_MEASURES:
            cand = tip[(tip.metric == measure) & (tip.period_start == year) & tip.value.notna()]
            whole = cand[cand.population == "all"]
            parts = cand[cand.population != "all"]
            if len(whole):
                found = {"measure": measure, "victims": float(whole.value.iloc[0]), "hedge": whole.hedge.iloc[0],
                         "definition": whole.definition.iloc[0], "ids": ";".join(whole.id)}
            elif measure == "victims_identified" and _covers_everyone(set(parts.population)):
                found = {"measure": measure, "victims": float(parts.value.sum()), "hedge": "exact",
                         "definition": " + ".join(parts.definition), "ids": ";".join(parts.id)}
            if found:
                break
        if found is None:
            gap = tip[(tip.metric == VICTIM_MEASURES[0]) & (tip.period_start == year)]
            reason = gap.missing_reason.iloc[0] if len(gap) else "no source covers this year"
            found = {"measure": None, "victims": float("nan"), "hedge": None, "definition": None, "ids": ";".join(gap.id),
                     "missing_reason": reason}
        rows.append({"year": year, **found})
    table = pd.DataFrame(rows)
    if "missing_reason" not in table:
        table["missing_reason"] = None
    return table


def convictions_per_year(figures: pd.DataFrame, sources: pd.DataFrame, years: list[int], rule: str = "latest") -> pd.DataFrame:
    """Traffickers convicted per year in the TIP series: the unsplit count, or sex and labor added."""
    chosen = choose_vintage(figures, sources, rule)
    tip = chosen[(chosen.series == "TIP") & (chosen.metric == "convictions") & (chosen.period_kind == "calendar_year")]
    rows = []
    for year in years:
        here = tip[tip.period_start == year]
        given = here[here.value.notna()]
        unsplit = given[given.form == "unsplit"]
        split = given[given.form.isin(["sex", "labor"])]
        if len(unsplit):
            rows.append({"year": year, "convictions": float(unsplit.value.iloc[0]), "ids": ";".join(unsplit.id), "missing_reason": None})
        elif set(split.form) == {"sex", "labor"}:
            rows.append({"year": year, "convictions": float(split.value.sum()), "ids": ";".join(split.id), "missing_reason": None})
        else:
            reason = here.missing_reason.dropna().iloc[0] if here.missing_reason.notna().any() else "no source covers this year"
            rows.append({"year": year, "convictions": float("nan"), "ids": ";".join(here.id), "missing_reason": reason})
    return pd.DataFrame(rows)


def sex_share_by_year(figures: pd.DataFrame, sources: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Sexual exploitation's share of cases by year: TIP investigations and KOM police reports.

    Computed from counts by form where the source gives them (sex over the total,
    or over sex plus labor when no total is given), or taken from the share the
    source states.
    """
    table = with_series(figures, sources)
    table = table[(table.period_kind == "calendar_year") & table.period_start.isin(years) & table.value.notna()]
    rows = []
    for (series, metric), measure in (
        (("TIP", "investigations"), "investigations"),
        (("KOM", "police_reports"), "police reports"),
    ):
        counts = table[(table.series == series) & (table.metric == metric)]
        for year, group in counts.groupby("period_start"):
            by_form = group.groupby("form").value.max()
            if "sex" not in by_form:
                continue
            total = by_form.get("unsplit", by_form.get("sex", 0) + by_form.get("labor", float("nan")))
            if pd.isna(total):
                continue
            rows.append({"year": int(year), "series": series, "measure": measure, "share_sex": by_form["sex"] / total,
                         "basis": "counts", "ids": ";".join(group.id)})
    shares = table[(table.metric == "police_reports_share") & (table.form == "sex")]
    have = {(r["year"], r["series"]) for r in rows}
    for row in shares.itertuples():
        if (int(row.period_start), row.series) not in have:
            rows.append({"year": int(row.period_start), "series": row.series, "measure": "police reports",
                         "share_sex": row.value / 100, "basis": f"stated share ({row.hedge})", "ids": row.id})
    return pd.DataFrame(rows).sort_values(["year", "series"], ignore_index=True)


def funding_by_year(figures: pd.DataFrame, sources: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Funding lines in NOK by year as the TIP editions report them (the latest edition where restated)."""
    chosen = choose_vintage(figures, sources, "latest")
    money = chosen[(chosen.metric == "funding_allocated") & (chosen.unit == "NOK") & (chosen.series == "TIP")
                   & (chosen.period_start == chosen.period_end) & chosen.period_start.isin(years) & chosen.value.notna()]
    table = money[["period_start", "item", "value", "report_year", "id"]].rename(columns={"period_start": "year", "value": "nok"})
    return table.sort_values(["year", "item"], ignore_index=True)
