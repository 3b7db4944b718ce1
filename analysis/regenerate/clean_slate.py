"""Imported inside a kernel that a sweep reuses: give each run the state a fresh kernel gives it.

A sweep saves the seconds of starting a kernel and importing pandas,
matplotlib and the package for every run by running many notebooks, one
after another, in one kernel. That is allowed only if no run can see what an
earlier one left behind. :func:`remember` records the state of the kernel
just after it started (with pyplot imported, so that its backend has set its
own defaults, as on a notebook's first import); :func:`reset`, before each
run, puts back:

- the user namespace, emptied as by IPython's ``%reset -f`` (also the ``In``
  and ``Out`` history), so a name set by one run is undefined in the next and
  a notebook that forgets an import fails as it would in a fresh kernel;
- the execution counter, in a new history session, so cells count from 1 again;
- matplotlib: every figure closed, every rc setting as remembered;
- pandas' options, the environment variables, the working directory and the
  warning filters, as remembered.

What it cannot put back: modules stay imported (that is the saving), so a
notebook that changes a module's globals, or seeds numpy's global random
generator, changes them for the runs after it in that kernel. The project's
notebooks do neither; a sweep that must exclude it runs with fresh kernels.
"""

from __future__ import annotations

import os
import sys
import warnings

_remembered: dict | None = None


def _pandas_options() -> dict:
    import pandas as pd
    from pandas._config.config import _registered_options  # the list of options pandas itself iterates

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reading a deprecated option warns
        return {key: pd.get_option(key) for key in _registered_options}


def remember() -> None:
    """Record the kernel's state before any notebook runs in it."""
    global _remembered
    import matplotlib as mpl
    import matplotlib.pyplot  # noqa: F401  (the backend sets its defaults on this import)

    rc = dict(mpl.rcParams.copy())
    del rc["backend"]  # as matplotlib.rc_context does: never switch the backend back and forth
    _remembered = {
        "rc": rc,
        "pandas": _pandas_options(),
        "environ": dict(os.environ),
        "cwd": os.getcwd(),
        "warnings": list(warnings.filters),
        "path": list(sys.path),
    }


def reset(environ: dict[str, str]) -> None:
    """Give the next run the remembered state, with ``environ`` added to the environment variables."""
    if _remembered is None:
        raise RuntimeError("clean_slate.remember() must run once, in the fresh kernel, before reset()")
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    import pandas as pd
    from IPython import get_ipython

    get_ipython().reset(new_session=True)  # what %reset -f does, in a new history session, counting from 1 again
    plt.close("all")
    mpl.rcParams._update_raw(_remembered["rc"])  # as matplotlib.rc_context restores its settings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for key, value in _remembered["pandas"].items():
            if pd.get_option(key) != value:
                pd.set_option(key, value)
    os.environ.clear()
    os.environ.update({**_remembered["environ"], **environ})
    os.chdir(_remembered["cwd"])
    warnings.filters[:] = _remembered["warnings"]
    warnings._filters_mutated()  # as warnings.catch_warnings does after restoring the filters
    sys.path[:] = _remembered["path"]
