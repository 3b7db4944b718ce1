"""Data-quality checks of the GLOTIP table, and the record of the inconsistencies already known.

The checks that make parts agree with their whole run here on UNODC's counts.
They flag only what no reading can reconcile: parts by form, by sex or by age
whose published counts alone (a "<5" taken as nothing) add up to more than
the largest the total can be (a "<5" total taken as 4). A "<5" part beside a
total that its other parts already reach is not flagged: a person convicted
of two forms of exploitation counts under both, so parts by form may exceed
the total by a few. Several rows with the same key are ambiguous (UNODC's
export drops the name of the sub-form that tells them apart).

Every inconsistency found must be recorded in ``data/processed/glotip_flags.csv``
with its reason, and every record must still be found: loading fails, naming
the row, on an inconsistency nobody has looked at (a new release's new error)
and on a record the data no longer bear out. Flagged rows stay in the data;
analyses leave them out by default and say how many.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from .errors import Problem

#: The checks, and the reason each gives when no record words it better.
CHECKS = {
    "parts_by_form_exceed_total": "the counts by form of exploitation add up to more than the total",
    "parts_by_sex_exceed_total": "the counts by sex add up to more than the total",
    "parts_by_age_exceed_total": "the counts by age add up to more than the total",
    "duplicate_key": "several rows share country, indicator, form, sex, age and year "
                     "(sub-forms not named in the export)",
}
_KEY = ["source_id", "iso3", "metric", "year"]


#: Which rows split a total each way, and the column that names each part.
_SPLITS = {
    "parts_by_form_exceed_total": (lambda t: (t.form != "unsplit") & (t.sex == "Total") & (t.age == "Total"),
                                   "category"),
    "parts_by_sex_exceed_total": (lambda t: (t.form == "unsplit") & t.sex.isin(["Female", "Male", "Other"])
                                  & (t.age == "Total"), "sex"),
    "parts_by_age_exceed_total": (lambda t: (t.form == "unsplit") & (t.sex == "Total") & (t.age != "Total"), "age"),
}


def inconsistencies(table: pd.DataFrame) -> dict[tuple[str, str], str]:
    """Every (row id, check) the data fail, with a message giving the numbers."""
    found: dict[tuple[str, str], str] = {}
    key = [*_KEY, "form", "sex", "age"]
    repeated = table[table.duplicated(key, keep=False)]
    for _, group in repeated.groupby(key):
        for row_id in group.id:
            found[(row_id, "duplicate_key")] = f"{len(group)} rows share this key: {', '.join(group.value_as_written)}"
    totals = table[(table.form == "unsplit") & (table.sex == "Total") & (table.age == "Total")]
    totals = totals[~totals.duplicated(_KEY, keep=False)][[*_KEY, "id", "value_as_written", "count_high"]]
    totals = totals.rename(columns={"id": "total_id", "value_as_written": "total_written"})
    for check, (selects, names) in _SPLITS.items():
        parts = table[selects(table)][[*_KEY, "id", names, "value_as_written", "count"]]
        published = parts.groupby(_KEY, as_index=False)["count"].sum().rename(columns={"count": "published"})
        over = published.merge(totals, on=_KEY)
        over = over[over.published > over.count_high]
        if over.empty:
            continue
        flagged = parts.merge(over, on=_KEY)
        flagged["part"] = flagged[names] + " " + flagged.value_as_written
        listed = flagged.groupby(_KEY).part.transform(", ".join)
        for row, parts_listed in zip(flagged.itertuples(), listed, strict=True):
            found[(row.id, check)] = (f"parts add up to at least {row.published} ({parts_listed}), more than the total "
                                      f"{row.total_written} (at most {row.count_high}; row {row.total_id})")
    return dict(sorted(found.items()))


def reconcile_flags(table: pd.DataFrame, flags: pd.DataFrame, show_table: str, show_flags: str) -> list[Problem]:
    """An inconsistency without a record, or a record without its inconsistency, is a problem naming the row."""
    found = inconsistencies(table)
    recorded = set(zip(flags.id, flags.check, strict=True))
    lines = {row_id: int(index) + 2 for index, row_id in table.id.items()}
    problems = []
    for (row_id, check), message in found.items():
        if (row_id, check) not in recorded:
            problems.append(Problem(show_table, lines.get(row_id), "count",
                                    f"{CHECKS[check]}: {message}. Not recorded in "
                                    f"{show_flags}: expected a row '{row_id},{check},<reason>' once the inconsistency "
                                    "has been looked at",
                                    row_id))
    for index, (row_id, check) in enumerate(zip(flags.id, flags.check, strict=True)):
        if (row_id, check) not in found:
            problems.append(Problem(show_flags, index + 2, "check",
                                    f"recorded as {check}, but the data no longer show it: "
                                    "expected the record to be removed or the data restored", row_id))
    return problems


def flag_reasons(flags: pd.DataFrame) -> pd.Series:
    """One reason per flagged row id, the reasons of several checks joined."""
    reasons: dict[str, list[str]] = defaultdict(list)
    for row in flags.itertuples():
        reasons[row.id].append(f"{row.check}: {row.reason}")
    return pd.Series({row_id: "; ".join(texts) for row_id, texts in reasons.items()}, name="flag", dtype="str")
