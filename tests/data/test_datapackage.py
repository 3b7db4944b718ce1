"""The Frictionless descriptor is valid, complete, and what the loader enforces."""

from __future__ import annotations

import csv
import json

import pytest
from data_edits import edit_csv
from frictionless import Package

from analysis import config
from analysis.data.constraints import pandera_schema

DESCRIPTOR = json.loads(config.DATAPACKAGE.read_text(encoding="utf-8"))
FIELDS = [(res["name"], field) for res in DESCRIPTOR["resources"] for field in res["schema"]["fields"]]


def test_frictionless_validates_the_package_and_its_foreign_keys():
    report = Package(str(config.DATAPACKAGE)).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_frictionless_also_catches_a_broken_foreign_key(data_copy):
    edit_csv(data_copy / "processed" / "figures.csv", "tip2015-tier", "source_id", "nowhere")
    report = Package(str(data_copy / "datapackage.json")).validate()
    assert not report.valid
    assert [e[0] for e in report.flatten(["type"])] == ["foreign-key"]


@pytest.mark.parametrize(("resource", "field"), FIELDS, ids=[f"{r}.{f['name']}" for r, f in FIELDS])
def test_every_field_is_described(resource, field):
    assert field["type"] in {"string", "integer", "number", "date", "boolean"}
    assert len(field.get("description", "")) > 10, f"{resource}.{field['name']} needs a description"


def test_every_table_file_is_described_and_every_description_has_a_file():
    described = {config.DATA / res["path"] for res in DESCRIPTOR["resources"]}
    # a raw file the register names (a World Bank series) is a source kept byte for byte, not a curated table
    with open(config.RAW / "sources.csv", encoding="utf-8") as handle:
        sources = {config.RAW / row["file"] for row in csv.DictReader(handle) if row["file"]}
    on_disk = set(config.PROCESSED.glob("*.csv")) | (set(config.RAW.glob("*.csv")) - sources)
    assert described == on_disk


@pytest.mark.parametrize("res", DESCRIPTOR["resources"], ids=lambda r: r["name"])
def test_pandera_schema_has_the_descriptor_columns(res):
    schema = pandera_schema(res)
    assert list(schema.columns) == [f["name"] for f in res["schema"]["fields"]]
    required = {f["name"] for f in res["schema"]["fields"] if f.get("constraints", {}).get("required")}
    assert {name for name, col in schema.columns.items() if not col.nullable} == required


@pytest.mark.parametrize(("column", "codebook"), [("form", "forms"), ("population", "populations")])
def test_the_vocabulary_of_figures_is_that_of_its_codebook(column, codebook):
    # figures.csv keeps its enum (the loader's message lists the allowed values) beside the foreign key to the codebook
    # that holds the words naming each value; the two must list the same values.
    figures = next(res for res in DESCRIPTOR["resources"] if res["name"] == "figures")
    enum = next(f for f in figures["schema"]["fields"] if f["name"] == column)["constraints"]["enum"]
    with open(config.PROCESSED / f"{codebook}.csv", encoding="utf-8") as handle:
        listed = [row[column] for row in csv.DictReader(handle)]
    assert listed == enum
    assert {"fields": [column],
            "reference": {"resource": codebook, "fields": [column]}} in figures["schema"]["foreignKeys"]
