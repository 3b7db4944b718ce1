"""The package's modules as their source says: what each imports, and whether it declares an analysis.

Read with :mod:`ast` without importing anything, so that :mod:`.incremental` can tell which modules a notebook runs
while a run with nothing to do imports no heavy library. Relative imports are resolved, imports inside functions
count, and a dynamic import (``importlib.import_module``) counts as the module a literal name gives, or as every
module of its package when the name is computed.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from .. import config

#: An import statement at any indentation, its parenthesised names over several lines.
IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+\S+[ \t]+import[ \t]*(?:\([^)]*\)|[^\n]*)|import[ \t][^\n]*)", re.MULTILINE)
#: An analysis declared in a module.
DECLARES = re.compile(r"^@analysis_of\(", re.MULTILINE)


@dataclass(frozen=True)
class Module:
    """One module of the package as its source says.

    The modules it imports, and whether it declares an analysis.
    """

    path: Path
    shown: str
    imports: frozenset[str]
    analysis: bool = False


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


def imports(tree: ast.AST, name: str, package: str, known: set[str]) -> set[str]:
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
    analysis = bool(DECLARES.search(text))
    return Module(path, config.display(path), frozenset(imports(tree, name, package, known)), analysis)


@functools.lru_cache(maxsize=4)
def _modules(root: Path, digests: tuple[tuple[str, str], ...]) -> dict[str, Module]:
    """The package's modules under ``root`` by dotted name, read once for each state of its source (``digests``)."""
    files = sorted((root / "analysis").rglob("*.py"))
    names = {p: ".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__") for p in files}
    known = set(names.values())
    return {name: _module(path, name, name if path.name == "__init__.py" else name.rpartition(".")[0], known)
            for path, name in names.items()}


def package_modules(shared: dict[str, str]) -> dict[str, Module]:
    """The package's modules by dotted name; ``shared`` holds the digest of each of its files (by displayed path)."""
    return _modules(config.ROOT, tuple(sorted((k, v) for k, v in shared.items() if k.startswith("analysis/"))))


def analysis_module(name: str, modules: dict[str, Module]) -> Module | None:
    """The module of notebook ``name``'s analysis by the naming rule, if it has one.

    The rule: ``NN_topic`` -> ``analysis.analyses.topic``.
    """
    module = modules.get(f"analysis.analyses.{name.partition('_')[2]}")
    return module if module is not None and module.analysis else None


def cell_imports(stored: list[dict], known: set[str]) -> set[str] | None:
    """The modules a notebook's code cells (``stored``, see :func:`.notebooks.cells`) import.

    None when a cell cannot be read as Python.
    """
    found = set()
    for cell in stored:
        if cell["cell_type"] == "code":
            source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                               for line in cell["source"].splitlines())
            try:
                found |= imports(ast.parse(source), "__main__", "", known)
            except SyntaxError:
                return None
    return found
