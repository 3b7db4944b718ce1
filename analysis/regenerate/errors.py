"""The two ways a run can be refused or fail, which the command line maps to exit codes 1 and 2."""


class RunError(Exception):
    """A run cannot start (bad notebook name, lock held) or did not succeed; exit code 1."""


class ParameterError(RunError):
    """A parameter is unknown, ill-typed or outside what the data allow; exit code 2, before anything runs."""
