"""Curated figures on trafficking in persons in Norway, and the analyses built on them.

Two modules every layer shares, which import nothing of the package: :mod:`analysis.config` (every path) and
:mod:`analysis.parameters` (the one error for a bad parameter, what a change from a default is, and the reading of a
notebook's ``parameters`` cell). Then five layers, each building only on those before it:

- :mod:`analysis.data`: loading and checking the curated tables, look-ups, vintages;
- :mod:`analysis.analyses`: one function per notebook, returning what it shows;
- :mod:`analysis.charts`: the theme, and drawing, labelling and saving each chart;
- :mod:`analysis.report`: the static report site built from the last published run;
- :mod:`analysis.regenerate`: running the notebooks, publishing figures, the command line.

Typical use::

    import analysis
    data = analysis.load()
    fig = analysis.get_figure(data.figures, "convictions", form="sex", period=2014)
    fig.value, fig.citation
"""

import importlib

#: The data layer's main names, re-exported; imported on first use (PEP 562),
#: as in :mod:`analysis.data`, so that ``tip-norway`` starts without pandas.
__all__ = [
    "DataError", "Dataset", "Figure", "Problem", "compare_periods", "from_source", "get_figure", "load",
    "load_figures", "load_metrics", "load_sources", "load_statements", "parse_number", "select",
]


def __getattr__(name: str):
    if name in __all__:
        value = getattr(importlib.import_module(".data", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__version__ = "0.1.0"
