"""The package's imports run one way, down the stages of the data flow (module-level and
function-level imports alike; those under `if TYPE_CHECKING:` never run and do not count).

    python -m pytest tests/test_architecture.py -s    # prints the import graph
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "model"
# Lowest first: a module may import its own stage and the stages before it, never after.
STAGES = (
    ("base", ("model.errors", "model.limits", "model.files", "model.progress", "model.runs",
              "model.display")),
    ("language", ("model.language",)),
    ("network", ("model.network",)),
    ("scenario", ("model.results", "model.history", "model.scenario")),
    ("analysis", ("model.analysis", "model.interop")),
    ("briefing", ("model.briefing",)),
    ("cli", ("model.cli",)),
)


def module_names() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = module_names()


def stage(module: str) -> int:
    """The stage index of a module; the package's own `__init__` comes after them all."""
    for i, (_, prefixes) in enumerate(STAGES):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return i
    if module == "model":
        return len(STAGES)
    raise AssertionError(f"{module} belongs to no stage: add it to STAGES")


def _type_checking_only(tree: ast.Module) -> set[ast.AST]:
    skipped: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in node.body:
                skipped.update(ast.walk(sub))
    return skipped


def imports_of(module: str) -> Iterator[str]:
    """The package's modules that `module` imports, at any depth of its code."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    skipped = _type_checking_only(tree)
    for node in ast.walk(tree):
        if node in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = (f"{base}.{node.module}" if node.module else base) if node.level \
                else node.module or ""
            candidates = [target, *(f"{target}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        else:
            continue
        for name in candidates:
            if name in MODULES and name != module:
                yield name


@cache
def graph() -> dict[str, list[str]]:
    """Module -> the package's modules it imports: parsed when a test first asks, not as
    the tests are collected (each test process collects them all)."""
    return {m: sorted(set(imports_of(m))) for m in MODULES}


def test_every_module_belongs_to_a_stage() -> None:
    for module in MODULES:
        stage(module)


def graph_text() -> str:
    """The import graph by stage, as docs/ARCHITECTURE.md quotes it."""
    lines = []
    for i, (name, _) in enumerate((*STAGES, ("package", ("model",)))):
        lines.append(f"{name}:")
        lines += [f"  {m} -> {', '.join(graph()[m]) or '-'}" for m in sorted(MODULES)
                  if stage(m) == i]
    return "\n".join(lines)


def test_no_module_imports_a_later_stage() -> None:
    print("\n" + graph_text())  # the import graph, shown with -s
    upward = {m: [t for t in graph()[m] if stage(t) > stage(m)
                  and not (MODULES[m].name == "__init__.py" and t.startswith(m + "."))]
              for m in MODULES}
    found = {m: ts for m, ts in upward.items() if ts}
    assert not found, f"imports of a later stage: {found}"


def test_there_are_no_import_cycles() -> None:
    """Tarjan's strongly connected components; a package importing its own submodules in
    its `__init__` is not a loop."""
    edges = {m: [t for t in ts if not (MODULES[m].name == "__init__.py"
                                       and t.startswith(m + "."))] for m, ts in graph().items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for v in edges:
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_import_model_leaves_the_heavier_analyses_unimported() -> None:
    """Their displays are registered by name, so `scenario validate` and `import model`
    do not pay for the diff and the sweep (about 20 ms) until one is made."""
    import subprocess
    import sys

    found = subprocess.run([sys.executable, "-c", "import sys, model; print(sorted(m for m in "
                            "('model.analysis.diff', 'model.analysis.sweep') if m in "
                            "sys.modules))"], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"
