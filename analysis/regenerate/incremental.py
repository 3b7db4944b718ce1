"""Which published charts are up to date, so that a run redoes only what an input changed.

A notebook's published charts are up to date when everything they were made
from is as it was at their last publishing run, and the chart files themselves
are still the ones that run wrote. The record is ``output/published.json``, one
entry per notebook, written by every publishing run (through :mod:`analysis.data.records`, whole or not at
all, and checked when read back). What a notebook is made
from (:func:`inputs`):

- its cells (their source; the outputs stored with them change no chart, and
  ``tip-norway refresh`` rewrites them) and its parameters;
- the versions of the libraries a manifest records, and the environment's lock
  (``uv.lock``, which pins the libraries the versions leave out, scipy and
  pillow among them);
- the package's modules it runs (:func:`code_inputs`): the modules its cells
  import, and for ``notebooks/NN_topic.ipynb`` its analysis
  (``analysis/analyses/topic.py``), its drawing (``analysis/charts/topic.py``)
  and ``analysis.charts``, whose ``show`` draws, finishes and saves the chart,
  together with everything these import, followed through the source with
  :mod:`ast` (relative imports resolved, imports inside functions included,
  and every package ``__init__.py`` on the way, since importing
  a drawing module runs ``analysis/charts/__init__.py``), with the files
  other than Python in the folder of each package it runs, which that
  package's code reads (the words of its analysis,
  ``analysis/analyses/words/topic.md``; another notebook's words are not,
  as its module is not); and the code
  that runs a notebook and collects its charts (``analysis/regenerate/run.py``
  and what it imports). A dynamic import is followed too: with a literal name
  to that module, with a computed one to every module of its package (so all
  of ``analysis/data/``, whose ``__init__`` imports its modules on first use).
  One exception keeps this precise: ``analysis/analyses/__init__.py`` imports
  every analysis and ``analysis/charts/__init__.py`` every drawing, only to
  find them by notebook name, and a notebook's result reaches only its own
  ``analyse`` and ``draw``. So the topic modules of *other* notebooks are not
  followed from a package ``__init__``: their code defines functions and
  registers only their own notebook (``analysis_of`` refuses anything else),
  so an edit of ``charts/series_funding.py`` cannot change notebook 01's
  chart. (If the edit breaks the import, notebook 08 is stale, runs, and the
  run fails.) Everything else in those ``__init__`` files counts, and an
  analysis importing another (``series_funding`` uses ``series_conviction_gap``)
  is followed as any import. A test runs each notebook's analysis and chart
  in a process of its own, the other notebooks' modules stubbed, and checks
  that every module it loads is among these;
- the data it reads (:func:`data_inputs`): ``data/datapackage.json``, which
  describes every table, and the files of the tables the notebook's analysis
  declares in ``READS`` (a test runs each analysis and checks that it reads
  exactly those), with the tables they refer to by foreign key
  (``figures`` names ``sources``, ``metrics``, ``forms`` and ``populations``:
  an edit of the register can change what a figure means) and GLOTIP's
  ``glotip_flags`` and ``series_breaks``, which the loader reads with it. The files of
  ``sources`` include every raw file, which the register pins by its sha256.
  A file under ``data/`` that belongs to no table counts for every notebook,
  and so does all of ``data/`` for a notebook without an analysis of its
  name or whose cells import the data layer themselves. So every data file is
  an input of some notebook: a data edit always leaves one to run, and a run
  with one to run validates all the data before any kernel starts.

A run says why a notebook is to run by the first input, by name, that differs:
"analysis/charts/finish.py changed", "... is new" (a file newly imported or
read), "... is no longer among its inputs", "its parameters changed".

jupyter-cache was considered and not used: it keys an executed notebook on its
code cells (and kernel), not on the files the code reads or the package it
imports, so after an edit of ``data/processed/figures.csv`` or of
``analysis/`` it would serve the old outputs as current.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import config
from ..data.digest import sha256
from ..data.records import Published, PublishedEntry, RecordError
from .errors import RunError
from .manifest import versions
from .notebooks import Notebook, cells

RECORD = config.PUBLISHED_RECORD
#: The code that runs a notebook and collects its charts: an input of every notebook.
RUNNER = "analysis.regenerate.run"
#: Tables the loader reads with a table (GLOTIP's rows get their quality flags, see ``loader._finish``, and the curated
#: breaks in its series, from which analysis.data.flags flags its values).
JOINED = {"glotip": ("glotip_flags", "series_breaks")}


def shared_inputs() -> dict[str, str]:
    """Every file a notebook may be made from, with its digest.

    The environment's lock, the data package, raw and processed files, the package's source; and the library versions.
    :func:`inputs` picks each notebook's own from these.
    """
    files = [config.ENVIRONMENT_LOCK, *config.data_files(), *package_files(config.ROOT)]
    found = {config.display(p): sha256(p) for p in files if p.is_file()}
    found.update({f"version of {name}": number for name, number in versions().items()})
    return found


def package_files(root: Path) -> list[Path]:
    """Every file of the package under ``root``, whatever its extension, but the byte code Python caches.

    Its modules, the words of its analyses, the report's templates: a step's files are its inputs, as in Our World in
    Data's etl (``DataStep._step_files``), not only its Python.
    """
    return sorted(p for p in (root / "analysis").rglob("*") if p.is_file() and "__pycache__" not in p.parts)


# --- the package's modules a notebook runs ---------------------------------------------------------

@dataclass(frozen=True)
class Module:
    """One module of the package as its source says.

    The modules it imports, whether it declares an analysis, and the tables that analysis reads (its ``READS``; None
    without one).
    """

    path: Path
    shown: str
    imports: frozenset[str]
    analysis: bool = False
    reads: tuple[str, ...] | None = None


def _absolute(name: str, level: int, package: str) -> str:
    """``from .x import`` (``level`` 1) in ``package`` as an absolute dotted name."""
    if not level:
        return name
    base = package.split(".")[: len(package.split(".")) - level + 1]
    return ".".join([*base, name] if name else base)


def _dynamic(call: ast.Call, name: str, package: str, known: set[str]) -> set[str]:
    """What ``importlib.import_module(...)`` in module ``name`` may import.

    The module a literal name gives, else every module of ``package``.
    """
    if not (call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)):
        return {m for m in known if m.rpartition(".")[0] == package}
    target = call.args[0].value
    dots = len(target) - len(target.lstrip("."))
    anchor = name if len(call.args) > 1 and ast.unparse(call.args[1]) == "__name__" else package
    return {_absolute(target[dots:], dots, anchor)}


def _imports(tree: ast.AST, name: str, package: str, known: set[str]) -> set[str]:
    """Every module ``tree`` (module ``name`` of ``package``) imports anywhere in it, as absolute dotted names.

    Other packages' modules are included; ``known`` are the package's modules.
    """
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node.module or "", node.level, package)
            found |= {module} | {f"{module}.{alias.name}" for alias in node.names} & known
        elif isinstance(node, ast.Call) and ast.unparse(node.func) == "importlib.import_module":
            found |= _dynamic(node, name, package, known)
    return found


#: An import statement at any indentation, its parenthesised names over several lines.
IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+\S+[ \t]+import[ \t]*(?:\([^)]*\)|[^\n]*)|import[ \t][^\n]*)", re.MULTILINE)
#: An analysis declared in a module, and the tables it says the analysis reads: ``READS = ("figures", ...)``.
DECLARES = re.compile(r"^@analysis_of\(", re.MULTILINE)
DECLARED_READS = re.compile(r"^READS\b[ \t]*=[ \t]*(\([^)]*\))?", re.MULTILINE)


def _import_statements(text: str) -> ast.Module | None:
    """The import statements of a module's source, each read with :mod:`ast`; None when one cannot be read so.

    Only they are parsed: parsing the whole package takes about a second, which a run that finds every chart up
    to date should not pay. A line of a docstring that reads as an import adds one (nothing is missed).
    """
    body = []
    for match in IMPORT.finditer(text):
        try:
            body += ast.parse(match.group().strip()).body
        except SyntaxError:
            return None
    return ast.Module(body=body, type_ignores=[])


def _module(path: Path, name: str, package: str, known: set[str]) -> Module:
    """What ``path`` imports and declares.

    A module that uses ``importlib`` or has a line that looks like an import but is not one is parsed whole; one that
    cannot be parsed is taken to import the whole package (its notebooks are stale, since it changed, and fail when they
    run).
    """
    text = path.read_text(encoding="utf-8")
    tree = None if "import_module" in text else _import_statements(text)
    try:
        tree = tree or ast.parse(text, filename=str(path))
    except SyntaxError:
        return Module(path, config.display(path), frozenset(known))
    analysis, reads = bool(DECLARES.search(text)), None
    declared = DECLARED_READS.search(text) if analysis else None
    if declared:
        try:
            reads = tuple(ast.literal_eval(declared.group(1) or ""))
        except (ValueError, SyntaxError):
            reads = ()
        if not reads or not all(isinstance(table, str) for table in reads):
            line = text.count("\n", 0, declared.start()) + 1
            raise RunError(f"{config.display(path)}, line {line}: READS must be a tuple of table names written out, "
                           f"such as (\"figures\", \"sources\")")
    return Module(path, config.display(path), frozenset(_imports(tree, name, package, known)), analysis, reads)


@functools.lru_cache(maxsize=4)
def _modules(root: Path, digests: tuple[tuple[str, str], ...]) -> dict[str, Module]:
    """The package's modules under ``root`` by dotted name, read once for each state of its source (``digests``)."""
    files = sorted((root / "analysis").rglob("*.py"))
    names = {p: ".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__") for p in files}
    known = set(names.values())
    return {name: _module(path, name, name if path.name == "__init__.py" else name.rpartition(".")[0], known)
            for path, name in names.items()}


def _package_modules(shared: dict[str, str]) -> dict[str, Module]:
    return _modules(config.ROOT, tuple(sorted((k, v) for k, v in shared.items() if k.startswith("analysis/"))))


def _analysis(nb: Notebook, modules: dict[str, Module]) -> Module | None:
    """The module of ``nb``'s analysis by the naming rule, if it has one.

    The rule: ``NN_topic`` -> ``analysis.analyses.topic``.
    """
    module = modules.get(f"analysis.analyses.{nb.name.partition('_')[2]}")
    return module if module is not None and module.analysis else None


def _cell_imports(stored: list[dict], known: set[str]) -> set[str] | None:
    """The modules a notebook's code cells (``stored``, see :func:`.notebooks.cells`) import.

    None when a cell cannot be read as Python.
    """
    found = set()
    for cell in stored:
        if cell["cell_type"] == "code":
            source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                               for line in cell["source"].splitlines())
            try:
                found |= _imports(ast.parse(source), "__main__", "", known)
            except SyntaxError:
                return None
    return found


def code_inputs(nb: Notebook, shared: dict[str, str], stored: list[dict] | None = None) -> set[str]:
    """The package's source files ``nb`` runs, as displayed paths (see the module's description).

    ``shared`` as :func:`shared_inputs` gives it, ``stored`` the notebook's cells when they have been read already.
    """
    modules = _package_modules(shared)
    imported = _cell_imports(cells(nb.path) if stored is None else stored, set(modules))
    if imported is None:  # what it imports cannot be told: all of it
        return {m.shown for m in modules.values()}
    roots = {*imported, RUNNER}
    own = _analysis(nb, modules)
    topic = nb.name.partition("_")[2]
    if own is not None:
        roots |= {f"analysis.analyses.{topic}", f"analysis.charts.{topic}", "analysis.charts"}
    others = {f"analysis.{layer}.{name.rpartition('.')[2]}" for name, m in modules.items()
              if m.analysis and m is not own for layer in ("analyses", "charts")}
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or name not in modules:
            continue  # done already, or not a module of the package
        seen.add(name)
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]  # the packages on the way
        dispatches = modules[name].path.name == "__init__.py"  # finds other notebooks' topic modules by name only
        todo += [m for m in modules[name].imports if not (dispatches and m in others)]
    # The files other than Python in the folder of each package it runs, as the package's code reads them: the words
    # of its analysis (analysis/analyses/words/<topic>.md). Another notebook's words are not, as its module is not.
    other_topics = {name.rpartition(".")[2] for name in others}
    folders = {modules[name].path.parent for name in seen if modules[name].path.name == "__init__.py"}
    resources = {config.display(p) for folder in folders for p in folder.iterdir()
                 if p.is_file() and p.suffix != ".py" and p.stem not in other_topics}
    return {modules[name].shown for name in seen} | resources


# --- the data files a notebook reads -------------------------------------------------------------------

@functools.lru_cache(maxsize=4)
def _tables(datapackage: Path, digest: str) -> dict[str, tuple[str, frozenset[str]]] | None:
    """Each table of the data package (read once for each ``digest``).

    Its file, displayed, and the tables it refers to by foreign key; None when the descriptor cannot be read so (the
    run's check of the data says why).
    """
    tables = {}
    try:
        for resource in json.loads(Path(datapackage).read_text(encoding="utf-8"))["resources"]:
            keys = resource.get("schema", {}).get("foreignKeys", [])
            refers = {k["reference"]["resource"] for k in keys} - {"", resource["name"]}  # "": a key within the table
            tables[resource["name"]] = (config.display(Path(datapackage).parent / resource["path"]), frozenset(refers))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return tables


def data_inputs(nb: Notebook, shared: dict[str, str], stored: list[dict] | None = None) -> set[str]:
    """The data files ``nb`` reads, as displayed paths (see the module's description).

    ``shared`` and ``stored`` as for :func:`code_inputs`.

    Raises:
        RunError: When its analysis's ``READS`` names a table the data package does not describe.
    """
    everything = {k
                  for k in shared if not k.startswith(("analysis/",
                                                       "version of "))} - {config.display(config.ENVIRONMENT_LOCK)}
    modules = _package_modules(shared)
    own = _analysis(nb, modules)
    imported = _cell_imports(cells(nb.path) if stored is None else stored, set(modules))
    if (own is None or own.reads is None or imported is None
            or any(m == "analysis" or m.startswith("analysis.data") for m in imported)):
        return everything
    tables = _tables(config.DATAPACKAGE, shared.get(config.display(config.DATAPACKAGE), "missing"))
    if tables is None or "sources" not in tables:
        return everything
    unknown = [t for t in own.reads if t not in tables]
    if unknown:
        raise RunError(f"{own.shown}: READS names {', '.join(map(repr, unknown))}; expected tables "
                       f"of {config.display(config.DATAPACKAGE)}: {', '.join(sorted(tables))}")
    raw = {k for k in everything if (config.ROOT / k).parent == config.RAW}

    def files(table: str) -> set[str]:
        return {tables[table][0]} | (raw if table == "sources" else set())  # the register pins every raw file

    read, todo = set(), list(own.reads)
    while todo:
        table = todo.pop()
        if table not in read:
            read.add(table)
            todo += [t for t in (*tables[table][1], *JOINED.get(table, ())) if t in tables]
    owned = set().union(*(files(t) for t in tables))
    return ({config.display(config.DATAPACKAGE)} | set().union(*(files(t) for t in read))
            | {k for k in everything if k not in owned})


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def inputs(nb: Notebook, parameters: dict, shared: dict[str, str]) -> dict[str, str]:
    """Everything ``nb``'s charts are made from, with a digest (or version) each.

    Its cells and parameters, its code and data inputs picked from ``shared`` (:func:`shared_inputs`; "missing" for a
    file it names that is not there), and the library versions.
    """
    stored = cells(nb.path)
    sources = [(c["cell_type"], c["source"]) for c in stored]
    files = code_inputs(nb, shared, stored) | data_inputs(nb, shared, stored)
    picked = {file: shared.get(file, "missing") for file in files}
    lock = config.display(config.ENVIRONMENT_LOCK)  # an input of every notebook
    picked.update({k: v for k, v in shared.items() if k.startswith("version of ") or k == lock})
    return {**picked, config.display(nb.path): _digest(sources), "parameters": _digest(parameters)}


def read_record(output: Path, say: Callable[[str], None] | None = None) -> Published:
    """The last publishing run's entry of each notebook; empty when there is none.

    A record that is damaged (truncated, not JSON, not the record's schema) counts as none, said through ``say``:
    every notebook selected runs again and the run writes the record anew, so no one has to delete it by hand.

    Raises:
        RecordError: When the file is there but cannot be read (a folder, an I/O error): writing it would fail too.
    """
    try:
        return Published.read(output) or Published()
    except RecordError as error:
        if not error.damaged:
            raise
        if say is not None:
            say(f"{error}: it counts as no record, so the notebooks run again and the run writes it anew")
        return Published()


def why_stale(name: str, current: dict[str, str], record: Published, figures: Path) -> str | None:
    """Why ``name``'s published charts must be made again, or None when they are up to date."""
    entry = record.entries.get(name)
    if entry is None:
        return "no publishing run recorded"
    before = entry.inputs
    for key in sorted(set(before) | set(current)):
        if key not in before:
            return f"{key} is new"
        if key not in current:  # deleted, or no longer imported or read
            kept = not key.startswith("version of ") and (config.ROOT / key).exists()
            return f"{key} is no longer among its inputs" if kept else f"{key} is gone"
        if before[key] != current[key]:
            if key.startswith("version of "):
                return f"{key[len('version of '):]} {before[key]} -> {current[key]}"
            return "its parameters changed" if key == "parameters" else f"{key} changed"
    for file, digest in entry.outputs.items():
        path = Path(figures) / file
        if not path.is_file():
            return f"{config.display(path)} is missing"
        if sha256(path) != digest:
            return f"{config.display(path)} was changed by hand"
    return None


def write_record(output: Path, record: Published, published: dict[str, dict]) -> None:
    """Add the entries of the notebooks a run just published, writing the record whole or not at all.

    Each is ``{name: {"inputs": ..., "outputs": ..., "executed": "runs/<run id>/<name>.ipynb"}}``.

    Raises:
        RecordError: When ``output/published.json`` cannot be written (it is then as it was).
    """
    record.merged({name: PublishedEntry(**entry) for name, entry in published.items()}).write(output)
