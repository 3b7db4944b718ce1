"""World Bank population and consumer price inflation.

From the raw CSV files to ``data/processed/world_bank.csv``, and look-ups.

Two World Development Indicators series are held byte for byte in ``data/raw/``,
as the Frictionless core data sets keep them (their layout: :mod:`analysis.data.world_bank_raw`):
population, total (``SP.POP.TOTL``, persons) and inflation, consumer prices (``FP.CPI.TOTL.ZG``).
The second file's column is named ``CPI`` but holds the **annual percentage change**
of consumer prices on the previous year, not an index level: Norway's 3.55 for 2016
means prices rose 3.55 percent from 2015.

:func:`extract` reads the rows this project uses (Norway, Sweden, Denmark,
Finland and Iceland, every year 2003-2024) with their line in the raw file and
the cell as written; running it again gives the same bytes, which a test checks,
so nobody edits the table by hand. ``analysis.load(world_bank=True)`` reads the
CSV and checks every row against the line of the raw file it names
(:mod:`analysis.data.world_bank_check`).

:func:`population` looks up head counts; :func:`price_index` chains the yearly
changes into a price index equal to 1 in the base year the caller names, and
:func:`to_constant` turns kroner of one year into kroner of another with it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import config
from . import records
from .errors import DataError
from .register import load_sources
from .world_bank_raw import FIELDS, TABLE, country_name, number_text, read_series, registered
from .world_bank_raw import SERIES as SERIES  # the layouts, which a message of the register's check names here


def extract(data_dir: Path = config.DATA) -> pd.DataFrame:
    """Every registered World Bank series, read from its raw file into one tidy table.

    Raises:
        DataError: Naming the file, the line and the column of every cell that
            is not what the layout promises (a changed header, a value that is
            not a number, a repeated country and year, a year missing), and any
            raw file that differs from its sha256 in the register or is not registered.
    """
    sources = load_sources(data_dir)  # checks every raw file against its sha256, and that every raw file is registered
    rows, problems = registered(sources, config.display(Path(data_dir) / "raw" / "sources.csv"))
    parts = []
    for row in rows.itertuples():
        table, found = read_series(Path(data_dir) / "raw" / row.file, row.source_id)
        parts.append(table)
        problems += found
    if problems:
        raise DataError(problems)
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=FIELDS)
    table = table.sort_values(["source_id", "iso3", "year"], ignore_index=True)
    return table.astype({"year": int, "line": int, "value": float})


def write(table: pd.DataFrame, target: Path) -> None:
    r"""Write the table as the committed CSV: fixed column order, "\n" line ends, values that read back exactly.

    Written whole or not at all (:func:`.records.write_text`), as ``glotip.csv`` is.
    """
    out = table[FIELDS].assign(value=table.value.map(number_text))
    records.write_text(Path(target), out.to_csv(index=False, lineterminator="\n"))


# --- look-ups ----------------------------------------------------------------------------------------------


def _covers(rows: pd.DataFrame) -> str:
    return f"{TABLE} covers {rows.year.min()}-{rows.year.max()}" if len(rows) else f"{TABLE} has no such rows"


def population(table: pd.DataFrame, countries: list[str], years: list[int]) -> pd.DataFrame:
    """The World Bank's population (SP.POP.TOTL: mid-year estimate of all residents) of each country in each year.

    Args:
        table: ``analysis.load(world_bank=True).world_bank``.
        countries: ISO 3166 alpha-3 codes (NOR, SWE, DNK, FIN, ISL).
        years: Calendar years.

    Returns:
        One row per (country, year), in the order given: ``iso3``, ``year``,
        ``population`` (persons) and ``id``, the row of ``world_bank.csv`` it comes from.

    Raises:
        LookupError: Naming every (country, year) the table does not hold, and the years it covers.
    """
    rows = table[table.indicator == "population"]
    by_key = rows.set_index(["iso3", "year"])
    wanted = [(iso3, int(year)) for iso3 in countries for year in years]
    missing = [(iso3, year) for iso3, year in wanted if (iso3, year) not in by_key.index]
    if missing:
        listed = ", ".join(f"{country_name(iso3)} in {year}" for iso3, year in missing)
        raise LookupError(f"no World Bank population for {listed}; {_covers(rows)}")
    found = by_key.loc[wanted]
    return pd.DataFrame({
        "iso3": [iso3 for iso3, _ in wanted], "year": [year for _, year in wanted],
        "population": found.value.astype("int64").to_numpy(), "id": found.id.to_numpy(),
    })


def price_index(table: pd.DataFrame, iso3: str, years: list[int], base_year: int) -> pd.DataFrame:
    """A consumer price index for one country, chained from the World Bank's yearly inflation.

    It equals 1.0 in ``base_year``.

    The World Bank's ``FP.CPI.TOTL.ZG`` (the raw file's column ``CPI``) is the
    annual percentage change of consumer prices on the previous year, not an
    index level. The index takes the base year the caller names (1.0 there) and
    chains the changes from it: ``index[y] = index[y-1] * (1 + inflation[y] / 100)``,
    forwards after the base year and backwards before it
    (``index[y-1] = index[y] / (1 + inflation[y] / 100)``).

    Args:
        table: ``analysis.load(world_bank=True).world_bank``.
        iso3: ISO 3166 alpha-3 code of the country.
        years: The years wanted.
        base_year: The year whose prices the index is expressed in (index 1.0).

    Returns:
        One row per year of ``years`` and ``base_year``, in calendar order:
        ``year``, ``inflation_percent`` (that year's change on the year before,
        as the World Bank gives it), ``index`` and ``ids``, the ids of the
        inflation rows chained between the base year and that year (those of
        the years after the earlier of the two up to the later; none for the
        base year itself).

    Raises:
        LookupError: Naming the country and every year, from the earliest to the
            latest of ``years`` and ``base_year``, whose inflation the table does not hold.
    """
    rows = table[(table.indicator == "cpi_inflation") & (table.iso3 == iso3)]
    by_year = rows.set_index("year")
    shown = sorted({int(y) for y in years} | {int(base_year)})
    span = range(shown[0], shown[-1] + 1)
    missing = [year for year in span if year not in by_year.index]
    if missing:
        every = table[table.indicator == "cpi_inflation"]
        raise LookupError(f"no World Bank consumer price inflation for {country_name(iso3)} in "
                          f"{', '.join(map(str, missing))} "
                          f"(the index from {shown[0]} to {shown[-1]} chains every year between); {_covers(every)}")
    inflation = {year: float(by_year.value[year]) for year in span}
    ids = {year: str(by_year.id[year]) for year in span}
    base_year = int(base_year)
    index = {base_year: 1.0}
    for year in range(base_year + 1, shown[-1] + 1):
        index[year] = index[year - 1] * (1 + inflation[year] / 100)
    for year in range(base_year - 1, shown[0] - 1, -1):
        index[year] = index[year + 1] / (1 + inflation[year + 1] / 100)
    return pd.DataFrame({
        "year": shown,
        "inflation_percent": [inflation[y] for y in shown],
        "index": [index[y] for y in shown],
        "ids": [tuple(ids[t] for t in range(min(y, base_year) + 1, max(y, base_year) + 1)) for y in shown],
    })


def to_constant(amount: float, year: int, base_year: int, index_table: pd.DataFrame) -> float:
    """An amount in kroner (or any currency) of ``year`` expressed in kroner of ``base_year``.

    ``amount * index[base_year] / index[year]``, with the index of
    :func:`price_index`. Only the ratio of the two years' index counts, so
    ``base_year`` need not be the year the index equals 1.0 in, but both years
    must stand in ``index_table``.

    Raises:
        LookupError: Naming a year the index table does not hold.
    """
    by_year = index_table.set_index("year")["index"]
    for wanted in (year, base_year):
        if wanted not in by_year.index:
            raise LookupError(f"no price index for {wanted}: the index table holds "
                              f"{', '.join(map(str, by_year.index))}; "
                              "ask price_index() for that year too")
    return float(amount) * float(by_year[base_year]) / float(by_year[year])
