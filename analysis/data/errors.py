"""The error types of the data layer: bad curated data, listing every problem at once, and a state that stops a command.

:class:`RunError` is declared here, not in the runner, so that every layer can raise it: the records of
:mod:`.records` (a file that cannot be written or read back) are raised as one, and the command line maps it to
exit code 1 whichever layer raised it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place in the data.

    Attributes:
        file: Path of the file, relative to the project root where possible.
        line: Line of the CSV file (the header is line 1), or None for the whole file.
        column: Column name, or None when the problem is not about one column.
        message: What was found and what was expected.
        row_id: The row's ``id`` (or ``source_id``) when it has one, to find it by name.
        unreadable: True when a cell could not be read as its type; the checks
            across tables then skip the row rather than report its consequences.
    """

    file: str
    line: int | None
    column: str | None
    message: str
    row_id: str | None = None
    unreadable: bool = False

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.row_id:
            where += f" (id {self.row_id})"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class DataError(ValueError):
    """Raised when curated data or a raw source fails validation.

    The message lists every problem found, one per line, each naming the file,
    the line, the column and what was expected.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the curated data:"
        super().__init__("\n".join([head, *(f"  - {p}" for p in self.problems)]))


class RunError(Exception):
    """A command cannot start or did not succeed (bad notebook name, lock held, a file it cannot write); exit code 1.

    The message is one line naming the place (file, folder, notebook) and the cause.
    """
