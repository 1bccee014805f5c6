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
    ("gif_app/pixels.py", ["gif_app"]),  # pure Pillow: source pixels made upload-ready
    ("gif_app/pipeline/*", ["gif_app.store", "gif_app.api", "gif_app.server", "gif_app.app",
                            "gif_app.jobs", "webview", "flask", "peewee"]),
    ("gif_app/providers/*", ["gif_app.store", "gif_app.jobs", "gif_app.pipeline", "gif_app.api",
                             "gif_app.server", "gif_app.app", "webview", "flask", "peewee"]),
    ("gif_app/store/*", ["gif_app.api", "gif_app.server", "gif_app.app", "gif_app.jobs",
                         "gif_app.pipeline", "gif_app.providers", "webview", "flask"]),
    ("gif_app/export/*", ["gif_app.api", "gif_app.server", "gif_app.app", "gif_app.jobs",
                          "webview", "flask", "peewee"]),
    ("gif_app/jobs/*", ["gif_app.api", "gif_app.server", "gif_app.app", "gif_app.cli", "webview", "flask"]),
    ("gif_app/api/*", ["gif_app.cli", "gif_app.app", "gif_app.server", "webview", "flask"]),
    ("gif_app/server.py", ["gif_app.api", "gif_app.cli", "gif_app.app", "gif_app.jobs", "webview"]),
    ("gif_app/sandbox/*", ["gif_app.api", "gif_app.cli", "gif_app.app", "gif_app.jobs", "gif_app.store",
                           "gif_app.pipeline", "webview"]),
]

# nothing below the command line imports it
CLI_ONLY: list[str] = ["gif_app/cli/*", "gif_app/__main__.py"]

# vendor library -> the only files allowed to import it
CONFINED: dict[str, list[str]] = {
    "openai": ["gif_app/providers/openai_*.py"],
    "peewee": ["gif_app/store/*"],
    "playhouse": ["gif_app/store/*"],
    "flask": ["gif_app/server.py", "gif_app/sandbox/*"],
    "webview": ["gif_app/app.py", "gif_app/window.py", "gif_app/window/*", "gif_app/bridge.py"],
    "openpyxl": ["gif_app/export/*"],
    "rembg": ["gif_app/providers/rembg_local.py"],
    "onnxruntime": ["gif_app/providers/rembg_local.py"],
    "keyring": ["gif_app/keystore.py"],
}


def imported_names(tree: ast.AST, module: str, *, is_package: bool = False) -> list[str]:
    """Return every module name a file imports, with relative imports resolved (a package's `__init__` is
    its own package)."""
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = module.split(".")
                base = parts[: len(parts) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
                names += [target] if node.module else [f"{target}.{a.name}" for a in node.names]
            elif node.module:
                names.append(node.module)
    return names


def covers(prefix: str, name: str) -> bool:
    """True when `name` is the module `prefix` or inside it."""
    return name == prefix or name.startswith(prefix + ".")


def violations(root: Path) -> list[str]:
    """Return one line per import that crosses a layer rule."""
    bad: list[str] = []
    for path in sorted((root / "gif_app").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        module = rel[:-3].replace("/", ".").removesuffix(".__init__")
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        for name in imported_names(tree, module, is_package=path.name == "__init__.py"):
            for pattern, prefixes in FORBIDDEN:
                if fnmatch(rel, pattern) and any(covers(p, name) for p in prefixes):
                    bad.append(f"{rel}: imports {name} (layer rule)")
            if covers("gif_app.cli", name) and not any(fnmatch(rel, glob) for glob in CLI_ONLY):
                bad.append(f"{rel}: imports {name} (only the command line may)")
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
    (tmp_path / "gif_app" / "api").mkdir()
    (tmp_path / "gif_app" / "api" / "jobs.py").write_text("def f():\n    from ..cli import main\n", encoding="utf-8")
    (tmp_path / "gif_app" / "jobs").mkdir()
    (tmp_path / "gif_app" / "jobs" / "service.py").write_text("from gif_app.api.envelope import ok\n",
                                                              encoding="utf-8")
    (tmp_path / "gif_app" / "jobs" / "__init__.py").write_text("from .api import routes\n", encoding="utf-8")
    (tmp_path / "gif_app" / "cli_tools.py").write_text("import gif_app.cli_toolsx\n", encoding="utf-8")
    found = violations(tmp_path)
    assert "gif_app/pipeline/bad.py: imports gif_app.store (layer rule)" in found
    assert any(line.startswith("gif_app/pipeline/bad.py: imports flask") for line in found)
    assert any(line.startswith("gif_app/keystore_user.py: imports keyring") for line in found)
    assert "gif_app/api/jobs.py: imports gif_app.cli (layer rule)" in found
    assert "gif_app/api/jobs.py: imports gif_app.cli (only the command line may)" in found
    assert "gif_app/jobs/service.py: imports gif_app.api.envelope (layer rule)" in found
    # `from .api` in jobs/__init__.py is gif_app.jobs.api, and a `cli_` sibling is not the cli package
    assert not any(line.startswith(("gif_app/jobs/__init__.py", "gif_app/cli_tools.py")) for line in found)
