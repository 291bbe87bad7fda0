"""The house keeps its plan: ``python_engines`` is layered by what flows through it, each layer
importing only itself and the layers below (no import circle), and only its command line
composes it with ``bench`` and ``expectations``, which use it, never the other way round."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).parent.parent
# low → high: a module may import its own layer and the ones before it
LAYERS = [
    ["core"],
    ["reference", "transpile", "generator"],
    ["inputs"],
    ["engines"],
    ["pipeline"],
    ["lakehouse"],
    ["analytics"],
    ["cli"],
]
RANK = {package: rank for rank, packages in enumerate(LAYERS) for package in packages}


def _module(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function (a lazy import is a
    dependency too); ``from package import module`` depends on that module."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            named = {f"{node.module}.{alias.name}" for alias in node.names}
            submodules = named & modules
            found |= submodules if submodules == named else {node.module, *submodules}
    return found


def _graph(*roots: str) -> dict[str, set[str]]:
    paths = [p for root in roots for p in (REPO / root).rglob("*.py")]
    modules = {_module(p) for p in paths}
    return {
        _module(p): {m for m in _imports(p, modules) if m in modules and m != _module(p)}
        for p in paths
    }


def _layer(module: str) -> str:
    return module.split(".")[1] if module.count(".") else "root"


def test_every_module_of_python_engines_sits_in_a_layer() -> None:
    unplaced = [
        m for m in _graph("python_engines") if _layer(m) not in RANK and m != "python_engines"
    ]
    assert unplaced == []


def test_each_layer_imports_only_itself_and_the_layers_below() -> None:
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in _graph("python_engines").items()
        for target in targets
        if module != "python_engines" and RANK[_layer(target)] > RANK[_layer(module)]
    )
    assert upward == []


def test_no_import_circle() -> None:
    graph = _graph("python_engines", "bench", "expectations")
    # a circle among packages' modules: depth-first search with colours
    state: dict[str, int] = defaultdict(int)  # 0 new, 1 on the path, 2 done
    circles = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state[target] == 1:
                circles.append(" → ".join([*path[path.index(target) :], target]))
            elif state[target] == 0:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if state[module] == 0:
            visit(module, [module])
    # a package's __init__ importing its own submodule is no circle of behaviour
    circles = [c for c in circles if not _package_and_its_module(c)]
    assert circles == []


def _package_and_its_module(circle: str) -> bool:
    names = circle.split(" → ")
    return len(set(names)) == 2 and any(b.startswith(a + ".") for a in names for b in names)


def test_only_the_command_line_composes_bench_and_expectations() -> None:
    reaching = sorted(
        f"{module} imports {target}"
        for module, targets in _graph("python_engines", "bench", "expectations").items()
        for target in targets
        if module.startswith("python_engines")
        and target.split(".")[0] in ("bench", "expectations")
        and not module.startswith("python_engines.cli")
    )
    assert reaching == []
    climbing = sorted(
        f"{module} imports {target}"
        for module, targets in _graph("bench", "expectations").items()
        for target in targets
        if target.startswith("python_engines.cli")
    )
    assert climbing == []  # bench and expectations use the application, not its command line


def test_the_lakehouse_reaches_no_engine_adapter() -> None:
    """The store writes its files and the load runs the pipeline: neither opens an engine itself
    (``python_engines.engines`` names them; the adapters are the pipeline's)."""
    adapters = {
        "python_engines.engines." + p.stem
        for p in (REPO / "python_engines" / "engines").glob("*_engine.py")
    }
    reaching = sorted(
        f"{module} imports {target}"
        for module, targets in _graph("python_engines").items()
        for target in targets
        if module.startswith("python_engines.lakehouse") and target in adapters
    )
    assert adapters and reaching == []
