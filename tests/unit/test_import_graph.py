"""No import cycle among the modules of gif_app/, read with `ast`.

Every import counts, wherever it sits (module top, inside a function, under `if TYPE_CHECKING:`): a lazy
import only hides a circle until the day someone moves it to the top. An import points at the module it
names: `from gif_app.export import stock_csv` at `gif_app.export.stock_csv`, `from gif_app import
__version__` at `gif_app`. A package's own `__init__` is not counted as imported by its submodules (Python
runs it first anyway, so it cannot close a circle at run time).
"""

from __future__ import annotations

import ast
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "gif_app"


def module_files(root: Path) -> dict[str, Path]:
    """Return module name -> file for every module under root/gif_app."""
    found: dict[str, Path] = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _nearest(name: str, known: set[str]) -> str | None:
    """Return the longest known module that `name` is or lies inside (None outside gif_app)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in known:
            return candidate
        parts.pop()
    return None


def imports_of(tree: ast.AST, module: str, *, is_package: bool, known: set[str]) -> set[str]:
    """Return the gif_app modules one module imports, with relative imports resolved."""
    package = module if is_package else module.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.update(t for a in node.names if (t := _nearest(a.name, known)))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                if node.level - 1 >= len(parts):
                    raise ValueError(f"{module}: relative import beyond the top package")
                base = ".".join(parts[: len(parts) - (node.level - 1)] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                target = submodule if submodule in known else _nearest(base, known)
                if target:
                    targets.add(target)
    targets.discard(module)
    return targets


def import_graph(root: Path) -> dict[str, set[str]]:
    """Return module -> the gif_app modules it imports, for every module under root/gif_app."""
    files = module_files(root)
    known = set(files)
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        graph[name] = imports_of(tree, name, is_package=path.name == "__init__.py", known=known)
    return graph


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components of the graph (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def _one_cycle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """Return a shortest cycle through the component's first module, as a closed path."""
    start, members = component[0], set(component)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in sorted(graph[node] & members):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if nxt not in came_from:
                came_from[nxt] = node
                queue.append(nxt)
    raise AssertionError(f"no cycle in {component}")  # unreachable for a component of two or more


def cycles(root: Path) -> list[str]:
    """Return one line per import circle among gif_app modules: `a -> b -> a (all: a, b)`."""
    graph = import_graph(root)
    found = []
    for component in _strongly_connected(graph):
        if len(component) > 1:
            found.append(f"{' -> '.join(_one_cycle(graph, component))} (all: {', '.join(component)})")
    return found


def test_no_import_cycle_among_gif_app_modules() -> None:
    assert (ROOT / PACKAGE / "cli" / "__init__.py").is_file()
    found = cycles(ROOT)
    assert found == [], "import cycles:\n" + "\n".join(found)


def test_cli_modules_import_downwards_only() -> None:
    graph = import_graph(ROOT)
    assert "gif_app.cli.commands" in graph["gif_app.cli.entry"]
    assert "gif_app.paths" in graph["gif_app.cli.export"]
    for name, targets in graph.items():
        if name.startswith("gif_app.cli.") and name != "gif_app.cli.entry":
            assert not targets & {"gif_app.cli", "gif_app.cli.entry"}, f"{name} imports the command line's entry"


def test_the_checker_finds_a_cycle(tmp_path: Path) -> None:
    pkg = tmp_path / PACKAGE
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "sub" / "__init__.py").write_text("from .low import thing\n", encoding="utf-8")
    (pkg / "sub" / "low.py").write_text("def f():\n    from gif_app.top import x\n", encoding="utf-8")
    (pkg / "top.py").write_text("from gif_app.sub import helper\nimport os\n", encoding="utf-8")
    (pkg / "fine.py").write_text("from . import top\nfrom gif_app.sub.low import f\n", encoding="utf-8")
    graph = import_graph(tmp_path)
    assert graph["gif_app.sub"] == {"gif_app.sub.low"}  # relative import inside a package's __init__
    assert graph["gif_app.fine"] == {"gif_app.top", "gif_app.sub.low"}
    assert cycles(tmp_path) == [
        "gif_app.sub -> gif_app.sub.low -> gif_app.top -> gif_app.sub (all: gif_app.sub, gif_app.sub.low, gif_app.top)"
    ]
