"""The ratios, shares, differences and intervals of 01, 02, 04, 06, 07 and 09-12: derivations that hold by hand.

The counts are read here from ``data/processed/figures.csv`` with the csv module; a ratio or share is recomputed with
arithmetic, an interval with its textbook formula through scipy's distributions (Clopper-Pearson's beta quantiles
mapped to a ratio, Wilson's score interval, Garwood's chi-square limits), none of it the project's code. Each must
equal the chart CSV's cell and the derivation's value; an interval's derivation names its method's section of
``docs/intervals.md``, which the methods page publishes.
"""

from __future__ import annotations

import csv
import math
import re

import pytest
from scipy.stats import beta, chi2, norm

from analysis import config
from analysis.analyses import derivation
from analysis.report import derivations

Z = norm.ppf(0.975)


def _read(path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def figures() -> dict[str, dict]:
    return {row["id"]: row for row in _read(config.PROCESSED / "figures.csv")}


def _one(figures: dict, **wanted) -> float:
    """The value of the one figure whose columns hold ``wanted``."""
    found = [r for r in figures.values() if all(r[k] == str(v) for k, v in wanted.items())]
    assert len(found) == 1, (wanted, [r["id"] for r in found])
    return float(found[0]["value"])


def _ratio(y1: float, y2: float) -> tuple[float, float]:
    low, high = beta.ppf(0.025, y1, y2 + 1), beta.ppf(0.975, y1 + 1, y2)
    return low / (1 - low), high / (1 - high)


def _wilson(k: float, n: float) -> tuple[float, float]:
    p, shrink = k / n, 1 + Z * Z / n
    centre, half = (p + Z * Z / (2 * n)) / shrink, Z / shrink * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return centre - half, centre + half


def _check(analysed, name: str, key, expected: dict) -> dict:
    """CSV, derivation and hand agree on every computed cell; no other cell has a derivation. The derivations."""
    rows = _read(config.FIGURES / f"{name}.csv")
    found = {(key(rows[i]), column): d for (i, column), d in derivations.cells(analysed(name).facts, rows).items()}
    assert set(found) == set(expected)
    written = {(key(row), column): row[column] for row in rows for column in row}
    for cell, value in expected.items():
        assert float(written[cell]) == pytest.approx(value, rel=1e-9), cell
        assert found[cell]["value"] == float(written[cell]), cell
    return found


def test_01_victims_per_conviction_and_the_windows_by_hand(analysed, figures):
    expected = {}
    for year in (2013, 2014):
        c = sum(_one(figures, source_id="tip2015", metric="convictions", form=form, period_start=year,
                     period_kind="calendar_year") for form in ("sex", "labor"))
        v = _one(figures, source_id="tip2015", metric="victims_identified_assisted", form="unsplit",
                 period_start=year, period_kind="calendar_year")
        low, high = _ratio(v, c)
        expected |= {(str(year), "convictions"): c, (str(year), "victims_per_conviction"): v / c,
                     (str(year), "ci_low"): low, (str(year), "ci_high"): high}
    for id_ in ("tip2015-potential-victims-assisted-2007-2013", "tip2015-convictions-since-2003"):
        x, years = float(figures[id_]["value"]), int(figures[id_]["period_end"]) - int(figures[id_]["period_start"]) + 1
        expected |= {(id_, "per_year"): x / years, (id_, "per_year_ci_low"): chi2.ppf(0.025, 2 * x) / 2 / years,
                     (id_, "per_year_ci_high"): chi2.ppf(0.975, 2 * x + 2) / 2 / years}
    found = _check(analysed, "01_conviction_gap", lambda row: row["year"] or row["id"], expected)
    assert found[("2014", "victims_per_conviction")]["formula"] == "v / (c_sex + c_labor)"
    assert [i["figure_id"] for i in found[("2014", "ci_high")]["inputs"][:3]] == [
        "tip2015-victims-2014", "tip2015-convictions-sex-2014", "tip2015-convictions-labor-2014"]
    assert found[("2014", "ci_high")]["inputs"][3]["parameter"] == "confidence"


def test_02_labours_share_of_each_stage_by_hand(analysed, figures):
    expected = {}
    for year in (2013, 2014):
        for stage in ("investigations", "prosecutions", "convictions"):
            s, labor = (_one(figures, source_id="tip2015", metric=stage, form=form, period_start=year,
                             period_kind="calendar_year") for form in ("sex", "labor"))
            low, high = _wilson(labor, s + labor)
            key = f"{year} {stage}"
            expected |= {(key, "total"): s + labor, (key, "share_labor"): labor / (s + labor),
                         (key, "share_ci_low"): low, (key, "share_ci_high"): high}
    found = _check(analysed, "02_labor_vs_sex_attention", lambda row: f"{row['year']} {row['stage']}", expected)
    assert found[("2014 convictions", "share_labor")]["formula"] == "l / (s + l)"
    for end in ("share_ci_low", "share_ci_high"):  # each end's cell shows the whole interval
        assert found[("2014 convictions", end)]["ends"] == pytest.approx(list(_wilson(1, 5)), rel=1e-9)
        assert found[("2014 convictions", end)]["ends_shown"] == ["0.03622", "0.6245"]


def test_07_the_share_of_sexual_exploitation_by_hand(analysed, figures):
    expected = {}
    for row in _read(config.FIGURES / "07_series_attention.csv"):
        key, named = f"{row['year']} {row['series']}", [figures[i] for i in row["ids"].split(";")]
        if not row["basis"] == "counts":
            expected[(key, "share_sex")] = float(named[0]["value"]) / 100
            continue
        by_form = {}
        for figure in named:
            by_form[figure["form"]] = max(by_form.get(figure["form"], 0.0), float(figure["value"]))
        total = by_form.get("unsplit", by_form["sex"] + by_form.get("labor", math.nan))
        if "unsplit" not in by_form:
            expected[(key, "total")] = total
        low, high = _wilson(by_form["sex"], total)
        expected |= {(key, "share_sex"): by_form["sex"] / total, (key, "share_ci_low"): low,
                     (key, "share_ci_high"): high}
    _check(analysed, "07_series_attention", lambda row: f"{row['year']} {row['series']}", expected)


def test_04_each_measure_per_100_victims_by_hand(analysed, figures):
    expected = {}
    for row in _read(config.FIGURES / "04_victim_protection.csv"):
        named = [figures[i] for i in row["ids"].split(";")]
        counted = [float(f["value"]) for f in named if f["metric"] == row["measure"]]
        if not counted:
            continue
        (v,) = (float(f["value"]) for f in named if f["metric"] == "victims_identified_assisted")
        key, m = f"{row['year']} {row['measure']}", sum(counted)
        low, high = _ratio(m, v)
        expected |= {(key, "per_100_victims"): 100 * m / v, (key, "ci_low"): 100 * low, (key, "ci_high"): 100 * high}
        if len(counted) > 1:
            expected[(key, "count")] = m
    found = _check(analysed, "04_victim_protection", lambda row: f"{row['year']} {row['measure']}", expected)
    assert found[("2014 shelter_accepted", "per_100_victims")]["formula"] == "100 × (m1 + m2) / v"


def test_09_the_change_of_the_count_since_2003_by_hand(analysed, figures):
    expected, previous = {}, None
    for row in _read(config.FIGURES / "09_tiers_and_drift.csv"):
        if row["series"] != "TIP":
            continue
        value = float(figures[row["id"]]["value"])
        if previous is not None:
            expected[(row["id"], "change_from_previous_edition")] = value - previous
        previous = value
    assert len(expected) == 2
    _check(analysed, "09_tiers_and_drift", lambda row: row["id"], expected)


def test_10_kom_against_the_tip_by_hand(analysed, figures):
    expected = {}
    for row in _read(config.FIGURES / "10_tip_vs_kom.csv"):
        if row["panel"] != "tip_vs_kom":
            continue
        t, k = float(figures[row["id_tip"]]["value"]), float(figures[row["id_kom"]]["value"])
        expected[(row["label"], "difference")] = k - t
        if t:
            expected[(row["label"], "ratio_kom_to_tip")] = k / t
    assert len({label for label, _ in expected}) == 11
    _check(analysed, "10_tip_vs_kom", lambda row: row["label"], expected)


def _garwood(n: int) -> tuple[float, float]:
    return (chi2.ppf(0.025, 2 * n) / 2 if n else 0.0), chi2.ppf(0.975, 2 * n + 2) / 2


@pytest.mark.slow  # 06's result
def test_06_victims_per_conviction_the_tips_and_unodcs_by_hand(analysed, figures):
    glotip = {row["id"]: row for row in _read(config.PROCESSED / "glotip.csv")}
    expected, rows = {}, _read(config.FIGURES / "06_series_conviction_gap.csv")

    def bounds(row: dict, name: str) -> tuple[int, int]:
        counted = glotip[row[f"glotip_{name}_id"]]
        return int(counted["count_low"]), int(counted["count_high"])

    for index, row in enumerate(rows):
        year, window = row["year"], rows[max(index - 2, 0):index + 1]
        if len(window) == 3 and all(r["glotip_detected_id"] and r["glotip_convicted_id"] for r in window):
            (v_low, v_high), (c_low, c_high) = ((sum(bounds(r, name)[0] for r in window),
                                                 sum(bounds(r, name)[1] for r in window))
                                                for name in ("detected", "convicted"))
            expected |= {(year, "glotip_detected_3y_low"): v_low, (year, "glotip_detected_3y_high"): v_high,
                         (year, "glotip_convicted_3y_low"): c_low, (year, "glotip_convicted_3y_high"): c_high,
                         (year, "glotip_ratio_3y_low"): v_low / c_high, (year, "glotip_ratio_3y_high"): v_high / c_low}
        if row["tip_victims_per_conviction"]:
            v = float(figures[row["tip_victims_ids"]]["value"])
            c = sum(float(figures[i]["value"]) for i in row["tip_convictions_ids"].split(";"))
            low, high = _ratio(v, c)
            expected |= {(year, "tip_victims_per_conviction"): v / c, (year, "tip_ratio_ci_low"): low,
                         (year, "tip_ratio_ci_high"): high}
        if not (row["glotip_detected_id"] and row["glotip_convicted_id"]):
            continue
        (v_low, v_high), (c_low, c_high) = bounds(row, "detected"), bounds(row, "convicted")
        pairs = [(v, c) for v in range(v_low, v_high + 1) for c in range(c_low, c_high + 1)]
        expected |= {(year, "glotip_ratio_low"): v_low / c_high, (year, "glotip_ratio_high"): v_high / c_low,
                     (year, "glotip_ratio_ci_low"): min(_ratio(v, c)[0] for v, c in pairs),
                     (year, "glotip_ratio_ci_high"): max(_ratio(v, c)[1] for v, c in pairs),
                     (year, "glotip_convicted_ci_low"): min(_garwood(c)[0] for c in range(c_low, c_high + 1)),
                     (year, "glotip_convicted_ci_high"): max(_garwood(c)[1] for c in range(c_low, c_high + 1))}
    found = _check(analysed, "06_series_conviction_gap", lambda row: row["year"], expected)
    assert derivations.shown(found[("2008", "glotip_ratio_ci_high")])["worked"] == (
        "upper end of the interval of 256 / c, c from 1 to 4 at the level 0.95")
    assert derivations.shown(found[("2009", "glotip_ratio_3y_low")])["worked"] == "(203 + 256 + 292) / (9 + 4 + 5)"


@pytest.mark.parametrize("name", ["01_conviction_gap", "02_labor_vs_sex_attention", "04_victim_protection",
                                  pytest.param("06_series_conviction_gap", marks=pytest.mark.slow),
                                  "07_series_attention", "09_tiers_and_drift", "10_tip_vs_kom",
                                  pytest.param("11_labor_share_series", marks=pytest.mark.slow)])
def test_each_input_is_in_the_data_and_each_model_links_a_section_of_the_methods(analysed, figures, name):
    headings = re.findall(r"(?m)^#+ (.+)$", (config.ROOT / "docs" / "intervals.md").read_text(encoding="utf-8"))
    anchors = {derivation.slug(heading) for heading in headings}
    models = 0
    glotip = {row["id"]: row for row in _read(config.PROCESSED / "glotip.csv")}
    for entry in analysed(name).facts["derivations"]:
        for given in entry["inputs"]:
            if given.get("figure_id", "").startswith("glotip"):  # a count, or one end of a "<5"
                row = glotip[given["figure_id"]]
                assert given["value"] == float(row["count_low" if given["name"].endswith("_low") else "count_high"])
            elif "figure_id" in given:
                assert float(figures[given["figure_id"]]["value"]) == given["value"], given
            else:
                assert (given["parameter"], given["value"]) == ("confidence", 0.95)
        if entry["kind"] == "model":
            models += 1
            assert entry["method_anchor"] in anchors
            assert entry["method_anchor"] == "one-year-one-count-exact-methods"
    assert models > 0 or name in ("09_tiers_and_drift", "10_tip_vs_kom")


def test_the_slug_is_the_one_github_gives():
    assert derivation.slug("Years pooled, compared or fitted: a model with overdispersion") == (
        "years-pooled-compared-or-fitted-a-model-with-overdispersion")
    assert derivation.slug('Three verdicts, and "<5"') == "three-verdicts-and-5"


@pytest.mark.slow  # 11's result
def test_11_labours_share_each_year_by_hand_a_censored_count_as_its_range(analysed):
    glotip = {row["id"]: row for row in _read(config.PROCESSED / "glotip.csv")}
    expected = {}
    for row in _read(config.FIGURES / "11_labor_share_series.csv"):
        ids = row["ids"].split(";")
        if len(ids) < 2:
            continue
        (l_low, l_high), (t_low, t_high) = ((float(glotip[i]["count_low"]), float(glotip[i]["count_high"]))
                                            for i in ids)
        pairs = [(k, n) for k in range(int(l_low), int(l_high) + 1) for n in range(int(t_low), int(t_high) + 1)
                 if k <= n]
        key = f"{row['year']} {row['stage']}"
        expected |= {(key, "share_low"): min(1, l_low / t_high), (key, "share_high"): min(1, l_high / t_low),
                     (key, "share_ci_low"): min(_wilson(k, n)[0] for k, n in pairs),
                     (key, "share_ci_high"): max(_wilson(k, n)[1] for k, n in pairs)}
    found = _check(analysed, "11_labor_share_series", lambda row: f"{row['year']} {row['stage']}", expected)
    censored = found[("2007 persons convicted", "share_ci_high")]
    assert derivations.shown(censored)["worked"] == (
        "upper end of the interval of l / 9, l from 1 to 4 at the level 0.95")
    assert found[("2007 persons convicted", "share_high")]["formula"] == "min(1, l_high / t)"


def _bounds(cell: str) -> tuple[int, int]:
    """A GLOTIP count as published: "<5" is any of 1 to 4."""
    return (1, 4) if cell == "<5" else (int(float(cell)), int(float(cell)))


@pytest.mark.slow
def test_12_each_country_years_ratio_and_rates_by_hand(analysed):
    """Victims per person convicted and both rates per inhabitant, from the GLOTIP and World Bank rows by hand.

    The counts come from ``glotip.csv`` and the populations from ``world_bank.csv``, read here; the intervals of the
    rates are Garwood's over the population (over a "<5", the widest over the values it may take), the ratio's is
    Clopper-Pearson's mapped to a ratio.
    """
    glotip = {row["id"]: row for row in _read(config.PROCESSED / "glotip.csv")}
    people = {row["id"]: float(row["value"]) for row in _read(config.PROCESSED / "world_bank.csv")}
    expected = {}
    for row in _read(config.FIGURES / "12_nordic_comparison.csv"):
        if not (row["detected_id"] and row["convicted_id"]):
            continue
        key = (row["iso3"], row["year"])
        (v_low, v_high), (c_low, c_high) = (_bounds(glotip[row[f"{name}_id"]]["value_as_written"])
                                            for name in ("detected", "convicted"))
        population = people[f"wb-population-{row['iso3']}-{row['year']}"]
        expected |= {(key, "ratio_low"): v_low / c_high, (key, "ratio_high"): v_high / c_low,
                     (key, "detected_rate_low"): v_low / population * 1e5,
                     (key, "detected_rate_high"): v_high / population * 1e5,
                     (key, "convicted_rate_low"): c_low / population * 1e6,
                     (key, "convicted_rate_high"): c_high / population * 1e6}
        for name, low, high, per in (("detected", v_low, v_high, 1e5), ("convicted", c_low, c_high, 1e6)):
            ends = [_garwood(n) for n in range(low, high + 1)]
            expected |= {(key, f"{name}_rate_ci_low"): min(e[0] for e in ends) / population * per,
                         (key, f"{name}_rate_ci_high"): max(e[1] for e in ends) / population * per}
        ratios = [_ratio(v, c) for v in range(v_low, v_high + 1) for c in range(c_low, c_high + 1)]
        expected |= {(key, "ratio_ci_low"): min(r[0] for r in ratios),
                     (key, "ratio_ci_high"): max(r[1] for r in ratios)}
    found = _check(analysed, "12_nordic_comparison", lambda row: (row["iso3"], row["year"]), expected)
    norway = found[(("NOR", "2008"), "convicted_rate_low")]
    assert norway["formula"] == "c_low / p × 1,000,000"
    assert [i["name"] for i in norway["inputs"]] == ["c_low", "c_high", "p"]
    population = {"name": "p", "label": "population, Norway, 2008", "value": 4768212.0, "unit": "persons",
                  "table": "world_bank", "row_id": "wb-population-NOR-2008"}
    assert {k: norway["inputs"][2][k] for k in population} == population
    assert {d["method_anchor"] for d in found.values() if d["kind"] == "model"} == {
        derivation.method_anchor("exact")}
