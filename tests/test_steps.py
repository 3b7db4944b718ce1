"""Each step's identity is read from its words' front matter and its notebook's file name (analysis/steps.py)."""

from __future__ import annotations

import pytest

from analysis import config
from analysis.steps import Step, StepError, body, front_matter, step

NOTEBOOKS = sorted(p.stem for p in config.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_every_published_notebook_is_a_step_declared_beside_its_words(notebook):
    found = step(notebook.split("_", 1)[1])
    assert found.notebook == notebook and found.number == int(notebook[:2])
    assert found.title and found.question.endswith("?")
    assert set(found.reads) <= {"glotip", "world_bank"}


def _words(tmp_path, text: str, topic: str = "a_topic") -> tuple:
    words, notebooks = tmp_path / "words", tmp_path / "notebooks"
    words.mkdir(exist_ok=True)
    notebooks.mkdir(exist_ok=True)
    (notebooks / f"07_{topic}.ipynb").write_text("{}", encoding="utf-8")
    (words / f"{topic}.md").write_text(text, encoding="utf-8")
    return words, notebooks


def test_a_step_is_read_whole(tmp_path):
    words, notebooks = _words(tmp_path, "---\ntitle: A title\nquestion: >-\n  Is it\n  so?\nreads: [glotip]\n---\n"
                                        "## title\n\nwords\n")
    assert step("a_topic", words, notebooks) == Step("a_topic", "07_a_topic", "A title", "Is it so?", ("glotip",))
    assert step("a_topic", words, notebooks).number == 7
    assert body((words / "a_topic.md").read_text(encoding="utf-8")) == "## title\n\nwords\n"


@pytest.mark.parametrize(("text", "message"), [
    ("## title\n", "expected front matter first"),
    ("---\ntitle: t\nquestion: q?\n---\n", "must hold exactly title, question, reads; found ['question', 'title']"),
    ("---\ntitle: t\nquestion: q?\nreads: [figures]\n---\n", "'reads' lists the tables read beyond the core"),
    ("---\ntitle: t\nquestion: q?\nreads: [glotip, glotip]\n---\n", "each once"),
    ("---\ntitle: ''\nquestion: q?\nreads: []\n---\n", "'title' must be a line of text"),
    ("---\ntitle: [t\n---\n", "not YAML"),
])
def test_a_step_declared_wrongly_is_refused_naming_its_file(tmp_path, text, message):
    words, notebooks = _words(tmp_path, text, topic=f"t{abs(hash(text))}")
    with pytest.raises(StepError, match="words/t") as raised:
        step(f"t{abs(hash(text))}", words, notebooks)
    assert message in str(raised.value)


def test_a_step_without_its_one_notebook_is_refused(tmp_path):
    words, notebooks = _words(tmp_path, "---\ntitle: t\nquestion: q?\nreads: []\n---\n", topic="lonely")
    (notebooks / "08_lonely.ipynb").write_text("{}", encoding="utf-8")
    with pytest.raises(StepError, match="needs one notebook .*NN_lonely.ipynb; found 2"):
        step("lonely", words, notebooks)


def test_front_matter_is_only_the_block_at_the_start():
    assert front_matter("---\ntitle: t\nquestion: q\nreads: []\n---\nrest\n---\nmore", "f") == {
        "title": "t", "question": "q", "reads": []}
    assert body("no front matter\n---\n") == "no front matter\n---\n"
