"""Each analysis's result for a set of parameter values, computed at most once per test process and shared.

Notebook 12's analysis fits hundreds of negative binomial models and takes seconds, 06's and 11's a second or more;
the tests of the analyses (``tests/analyses``) and of the charts (``tests/charts``) read the same results many times.
The ``analysed`` fixture of each of those folders hands out :func:`result`, which keeps what it computes for the rest
of the test process: under pytest-xdist each worker is a process of its own and computes each result at most once.

Each call returns a deep copy of the kept result, so a test that changes a table or a fact changes its own copy only.

Under pytest-xdist, the results of the session's own data (the ``data`` fixture of tests/conftest.py, the committed
tables, which :func:`share` names) are shared between the workers too, as pytest-xdist's documentation shares what a
session-scoped fixture makes (its how-to, "Making session-scoped fixtures execute only once"): in a folder of the
temporary folder all workers' own folders are in. The first worker to compute a result pickles it there, and every
other reads it instead of computing it again (the analyses are deterministic; a pickle is read in a few milliseconds,
notebook 12's default analysis takes two seconds). Results of any other data are kept in-process only.

What is alive once a result is kept is frozen out of the garbage collector's later passes (``gc.freeze``): the
analyses adjust families of tests with statsmodels' ``multipletests``, whose Holm method collects garbage on every
call, and a full pass over a test process's kept results and drawings costs a tenth of a second or more each time.
"""

from __future__ import annotations

import copy
import gc
import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from analysis.analyses import ANALYSES, Result

#: The results computed so far, by the data's identity, the notebook and the values given; the data are kept with
#: them, so that no other object takes their identity while the process lives.
_KEPT: dict[tuple, tuple[object, Result]] = {}
#: The session's own data (the ``data`` fixture) by identity, and the folder the workers share its results in.
_SHARED: dict[int, Path] = {}


def share(data, folder: Path) -> None:
    """Share the results of ``data``, the session's curated data as every worker loads them, in ``folder``."""
    folder.mkdir(exist_ok=True)
    _SHARED.clear()
    _SHARED[id(data)] = folder


def _computed(data, name: str, values: dict, key_values: tuple) -> Result:
    """The result: read from the shared folder if another worker computed it, else computed and written there."""
    folder = _SHARED.get(id(data))
    digest = hashlib.sha256(repr((name, key_values)).encode()).hexdigest()[:32]
    shared = None if folder is None else folder / f"{digest}.pickle"
    if shared is not None and shared.exists():
        return pickle.loads(shared.read_bytes())
    found = ANALYSES[name](data, **values)
    if shared is not None:  # written whole under another name, then renamed: a reader sees all of it or nothing
        handle, staged = tempfile.mkstemp(dir=shared.parent, suffix=".part")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(found, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(staged, shared)
    return found


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
        _KEPT[key] = (data, _computed(data, name, values, key[2]))
        gc.collect()
        gc.freeze()  # what is kept for the process, left out of later collections (statsmodels' Holm runs one a call)
    return copy.deepcopy(_KEPT[key][1])
