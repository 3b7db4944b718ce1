"""Notebook 12: Norway beside Sweden, Denmark, Finland and Iceland in UNODC's counts."""

from __future__ import annotations

import pandas as pd

from ..data import Dataset, sources_of
from ..data.glotip import COUNTRIES
from ..data.vintages import choose_release
from .intervals import ratio, shown
from .result import Prose, Result, analysis_of, one_of, year_range
from .unodc import RELEASES, yearly_counts


def _check(data: Dataset, p: dict) -> list[str]:
    problems = one_of("release", p["release"], RELEASES)
    unknown = [c for c in p["countries"] if c not in COUNTRIES]
    if unknown or not p["countries"]:
        problems.append(f"countries must be ISO3 codes among {', '.join(COUNTRIES)}; got {p['countries']!r}")
    if data.glotip is not None:
        problems += year_range("first_year", p["first_year"], "last_year", p["last_year"], data.glotip.year)
    return problems


def by_country(glotip: pd.DataFrame, countries: list[str], years: list[int], release: str, include_flagged: bool) -> pd.DataFrame:
    """Per country and year: victims detected, persons convicted (as written and bounded) and victims per conviction."""
    chosen = choose_release(glotip, release, include_flagged)
    rows = []
    for iso3 in countries:
        detected = yearly_counts(chosen, iso3, "victims_detected", years)
        convicted = yearly_counts(chosen, iso3, "persons_convicted", years)
        for d, c in zip(detected.itertuples(), convicted.itertuples(), strict=True):
            low, high = ratio((d.low, d.high), (c.low, c.high))
            rows.append({"iso3": iso3, "country": COUNTRIES[iso3], "year": d.year, "detected": d.written, "detected_low": d.low,
                         "detected_high": d.high, "convicted": c.written, "convicted_low": c.low, "convicted_high": c.high,
                         "ratio_low": low, "ratio_high": high, "ratio": shown((low, high)),
                         "ids": tuple(i for i in (d.id, c.id) if isinstance(i, str))})
    return pd.DataFrame(rows)


def pooled(table: pd.DataFrame) -> pd.DataFrame:
    """Per country, over the years where both counts are given: detected victims per person convicted, as an interval."""
    both = table.dropna(subset=["detected_low", "convicted_low"])
    sums = both.groupby(["iso3", "country"], sort=False)[["detected_low", "detected_high", "convicted_low", "convicted_high"]].sum()
    sums["years"] = both.groupby(["iso3", "country"], sort=False).size()
    bounds = [ratio((r.detected_low, r.detected_high), (r.convicted_low, r.convicted_high)) for r in sums.itertuples()]
    sums["ratio_low"], sums["ratio_high"] = [b[0] for b in bounds], [b[1] for b in bounds]
    sums["ratio"] = [shown(b) for b in bounds]
    return sums.reset_index()


@analysis_of("12_nordic_comparison", _check, glotip=True, headline=("pooled.NOR", "detected victims per person convicted in Norway, pooled"))
def analyse(data: Dataset, first_year: int = 2007, last_year: int = 2022, countries: tuple[str, ...] = ("NOR", "SWE", "DNK", "FIN", "ISL"),
            release: str = "latest", include_flagged: bool = False) -> Result:
    """Victims detected, persons convicted and victims per conviction by country and year, and pooled over the years."""
    years = list(range(first_year, last_year + 1))
    table = by_country(data.glotip, list(countries), years, release, include_flagged)
    together = pooled(table)
    lines = [f"- {r.country}: {r.ratio} detected victims per person convicted over {r.years} years with both counts "
             f"({r.detected_low:,.0f}{'' if r.detected_low == r.detected_high else f'-{r.detected_high:,.0f}'} detected, "
             f"{r.convicted_low:,.0f}{'' if r.convicted_low == r.convicted_high else f'-{r.convicted_high:,.0f}'} convicted)"
             for r in together.itertuples()]
    summary = (f"UNODC counts, {first_year}-{last_year} ({release} release{'' if include_flagged else ', flagged rows left out'}):\n"
               + "\n".join(lines) + "\n\nEach country counts what its own law and agencies record; compare a country with itself "
               "over time first, and countries with each other only with that in mind.")
    ids = [i for cell in table.ids for i in cell]
    return Result(
        title="Detected victims per person convicted, pooled: " + ", ".join(f"{r.country} {r.ratio}" for r in together.itertuples()),
        table=table,
        facts={"pooled": {r.iso3: (float(r.ratio_low), float(r.ratio_high)) for r in together.itertuples()},
               "years_with_both": {r.iso3: int(r.years) for r in together.itertuples()}},
        figure_ids=tuple(dict.fromkeys(ids)),
        sources=sources_of(data.figures, data.sources, ids, data.glotip),
        summary=Prose(summary),
        tables={"pooled": together},
    )
