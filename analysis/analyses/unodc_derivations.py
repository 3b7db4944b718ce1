"""How the analyses of UNODC's counts (06, 11) computed their ratios, shares and sums, and the intervals around them.

A GLOTIP count may be written "<5": it is then any of 1 to 4, an input with two values (its lowest and its highest),
and a share built on it is a range, the smallest part over the largest whole to the largest part over the smallest
whole (:mod:`.intervals`); its interval is the union of the intervals of every value the counts allow.
"""

from __future__ import annotations

import pandas as pd

from ..data import Dataset
from . import derivation as d

#: The method of 11's yearly intervals, as the methods page names them (``docs/intervals.md``).
SHARE = "Wilson interval of a share (over a \"<5\", the union of the intervals of every value it may take)"


def count(low, high, written, id_: str, symbol: str, label: str) -> tuple[list[dict], str, str]:
    """A GLOTIP count as inputs, and the symbols of its lowest and highest value (the same for a count written).

    A count written "<5" (``written``) enters as two inputs, its lowest and its highest value.
    """
    if low == high:
        return [d.figure(symbol, label, low, "persons", id_)], symbol, symbol
    said = f"{label}, written {written!r}"
    return ([d.figure(f"{symbol}_low", f"{said}: its lowest value", low, "persons", id_),
             d.figure(f"{symbol}_high", f"{said}: its highest value", high, "persons", id_)],
            f"{symbol}_low", f"{symbol}_high")


def _bounds(glotip: pd.DataFrame, id_: str, symbol: str, label: str) -> tuple[list[dict], str, str]:
    """The GLOTIP row ``id_`` as inputs (:func:`count`)."""
    row = glotip.loc[id_]
    return count(row.count_low, row.count_high, row.value_as_written, id_, symbol, label)


def ranged(base: str, *counts: tuple[str, str, str]) -> str:
    """``base`` (``l / t``) with the range of each count ``(symbol, lowest, highest)`` written "<5" it holds."""
    return ", ".join([base, *(f"{name} from {low} to {high}" for name, low, high in counts if low != high)])


@d.finite_only
def yearly_shares(data: Dataset, shares: pd.DataFrame, confidence: float) -> list[dict]:
    """11: forced labour's share of each stage each year (a range where a count is "<5"), and its interval."""
    glotip, level, found = data.glotip.set_index("id"), d.confidence(confidence), []
    for row in shares.itertuples():
        if len(row.ids) < 2:
            continue
        key, label = {"year": int(row.year), "stage": row.stage}, f"{row.stage}, Norway, {row.year}"
        labor, l_low, l_high = _bounds(glotip, row.ids[0], "l", f"{label}, forced labour")
        total, t_low, t_high = _bounds(glotip, row.ids[1], "t", f"{label}, all forms")
        inputs = [*labor, *total]
        exact = len(inputs) == 2
        low = f"{l_low} / {t_high}" if exact else f"min(1, {l_low} / {t_high})"
        high = f"{l_high} / {t_low}" if exact else f"min(1, {l_high} / {t_low})"
        found += [d.entry(key, "share_low", "arithmetic", low, row.share_low, inputs),
                  d.entry(key, "share_high", "arithmetic", high, row.share_high, inputs)]
        found += d.interval(key, ("share_ci_low", "share_ci_high"), (row.share_ci_low, row.share_ci_high), SHARE,
                            "exact", ranged("l / t", ("l", l_low, l_high), ("t", t_low, t_high)), [*inputs, level])
    return found


#: The methods of 06's intervals, as the methods page names them (``docs/intervals.md``).
RATIO = "exact conditional interval of a ratio of two counts (Clopper-Pearson; over a \"<5\", the union)"
COUNT = "exact (Garwood) Poisson interval of a count (over a \"<5\", the union)"


def _ends(row, name: str, id_, symbol: str, label: str) -> tuple[list[dict], str, str]:
    """UNODC's count ``name`` of a row of 06's table as inputs (its bounds as the table takes them), and its symbols."""
    low, high, written = (getattr(row, f"glotip_{name}{end}") for end in ("_low", "_high", ""))
    return count(low, high, written, id_, symbol, label)


def _tip_ratio(data: Dataset, row, level: dict) -> list[dict]:
    """The TIP's victims per trafficker convicted in one year of 06's table, and its interval."""
    key, figures = {"year": int(row.year)}, data.figures.set_index("id")
    victims = d.count_inputs(data, row.tip_victims_ids, row.tip_victims, f"the TIP's victims, {row.year}")
    convicted = [d.figure(f"c_{figures.form[i]}" if len(row.tip_convictions_ids) > 1 else "c",
                          f"traffickers convicted ({figures.form[i]}), {row.year}", figures.value[i], "persons", i)
                 for i in row.tip_convictions_ids]
    ratio = f"{d.total(d.names(victims))} / {d.total(d.names(convicted))}"
    return [d.entry(key, "tip_victims_per_conviction", "arithmetic", ratio, row.tip_victims_per_conviction,
                    [*victims, *convicted]),
            *d.interval(key, ("tip_ratio_ci_low", "tip_ratio_ci_high"), (row.tip_ratio_ci_low, row.tip_ratio_ci_high),
                        RATIO, "exact", ratio, [*victims, *convicted, level])]


def _glotip_ratio(row, level: dict) -> list[dict]:
    """UNODC's victims detected per person convicted in one year of 06's table, and the intervals around it."""
    key, label = {"year": int(row.year)}, f"Norway, {row.year}"
    detected, v_low, v_high = _ends(row, "detected", row.glotip_detected_id, "v", f"victims detected, {label}")
    convicted, c_low, c_high = _ends(row, "convicted", row.glotip_convicted_id, "c", f"persons convicted, {label}")
    inputs = [*detected, *convicted]
    of = ranged("v / c", ("v", v_low, v_high), ("c", c_low, c_high))
    return [d.entry(key, "glotip_ratio_low", "arithmetic", f"{v_low} / {c_high}", row.glotip_ratio_low, inputs),
            d.entry(key, "glotip_ratio_high", "arithmetic", f"{v_high} / {c_low}", row.glotip_ratio_high, inputs),
            *d.interval(key, ("glotip_ratio_ci_low", "glotip_ratio_ci_high"),
                        (row.glotip_ratio_ci_low, row.glotip_ratio_ci_high), RATIO, "exact", of, [*inputs, level]),
            *d.interval(key, ("glotip_convicted_ci_low", "glotip_convicted_ci_high"),
                        (row.glotip_convicted_ci_low, row.glotip_convicted_ci_high), COUNT, "exact",
                        ranged("c", ("c", c_low, c_high)), [*convicted, level])]


def _three_years(window: list) -> list[dict]:
    """UNODC's two counts summed over the three years of ``window`` (rows of 06's table), and their ratio."""
    last = window[-1]
    key, found, sums = {"year": int(last.year)}, [], {}
    for name, symbol in (("detected", "v"), ("convicted", "c")):
        parts = [_ends(row, name, getattr(row, f"glotip_{name}_id"), f"{symbol}{row.year}",
                       f"{'victims detected' if symbol == 'v' else 'persons convicted'}, Norway, {row.year}")
                 for row in window]
        inputs = [i for given, _, _ in parts for i in given]
        sums[name] = (" + ".join(low for _, low, _ in parts), " + ".join(high for _, _, high in parts), inputs)
        found += [d.entry(key, f"glotip_{name}_3y_{end}", "arithmetic", sums[name][k],
                          getattr(last, f"glotip_{name}_3y_{end}"), inputs) for k, end in enumerate(("low", "high"))]
    (v_low, v_high, detected), (c_low, c_high, convicted) = sums["detected"], sums["convicted"]
    return [*found, d.entry(key, "glotip_ratio_3y_low", "arithmetic", f"({v_low}) / ({c_high})",
                            last.glotip_ratio_3y_low, [*detected, *convicted]),
            d.entry(key, "glotip_ratio_3y_high", "arithmetic", f"({v_high}) / ({c_low})", last.glotip_ratio_3y_high,
                    [*detected, *convicted])]


def _counted(row) -> bool:
    return isinstance(row.glotip_detected_id, str) and isinstance(row.glotip_convicted_id, str)


@d.finite_only
def conviction_series(data: Dataset, table: pd.DataFrame, confidence: float) -> list[dict]:
    """06: each year's victims per conviction, the TIP's and UNODC's, with their intervals, and over three years."""
    level, found, rows = d.confidence(confidence), [], list(table.itertuples())
    for index, row in enumerate(rows):
        if not pd.isna(row.tip_victims_per_conviction):
            found += _tip_ratio(data, row, level)
        if _counted(row):
            found += _glotip_ratio(row, level)
        window = rows[max(index - 2, 0):index + 1]
        if len(window) == 3 and all(_counted(r) for r in window):
            found += _three_years(window)
    return found
