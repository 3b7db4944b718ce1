"""How the project is cited: its title, version, data licence and address from CITATION.cff, and the date of the data.

Every chart carries these under its source line, so that a chart posted elsewhere still names where it comes from,
and the report site cites every page with the same date of the data. The date is the latest day a source in the
register (``data/raw/sources.csv``) was read: a date of the data, never the clock's, so a chart stays byte-stable.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import yaml

from .. import config
from .errors import DataError, Problem


@dataclass(frozen=True)
class Cited:
    """What a chart names of the project.

    Attributes:
        title: The project's title.
        version: Its version.
        licence: The licence of the data: the first ``license`` CITATION.cff lists (the code's follows it).
        url: The address the project is published at, or None while CITATION.cff gives none.
        data_date: The latest day a source was read (:func:`data_date`).
    """

    title: str
    version: str
    licence: str
    url: str | None
    data_date: str

    def line(self) -> str:
        """The attribution under a chart's source line: project, version, date of the data, licence, address."""
        address = f" {self.url}" if self.url else ""
        return (f"Chart: {self.title}, version {self.version}; data as of {self.data_date}, "
                f"licence {self.licence}.{address}")


def data_date(data_dir: Path = config.DATA) -> str:
    """The latest ``date_accessed`` of the source register in ``data_dir`` (ISO dates, so the latest sorts last)."""
    with open(Path(data_dir) / "raw" / "sources.csv", encoding="utf-8", newline="") as handle:
        return max(row["date_accessed"] for row in csv.DictReader(handle))


def _field(cff: dict, key: str, where: str) -> str:
    value = cff.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str) or not value.strip():
        raise DataError([Problem(where, None, None,
                                 f"expected the project's {key} as text ('{key}:'); found {value!r}")])
    return value.strip()


def cited(citation: Path | None = None, data_dir: Path = config.DATA) -> Cited:
    """The project as ``citation`` (CITATION.cff by default) and the register of ``data_dir`` give it.

    Raises:
        DataError: When the file cannot be read as YAML, or lacks a title, version or licence, naming the file.
    """
    path = Path(citation or config.CITATION)
    where = config.display(path)
    try:
        cff = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        reason = getattr(error, "strerror", None) or str(error).splitlines()[0]
        raise DataError([Problem(where, None, None, f"cannot be read as the project's citation ({reason})")]) from None
    if not isinstance(cff, dict):
        raise DataError([Problem(where, None, None, "expected the Citation File Format's keys (title, version, ...)")])
    url = cff.get("url")
    return Cited(_field(cff, "title", where), _field(cff, "version", where), _field(cff, "license", where),
                 url.strip() if isinstance(url, str) and url.strip() else None, data_date(data_dir))
