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


def _lists(table: pd.DataFrame) -> list[tuple]:
    """The rows of ``table`` as tuples of Python values (missing cells NaN or NA)."""
    return list(zip(*(table[c].tolist() for c in table.columns), strict=True))


def _complete(key: tuple) -> bool:
    """Whether a key has no missing part (pandas' groupby leaves such keys out)."""
    return not any(part is pd.NA or part != part for part in key)  # NaN is the one value unequal to itself


def _duplicates(table: pd.DataFrame) -> dict[tuple[str, str], str]:
    """Rows sharing country, indicator, form, sex, age and year in one release, by key in sorted order."""
    groups: dict[tuple, list[tuple[str, str]]] = {}
    for *key, row_id, written in _lists(table[[*_KEY, "form", "sex", "age", "id", "value_as_written"]]):
        groups.setdefault(tuple(key), []).append((row_id, written))
    found = {}
    for key in sorted(k for k, rows in groups.items() if len(rows) > 1 and _complete(k)):
        rows = groups[key]
        for row_id, _ in rows:
            found[(row_id, "duplicate_key")] = f"{len(rows)} rows share this key: {', '.join(w for _, w in rows)}"
    return found


def _totals(table: pd.DataFrame) -> dict[tuple, tuple]:
    """The total of each key (id, value as written, largest count), where exactly one row gives it."""
    totals: dict[tuple, list[tuple]] = {}
    rows = table.loc[(table.form == "unsplit") & (table.sex == "Total") & (table.age == "Total"),
                     [*_KEY, "id", "value_as_written", "count_high"]]
    for *key, row_id, written, high in _lists(rows):
        totals.setdefault(tuple(key), []).append((row_id, written, high))
    return {key: found[0] for key, found in totals.items() if len(found) == 1 and _complete(key)}


def _over(table: pd.DataFrame, check: str, totals: dict[tuple, tuple]) -> dict[tuple[str, str], str]:
    """The parts of one split whose published counts add up to more than their total can be, in the table's order."""
    selects, names = _SPLITS[check]
    parts = _lists(table.loc[selects(table), [*_KEY, "id", names, "value_as_written", "count"]])
    published: dict[tuple, int] = {}
    for *key, _, _, _, count in parts:
        if _complete(key := tuple(key)):
            published[key] = published.get(key, 0) + (0 if count is pd.NA or count != count else count)
    over = {key: totals[key] for key, total in published.items()
            if key in totals and not pd.isna(totals[key][2]) and total > totals[key][2]}
    listed: dict[tuple, list[str]] = {}
    for *key, _, name, written, _ in parts:
        if tuple(key) in over:
            listed.setdefault(tuple(key), []).append(name + " " + written)
    found = {}
    for *key, row_id, _, _, _ in parts:
        if (key := tuple(key)) in over:
            total_id, total_written, high = over[key]
            found[(row_id, check)] = (f"parts add up to at least {published[key]} ({', '.join(listed[key])}), more "
                                      f"than the total {total_written} (at most {high}; row {total_id})")
    return found


def inconsistencies(table: pd.DataFrame) -> dict[tuple[str, str], str]:
    """Every (row id, check) the data fail, with a message giving the numbers.

    Worked out over the rows as Python tuples: a load checks every GLOTIP row, and pandas' merges and group-bys cost
    more than the few thousand rows do.
    """
    found = _duplicates(table)
    totals = _totals(table)
    for check in _SPLITS:
        found.update(_over(table, check, totals))
    return dict(sorted(found.items()))


def reconcile_flags(table: pd.DataFrame, flags: pd.DataFrame, show_table: str, show_flags: str) -> list[Problem]:
    """An inconsistency without a record, or a record without its inconsistency, is a problem naming the row."""
    found = inconsistencies(table)
    recorded = set(zip(flags.id, flags.check, strict=True))
    lines = {row_id: int(index) + 2 for index, row_id in zip(table.index.tolist(), table.id.tolist(), strict=True)}
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
