"""What every layer shares about parameters: the one error for a bad value, and the one test of a change from a default.

They live in the lowest layer so that both the analyses (which refuse a value
outside its domain) and the runner (which refuses it before any kernel starts,
and records which values a run changed) use the same ones, and so that the
runner can use them without importing pandas or the analyses.
"""

from __future__ import annotations


class ParameterError(ValueError):
    """A parameter unknown, ill-typed or outside what the data or the analysis allow, listing every problem.

    The command line prints it and exits with code 2, before anything runs.

    Args:
        problems: What is wrong, one problem a string (or one message).
        notebook: The notebook whose analysis refused the values; its name
            then begins the message, and the problems follow joined by "; ".
    """

    def __init__(self, problems: str | list[str], notebook: str | None = None):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.notebook = notebook
        super().__init__((f"{notebook}: " if notebook else "") + "; ".join(self.problems))


def plain(value) -> object:
    """A parameter value as compared and recorded: tuples become lists, as papermill and YAML give them."""
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    return value


def changed_from_defaults(values: dict, defaults: dict) -> dict:
    """The entries of ``values`` that differ from ``defaults``, in the order given.

    A value equal to its default is no change: ``(2013, 2014)`` for ``[2013, 2014]``,
    ``10`` for ``10.0``. Both the note under a chart and the runner's choice of
    the published or the exploratory figures folder ask this one function.
    """
    return {name: value for name, value in values.items() if plain(value) != plain(defaults.get(name))}
