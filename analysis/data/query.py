"""The few look-ups a notebook needs, each keeping the provenance of its numbers."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .vintages import choose_vintage


@dataclass(frozen=True)
class Figure:
    """One curated figure and where it comes from."""

    id: str
    metric: str
    form: str
    population: str
    area: str
    period_start: int
    period_end: int
    period_kind: str
    value: float | None
    unit: str
    hedge: str
    source_id: str
    report_year: int
    url: str
    locator: str
    quote: str

    @property
    def period(self) -> str:
        """The period as a reader writes it: "2014", "2007-2013", "2003-2014 (cumulative)"."""
        if self.period_start == self.period_end:
            text = str(self.period_start)
        else:
            text = f"{self.period_start}-{self.period_end}"
        return text + (" (cumulative)" if self.period_kind == "cumulative" else "")

    @property
    def label(self) -> str:
        """The value as the source qualifies it: "approximately 270 victims"."""
        if self.value is None:
            return "not reported"
        hedge = "" if self.hedge == "exact" else self.hedge + " "
        return f"{hedge}{self.value:,.10g} {self.unit}"

    @property
    def citation(self) -> str:
        """Short citation: source, edition, locator."""
        return f"{self.source_id} ({self.report_year}), {self.locator}: \u201c{self.quote}\u201d"


def from_source(figures: pd.DataFrame, source_id: str) -> pd.DataFrame:
    """The figures of one source (one edition's page), so that restatements by other editions do not interfere.

    Raises:
        LookupError: If the source has no figures; the message lists the sources that have.
    """
    rows = figures[figures.source_id == source_id]
    if rows.empty:
        known = ", ".join(sorted(figures.source_id.unique()))
        raise LookupError(f"no figures from source {source_id!r}: expected one of {known}")
    return rows


def select(
    figures: pd.DataFrame,
    metric: str,
    *,
    form: str | None = None,
    population: str | None = "all",
    area: str | None = "Norway",
    unit: str | None = None,
    period: int | tuple[int, int] | None = None,
    source_id: str | None = None,
) -> pd.DataFrame:
    """Rows of ``figures`` matching every criterion given (None means any).

    ``period`` is a year (the figure covers exactly that calendar year) or a
    ``(start, end)`` pair (the figure covers exactly that window).
    """
    mask = figures.metric == metric
    for column, wanted in (("form", form), ("population", population), ("area", area),
                           ("unit", unit), ("source_id", source_id)):
        if wanted is not None:
            mask &= figures[column] == wanted
    if period is not None:
        start, end = (period, period) if isinstance(period, int) else period
        mask &= (figures.period_start == start) & (figures.period_end == end)
    return figures[mask]


def get_figure(figures: pd.DataFrame, metric: str, sources: pd.DataFrame | None = None, **criteria) -> Figure:
    """Exactly one figure by metric, form, period and the other criteria of :func:`select`.

    Args:
        figures: The curated figures (``load().figures``).
        metric: Metric name from the codebook.
        sources: The source register, to attach the source's address; optional.
        **criteria: Passed to :func:`select`.

    Raises:
        LookupError: If no figure or more than one figure matches; the message
            lists what is available for the metric so the call can be corrected.
    """
    found = select(figures, metric, **criteria)
    if len(found) != 1:
        available = select(figures, metric, population=None, area=None)
        options = "; ".join(
            f"{r.id} (form={r.form}, population={r.population}, area={r.area}, unit={r.unit}, "
            f"period={r.period_start}-{r.period_end})"
            for r in available.itertuples()
        ) or "none: the metric has no figures"
        wanted = ", ".join(f"{k}={v!r}" for k, v in criteria.items())
        raise LookupError(f"{'no' if found.empty else len(found)} figures match metric={metric!r}, {wanted}. "
                          f"Available: {options}")
    row = found.iloc[0]
    url = ""
    if sources is not None:
        url = sources.set_index("source_id").url.get(row.source_id, "")
    return Figure(
        id=row.id, metric=row.metric, form=row.form, population=row.population, area=row.area,
        period_start=int(row.period_start), period_end=int(row.period_end), period_kind=row.period_kind,
        value=None if pd.isna(row.value) else float(row.value), unit=row.unit, hedge=row.hedge,
        source_id=row.source_id, report_year=int(row.report_year), url=url,
        locator=row.locator, quote=row.quote,
    )


def compare_periods(
    figures: pd.DataFrame,
    metric: str,
    before: int,
    after: int,
    *,
    by: tuple[str, ...] = ("form", "population", "area", "unit"),
) -> pd.DataFrame:
    """A tidy comparison of one metric in two calendar years.

    Returns:
        One row per combination of the ``by`` columns present in either year,
        with the value of each year, the change (``after - before``), the
        relative change, and the ids of the figures used. A combination present
        in one year only has a missing value for the other, never zero.
    """
    by = list(by)
    rows = figures[(figures.metric == metric) & (figures.period_kind == "calendar_year")]
    parts = []
    for year, name in ((before, "before"), (after, "after")):
        part = rows[rows.period_start == year][[*by, "value", "hedge", "id"]]
        parts.append(part.rename(columns={"value": f"value_{name}", "hedge": f"hedge_{name}", "id": f"id_{name}"}))
    table = parts[0].merge(parts[1], on=by, how="outer")
    table.insert(len(by), "year_before", before)
    table.insert(len(by) + 1, "year_after", after)
    table["change"] = table.value_after - table.value_before
    table["change_share"] = table.change / table.value_before.where(table.value_before != 0)
    return table.sort_values(by, ignore_index=True)


def sources_of(figures: pd.DataFrame, sources: pd.DataFrame, ids, glotip: pd.DataFrame | None = None,
               world_bank: pd.DataFrame | None = None) -> pd.DataFrame:
    """The register rows of the sources the figures ``ids`` come from, in the order first named.

    ``ids`` may name rows of UNODC's counts and of the World Bank series too, when their tables are given.

    Raises:
        LookupError: Naming any id that is not a figure (or a GLOTIP or World Bank row).
    """
    ids = list(dict.fromkeys(ids))
    by_id = figures.set_index("id").source_id
    for table in (glotip, world_bank):
        if table is not None:
            by_id = pd.concat([by_id, table.set_index("id").source_id])
    unknown = [i for i in ids if i not in by_id.index]
    if unknown:
        raise LookupError(f"unknown figure id(s) {', '.join(unknown)}")
    source_ids = list(dict.fromkeys(by_id.loc[ids]))
    return sources.set_index("source_id").loc[source_ids].reset_index()


def kom_victims(figures: pd.DataFrame, sources: pd.DataFrame, with_missing: bool = False) -> pd.DataFrame:
    """KOM's count of victims followed up (everyone, every form, calendar years), the latest edition's, by year.

    Columns ``value``, ``value_as_written``, ``definition``, ``id`` and ``missing_reason``. A year for which KOM
    gives no count (a row with its reason) is kept only ``with_missing``.
    """
    chosen = choose_vintage(figures, sources, "latest")
    kom = chosen[(chosen.series == "KOM") & (chosen.metric == "victims_followed_up") & (chosen.population == "all")
                 & (chosen.form == "unsplit") & (chosen.period_kind == "calendar_year")]
    if not with_missing:
        kom = kom[kom.value.notna()]
    return kom.set_index(kom.period_start.astype(int).rename("year"))[
        ["value", "value_as_written", "definition", "id", "missing_reason"]].sort_index()
