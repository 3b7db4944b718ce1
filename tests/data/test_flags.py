"""Flags on GLOTIP values (Eurostat's b, d, r, u) and the curated table of breaks they partly come from.

The expected flags are worked out here from the CSV files read as plain text
(the releases compared cell by cell, the totals the quality records name read
from their reasons, KOM's counts looked up in figures.csv), not with the code
under test.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from data_edits import edit_csv

import analysis
from analysis import config
from analysis.analyses.unodc import yearly_counts
from analysis.data import DataError
from analysis.data.flags import CURATED_CODES, FLAG_CODES, value_flags, yearly_flags
from analysis.data.vintages import choose_release

KEY = ["iso3", "metric", "form", "sex", "age", "year"]


def _csv(name: str) -> pd.DataFrame:
    """A processed table as written: every cell text, empty cells empty strings."""
    return pd.read_csv(config.PROCESSED / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def written() -> pd.DataFrame:
    return _csv("glotip.csv")


def _flagged(data, chosen: pd.DataFrame) -> pd.DataFrame:
    """The chosen rows with their flags beside them."""
    return chosen.join(value_flags(data.glotip, data.series_breaks, chosen)[["flags", "flag_reasons"]])


def _has(table: pd.DataFrame, code: str) -> pd.Series:
    return table["flags"].str.contains(code, regex=False)


# --- the codes ---------------------------------------------------------------------------------------------------

def test_the_codes_are_eurostats_in_their_order_and_the_table_holds_only_b_and_d():
    assert list(FLAG_CODES) == ["b", "d", "r", "u"]
    assert FLAG_CODES["b"] == "break in time series" and FLAG_CODES["u"] == "low reliability"
    descriptor = json.loads(config.DATAPACKAGE.read_text(encoding="utf-8"))
    fields = {res["name"]: {f["name"]: f for f in res["schema"]["fields"]} for res in descriptor["resources"]}
    breaks, glotip = fields["series_breaks"], fields["glotip"]
    assert breaks["code"]["constraints"]["enum"] == list(CURATED_CODES) == ["b", "d"]
    for column in ("iso3", "metric"):  # the same vocabulary as the counts the rows are about
        assert breaks[column]["constraints"]["enum"] == glotip[column]["constraints"]["enum"]


def test_flags_are_written_in_code_order_with_one_reason_per_code(data):
    chosen = choose_release(data.glotip, include_flagged=True)
    flagged = _flagged(data, chosen)
    for row in flagged[flagged["flags"] != ""].itertuples():
        codes = [code for code in FLAG_CODES if code in row.flags]
        assert row.flags == "".join(codes)
        assert [reason[0] for reason in row.flag_reasons.split("; ")] == codes
    assert (flagged.flag_reasons[flagged["flags"] == ""] == "").all()
    assert len(flagged) == len(chosen) and (flagged.index == chosen.index).all()


# --- r: revised between releases -----------------------------------------------------------------------------------

def test_r_marks_exactly_the_counts_the_releases_write_differently(data, written):
    # by hand: Norway's convictions, each count of both releases, compared as written
    rows = written[(written.iso3 == "NOR") & (written.metric == "persons_convicted")]
    wide = rows.pivot_table(index=KEY, columns="source_id", values="value_as_written", aggfunc=list)
    both = wide[wide.glotip2023.map(lambda v: isinstance(v, list) and len(v) == 1)
                & wide.glotip2025.map(lambda v: isinstance(v, list) and len(v) == 1)]
    differ = both[both.glotip2023.str[0] != both.glotip2025.str[0]]
    by_hand = {(key[2], int(key[5])) for key in differ.index}
    assert by_hand == {(form, year) for form in ("labor", "sex", "other") for year in (2019, 2020)}

    chosen = choose_release(data.glotip, include_flagged=True)
    norway = _flagged(data, chosen[(chosen.iso3 == "NOR") & (chosen.metric == "persons_convicted")])
    assert {(r.form, r.year) for r in norway[_has(norway, "r")].itertuples()} == by_hand


def test_swedens_2019_victims_from_the_latest_release_carry_r_with_the_earlier_value(data, written):
    rows = written[(written.iso3 == "SWE") & (written.metric == "victims_detected") & (written.year == "2019")
                   & (written.form == "unsplit") & (written.sex == "Total") & (written.age == "Total")]
    earlier = rows[rows.source_id == "glotip2023"].iloc[0]
    latest = rows[rows.source_id == "glotip2025"].iloc[0]
    assert (earlier.value_as_written, latest.value_as_written) == ("<5", "269")

    flags = yearly_flags(data.glotip, data.series_breaks, choose_release(data.glotip), "SWE", "victims_detected",
                         [2018, 2019])
    assert flags.id.tolist() == [flags.id[0], latest.id]
    assert flags["flags"].tolist() == ["", "r"]  # no documented break: the jump is a revision, not a b
    assert f"glotip2023 writes <5 (row {earlier.id})" in flags.flag_reasons[1]
    assert not data.series_breaks.iso3.eq("SWE").any()


# --- b: the Penal Code of 2005 ------------------------------------------------------------------------------------

def test_norways_convictions_from_2015_on_carry_b_and_those_before_do_not(data, written):
    chosen = choose_release(data.glotip)
    convicted = _flagged(data, chosen[(chosen.iso3 == "NOR") & (chosen.metric == "persons_convicted")])
    years = sorted({int(y) for y in written.year[(written.iso3 == "NOR") & (written.metric == "persons_convicted")]})
    assert years[0] == 2007 and years[-1] == 2022
    assert set(convicted.year[_has(convicted, "b")]) == {y for y in years if y >= 2015}
    assert not _has(convicted[convicted.year < 2015], "b").any()
    reason = convicted.flag_reasons[convicted.year == 2016].iloc[0]
    assert reason.startswith("b: new basis from 2015, the change in effect on 2015-10-01: ")
    assert "section 224" in reason and "nor-penal-code-2005-convicted" in reason


def test_the_break_rows_rest_on_the_law_and_the_tip_passage_of_the_old_section(data):
    breaks = _csv("series_breaks.csv")
    law = breaks[breaks.code == "b"]
    assert sorted(law.metric) == ["offences", "persons_convicted", "persons_prosecuted"]
    assert set(law.date) == {"2015-10-01"} and set(law.first_year) == {"2015"} and set(law.last_year) == {""}
    assert set(law.url) == {"https://lovdata.no/dokument/NL/lov/2005-05-20-28"}
    assert law.reference.str.contains("Lov 20. mai 2005 nr. 28").all()
    figures = _csv("figures.csv").set_index("id")
    assert "under Section 224" in figures.loc["tip2015-prosecutions-sex-2014", "quote"]
    assert (breaks.reference != "").all()


# --- d: UNODC's count against KOM's --------------------------------------------------------------------------------

def test_d_marks_the_years_where_unodcs_victims_differ_from_koms_count(data, written):
    figures = _csv("figures.csv")
    kom = figures[figures.id.str.startswith("kom") & (figures.metric == "victims_followed_up")
                  & (figures.population == "all") & (figures.form == "unsplit")
                  & (figures.period_kind == "calendar_year") & (figures.value != "")]
    kom = kom.set_index(kom.period_start.astype(int))
    totals = written[(written.iso3 == "NOR") & (written.metric == "victims_detected") & (written.form == "unsplit")
                     & (written.sex == "Total") & (written.age == "Total")]
    differ = set()
    for year in kom.index:
        unodc = totals.value_as_written[totals.year == str(year)]
        if len(unodc) and (unodc != kom.value_as_written[year]).all():
            differ.add(year)
    assert differ == {2012, 2013} and set(kom.index) - differ == {2014, 2015, 2016}

    flags = yearly_flags(data.glotip, data.series_breaks, choose_release(data.glotip), "NOR", "victims_detected",
                         list(range(2010, 2019)))
    assert set(flags.year[_has(flags, "d")]) == differ
    reason = flags.flag_reasons[flags.year == 2012].iloc[0]
    for year in sorted(differ):
        assert kom.id[year] in reason and kom.value_as_written[year] in reason
        assert totals.value_as_written[totals.year == str(year)].iloc[0] in reason


def test_d_covers_every_row_of_the_year_not_only_the_total(data):
    chosen = choose_release(data.glotip)
    victims = _flagged(data, chosen[(chosen.iso3 == "NOR") & (chosen.metric == "victims_detected")])
    assert set(victims.year[_has(victims, "d")]) == {2012, 2013}
    assert _has(victims[victims.year.isin([2012, 2013])], "d").all()


# --- u: the quality checks ----------------------------------------------------------------------------------------

def test_u_marks_the_flagged_values_and_the_totals_of_the_parts_above_them(data, written):
    records = _csv("glotip_flags.csv")
    # by hand: the total of each part found above it is the row of the same release, country, metric and year for
    # every form, sex and age; the records a check wrote name it themselves
    parts = written[written.id.isin(records.id[records.check.str.startswith("parts_by_")])]
    totals = written[(written.form == "unsplit") & (written.sex == "Total") & (written.age == "Total")]
    of_parts = set(parts.merge(totals, on=["source_id", "iso3", "metric", "year"], suffixes=("", "_total")).id_total)
    named = {m for reason in records.reason for m in re.findall(r"; row (glotip\d{4}-r\d+)\)", reason)}
    assert "glotip2023-r10265" in named and named <= of_parts
    assert {"glotip2025-r33308", "glotip2025-r33608"} <= of_parts  # Norway: victims 2010, convictions 2019
    flagged = _flagged(data, data.glotip)  # every row of both releases
    assert set(flagged.id[_has(flagged, "u")]) == set(records.id) | of_parts
    # a small count is not u: "<5" keeps its own marker
    small = flagged[(flagged.value_as_written == "<5") & ~flagged.id.isin(set(records.id) | of_parts)]
    assert len(small) > 1000 and not _has(small, "u").any()


def test_norways_2019_convictions_total_is_u_because_its_parts_repeat_the_victims(data):
    counts = yearly_counts(choose_release(data.glotip), "NOR", "persons_convicted", [2018, 2019, 2020])
    flags = yearly_flags(data.glotip, data.series_breaks, choose_release(data.glotip), "NOR", "persons_convicted",
                         [2018, 2019, 2020])
    joined = counts.merge(flags.drop(columns="year"), on="id", how="left", validate="one_to_one")
    assert joined.written.tolist() == ["13", "5", "<5"]
    assert joined["flags"].tolist() == ["b", "bu", "bu"]
    assert "u: its parts by form in the same release add up to more than it (rows glotip2025-r33611" in \
        joined.flag_reasons[1]


def test_a_flagged_part_kept_by_the_choice_carries_b_r_and_u(data):
    chosen = choose_release(data.glotip, include_flagged=True)
    part = _flagged(data, chosen[chosen.id == "glotip2025-r33611"]).iloc[0]  # convictions 2019, forced labour: 80
    assert part.value_as_written == "80" and part["flags"] == "bru"
    assert "glotip2023 writes <5" in part.flag_reasons
    assert "u: a quality check flags this value (the counts by form of exploitation add up to more than the total" \
        in part.flag_reasons


def test_a_year_without_a_count_has_no_flags(data):
    flags = yearly_flags(data.glotip, data.series_breaks, choose_release(data.glotip), "NOR", "persons_convicted",
                         [2021])
    assert flags.id.isna().all() and flags["flags"].tolist() == [""] and flags.flag_reasons.tolist() == [""]


# --- bad input: refused at load, naming the file, the line and the column -------------------------------------------

def _problems(data_copy) -> list[str]:
    with pytest.raises(DataError) as info:
        analysis.load(data_copy, glotip=True)
    return [str(p).replace(str(data_copy.parent) + "/", "") for p in info.value.problems]


CONVICTED = "nor-penal-code-2005-convicted"
KOM_ROW = "nor-victims-detected-kom-basis"


@pytest.mark.parametrize(("row_id", "column", "value", "message"), [
    (CONVICTED, "reference", "", "column 'reference': expected a value, found an empty cell"),
    (CONVICTED, "code", "x", "column 'code': expected one of: b, d, found 'x'"),
    (CONVICTED, "iso3", "NLD", "column 'iso3': expected one of: DNK, FIN, ISL, NOR, SWE, found 'NLD'"),
    (CONVICTED, "metric", "victims", "column 'metric': expected one of: victims_detected, persons_convicted, "
                                     "persons_prosecuted, offences, persons_formal_contact, found 'victims'"),
    (CONVICTED, "first_year", "2016", "column 'first_year': expected 2015, the year of the date 2015-10-01 the change "
                                      "took effect (a year straddling the change is the break year), found 2016"),
    (CONVICTED, "last_year", "2020", "column 'last_year': expected an empty cell: a break holds from its first year "
                                     "on, found 2020"),
    (CONVICTED, "date", "", "column 'date': expected the date the change took effect (YYYY-MM-DD), found an empty "
                            "cell"),
    (CONVICTED, "date", "1 October 2015", "column 'date': expected a date written YYYY-MM-DD, found '1 October 2015'"),
    (CONVICTED, "figure_ids", "tip2015-nowhere", "column 'figure_ids': unknown figure 'tip2015-nowhere': expected ids "
                                                 "of rows of figures.csv, separated by ';'"),
    (CONVICTED, "reason", "a new code; a new count", "column 'reason': expected a reason without ';' (it separates "
                                                     "the reasons of two codes in flag_reasons)"),
    (CONVICTED, "first_year", "1999", "column 'first_year': expected a value of at least 2000, found 1999"),
    (KOM_ROW, "last_year", "2011", "column 'last_year': expected a year from first_year (2012) on, found 2011"),
    (KOM_ROW, "last_year", "", "column 'last_year': expected the last year the definition differs, found an empty "
                               "cell"),
    (KOM_ROW, "iso3", "SWE", "column 'iso3': a row citing KOM's count of victims followed up is about NOR's "
                             "victims_detected, found SWE's victims_detected"),
])
def test_a_bad_break_row_is_refused_naming_the_file_line_and_column(data_copy, row_id, column, value, message):
    line = edit_csv(data_copy / "processed" / "series_breaks.csv", row_id, column, value)
    assert _problems(data_copy) == [f"data/processed/series_breaks.csv, line {line} (id {row_id}), {message}"]


def test_a_break_that_separates_nothing_is_refused(data_copy):
    # Norway's persons brought into formal contact: 2019, 2020 and 2022 only, all after the new code
    path = data_copy / "processed" / "series_breaks.csv"
    line = edit_csv(path, "nor-penal-code-2005-prosecuted", "metric", "persons_formal_contact")
    assert _problems(data_copy) == [
        f"data/processed/series_breaks.csv, line {line} (id nor-penal-code-2005-prosecuted), column 'first_year': "
        "expected a year inside the series: GLOTIP's persons_formal_contact for NOR has years 2019-2022, so a break "
        "in 2015 separates nothing"]


def test_a_kom_row_covering_a_year_where_the_counts_agree_is_refused(data_copy):
    path = data_copy / "processed" / "series_breaks.csv"
    line = edit_csv(path, KOM_ROW, "last_year", "2014")
    found = _problems(data_copy)
    assert found == [
        f"data/processed/series_breaks.csv, line {line} (id {KOM_ROW}), column 'figure_ids': expected KOM's counts of "
        "the years 2012-2014: kom2012-victims-followed-up-2012;kom2014-victims-followed-up-2013;"
        "kom2014-victims-followed-up-2014, found kom2012-victims-followed-up-2012;kom2014-victims-followed-up-2013",
        f"data/processed/series_breaks.csv, line {line} (id {KOM_ROW}), column 'last_year': UNODC's count for 2014 "
        "(324) can equal KOM's (324, kom2014-victims-followed-up-2014): expected years where it differs (2012, 2013)"]


def test_a_year_where_unodc_differs_from_kom_that_no_row_covers_is_refused(data_copy):
    path = data_copy / "processed" / "series_breaks.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith(KOM_ROW)), encoding="utf-8")
    assert _problems(data_copy) == [
        "data/processed/series_breaks.csv: UNODC's count of victims_detected for NOR differs from KOM's count of "
        "victims followed up in 2012 (136 against 349 in kom2012-victims-followed-up-2012, rows glotip2023-r26928, "
        "glotip2025-r33366), 2013 (124 against 300 in kom2014-victims-followed-up-2013, rows glotip2023-r26962, "
        "glotip2025-r33400), and no row covers these years: expected rows of code d for NOR, victims_detected, citing "
        "kom2012-victims-followed-up-2012;kom2014-victims-followed-up-2013 in figure_ids"]


def test_a_kom_row_whose_reason_misstates_a_count_is_refused(data_copy):
    path = data_copy / "processed" / "series_breaks.csv"
    reason = _csv("series_breaks.csv").set_index("id").reason[KOM_ROW]
    line = edit_csv(path, KOM_ROW, "reason", reason.replace("against 349", "against 348"))
    assert _problems(data_copy) == [
        f"data/processed/series_breaks.csv, line {line} (id {KOM_ROW}), column 'reason': expected the reason to give "
        "2012's counts, KOM's 349 (kom2012-victims-followed-up-2012) and UNODC's 136: 349 not found in it"]
