"""The curated data hold the figures the sources give, and agree with the raw text read independently."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import re

import pandas as pd
import pytest

import analysis
from analysis import config
from analysis.data import DataError

RAW_TIP = (config.RAW / "us_tip_report_2015_norway.txt").read_text(encoding="utf-8")
WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


@pytest.fixture(scope="module")
def data():
    return analysis.load()


def _get(data, metric, **kw):
    """A figure of the 2015 narrative (later editions restate some of them)."""
    return analysis.get_figure(data.figures, metric, sources=data.sources, source_id="tip2015", **kw)


def test_register_hashes_match_the_files_computed_here():
    with open(config.RAW / "sources.csv", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["file"]]
    assert {r["file"] for r in rows} == {"us_tip_report_2015_norway.txt", "norway_statement_gcm_vienna_2017.txt",
                                         "unodc_glotip_2023-05-30.xlsx", "unodc_glotip_2025-04-14.xlsx",
                                         "world_bank_population.csv", "world_bank_cpi_inflation.csv"}
    for row in rows:
        digest = hashlib.sha256((config.RAW / row["file"]).read_bytes()).hexdigest()
        assert digest == row["sha256"], row["file"]


def test_hashes_are_those_published_with_the_source_documents():
    # The sha256 published with the two documents when they were handed over (README of the hand-over).
    published = {
        "us_tip_report_2015_norway.txt": "380d9088fb06ffe0c6b0b7d48fc7f629b6afac700baf140687360f8f3c4c7b64",
        "norway_statement_gcm_vienna_2017.txt": "3be6845677b0f01f0090f23ca94169b05512cfbf0df34b74007e091ce012abd6",
        "unodc_glotip_2025-04-14.xlsx": "24c34b95dfefb520445ef0f8d039727cad6febf0ab36807d5fc0aeee128c413e",
        "unodc_glotip_2023-05-30.xlsx": "b0d5fcedaef86dcae33f74ef28f8e0cd25f49f12446d46642f05160159f15119",
        # the World Bank copies: README of /work/shared/sources/world_bank/ (population.csv,
        # consumer_price_inflation.csv)
        "world_bank_population.csv": "7d2dd6a17f5ed7916de1f89a9c116791e64d207f2e2f6ce47c57e1ab46f0088a",
        "world_bank_cpi_inflation.csv": "182baa44c536079bea07bb8700c37c85441c3d7d5f8e6dd68fb92fcb4a7815e8",
    }
    for name, digest in published.items():
        assert hashlib.sha256((config.RAW / name).read_bytes()).hexdigest() == digest


def test_law_enforcement_counts_match_the_text_read_with_a_regex(data):
    inv = re.search(r"investigations of (\d+) sex trafficking cases and (\d+) labor trafficking cases, "
                    r"compared with (\d+) sex trafficking cases and (\d+) labor", RAW_TIP)
    pros = re.search(r"prosecuted (\w+) sex trafficking suspects and (\w+) labor trafficking suspect.*?"
                     r"compared with (\w+) sex trafficking suspects and (\w+) labor", RAW_TIP)
    conv = re.search(r"convictions for (\w+) sex traffickers and (\w+) labor trafficker, "
                     r"compared with (\w+) sex traffickers and (\w+) labor", RAW_TIP)
    expected = {
        "investigations": [int(x) for x in inv.groups()],
        "prosecutions": [WORDS[x] for x in pros.groups()],
        "convictions": [WORDS[x] for x in conv.groups()],
    }
    for metric, (sex14, lab14, sex13, lab13) in expected.items():
        assert _get(data, metric, form="sex", period=2014).value == sex14
        assert _get(data, metric, form="labor", period=2014).value == lab14
        assert _get(data, metric, form="sex", period=2013).value == sex13
        assert _get(data, metric, form="labor", period=2013).value == lab13
    assert expected["investigations"] == [36, 68, 30, 39]
    assert expected["convictions"] == [4, 1, 3, 2]


def test_victims_and_shares(data):
    victims14 = _get(data, "victims_identified_assisted", form="unsplit", period=2014)
    assert (victims14.value, victims14.hedge) == (270, "approximately")
    assert _get(data, "victims_identified_assisted", form="unsplit", period=2013).value == 350
    for population in ("men", "children"):
        share = _get(data, "victims_identified_assisted_share", population=population, period=2014)
        assert share.value == 20 and share.unit == "percent"
    window = _get(data, "potential_victims_assisted", period=(2007, 2013))
    assert (window.value, window.hedge, window.period_kind) == (2000, "approximately", "window")


def test_cumulative_statements(data):
    since = _get(data, "convictions", form="unsplit", period=(2003, 2014))
    assert (since.value, since.period_kind) == (35, "cumulative")
    bergen = _get(data, "convictions_share", area="Bergen", period=(2003, 2014))
    assert (bergen.value, bergen.hedge, bergen.unit) == (40, "over", "percent")


def test_penalties_training_police_and_apartments(data):
    assert _get(data, "maximum_penalty", form="unsplit").value == 10
    longest = _get(data, "longest_sentence_imposed", form="unsplit")
    assert (longest.value, longest.hedge) == (5, "up to")
    assert _get(data, "police_prosecutors_trained", form="labor").value == 160
    assert _get(data, "cadet_training_days", form="unsplit").value == 1
    assert _get(data, "dedicated_police_officers", area="Oslo").value == 1
    assert _get(data, "shelter_apartments", population="men").value == 2


def test_funding_lines_in_both_currencies(data):
    money = data.figures[(data.figures.metric == "funding_allocated") & (data.figures.source_id == "tip2015")]
    wide = money.pivot_table(index="item", columns="unit", values="value")
    assert len(wide) == 2
    assert sorted(wide.NOK) == [2_500_000, 4_500_000]
    assert sorted(wide.USD) == [314_000, 565_000]
    assert all(money["item"].notna())


def test_care_institution_and_protection_counts(data):
    expected = {
        ("initial_contacts", "all", 2014): 139, ("initial_contacts", "all", 2013): 132,
        ("shelter_accepted", "women", 2014): 41, ("shelter_accepted", "men", 2014): 1,
        ("reflection_periods_granted", "all", 2014): 27, ("reflection_periods_granted", "all", 2013): 30,
        ("temporary_residence_permits_granted", "all", 2014): 41,
        ("temporary_residence_permits_granted", "all", 2013): 38,
        ("asylum_grants", "all", 2014): 11, ("asylum_grants", "all", 2013): 19,
    }
    for (metric, population, year), value in expected.items():
        assert _get(data, metric, population=population, period=year).value == value, (metric, population, year)


def test_a_figure_the_source_does_not_report_is_missing_not_zero(data):
    row = data.figures.set_index("id").loc["tip2015-official-complicity-cases"]
    assert pd.isna(row.value)
    assert _get(data, "official_complicity_cases").label == "not reported"
    assert row.missing_reason == "not reported by the government"


def test_statements_name_what_both_sources_name(data):
    st = data.statements
    sectors = {src: set(g.subject) for src, g in st[st.topic == "sector"].groupby("source_id")}
    assert sectors["tip2015"] == {"domestic service", "nursing", "car washing", "construction"}
    assert sectors["gcm2017"] == {"construction", "agriculture"}
    origins = set(st[(st.topic == "origin_country")].subject)
    assert origins == {"Albania", "Bulgaria", "Lithuania", "Romania", "Nigeria", "Syria", "Philippines"}
    policy = st[st.topic == "policy_measure"].set_index("id")
    assert policy.loc["tip2015-policy-action-plan", "event_year"] == 2014
    assert policy.loc["gcm2017-policy-work-crime-strategy", "event_year"] == 2015
    assert {"gcm2017-policy-intelligence-centre", "gcm2017-policy-regional-units"} <= set(policy.index)


def test_every_quote_is_in_its_document_as_read_here(data):
    held = data.sources[data.sources.file.notna() & data.sources.file.str.endswith(".txt")]
    texts = {row.source_id: (config.RAW / row.file).read_text(encoding="utf-8") for row in held.itertuples()}
    for table in (data.figures, data.statements):
        for row in table[table.source_id.isin(texts)].itertuples():
            assert row.quote in texts[row.source_id], row.id


def _figures_as_written() -> list[dict[str, str]]:
    with open(config.PROCESSED / "figures.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_quoted_figure_is_bound_to_its_words_or_says_why(data):
    rows = _figures_as_written()
    quoted = [r for r in rows if r["quote"]]
    bound = [r["id"] for r in quoted if r["counted_as"]]
    unbound = [r["id"] for r in quoted if r["unbound_reason"]]
    assert sorted(bound + unbound) == sorted(r["id"] for r in quoted)  # each has one of the two, none both
    assert not [r["id"] for r in rows if not r["quote"] and (r["counted_as"] or r["unbound_reason"])]
    for r in quoted:
        if r["counted_as"]:
            assert r["counted_as"] in r["quote"], r["id"]
            if r["value_as_written"]:  # begins with the value as written, as a whole token
                assert re.match(re.escape(r["value_as_written"]) + r"(?!\w|[.,]\d)", r["counted_as"]), r["id"]
    # most values are bound; the exceptions are the few whose quote puts the words before the number
    assert len(bound) > 3 * len(unbound) > 0
    tiers = [r for r in quoted if r["metric"] == "tier"]
    assert tiers and {r["unbound_reason"] for r in tiers} == {"the number follows what it counts"}
    assert {r["id"]: r["counted_as"]
            for r in rows} == dict(zip(data.figures.id, data.figures.counted_as.fillna(""), strict=True))


def test_the_2015_law_enforcement_counts_are_bound_to_the_words_the_raw_text_gives_them():
    # the words after each number of the narrative, read here with a regex: "36 sex trafficking cases", "one labor
    # trafficker"
    found = re.findall(r"(\w+) (sex|labor) (trafficking cases|trafficking suspects?|traffickers?)\b", RAW_TIP)
    words = {f"{number} {form} {noun}" for number, form, noun in found}
    rows = [r for r in _figures_as_written()
            if r["source_id"] == "tip2015" and r["metric"] in ("investigations", "prosecutions", "convictions")
            and r["form"] != "unsplit"]
    assert len(rows) == 12
    for r in rows:
        assert r["counted_as"] in words, r["id"]
        assert r["counted_as"].split()[:2] == [r["value_as_written"], r["form"]], r["id"]


def test_words_are_matched_whole_and_regardless_of_case():
    from analysis.data.counted_as import words_in

    assert words_in(("man", "men"), "41 women and one man") == ["man"]
    assert words_in(("sex",), "andre seksuelle formål, sexual purposes") == []
    assert words_in(("$", "kroner"), "$314,000") == ["$"]
    assert (words_in(("fulgt opp", "Prostitusjon"), "fulgt  opp som ofre for prostitusjon")
            == ["fulgt opp", "Prostitusjon"])


def test_dtypes_are_pandas_3_dtypes(data):
    f = data.figures
    assert str(f.id.dtype) == "str"
    assert str(f.value.dtype) == "Float64"
    assert str(f.report_year.dtype) == "Int64"
    assert str(data.sources.date_accessed.dtype).startswith("datetime64")


def test_check_command_prints_the_summary(capsys):
    from analysis.regenerate.cli import main

    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "tip2015" in out and "edition 2015: 43 figures, 30 statements" in out
    assert "wb-cpi-inflation: World Bank, cpi_inflation: 110 rows extracted (DNK, FIN, ISL, NOR, SWE, 2003-2024)" in out


# --- a verdict is kept, never the tables: every load reads the data files themselves ---------------------



def _entries(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _verdict(folder) -> dict:
    (entry,) = folder.glob("verdict-*.json")
    return json.loads(entry.read_text(encoding="utf-8"))


def _key(data_dir) -> str:
    from data_edits import data_digest

    return data_digest(data_dir)


def test_a_load_that_passed_leaves_a_verdict_and_the_next_gives_the_tables_validation_gives(
        verdict_cache, data_copy, monkeypatch):
    from analysis.data import verdicts

    first = analysis.load(data_copy, glotip=True)
    (entry,) = _entries(verdict_cache)
    trusted = analysis.load(data_copy, glotip=True)
    assert _entries(verdict_cache) == [entry]
    monkeypatch.setenv(verdicts.NO_CACHE_ENV, "1")
    validated = analysis.load(data_copy, glotip=True)
    for name in ("sources", "metrics", "figures", "statements", "glotip"):
        pd.testing.assert_frame_equal(getattr(trusted, name), getattr(validated, name))
        pd.testing.assert_frame_equal(getattr(first, name), getattr(validated, name))
    assert str(trusted.figures.value.dtype) == "Float64" and str(trusted.glotip.flag.dtype) == "str"
    assert _entries(verdict_cache) == [entry], "with the cache turned off nothing is written"
    assert entry == f"verdict-{_key(data_copy)}.json"
    assert _verdict(verdict_cache) == {"key": _key(data_copy), "validated": ["core", "glotip"]}


def test_the_verdict_holds_no_number_so_an_edited_cache_changes_none(verdict_cache, data_copy):
    """What output/cache/ holds cannot reach a table.

    A verdict with numbers written into it, or a pickle of edited tables as this project once kept, leaves every value
    as the data files give it.
    """
    import pickle

    validated = analysis.load(data_copy, fresh=True)
    edited = validated.figures.copy()
    edited.loc[edited.id == "tip2015-investigations-sex-2014", "value"] = 68
    (verdict_cache / "load-0.pickle").write_bytes(pickle.dumps(dataclasses.replace(validated, figures=edited)))
    verdict = _verdict(verdict_cache)
    for entry in verdict_cache.glob("verdict-*.json"):
        entry.write_text(json.dumps({**verdict, "figures": edited.to_dict("records")}, default=str), encoding="utf-8")
    loaded = analysis.load(data_copy)
    assert loaded.figures.set_index("id").loc["tip2015-investigations-sex-2014", "value"] == 36
    pd.testing.assert_frame_equal(loaded.figures, validated.figures)
    analysis.load(data_copy, fresh=True)  # writing a verdict prunes the folder
    assert not list(verdict_cache.glob("*.pickle")), "a pickle of an earlier version is deleted, never read"


def test_one_changed_byte_is_validated_again_and_a_failure_leaves_no_verdict(verdict_cache, data_copy):
    from data_edits import edit_csv

    from analysis.data import DataError

    analysis.load(data_copy)
    kept = _entries(verdict_cache)
    figures = data_copy / "processed" / "figures.csv"
    good = figures.read_bytes()
    line = edit_csv(figures, "tip2015-investigations-sex-2014", "value", "37")  # the narrative says 36
    with pytest.raises(DataError) as refused:
        analysis.load(data_copy)
    assert (f"data/processed/figures.csv, line {line} (id tip2015-investigations-sex-2014), column 'value': expected 36"
            in str(refused.value).replace(f"{data_copy}/", "data/"))
    assert _entries(verdict_cache) == kept
    figures.write_bytes(good)
    assert analysis.load(data_copy).figures.set_index("id").loc["tip2015-investigations-sex-2014", "value"] == 36


def test_a_damaged_verdict_is_validated_again_and_rewritten(verdict_cache, data_copy):
    from analysis.data import verdicts

    analysis.load(data_copy)
    (entry,) = verdict_cache.glob("verdict-*.json")
    entry.write_bytes(b"not json")
    assert verdicts.validated_parts(_key(data_copy)) == set()
    assert len(analysis.load(data_copy).figures) == len(analysis.load(data_copy, fresh=True).figures) > 0
    assert _verdict(verdict_cache)["validated"] == ["core"]


def test_a_verdict_covers_the_parts_validated_and_check_validates_them_all(verdict_cache, data_copy, capsys):
    from analysis.regenerate.cli import main

    analysis.load(data_copy)
    assert _verdict(verdict_cache)["validated"] == ["core"]
    analysis.load(data_copy, world_bank=True)  # a part not validated yet: validated now, and added
    assert _verdict(verdict_cache)["validated"] == ["core", "world_bank"]
    assert main(["check", "--data-dir", str(data_copy)]) == 0
    assert _verdict(verdict_cache) == {"key": _key(data_copy), "validated": ["core", "glotip", "world_bank"]}


def test_a_cache_that_cannot_be_written_is_passed_over_in_silence(tmp_path, data_copy, monkeypatch, capsys):
    """In a kernel, stderr is a cell's output: a note about the cache would end up in every notebook."""
    from analysis.data import verdicts

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(verdicts.CACHE_DIR_ENV, str(blocker / "cache"))
    monkeypatch.delenv(verdicts.NO_CACHE_ENV, raising=False)
    assert len(analysis.load(data_copy).figures) > 0
    assert capsys.readouterr() == ("", "")


@pytest.mark.kernel
def test_a_process_that_finds_a_verdict_imports_no_pandera(verdict_cache, data_copy):
    import subprocess
    import sys

    analysis.load(data_copy)
    code = ("import sys; from pathlib import Path; from analysis.data import loader; "
            f"data = loader.load(Path({str(data_copy)!r})); "
            "print(len(data.figures), 'pandera' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [str(len(analysis.load(data_copy).figures)), "False"]


def test_only_the_newest_verdicts_are_kept(verdict_cache, data_copy, monkeypatch):
    import os

    from analysis.data import verdicts

    monkeypatch.setattr(verdicts, "CACHE_ENTRIES", 2)
    verdict_cache.mkdir()
    for age, name in enumerate(["verdict-old1.json", "verdict-old2.json", "verdict-old3.json"]):
        (verdict_cache / name).write_bytes(b"{}")
        os.utime(verdict_cache / name, (1_000_000 + age, 1_000_000 + age))
    analysis.load(data_copy)
    assert _entries(verdict_cache) == sorted([f"verdict-{_key(data_copy)}.json", "verdict-old3.json"])
    (data_copy / "processed" / "world_bank.csv").write_text("not a table", encoding="utf-8")
    assert analysis.load(data_copy).world_bank is None
    with pytest.raises(DataError):
        analysis.load(data_copy, world_bank=True)


def test_a_process_validates_the_same_bytes_once_even_fresh_and_edited_bytes_again(verdict_cache, data_copy,
                                                                                   monkeypatch):
    """A fresh load trusts what this very process validated, never a verdict file: those anyone can write."""
    from data_edits import edit_csv

    from analysis.data import DataError, loader, verdicts

    calls = []
    real = loader.validate
    monkeypatch.setattr(loader, "_VALIDATED_HERE", {})
    monkeypatch.setattr(loader, "validate", lambda *args: calls.append(args) or real(*args))
    first = analysis.load(data_copy, glotip=True, fresh=True)
    again = analysis.load(data_copy, glotip=True, fresh=True)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(first.figures, again.figures)
    analysis.load(data_copy, world_bank=True, fresh=True)  # a part not yet validated here
    assert len(calls) == 2
    assert _verdict(verdict_cache)["validated"] == ["core", "world_bank"], "a fresh load vouches for what it asked"
    edit_csv(data_copy / "processed" / "figures.csv", "tip2015-investigations-sex-2014", "value", "-1")
    verdicts.keep(verdicts.cache_key(data_copy), {"core", "glotip", "world_bank"})  # a forged verdict
    with pytest.raises(DataError, match="figures.csv"):
        analysis.load(data_copy, fresh=True)
    assert len(calls) == 3
