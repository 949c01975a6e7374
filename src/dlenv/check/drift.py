"""API drift: code written for library versions the row no longer runs (`np.float`, `load_in_8bit=`, `from
keras.preprocessing.text import Tokenizer`, ...), found by matching a cell's `ast` against the rules of
facts/api_drift.toml through the notebook's import aliases. The rules are data; this module only matches them."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache

from packaging.version import InvalidVersion, Version

from dlenv.check.code import Code
from dlenv.check.findings import FAIL, WARN, Finding
from dlenv.facts import _load

RULE = "api-drift"


@dataclass(frozen=True)
class DriftRule:
    id: str
    package: str
    removed_in: str
    kind: str  # "import", "attribute", "keyword" or "call"
    old: dict[str, str]  # old form -> its replacement
    message: str
    source: str
    status: str = FAIL
    restored_in: str | None = None
    calls: tuple[str, ...] = ()
    within: tuple[str, ...] = ()
    missing: bool = False


@cache
def rules() -> tuple[DriftRule, ...]:
    return tuple(
        DriftRule(**{**raw, "calls": tuple(raw.get("calls", ())), "within": tuple(raw.get("within", ()))})
        for raw in _load("api_drift.toml")["rules"]
    )


@cache
def _keras_from_tensorflow() -> dict[str, str]:
    return _load("api_drift.toml")["keras_from_tensorflow"]


def findings(cell: int, code: Code, aliases: dict[str, str], versions: Mapping[str, str]) -> list[Finding]:
    """The drift findings of one cell, checked against `versions` (distribution -> version). `aliases` (local
    name -> qualified name) holds the imports of the cells before; this cell's imports are added to it."""
    if code.tree is None:
        return []
    _add_imports(code.tree, aliases)
    found: dict[tuple[str, int, str], Finding] = {}
    for rule in rules():
        applies = _applies(rule, versions)
        if applies is None:
            continue
        status, against = applies
        for line, key, shown in _matches(rule, code.tree, aliases):
            found.setdefault(
                (rule.id, line, key),
                Finding(RULE, status, cell, line, f"{rule.message.format(old=shown)}; {against}", rule.old[key]),
            )
    return sorted(found.values(), key=lambda f: (f.line or 0, f.message))


def _applies(rule: DriftRule, versions: Mapping[str, str]) -> tuple[str, str] | None:
    """(status, what the check is against) when `rule` holds for `versions`; None when it does not."""
    version, shown = _version_of(rule.package, versions)
    if version is None:
        return WARN, f"the row does not say which {rule.package} it has"
    if version < Version(rule.removed_in):
        return None
    if rule.restored_in is not None and version >= Version(rule.restored_in):
        return None
    return rule.status, f"the row has {shown}"


def _version_of(package: str, versions: Mapping[str, str]) -> tuple[Version | None, str]:
    if package in versions:
        return _parse(versions[package]), versions[package]
    if package == "keras" and "tensorflow" in versions:  # rows pin tensorflow, whose tf.keras decides
        tensorflow = _parse(versions["tensorflow"])
        if tensorflow is None:
            return None, ""
        facts = _keras_from_tensorflow()
        if tensorflow >= Version(facts["since"]):
            return Version(facts["keras"]), f"tensorflow {versions['tensorflow']}, whose Keras is {facts['keras']}"
        return tensorflow, f"tensorflow {versions['tensorflow']}, whose Keras is 2"
    return None, ""


def _parse(version: str) -> Version | None:
    try:
        return Version(version)
    except InvalidVersion:
        return None


# --- matching ---------------------------------------------------------------------------------------


def _add_imports(tree: ast.Module, aliases: dict[str, str]) -> None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for name in node.names:
                if name.asname:
                    aliases[name.asname] = name.name
                else:
                    root = name.name.split(".")[0]
                    aliases[root] = root
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for name in node.names:
                if name.name != "*":
                    aliases[name.asname or name.name] = f"{node.module}.{name.name}"


def _dotted(node: ast.expr) -> list[str] | None:
    """`a.b.c` as ["a", "b", "c"]; None for anything else (a call, a subscript)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(parts)]


def _resolve(parts: list[str], aliases: Mapping[str, str]) -> str | None:
    root = aliases.get(parts[0])
    return ".".join([root, *parts[1:]]) if root else None


def _under(name: str, module: str) -> bool:
    return name == module or name.startswith(module + ".")


def _matches(rule: DriftRule, tree: ast.Module, aliases: Mapping[str, str]) -> Iterator[tuple[int, str, str]]:
    """(line, the key of `rule.old` matched, the old form as the finding shows it)."""
    for node in ast.walk(tree):
        if rule.kind in ("import", "attribute"):
            yield from _match_name(rule, node, aliases)
        elif isinstance(node, ast.Call):
            yield from _match_call(rule, node, aliases)


def _match_name(rule: DriftRule, node: ast.AST, aliases: Mapping[str, str]) -> Iterator[tuple[int, str, str]]:
    def hit(name: str) -> str | None:
        for old in rule.old:
            if name == old or (rule.kind == "import" and _under(name, old)):
                return old
        return None

    if isinstance(node, ast.Import) and rule.kind == "import":
        for name in node.names:
            if old := hit(name.name):
                yield node.lineno, old, f"`import {name.name}`"
    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
        for name in node.names:
            candidates = [node.module, f"{node.module}.{name.name}"] if rule.kind == "import" else []
            candidates.append(f"{node.module}.{name.name}")
            if old := next((o for o in map(hit, candidates) if o), None):
                yield node.lineno, old, f"`from {node.module} import {name.name}`"
    elif isinstance(node, ast.Attribute) and (parts := _dotted(node)):
        qualified = _resolve(parts, aliases)
        if qualified and (old := hit(qualified)):
            yield node.lineno, old, f"`{'.'.join(parts)}`"


def _match_call(rule: DriftRule, node: ast.Call, aliases: Mapping[str, str]) -> Iterator[tuple[int, str, str]]:
    parts = _dotted(node.func)
    if parts is None and isinstance(node.func, ast.Attribute):  # `model(...).fit_generator(...)`
        parts = ["", node.func.attr]
    if not parts:
        return
    if rule.kind == "call":
        if isinstance(node.func, ast.Attribute) and node.func.attr in rule.old:
            yield node.lineno, node.func.attr, f"`.{node.func.attr}()`"
        return
    if not _callee_matches(rule, parts, aliases):
        return
    given = {keyword.arg for keyword in node.keywords if keyword.arg}
    if rule.missing:
        if not given & set(rule.old) and not any(keyword.arg is None for keyword in node.keywords):
            key = next(iter(rule.old))
            yield node.lineno, key, f"`{'.'.join(parts)}(...)` without `{key}=`"
        return
    for keyword in node.keywords:
        if keyword.arg in rule.old:
            yield keyword.lineno, keyword.arg, f"`{keyword.arg}=`"


def _callee_matches(rule: DriftRule, parts: list[str], aliases: Mapping[str, str]) -> bool:
    qualified = _resolve(parts, aliases) if parts[0] else None
    for call in rule.calls:
        if call.startswith("."):
            if parts[-1] != call[1:]:
                continue
            if not rule.within or (qualified and any(_under(qualified, package) for package in rule.within)):
                return True
        elif qualified == call:
            return True
    return False
