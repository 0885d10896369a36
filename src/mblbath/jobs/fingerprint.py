"""Fingerprint of the package code a workflow rule runs, for Snakemake's ``params`` trigger.

Snakemake's ``code`` rerun trigger sees only a rule's shell line, not the Python it calls,
so a change to the Hamiltonian would leave every result "up to date". Each rule therefore
passes :func:`code_fingerprint` of its ``mblbath`` command as a ``params:`` entry: when the
code that computes a result changes, the entry changes and Snakemake reruns the job (and,
through the changed output, everything downstream).

Which code: the entry point of the command (``mblbath.cli._cmd_<command>``), the functions
of ``mblbath.cli`` it calls, and every ``mblbath`` module they import, transitively (imports
anywhere in a module count, also inside functions; importing ``a.b.c`` runs ``a`` and
``a.b`` too). A module that imports by name at run time (``importlib.import_module``) takes
every module of its package along. Other helpers of ``mblbath.cli`` (argument parsing, help
texts) and modules the command never imports do not count.

How: each piece of code is hashed from its syntax tree (:func:`ast.dump`, without line
numbers) with docstrings removed, so comments, docstrings, blank lines and formatting do
not change the fingerprint; any change to what the code does does. Python files only (the
schema's values reach the rules through their other ``params``).

Cost: parsing the ~60 modules takes a few tenths of a second; the digests and imports are
cached per module in ``.snakemake/mblbath-code.json`` under the file's path, size and
mtime, so a later parse of the workflow costs ~60 ``stat`` calls and one parse of
``mblbath.cli``.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["CACHE", "code_fingerprint", "command_modules", "strip_docstrings"]

#: Cache of module digests and imports, relative to the working directory (the workflow's).
CACHE = Path(".snakemake") / "mblbath-code.json"

_PACKAGE = "mblbath"
_ENTRY_MODULE = "mblbath.cli"
_DYNAMIC = {"import_module", "__import__"}


@cache
def _package_dir() -> Path:
    """The directory of the ``mblbath`` package that the jobs will import."""
    import mblbath

    return Path(mblbath.__file__).resolve().parent


def _modules() -> dict[str, Path]:
    """Every module of the package: dotted name -> file."""
    root = _package_dir()
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join([_PACKAGE, *parts])] = path
    return out


def strip_docstrings(tree: ast.AST) -> ast.AST:
    """Remove the docstring of the module and of every function and class (in place)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                if isinstance(body[0].value.value, str):
                    node.body = body[1:] or [ast.Pass()]
    return tree


def _digest(nodes: Iterable[ast.AST]) -> str:
    h = hashlib.sha256()
    for node in nodes:
        h.update(ast.dump(strip_docstrings(node), include_attributes=False).encode())
    return h.hexdigest()


def _imported(tree: ast.AST, name: str, is_package: bool) -> set[str]:
    """Modules of the package imported anywhere in ``tree`` (of module ``name``)."""
    package = name if is_package else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            base = base[: len(base) - node.level + 1] if node.level else []
            mod = ".".join([*base, node.module] if node.module else base)
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Name) and node.id in _DYNAMIC:
            out.add(f"{package}.*")
        elif isinstance(node, ast.Attribute) and node.attr in _DYNAMIC:
            out.add(f"{package}.*")
    return {m for m in out if m == _PACKAGE or m.startswith(_PACKAGE + ".")}


def _load_cache() -> dict[str, Any]:
    try:
        data = json.loads(CACHE.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_cache(data: dict[str, Any]) -> None:
    try:
        CACHE.parent.mkdir(exist_ok=True)
        tmp = CACHE.with_name(f".{CACHE.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, sort_keys=True))
        os.replace(tmp, CACHE)
    except OSError:
        pass  # a read-only working directory: no cache, same results


@cache
def _module_info() -> dict[str, tuple[str, frozenset[str]]]:
    """Module name -> (digest, imported modules of the package), through the cache."""
    mods = _modules()
    cached = _load_cache()
    out, fresh, changed = {}, {}, False
    for name, path in mods.items():
        st = path.stat()
        stamp = f"{path}:{st.st_size}:{st.st_mtime_ns}"
        entry = cached.get(name)
        if entry is None or entry.get("stamp") != stamp:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            imports = _imported(tree, name, path.name == "__init__.py")
            entry = {"stamp": stamp, "digest": _digest([tree]), "imports": sorted(imports)}
            changed = True
        fresh[name] = entry
        out[name] = (entry["digest"], frozenset(entry["imports"]))
    if changed or set(cached) != set(fresh):
        _save_cache(fresh)
    return out


def _expand(names: Iterable[str], known: Iterable[str]) -> set[str]:
    """Module names as they exist: ``a.b.func`` -> ``a.b``; ``pkg.*`` -> all of ``pkg``;
    every module with the packages above it."""
    known = set(known)
    out: set[str] = set()
    for name in names:
        if name.endswith(".*"):
            prefix = name[:-2]
            out |= {m for m in known if m == prefix or m.startswith(prefix + ".")}
            continue
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name:
            out.add(name)
    parents = {".".join(m.split(".")[:k]) for m in out for k in range(1, m.count(".") + 1)}
    return out | (parents & known)


@cache
def _entry_module() -> tuple[dict[str, ast.AST], dict[str, set[str]]]:
    """Top-level definitions of ``mblbath.cli`` by name, and the package modules behind
    each name it imports."""
    path = _modules()[_ENTRY_MODULE]
    tree = strip_docstrings(ast.parse(path.read_text(encoding="utf-8")))
    defs: dict[str, ast.AST] = {}
    imported: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
            defs[node.name] = node
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name):
                    defs[t.id] = node
        elif isinstance(node, ast.ImportFrom | ast.Import):
            for alias in node.names:
                local = (alias.asname or alias.name).split(".")[0]
                imported.setdefault(local, set()).update(_imported(node, _ENTRY_MODULE, False))
    return defs, imported


@cache
def _entry_closure(command: str) -> tuple[list[ast.AST], frozenset[str]]:
    """The top-level definitions of ``mblbath.cli`` that ``_cmd_<command>`` uses
    (transitively) and the modules they import."""
    defs, imported = _entry_module()
    entry = f"_cmd_{command.replace('-', '_')}"
    if entry not in defs:
        raise ValueError(f"mblbath.cli has no command function {entry}")
    todo, seen, modules = [entry], set(), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        node = defs[name]
        modules |= _imported(node, _ENTRY_MODULE, False)
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id != name:
                if sub.id in defs:
                    todo.append(sub.id)
                modules |= imported.get(sub.id, set())
    return [defs[n] for n in sorted(seen)], frozenset(modules)


@cache
def command_modules(command: str) -> tuple[str, ...]:
    """The modules of the package whose code ``mblbath <command>`` runs (sorted)."""
    info = _module_info()
    _, todo = _entry_closure(command)
    todo = _expand(todo, info)
    todo.discard(_ENTRY_MODULE)
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo |= _expand(info[name][1], info) - seen - {_ENTRY_MODULE}
    return tuple(sorted(seen))


@cache
def code_fingerprint(command: str) -> str:
    """16 hex digits identifying the code ``mblbath <command>`` runs (see the module doc)."""
    info = _module_info()
    nodes, _ = _entry_closure(command)
    h = hashlib.sha256(_digest(nodes).encode())
    for name in command_modules(command):
        h.update(f"{name}:{info[name][0]}".encode())
    return h.hexdigest()[:16]
