"""Every computed cell of 03's and 08's tables carries its derivation, and the derivation holds by hand.

Each expected value is computed here from the curated data as the test reads them itself (``data/processed/*.csv``
with the csv module, not the loader and not the derivation): the funding lines, the victim counts and the World
Bank's inflation of each year. It must equal the chart CSV's cell and the derivation's value; every input a derivation
names must be in the data with the value it states; the inflation inputs of a cell in constant kroner must be those of
exactly the years between its year and the base year.
"""

from __future__ import annotations

import csv
import math

import pytest

from analysis import config
from analysis.analyses import derivation
from analysis.report import derivations

FUNDING = "03_funding_per_victim"
SERIES = "08_series_funding"


def _read(name: str) -> list[dict]:
    with open(config.PROCESSED / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def processed() -> dict[str, float]:
    """Every value of the curated data by its id: figures, GLOTIP counts, World Bank rows."""
    values = {row["id"]: float(row["value"]) for row in _read("figures.csv") if row["value"]}
    values.update((row["id"], float(row["count"])) for row in _read("glotip.csv") if row["count"])
    values.update((row["id"], float(row["value"])) for row in _read("world_bank.csv"))
    return values


@pytest.fixture(scope="module")
def inflation() -> dict[int, tuple[str, float]]:
    """Norway's consumer price inflation by year: (row id, percent), from world_bank.csv."""
    return {int(r["year"]): (r["id"], float(r["value"])) for r in _read("world_bank.csv")
            if r["indicator"] == "cpi_inflation" and r["iso3"] == "NOR"}


def _chart_rows(name: str) -> list[dict]:
    with open(config.FIGURES / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _by_cell(facts: dict, rows: list[dict], key: str) -> dict[tuple[str, str], dict]:
    """The derivations of the rows' cells by (the row's ``key`` value, column)."""
    return {(rows[i][key], column): d for (i, column), d in derivations.cells(facts, rows).items()}


def _holds(found: dict, rows: list[dict], key: str, expected: dict) -> None:
    """Every cell expected has its derivation, none else has one, and CSV, derivation and hand agree."""
    assert set(found) == set(expected)
    by_key = {}
    for row in rows:
        by_key.setdefault(row[key], row)
    for (row_key, column), value in expected.items():
        written = float(by_key[row_key][column])
        assert written == pytest.approx(value, rel=1e-12), (row_key, column)
        assert found[(row_key, column)]["value"] == written, (row_key, column)


# --- 03 ---------------------------------------------------------------------------------------------------------


def test_each_computed_cell_of_03_is_recomputed_by_hand_from_the_data(analysed, processed):
    ngo, safe = processed["tip2015-funding-ngo-nok"], processed["tip2015-funding-safe-houses-nok"]
    ngo_usd, safe_usd = processed["tip2015-funding-ngo-usd"], processed["tip2015-funding-safe-houses-usd"]
    tip, unodc, kom = (processed["tip2015-victims-2014"], processed["glotip2025-r33430"],
                       processed["kom2014-victims-followed-up-2014"])
    assert (ngo, safe, ngo_usd, safe_usd, tip, unodc, kom) == (2.5e6, 4.5e6, 314000, 565000, 270, 324, 324)
    expected = {}
    for line, nok, usd in (("tip2015-funding-ngo-nok", ngo, ngo_usd),
                           ("tip2015-funding-safe-houses-nok", safe, safe_usd),
                           ("total", ngo + safe, ngo_usd + safe_usd)):
        expected |= {(line, "usd"): usd, (line, "usd_per_victim"): usd / tip, (line, "nok_per_victim"): nok / tip,
                     (line, "nok_per_victim_unodc_detected"): nok / unodc, (line, "nok_per_victim_kom"): nok / kom,
                     (line, "nok_per_unit"): (ngo + safe) / (ngo_usd + safe_usd)}
    expected[("total", "nok")] = ngo + safe
    rows = _chart_rows(FUNDING)
    found = _by_cell(analysed(FUNDING).facts, rows, "id")
    _holds(found, rows, "id", expected)
    assert found[("tip2015-funding-safe-houses-nok", "usd")]["kind"] == "stated"
    assert found[("total", "usd")]["formula"] == "u1 + u2"
    assert found[("total", "nok_per_victim")]["formula"] == "(n1 + n2) / v"
    assert [i["figure_id"] for i in found[("total", "nok_per_victim")]["inputs"]] == [
        "tip2015-funding-ngo-nok", "tip2015-funding-safe-houses-nok", "tip2015-victims-2014"]


def test_the_usd_cells_show_the_amounts_the_source_states(analysed, processed):
    rows = {row["id"]: row for row in _chart_rows(FUNDING)}
    assert rows["tip2015-funding-safe-houses-nok"]["usd"] == "565000"
    assert rows["tip2015-funding-safe-houses-nok"]["usd_basis"] == "reported"
    found = _by_cell(analysed(FUNDING).facts, list(rows.values()), "id")
    stated = found[("tip2015-funding-safe-houses-nok", "usd")]
    assert (stated["kind"], stated["value"], stated["label"]) == ("stated", 565000, "As the source states it")
    assert [{k: i[k] for k in ("name", "value", "unit", "figure_id")} for i in stated["inputs"]] == [
        {"name": "u1", "value": processed["tip2015-funding-safe-houses-usd"], "unit": "USD",
         "figure_id": "tip2015-funding-safe-houses-usd"}]


def test_a_conversion_at_the_users_rate_is_labelled_a_recomputation(analysed, processed):
    result = analysed(FUNDING, currency="EUR", exchange_rate=11.5)
    rows = [{k: str(v) for k, v in row.items()} for row in result.table.to_dict("records")]
    found = _by_cell(result.facts, rows, "id")
    ngo = processed["tip2015-funding-ngo-nok"]
    eur = found[("tip2015-funding-ngo-nok", "eur")]
    assert (eur["kind"], eur["formula"]) == ("converted", "n1 / r, recomputed at rate r")
    assert eur["value"] == pytest.approx(ngo / 11.5, rel=1e-12)
    assert {k: eur["inputs"][1][k] for k in ("name", "value", "unit", "parameter")} == {
        "name": "r", "value": 11.5, "unit": "NOK per EUR", "parameter": "exchange_rate"}
    total = found[("total", "eur_per_victim")]
    assert total["formula"] == "(n1 / r + n2 / r) / v"
    assert total["value"] == pytest.approx((ngo + processed["tip2015-funding-safe-houses-nok"]) / 11.5 / 270,
                                           rel=1e-12)
    assert found[("total", "nok_per_unit")]["kind"] == "supplied"


# --- 08 ---------------------------------------------------------------------------------------------------------

#: The figures each year's total per victim is computed from: the lines, and each count of victims by its key.
SERIES_INPUTS = {
    2014: (["tip2015-funding-ngo-nok", "tip2015-funding-safe-houses-nok"],
           {"tip": "tip2015-victims-2014", "unodc_detected": "glotip2025-r33430",
            "kom": "kom2014-victims-followed-up-2014"}),
    2015: (["tip2017-funding-grant-scheme-2015-nok"],
           {"tip": "tip2017-victims-2015", "unodc_detected": "glotip2025-r33477",
            "kom": "kom2015-victims-identified-2015"}),
    2016: (["tip2017-funding-rosa-2016-nok", "tip2017-funding-shelter-ngo1-2016-nok",
            "tip2017-funding-shelter-ngo2-2016-nok"],
           {"tip": "tip2023-victims-2016", "unodc_detected": "glotip2025-r33526",
            "kom": "kom2016-victims-followed-up-2016"}),
    2017: (["tip2019-funding-grant-schemes-2017-nok"], {}),
    2018: (["tip2019-funding-bufdir-2018-nok", "tip2019-funding-grant-schemes-2018-nok",
            "tip2019-funding-rosa-2018-nok"], {"unodc_detected": "glotip2025-r33574"}),
}


def _series_expected(processed, inflation, base_year: int, main: str) -> tuple[dict, dict]:
    """Each computed cell of 08's table by hand, and the inflation years each constant-kroner cell must name."""
    expected, years_named = {}, {}
    for year, (lines, counts) in SERIES_INPUTS.items():
        total = sum(processed[i] for i in lines)
        if len(lines) > 1:
            expected[(str(year), "year_total_nok")] = total
        between = range(year + 1, base_year + 1) if base_year > year else range(base_year + 1, year + 1)
        factor = math.prod(1 + inflation[t][1] / 100 for t in between)
        factor = factor if base_year >= year else 1 / factor
        for key, victims in counts.items():
            per = total / processed[victims]
            for suffix in (f"_{key}", "") if key == main else (f"_{key}",):
                expected[(str(year), f"nok_per_victim{suffix}")] = per
                expected[(str(year), f"nok_per_victim_constant{suffix}")] = per * factor
                years_named[(str(year), f"nok_per_victim_constant{suffix}")] = (list(between), [*lines, victims])
    return expected, years_named


@pytest.mark.parametrize("values", [{}, {"base_year": 2016, "denominator": "tip"}], ids=["defaults", "base-2016"])
def test_each_computed_cell_of_08_is_recomputed_by_hand_with_the_inflation_of_each_year(analysed, processed,
                                                                                          inflation, values):
    result = analysed(SERIES, **values)
    rows = (_chart_rows(SERIES) if not values
            else [{k: "" if v is None or v != v else str(v) for k, v in r.items()}
                  for r in result.table.to_dict("records")])
    expected, years_named = _series_expected(processed, inflation, values.get("base_year", 2018),
                                             values.get("denominator", "unodc_detected"))
    found = _by_cell(result.facts, rows, "year")
    _holds(found, rows, "year", expected)
    for cell, (years, ids) in years_named.items():
        inputs = found[cell]["inputs"]
        cpi = [i for i in inputs if i.get("table") == "world_bank"]
        assert [i["row_id"] for i in cpi] == [inflation[t][0] for t in years], cell
        assert [i["name"] for i in cpi] == [f"i{t}" for t in years]
        assert [i["figure_id"] for i in inputs if i["figure_id"]] == ids, cell


def test_the_constant_kroner_of_2014_name_four_years_of_inflation(analysed):
    found = _by_cell(analysed(SERIES).facts, _chart_rows(SERIES), "year")
    cell = found[("2014", "nok_per_victim_constant")]
    assert cell["formula"] == ("(n1 + n2) / v × (1 + i2015/100) × (1 + i2016/100) × (1 + i2017/100) × "
                               "(1 + i2018/100)")
    assert [i["label"] for i in cell["inputs"][-4:]] == [
        f"consumer price inflation, Norway (NOR), {year}" for year in (2015, 2016, 2017, 2018)]


# --- both -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [FUNDING, SERIES])
def test_every_input_named_is_in_the_data_with_the_value_it_states(analysed, processed, name):
    named = 0
    for entry in analysed(name).facts["derivations"]:
        assert entry["kind"] in derivation.KINDS
        for given in entry["inputs"]:
            id_ = given.get("figure_id") or given.get("row_id")
            if id_ is None:  # another cell of the row, whose own derivation is checked
                assert given["cell"] == "nok_per_unit"
                continue
            assert processed[id_] == given["value"], (entry["column"], given)
            named += 1
    assert named > 20
