"""The story in words: each analysis's title, summary, caveats and closing come from its template, words/<topic>.md."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import jinja2
import nbformat
import pytest

from analysis import config
from analysis.analyses import ANALYSES, topic, words

NOTEBOOKS = sorted(config.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
ANALYSES_DIR = config.ROOT / "analysis" / "analyses"
#: The modules that compute a notebook's story: the twelve named after their notebook, and those holding the steps of
#: one of them.
STEP_MODULES = ("nordic_pooling.py", "nordic_funnel.py", "series_conviction_table.py", "series_conviction_findings.py")
TOPIC_MODULES = sorted([*(ANALYSES_DIR / f"{topic(name)}.py" for name in ANALYSES),
                        *(ANALYSES_DIR / name for name in STEP_MODULES)])
WORDS = 4  # a literal with more words than this is a sentence, not a label
#: Longer labels that name a thing rather than say something of it, and may stay in the code.
LABELS = {
    ("series_funding.py", "victims in the TIP's government count"),  # a denominator's name, in DENOMINATORS
    # a table's missing_reason, as the curated data write it
    ("series_conviction_table.py", "no source covers this year"),
}


#: The analyses that take a second or more (their tests are marked slow).
SLOW = {"06_series_conviction_gap", "11_labor_share_series", "12_nordic_comparison"}


def _each(names):
    """``names`` as parameters, those of :data:`SLOW` marked slow."""
    return [pytest.param(name, id=name, marks=[pytest.mark.slow] if name in SLOW else []) for name in names]


def test_every_notebook_has_a_template_with_every_section():
    assert sorted(p.stem for p in (ANALYSES_DIR / "words").glob("*.md")) == sorted(topic(name) for name in ANALYSES)
    for name in ANALYSES:
        text = words.path_of(topic(name)).read_text(encoding="utf-8")
        assert [h
                for h in re.findall(r"^## (.+)$", text,
                                    flags=re.M) if h in words.SECTIONS] == list(words.SECTIONS), name


@pytest.mark.parametrize("name", _each(sorted(ANALYSES)))
def test_every_template_renders_for_the_defaults(analysed, name):
    result = analysed(name)
    assert result.title and "\n" not in result.title and "{" not in result.title
    assert result.summary and result.closing
    for text in (result.summary, result.closing):
        assert "{{" not in text and "{%" not in text and "Undefined" not in text


def test_a_name_the_analysis_does_not_give_is_an_error_naming_the_template_its_line_and_the_name(
        data, tmp_path, monkeypatch):
    template = words.path_of("conviction_gap").read_text(encoding="utf-8")
    line = template.splitlines().index("## what this shows") + 3
    broken = template.replace("## what this shows\n\n", "## what this shows\n\n{{ victims_per_convicton }}\n")
    (tmp_path / "conviction_gap.md").write_text(broken, encoding="utf-8")
    monkeypatch.setattr(words, "path_of", lambda name: tmp_path / f"{name}.md")
    words.sections.cache_clear()
    try:
        with pytest.raises(words.WordsError) as error:
            ANALYSES["01_conviction_gap"](data)
    finally:
        words.sections.cache_clear()
    message = str(error.value)
    assert str(tmp_path / "conviction_gap.md") in message and f"line {line}" in message
    assert "'victims_per_convicton' is undefined" in message and "(## what this shows)" in message


def test_values_left_out_are_named_with_the_line_that_wants_them():
    path = words.path_of("what_the_sources_name")
    line = 1 + path.read_text(encoding="utf-8").splitlines().index("## title") + 2
    with pytest.raises(words.WordsError,
                       match=rf"what_the_sources_name\.md, line {line} \(## title\): 'measures' is undefined"):
        words.section("analysis.analyses.what_the_sources_name", "title", {})


def sentences(source: str) -> list[tuple[int, str]]:
    """Each string literal or f-string of more than WORDS words in ``source``, as (line, its literal text).

    Left out: docstrings, raise statements, the declarations of parameters (their domains' messages, in a signature's
    annotations, a ``message=`` or a ``Domain`` subclass: about parameters, not the story) and decorators (the
    headline's label, declared with the analysis).
    """
    tree = ast.parse(source)
    skip = _left_out(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            skip |= {id(v) for v in node.values}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if len(text.split()) > WORDS:
            found.append((node.lineno, text))
    return found


def _left_out(tree: ast.AST) -> set[int]:
    """The ids of the nodes :func:`sentences` leaves out: docstrings, raises, parameters' declarations, decorators."""
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef) and node.body:
            first = node.body[0]
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                skip.add(id(first.value))
        domain = isinstance(node, ast.ClassDef) and any(getattr(b, "id", None) == "Domain" for b in node.bases)
        if isinstance(node, ast.Raise) or domain or (isinstance(node, ast.keyword) and node.arg == "message"):
            skip |= {id(inner) for inner in ast.walk(node)}
        if isinstance(node, ast.FunctionDef):
            skip |= {id(inner) for decorator in node.decorator_list for inner in ast.walk(decorator)}
            skip |= {id(inner) for arg in node.args.args + node.args.kwonlyargs if arg.annotation
                     for inner in ast.walk(arg.annotation)}
    return skip


def test_no_analysis_module_writes_a_sentence():
    offenders = [f"{path.name}:{line}: {text!r}" for path in TOPIC_MODULES
                 for line, text in sentences(path.read_text(encoding="utf-8"))
                 if (path.name, text) not in LABELS]
    assert not offenders, "sentences belong in analyses/words/<topic>.md:\n" + "\n".join(offenders)


def test_the_sentence_rule_catches_a_sentence_and_spares_labels_docstrings_errors_and_parameter_messages():
    source = '''
"""A module docstring of many words in a row."""
LABEL = "victims per conviction"
def analyse(r):
    """A docstring of many words in a row."""
    title = f"In {r.year}, about {r.n} victims per conviction"
    note = "The intervals cover chance only, nothing else."
    if r.bad:
        raise ValueError(f"no figure for {r.year}: expected one of the years")
    return title, note, f"{r.a}-{r.b}", "years"
class _Rate(Domain):
    def problems(self, name, data, values):
        return [f"{name} must be a positive number of NOK, got {values[name]}"]
def third(data, stages: Annotated[tuple, SomeOf(STAGES, message="{name} must be two or more of {allowed}")] = ()):
    return SomeOf(STAGES, message="{name} must be one or more of the {allowed}")
@analysis_of("01_x", headline=("victims_per_conviction", "victims per person convicted in a year"))
def other(r):
    return [f"- {r.year}: {r.n} of {r.total} victims identified"]
'''
    assert [line for line, _ in sentences(source)] == [6, 7, 18]


def test_the_closing_is_the_last_cell_of_every_notebook():
    for path in NOTEBOOKS:
        cells = nbformat.read(path, as_version=4).cells
        assert [c.cell_type for c in cells[-2:]] == ["markdown", "code"], path.name
        assert cells[-2].source == "## What this shows" and cells[-1].source == "result.closing", path.name


@pytest.mark.parametrize("name", _each(path.stem for path in NOTEBOOKS))
def test_the_stored_closing_is_the_closing_the_analysis_renders(analysed, name):
    path = config.NOTEBOOKS / f"{name}.ipynb"
    stored = "".join(nbformat.read(path, as_version=4).cells[-1].outputs[0].data["text/markdown"])
    assert stored == analysed(name).closing


def _section(path: Path, name: str) -> str:
    """The text of one section of a template, read here without the package's reader (its front matter left out)."""
    text = path.read_text(encoding="utf-8")
    if text.startswith("---\n"):
        text = text.split("\n---\n", 1)[1]
    preamble, _, rest = text.partition("\n## ")
    body = ("## " + rest).split(f"## {name}\n", 1)[1].split("\n## ", 1)[0]
    return preamble + "\n" + body


def test_the_stored_closing_of_notebook_05_is_its_template_filled_in_with_its_facts(analysed):
    """Rendered here with Jinja2 alone, from the facts and tables of the result.

    Compared against the notebook's stored output.
    """
    result = analysed("05_what_the_sources_name")
    values = {**{k: result.facts[k] for k in ("measures", "first_year", "last_year", "undated")},
              "subjects": len(result.tables["named"]),
              "one_source": len(result.tables["named"]) - len(result.facts["named_by_all"])}
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    expected = env.from_string(_section(words.path_of("what_the_sources_name"),
                                        "what this shows")).render(values).strip()
    notebook = json.loads((config.NOTEBOOKS / "05_what_the_sources_name.ipynb").read_text(encoding="utf-8"))
    stored = "".join(notebook["cells"][-1]["outputs"][0]["data"]["text/markdown"])
    assert stored == expected
    assert stored.startswith(f"The chart places the {len(result.table)} policy measures")


@pytest.mark.parametrize("name", ["funding_per_victim", "series_funding"])
def test_funding_per_victim_is_told_without_a_chance_interval(name):
    """03 and 08 set the counts of victims side by side instead: their words print no interval and no reliability mark.

    (The victims are not a sample of anything the funding is spent on; the choice of count moves the figure.)
    """
    text = words.path_of(name).read_text(encoding="utf-8")
    for used in ("| interval", "| ci", "what_intervals_cover", "unreliable", "reliable_events", "confidence"):
        assert used not in text, f"{name}.md still uses {used!r}"
    assert "No interval for chance is given" in text and "count" in text
