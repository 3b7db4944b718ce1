"""Read a CSV file as a spreadsheet program saves it, and say in plain words where it breaks.

Curators edit the tables in spreadsheet programs, which write a byte-order mark
("CSV UTF-8" in Excel) and CRLF line ends: both are accepted. Where the csv
module cannot read a file, the problem names the line (and the cell) where it
went wrong, not only where the reader stopped.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problem

#: A line break as the csv module counts lines when the file is opened with newline="".
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LINE_BREAK_BYTES = re.compile(rb"\r\n|\r|\n")


def read_rows(path: Path, show: str) -> tuple[list[list[str]], list[Problem]]:
    """The rows of a CSV file, or the problem that stops it being read.

    Args:
        path: The file.
        show: The file as messages name it.
    """
    try:
        # utf-8-sig drops the byte-order mark that Excel writes at the start of "CSV UTF-8";
        # newline="" lets the csv module take CRLF row ends and keep line breaks inside cells.
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            try:
                return list(reader), []
            except csv.Error as exc:
                return [], [_csv_problem(path, show, exc, reader.line_num)]
    except UnicodeDecodeError as exc:
        return [], [_decoding_problem(path, show, exc)]


def check_rows(header: list[str], body: list[list[str]], show: str) -> list[Problem]:
    """Each row has as many cells as the header and stays on one line; problems carry the row's line in the file."""
    problems: list[Problem] = []
    # A row is one line of the file unless a quoted cell holds a line break; such a row is
    # a problem itself, and the rows after it start that many lines further down.
    number = 2
    for row in body:
        breaks = 0
        if any("\n" in cell or "\r" in cell for cell in row):
            breaks = sum(len(_LINE_BREAK.findall(cell)) for cell in row)
            at = next(i for i, cell in enumerate(row) if "\n" in cell or "\r" in cell)
            problems.append(Problem(
                show, number, header[at] if len(row) == len(header) else None,
                f"a cell holds a line break (the row runs on to line {number + breaks}): expected one line per row",
                row[0] if at > 0 else None))
        elif len(row) != len(header):
            problems.append(Problem(show, number, None, f"expected {len(header)} fields, found {len(row)}"))
        number += 1 + breaks
    return problems


@dataclass
class _Walk:
    """Where a walk by the csv module's strict rules stands: its state, the header, the row read so far.

    ``state`` is "start" (of a cell), "plain" (a cell without quotes), "quoted" (inside a quoted cell) or "closed"
    (a quote inside a quoted cell: it closes the cell, or doubles as one quote); ``opened`` is the line where the cell
    being read opened.
    """

    state: str = "start"
    header: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)
    cell: str = ""
    opened: int = 1

    def step(self, char: str, number: int) -> str | None:
        """Take one character of line ``number``: the character itself if the rules break at it, else None."""
        if self.state == "quoted":
            self.state, self.cell = ("closed", self.cell) if char == '"' else ("quoted", self.cell + char)
        elif self.state == "closed" and char == '"':
            self.cell, self.state = self.cell + char, "quoted"  # a doubled quote stands for one quote
        elif char == ",":
            self.cells.append(self.cell)
            self.cell, self.state = "", "start"
        elif char in "\r\n":
            self._end_row()
        elif self.state == "closed":
            return char
        elif self.state == "start" and char == '"':
            self.state, self.opened = "quoted", number
        else:
            self.cell, self.state = self.cell + char, "plain"
        return None

    def _end_row(self) -> None:
        """A line break outside quotes ends the row (the first one read is the header); a blank line is no row."""
        if self.cells or self.cell or self.state != "start":
            if not self.header:
                self.header = [*self.cells, self.cell]
            self.cells, self.cell, self.state = [], "", "start"


def _first_break(text: str) -> tuple[int, int, str | None, list[str], list[str]] | None:
    """Walk the text by the csv module's strict rules to the first place they break.

    The csv module says only what broke (a character after a closing quote, or the
    end of the file inside a quoted cell) and on which line it stopped. A quote
    left open reads on across line breaks, so where it stopped can be far below
    the quote that went wrong; walking the same rules again recovers the line
    and the cell where that quote opened. This runs only once the reader has
    failed, so its speed does not matter.

    Args:
        text: The whole file, decoded.

    Returns:
        None if the rules do not break; otherwise the line where the cell then
        being read opened, its position in the row, the character found after
        a closing quote (None at the end of the file), the header cells (empty
        while reading the header) and the cells of the row read so far.
    """
    walk = _Walk()
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        for char in line:
            found = walk.step(char, number)
            if found is not None:
                return walk.opened, len(walk.cells), found, walk.header, walk.cells
    if walk.state == "quoted":
        return walk.opened, len(walk.cells), None, walk.header, walk.cells
    return None


def _csv_problem(path: Path, show: str, exc: csv.Error, line: int) -> Problem:
    """Say in plain words where and why the csv module could not read the file.

    Args:
        path: The CSV file.
        show: The file as shown in messages.
        exc: The csv module's error.
        line: The reader's line number when it failed: the physical line it stopped on.
    """
    with open(path, "rb") as handle:
        text = handle.read().decode("utf-8-sig", errors="replace")
    found = _first_break(text)
    if found is None:
        return Problem(show, line, None, f"not a readable CSV table: {exc}")
    opened, position, char, header, cells = found
    column = header[position] if position < len(header) else None
    cell = "this cell" if column else f"cell {position + 1} of this row"
    row_id = cells[0] if header and position > 0 and cells else None
    doubled = 'a quote that belongs to the text is written twice ("") inside a quoted cell'
    if char is None and opened == line:
        message = (f"a quote opens {cell} but does not close it: expected a closing quote "
                   f"before the end of the file ({doubled})")
    elif char is None:
        message = (f"a quote opens {cell} but does not close it, so the rest of the file, to line {line}, "
                   f"was read into it: expected a closing quote before the end of this line ({doubled})")
    elif opened == line:
        message = f"expected ',' or the end of the line after the quote that closes {cell}, found {char!r} ({doubled})"
    else:
        message = (f"a quote opens {cell} but does not close it on this line, so the cell runs on to "
                   f"line {line}, where a quote is followed by {char!r} instead of ',': "
                   f"expected a closing quote before the end of this line ({doubled})")
    return Problem(show, opened, column, message, row_id)


def _decoding_problem(path: Path, show: str, exc: UnicodeDecodeError) -> Problem:
    """Name the byte and the line that are not UTF-8.

    The decoder of an open file reads it in chunks and counts the byte from the
    start of the chunk; decoding the whole file again gives its place in the file.
    """
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as whole:
        exc = whole
    line = len(_LINE_BREAK_BYTES.findall(data, 0, exc.start)) + 1
    return Problem(show, None, None, f"not readable as UTF-8 text ({exc.reason} at byte {exc.start}, line {line}): "
                                     "expected text saved as UTF-8 (\"CSV UTF-8\" in a spreadsheet program)")
