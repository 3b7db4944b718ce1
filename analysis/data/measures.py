"""The one vocabulary of victim counts that analyses divide by.

Each count the sources give of victims (or of the nearest thing: contacts with a
care institution, permits granted) is named once here, with the words a chart
uses for it. An analysis that divides by victims accepts any of these names and
reads the count with :func:`victim_count`, so "which victims" means the same in
every notebook.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class VictimMeasure:
    """A victim count of the codebook and how a reader is told what it counts.

    Attributes:
        metric: The metric name in ``data/processed/metrics.csv``.
        plural: Plain English for the count: "victims identified and assisted".
        singular: The same for one: "victim identified and assisted" ("per ..." labels).
        scope: What limits it, when it is not the whole country: "one care institution".
        by_population: Whether the source's counts by population are the whole
            count (the women and the man who accepted shelter), to be added when
            no count for everyone is given.
    """

    metric: str
    plural: str
    singular: str
    scope: str = ""
    by_population: bool = False

    def describe(self) -> str:
        """The plural with its scope: "victims who accepted shelter (one care institution)"."""
        return f"{self.plural} ({self.scope})" if self.scope else self.plural


#: Every victim count an analysis may divide by, best definition first.
VICTIM_MEASURES: dict[str, VictimMeasure] = {m.metric: m for m in (
    VictimMeasure("victims_identified_assisted", "victims identified and assisted", "victim identified and assisted"),
    VictimMeasure("victims_identified", "victims identified", "victim identified"),
    VictimMeasure("victims_estimated", "victims the government estimates", "victim the government estimates"),
    VictimMeasure("initial_contacts", "initial contacts from victims", "initial contact from a victim",
                  "one care institution"),
    VictimMeasure("shelter_accepted", "victims who accepted shelter", "victim who accepted shelter",
                  "one care institution",
                  by_population=True),
    VictimMeasure("reflection_periods_granted", "victims granted a reflection period",
                  "victim granted a reflection period"),
    VictimMeasure("temporary_residence_permits_granted", "victims granted a temporary residence permit",
                  "victim granted a temporary residence permit"),
)}

#: The government's yearly count of victims, in the order a yearly series prefers them.
GOVERNMENT_COUNTS = ("victims_identified_assisted", "victims_identified", "victims_estimated")


def measure(name: str) -> VictimMeasure:
    """The measure called ``name``.

    Raises:
        ValueError: Naming the measures there are.
    """
    if name not in VICTIM_MEASURES:
        raise ValueError(f"unknown victim measure {name!r}: expected one of {', '.join(VICTIM_MEASURES)}")
    return VICTIM_MEASURES[name]


def covers_everyone(populations: set[str]) -> bool:
    """Whether counts given by population add up to everyone (a child count alone is not a total)."""
    return {"adults", "children"} <= populations or {"men", "women", "children"} <= populations


@dataclass(frozen=True)
class VictimCount:
    """A count of victims for one year, and the figures it was read from."""

    measure: VictimMeasure
    year: int
    value: float
    hedge: str
    ids: tuple[str, ...]
    populations: tuple[str, ...]

    @property
    def label(self) -> str:
        """"about 270 victims identified and assisted"."""
        about = {"approximately": "about ", "exact": ""}.get(self.hedge, f"{self.hedge} ")
        return f"{about}{self.value:,.0f} {self.measure.describe()}"


def victim_count(figures: pd.DataFrame, name: str, year: int) -> VictimCount:
    """The count of measure ``name`` for calendar ``year``, from one source's figures.

    The count for everyone is used where the source gives it; otherwise counts
    given by population are added when together they cover everyone (adults and
    children), or when the measure is counted by population only (the women and
    the man who accepted shelter).

    Raises:
        ValueError: For a name not in :data:`VICTIM_MEASURES`.
        LookupError: When the figures hold no count of that measure for the year.
    """
    found = measure(name)
    rows = figures[(figures.metric == name) & (figures.period_kind == "calendar_year") & (figures.period_start == year)
                   & (figures.form == "unsplit") & (figures.area == "Norway") & figures.value.notna()]
    whole = rows[rows.population == "all"]
    if len(whole) == 1:
        row = whole.iloc[0]
        return VictimCount(found, year, float(row.value), row.hedge, (row.id,), ("all",))
    parts = rows[rows.population != "all"]
    if whole.empty and len(parts) and (found.by_population or covers_everyone(set(parts.population))):
        hedge = "exact" if parts.hedge.eq("exact").all() else "approximately"
        return VictimCount(found, year, float(parts.value.sum()), hedge, tuple(parts.id), tuple(parts.population))
    have = sorted(int(y) for y in figures[(figures.metric == name) & figures.value.notna()].period_start.unique())
    raise LookupError(f"no count of {found.plural} for {year} in these figures: "
                      f"expected one of the years {', '.join(map(str, have)) or '(none)'}")
