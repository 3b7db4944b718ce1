"""The project's releases as the site states them: its BibTeX, its change log and when the site is next refreshed.

Each is read from the file that declares it, never typed again: the citation from ``CITATION.cff``, the changes
from ``CHANGELOG.md`` (Keep a Changelog's format, one section a release), and the schedule from the cron line of
the workflow that regenerates the site (``.github/workflows/regenerate.yml``).
"""

from __future__ import annotations

import calendar
import re
from pathlib import Path

import yaml

from .. import config
from .inputs import ReportError

CHANGELOG = config.ROOT / "CHANGELOG.md"
WORKFLOW = config.ROOT / ".github" / "workflows" / "regenerate.yml"
#: The CITATION.cff keys that give the project's address, in the order they are preferred.
_ADDRESS_KEYS = ("url", "repository-code", "repository")


def _braced(text: str) -> str:
    """A BibTeX value: braces kept balanced by escaping them, and special characters escaped."""
    return re.sub(r"([{}&%$#_])", r"\\\1", str(text))


def _author(author: dict) -> str:
    """One author as BibTeX writes it: an organisation in braces (kept whole), a person as "Family, Given"."""
    if "name" in author:
        return "{" + _braced(author["name"]) + "}"
    return _braced(", ".join(p for p in (author.get("family-names"), author.get("given-names")) if p))


def address(cff: dict) -> str:
    """The project's address from CITATION.cff (``url``, else ``repository-code``), or empty."""
    return next((str(cff[key]) for key in _ADDRESS_KEYS if cff.get(key)), "")


def bibtex(cff: dict) -> str:
    """The project's BibTeX entry, every field from CITATION.cff: title, authors, version, date, address."""
    fields = [("title", "{" + _braced(cff["title"]) + "}"),
              ("author", " and ".join(_author(a) for a in cff["authors"])),
              ("version", _braced(cff["version"]))]
    if released := cff.get("date-released"):
        year, month, _ = str(released).split("-")
        fields += [("year", year), ("month", calendar.month_abbr[int(month)].lower()), ("date", str(released))]
    if url := address(cff):
        fields.append(("url", url))
    if cff.get("doi"):
        fields.append(("doi", str(cff["doi"])))
    key = re.sub(r"\W+", "_", f"tip_norway_{cff['version']}")
    body = ",\n".join(f"  {name} = {text}" if name == "month" else f"  {name} = {{{text}}}"  # month: a macro
                      for name, text in fields)
    return f"@misc{{{key},\n{body}\n}}\n"


def citation_file(path: Path) -> dict:
    """CITATION.cff, read."""
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def _schedule(workflow: Path) -> str:
    """The one cron line of the workflow's ``schedule``.

    Raises:
        ReportError: When the workflow has no schedule or more than one.
    """
    text = yaml.safe_load(Path(workflow).read_text(encoding="utf-8"))
    triggers = text.get("on", text.get(True, {})) or {}  # YAML 1.1 reads the key `on` as true
    crons = [entry["cron"] for entry in triggers.get("schedule", []) if "cron" in entry]
    if len(crons) != 1:
        raise ReportError([f"{config.display(workflow)}: expected one cron line under on.schedule, "
                           f"found {len(crons)}"])
    return crons[0]


def refresh_sentence(workflow: Path = WORKFLOW) -> str:
    """When the scheduled run refreshes the site, as a reader reads it: "refreshed every Monday at 04:17 UTC".

    Only a weekly schedule (a minute, an hour and one day of the week; any day of the month and month) is put in
    words; GitHub runs cron in UTC.

    Raises:
        ReportError: Naming the file and the line when the cron line is not such a schedule.
    """
    cron = _schedule(workflow)
    fields = cron.split()
    weekly = (len(fields) == 5 and fields[0].isdigit() and fields[1].isdigit() and fields[2:4] == ["*", "*"]
              and re.fullmatch(r"[0-7]", fields[4]) and int(fields[0]) < 60 and int(fields[1]) < 24)
    if not weekly:
        raise ReportError([f"{config.display(workflow)}: the cron line {cron!r} is not a weekly schedule "
                           "(minute hour * * day-of-week, each one number); the site can only say when such a "
                           "schedule refreshes it"])
    day = calendar.day_name[(int(fields[4]) - 1) % 7]  # cron counts Sunday as 0 or 7, calendar Monday as 0
    return f"refreshed every {day} at {int(fields[1]):02d}:{int(fields[0]):02d} UTC"
