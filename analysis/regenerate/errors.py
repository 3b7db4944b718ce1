"""The two ways a run can be refused or fail, which the command line maps to exit codes 2 and 1.

:class:`ParameterError` is the data layer's, the one the analyses raise too, so
that a value refused by ``analyse(...)`` and by the runner is one kind of error; :class:`RunError` is the data
layer's too, so that a record the data layer cannot write (:mod:`analysis.data.records`) is one.
"""

from ..data.errors import RunError
from ..parameters import ParameterError

__all__ = ["ParameterError", "RunError"]
