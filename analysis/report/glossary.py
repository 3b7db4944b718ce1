"""The code lists the tables use, each code with what it means, for the glossary page.

Nothing is explained here: each explanation is read from where the data layer declares it once. The codebooks
(``metrics.csv``, ``forms.csv``, ``populations.csv``) define the metrics, forms and populations; the GLOTIP reader
names each country, UNODC indicator and form it maps to a code (:mod:`analysis.data.glotip`); the quality checks
(:data:`analysis.data.quality.CHECKS`) and Eurostat's flag codes (:data:`analysis.data.flags.FLAG_CODES`) carry
their labels. Every other list of allowed values is explained by its column's description in ``datapackage.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..data import glotip
from ..data.flags import FLAG_CODES
from ..data.quality import CHECKS
from .inputs import read_csv


@dataclass
class CodeList:
    """One list of codes: where it is used, where its meanings are declared, and each code with its meaning."""

    name: str
    title: str
    declared_in: str
    codes: dict[str, str]
    used_in: list[str] = field(default_factory=list)
    description: str = ""

    @property
    def anchor(self) -> str:
        """The list's id on the glossary page."""
        return f"codes-{self.name.replace('_', '-')}"


def _metrics(data_dir: Path) -> dict[str, str]:
    """Each metric of the codebook with its definition, its unit and its kind (a metric counted in two units once)."""
    codes: dict[str, list[str]] = {}
    for row in read_csv(Path(data_dir) / "processed" / "metrics.csv"):
        codes.setdefault(row["metric"], []).append(f"{row['definition']} (unit: {row['unit']}; kind: {row['kind']})")
    return {code: " ".join(texts) for code, texts in codes.items()}


def _codebook(data_dir: Path, name: str, column: str) -> dict[str, str]:
    return {row[column]: row["definition"] for row in read_csv(Path(data_dir) / "processed" / f"{name}.csv")}


def declared(data_dir: Path) -> list[CodeList]:
    """The code lists whose codes each have a declared meaning, in the order the glossary shows them."""
    return [
        CodeList("metric", "Metrics of the curated figures", "processed/metrics.csv (the metric codebook)",
                 _metrics(data_dir)),
        CodeList("form", "Forms of exploitation", "processed/forms.csv (the form codebook)",
                 _codebook(data_dir, "forms", "form")),
        CodeList("population", "Populations", "processed/populations.csv (the population codebook)",
                 _codebook(data_dir, "populations", "population")),
        CodeList("glotip_metric", "What UNODC's GLOTIP rows count", "UNODC's indicators (analysis.data.glotip)",
                 {code: f"UNODC's indicator “{indicator}”" for indicator, code in glotip.INDICATORS.items()}),
        CodeList("glotip_form", "Forms of exploitation in UNODC's GLOTIP rows",
                 "UNODC's categories (analysis.data.glotip)",
                 {code: f"UNODC's category “{category}”" for category, code in glotip.FORMS.items()}),
        CodeList("iso3", "Countries", "ISO 3166 alpha-3 codes (analysis.data.glotip)", dict(glotip.COUNTRIES)),
        CodeList("check", "Quality checks on the GLOTIP rows", "analysis.data.quality.CHECKS", dict(CHECKS)),
        CodeList("flag", "Flags on UNODC's values (Eurostat's codes)", "analysis.data.flags.FLAG_CODES",
                 dict(FLAG_CODES)),
    ]


#: The columns whose codes a declared list explains: (table, column) -> the list's name.
USES = {("figures", "metric"): "metric", ("figures", "form"): "form", ("statements", "form"): "form",
        ("figures", "population"): "population", ("statements", "population"): "population",
        ("glotip", "metric"): "glotip_metric", ("series_breaks", "metric"): "glotip_metric",
        ("glotip", "form"): "glotip_form", ("glotip", "iso3"): "iso3", ("series_breaks", "iso3"): "iso3",
        ("world_bank", "iso3"): "iso3", ("glotip_flags", "check"): "check", ("series_breaks", "code"): "flag"}


def code_lists(package: dict, data_dir: Path) -> list[CodeList]:
    """Every list of codes the tables use: the declared lists, then each other column's allowed values.

    A column's allowed values that no declared list explains form a list of their own, explained by the column's
    description; two columns with the same name and the same values share one.
    """
    lists = {c.name: c for c in declared(data_dir)}
    for resource in package["resources"]:
        for column in resource["schema"]["fields"]:
            where = f"{resource['name']}.{column['name']}"
            if (resource["name"], column["name"]) in USES:
                lists[USES[resource["name"], column["name"]]].used_in.append(where)
                continue
            enum = column.get("constraints", {}).get("enum")
            if not enum:
                continue
            name = f"{resource['name']}_{column['name']}"
            shared = next((c for c in lists.values() if c.description and list(c.codes) == enum
                           and c.used_in[0].split(".")[1] == column["name"]), None)
            if shared:
                shared.used_in.append(where)
                continue
            lists[name] = CodeList(name, f"{column['name'].replace('_', ' ').capitalize()} ({resource['name']})",
                                   f"datapackage.json, the description of {where}", dict.fromkeys(enum, ""),
                                   [where], column.get("description", ""))
    return list(lists.values())
