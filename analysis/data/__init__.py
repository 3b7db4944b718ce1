"""The data layer: reading and validating the curated tables, and looking figures up.

Nothing here draws or runs notebooks; every other layer builds on this one.
"""

import importlib

#: Where each public name lives. Imported on first use (PEP 562), so that what
#: needs only ``errors`` (the ``tip-norway run`` that finds every
#: chart up to date) does not pay the second pandas and pandera take to import.
_HOMES = {
    "errors": ["DataError", "Problem"],
    "loader": ["Dataset", "load", "load_figures", "load_statements"],
    "measures": ["VICTIM_MEASURES", "VictimCount", "VictimMeasure", "victim_count"],
    "numbers": ["parse_number"],
    "query": ["Figure", "compare_periods", "from_source", "get_figure", "kom_victims", "select", "sources_of"],
    "register": ["load_metrics", "load_sources"],
    "vintages": ["choose_vintage", "restatements", "with_series"],
    "world_bank": ["population", "price_index", "to_constant"],
}
_HOME = {name: module for module, names in _HOMES.items() for name in names}

__all__ = sorted(_HOME)


def __getattr__(name: str):
    if name in _HOME:
        value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME})
