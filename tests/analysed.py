"""Each analysis's result for a set of parameter values, computed at most once per test process and shared.

Notebook 12's analysis fits hundreds of negative binomial models and takes seconds, 06's and 11's a second or more;
the tests of the analyses (``tests/analyses``) and of the charts (``tests/charts``) read the same results many times.
The ``analysed`` fixture of each of those folders hands out :func:`result`, which keeps what it computes for the rest
of the test process: under pytest-xdist each worker is a process of its own and computes each result at most once.

Each call returns a deep copy of the kept result, so a test that changes a table or a fact changes its own copy only.

What is alive once a result is kept is frozen out of the garbage collector's later passes (``gc.freeze``): the
analyses adjust families of tests with statsmodels' ``multipletests``, whose Holm method collects garbage on every
call, and a full pass over a test process's kept results and drawings costs a tenth of a second or more each time.
"""

from __future__ import annotations

import copy
import gc

from analysis.analyses import ANALYSES, Result

#: The results computed so far, by the data's identity, the notebook and the values given; the data are kept with
#: them, so that no other object takes their identity while the process lives.
_KEPT: dict[tuple, tuple[object, Result]] = {}


def result(data, name: str, **values) -> Result:
    """The result of notebook ``name``'s analysis of ``data`` with ``values`` (the defaults for the rest).

    Computed on the first call with these arguments, then a copy of the one kept. A value equal to its default is
    the default: ``result(data, name, rule="latest")`` is ``result(data, name)``.
    """
    analyse = ANALYSES[name]
    values = {parameter: value for parameter, value in values.items()
              if parameter not in analyse.defaults or value != analyse.defaults[parameter]}
    key = (id(data), name, tuple(sorted((parameter, repr(value)) for parameter, value in values.items())))
    if key not in _KEPT:
        _KEPT[key] = (data, analyse(data, **values))
        gc.collect()
        gc.freeze()  # what is kept for the process, left out of later collections (statsmodels' Holm runs one a call)
    return copy.deepcopy(_KEPT[key][1])
