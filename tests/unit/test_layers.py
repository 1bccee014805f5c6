"""The layer rules of DESIGN.md section 2, checked with `ast` over every module of gif_app/."""

from __future__ import annotations

import ast
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# (files the rule applies to, import prefixes they must not use)
FORBIDDEN: list[tuple[str, list[str]]] = [
    ("gif_app/domain.py", ["gif_app"]),
    ("gif_app/errors.py", ["gif_app"]),
    ("gif_app/imaging.py", ["gif_app.store", "gif_app.api", "gif_app.server", "gif_app.app",
                            "gif_app.jobs", "gif_app.providers", "webview", "flask", "peewee"]),
    ("gif_app/pipeline/*", ["gif_app.store", "gif_app.api", "gif_app.server", "gif_app.app",
                            "gif_app.jobs", "webview", "flask", "peewee"]),
    ("gif_app/providers/*", ["gif_app.store", "gif_app.jobs", "gif_app.pipeline", "gif_app.api",
                             "gif_app.server", "gif_app.app", "webview", "flask", "peewee"]),
    ("gif_app/store/*", ["gif_app.api", "gif_app.server", "gif_app.app", "gif_app.jobs",
                         "gif_app.pipeline", "gif_app.providers", "webview", "flask"]),
    ("gif_app/export/*", ["gif_app.api", "gif_app.server", "gif_app.app", "gif_app.jobs",
                          "webview", "flask", "peewee"]),
]

# vendor library -> the only files allowed to import it
CONFINED: dict[str, list[str]] = {
    "openai": ["gif_app/providers/openai_*.py"],
    "peewee": ["gif_app/store/*"],
    "playhouse": ["gif_app/store/*"],
    "flask": ["gif_app/server.py", "gif_app/sandbox/*"],
    "webview": ["gif_app/app.py"],
    "openpyxl": ["gif_app/export/*"],
    "rembg": ["gif_app/providers/rembg_local.py"],
    "onnxruntime": ["gif_app/providers/rembg_local.py"],
    "keyring": ["gif_app/keystore.py"],
}


def imported_names(tree: ast.AST, module: str) -> list[str]:
    """Return every module name a file imports, with relative imports resolved."""
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: -node.level]
                target = ".".join(base + ([node.module] if node.module else []))
                names += [target] if node.module else [f"{target}.{a.name}" for a in node.names]
            elif node.module:
                names.append(node.module)
    return names


def violations(root: Path) -> list[str]:
    """Return one line per import that crosses a layer rule."""
    bad: list[str] = []
    for path in sorted((root / "gif_app").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        module = rel[:-3].replace("/", ".").removesuffix(".__init__")
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        for name in imported_names(tree, module):
            for pattern, prefixes in FORBIDDEN:
                if fnmatch(rel, pattern) and any(name == p or name.startswith(p + ".") for p in prefixes):
                    bad.append(f"{rel}: imports {name} (layer rule)")
            top = name.split(".")[0]
            if top in CONFINED and not any(fnmatch(rel, glob) for glob in CONFINED[top]):
                bad.append(f"{rel}: imports {name} (only {', '.join(CONFINED[top])} may)")
    return bad


def test_no_module_crosses_a_layer() -> None:
    assert (ROOT / "gif_app" / "domain.py").is_file()
    assert violations(ROOT) == []


def test_the_checker_catches_a_crossing(tmp_path: Path) -> None:
    pipeline = tmp_path / "gif_app" / "pipeline"
    pipeline.mkdir(parents=True)
    (pipeline / "bad.py").write_text("from ..store import repository\nimport flask\n", encoding="utf-8")
    (tmp_path / "gif_app" / "keystore_user.py").write_text("import keyring\n", encoding="utf-8")
    found = violations(tmp_path)
    assert "gif_app/pipeline/bad.py: imports gif_app.store (layer rule)" in found
    assert any(line.startswith("gif_app/pipeline/bad.py: imports flask") for line in found)
    assert any(line.startswith("gif_app/keystore_user.py: imports keyring") for line in found)
