"""What each published step is, declared once beside its words: its notebook, title, question and tables read.

A step is a topic: ``notebooks/NN_<topic>.ipynb``, ``analysis/analyses/<topic>.py``, ``analysis/charts/<topic>.py``
and ``analysis/analyses/words/<topic>.md``. Its number is the notebook file's (nowhere else). Its title, question and
the tables it reads beyond the curated core are the YAML front matter of its words file::

    ---
    title: Funding per victim
    question: How much do the funding lines the TIP narrative reports come to per victim ...?
    reads: [glotip]
    ---

The analysis (which loads what it reads), the runner (whose inputs of a step are the files of those tables), the
notebook's heading and question (written by ``tip-norway normalize``) and the report site all read it here. The
module imports nothing heavy: a run with nothing to do reads it without pandas.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from . import config

#: Tables a step may read beyond the curated core (sources, metrics, figures, statements and their codebooks), which
#: every load reads.
OPTIONAL_TABLES = ("glotip", "world_bank")
#: The keys of the front matter, each required.
KEYS = ("title", "question", "reads")


@dataclass(frozen=True)
class Step:
    """One published step: its topic, its notebook's name and number, title, question and optional tables read."""

    topic: str
    notebook: str
    title: str
    question: str
    reads: tuple[str, ...]

    @property
    def number(self) -> int:
        """The notebook's number: 3 for ``03_funding_per_victim``."""
        return int(self.notebook.split("_", 1)[0])


class StepError(ValueError):
    """A step declared wrongly: no notebook of its topic, two, or front matter missing or not as required."""


def _split(text: str) -> tuple[str, str] | None:
    """``text``'s front matter (between its opening ``---`` line and the next) and the rest; None without one."""
    if not text.startswith("---\n") or "\n---\n" not in text[3:]:
        return None
    end = text.index("\n---\n", 3)
    return text[4:end], text[end + 5:]


def front_matter(text: str, where: str) -> dict:
    """The YAML between the opening ``---`` line of ``text`` and the next; StepError naming ``where`` otherwise."""
    parts = _split(text)
    if parts is None:
        raise StepError(f"{where}: expected front matter first: a line '---', the keys {', '.join(KEYS)}, a line '---'")
    try:
        found = yaml.safe_load(parts[0])
    except yaml.YAMLError as error:
        raise StepError(f"{where}: its front matter is not YAML: {error}") from None
    if not isinstance(found, dict) or sorted(found) != sorted(KEYS):
        keys = sorted(found) if isinstance(found, dict) else type(found).__name__
        raise StepError(f"{where}: its front matter must hold exactly {', '.join(KEYS)}; found {keys}")
    return found


def body(text: str) -> str:
    """``text`` without its front matter: the words themselves."""
    parts = _split(text)
    return text if parts is None else parts[1]


def _notebook(topic: str, notebooks: Path) -> str:
    found = sorted(p.stem for p in Path(notebooks).glob(f"[0-9][0-9]_{topic}.ipynb"))
    if len(found) != 1:
        raise StepError(f"the step {topic!r} needs one notebook {config.display(Path(notebooks))}/NN_{topic}.ipynb; "
                        f"found {len(found)}")
    return found[0]


def words_folder() -> Path:
    """Where the steps' words, and so their front matter, live: ``analysis/analyses/words/``."""
    return config.ROOT / "analysis" / "analyses" / "words"


def step(topic: str, words: Path | None = None, notebooks: Path | None = None) -> Step:
    """The step of ``topic``, read from its words' front matter and its notebook's file name.

    ``words`` and ``notebooks`` default to the project's folders.

    Raises:
        StepError: Naming the file and what was expected.
    """
    path = Path(words or words_folder()) / f"{topic}.md"
    where = config.display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise StepError(f"{where}: cannot be read ({error.strerror}); a step's words file opens with its front "
                        "matter") from None
    meta = front_matter(text, where)
    reads = meta["reads"]
    if not (isinstance(reads, list) and set(reads) <= set(OPTIONAL_TABLES) and len(set(reads)) == len(reads)):
        raise StepError(f"{where}: 'reads' lists the tables read beyond the core, among {', '.join(OPTIONAL_TABLES)} "
                        f"(each once, [] for none); found {reads!r}")
    for key in ("title", "question"):
        if not isinstance(meta[key], str) or not meta[key].strip():
            raise StepError(f"{where}: {key!r} must be a line of text; found {meta[key]!r}")
    return Step(topic, _notebook(topic, notebooks or config.NOTEBOOKS), meta["title"].strip(),
                " ".join(meta["question"].split()), tuple(reads))

