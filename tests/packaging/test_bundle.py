"""The one-folder bundle builds from pyinstaller.spec, carries the page and the icon, and opens its window.

The build runs once per session (the `bundle` fixture in conftest.py, about 1-2 minutes on 2 cores with a warm
disk, more on a cold one) with PyInstaller's workpath in .pyinstaller/ (never build/, which holds our assets)
and its distpath in a temp folder.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from gif_app.store import migrations
from gif_app.store.db import open_database
from tests.helpers.onnx_model import build_mask_model

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT_S = 25 * 60  # the conftest.py fixture builds the bundle within this
RUN_TIMEOUT_S = 180
MAX_BUNDLE_MIB = 500  # issue 19's target for the Linux bundle

pytestmark = [pytest.mark.slow, pytest.mark.timeout(BUILD_TIMEOUT_S + 300)]


def _frozen_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GIF_APP_HOME"}
    env.update(QT_QPA_PLATFORM="offscreen", QTWEBENGINE_DISABLE_SANDBOX="1", **extra)
    return env


def _self_test(exe: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(exe), *args, "--self-test"], cwd=exe.parent, env=env or _frozen_env(),
                          capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False)


def _explain(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\nstdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-4000:]}"


def _versions(path: Path) -> list[int]:
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute("SELECT version FROM schema_migration ORDER BY version")]


def test_bundle_carries_the_page_and_the_window_icon(bundle: Path) -> None:
    resources = bundle.parent / "_internal"  # sys._MEIPASS of a one-folder bundle
    page = resources / "web" / "index.html"
    assert page.is_file(), "the page is missing from the bundle"
    assert 'data-testid="nav-' in page.read_text(encoding="utf-8")
    icon = resources / "build" / "icons" / "gif-app-256.png"
    with Image.open(icon) as image:
        assert image.size == (256, 256) and image.mode == "RGBA"
    # File names are transliterated with anyascii, which reads its tables from package data at run time.
    assert (resources / "anyascii" / "_data" / "000").is_file(), "anyascii's tables are missing"


def test_bundle_has_local_background_removal_and_no_dev_tools(bundle: Path) -> None:
    viewer = [sys.executable, "-m", "PyInstaller.utils.cliutils.archive_viewer"]
    listing = subprocess.run([*viewer, "-r", "-b", str(bundle)], capture_output=True, text=True,
                             timeout=RUN_TIMEOUT_S, check=True).stdout
    modules = {line.strip() for line in listing.splitlines()}
    # rembg is imported lazily (only when the user picks local removal), so it must be named to be bundled.
    needed_modules = ["rembg", "rembg.sessions.u2net_custom", "onnxruntime",
                      "gif_app.providers.rembg_local", "gif_app.sandbox.servers", "resvg_py"]
    if sys.platform.startswith("linux"):
        needed_modules.append("webview.platforms.qt")
    for needed in needed_modules:
        assert needed in modules, f"{needed} is not in the bundle"
    for dev_only in ("pytest", "playwright", "mypy", "onnx"):
        assert dev_only not in modules, f"{dev_only} should not be bundled"
    # rembg's extras the app never calls: stand-ins replace them (build/pyi_rth_rembg_extras.py).
    for extra in ("pymatting", "numba", "llvmlite", "scipy", "skimage", "yaml"):
        assert not any(m == extra or m.startswith(extra + ".") for m in modules), f"{extra} should not be bundled"
    assert any(p.name.startswith("libonnxruntime") for p in (bundle.parent / "_internal").rglob("libonnxruntime*"))


def test_bundle_opens_its_window_and_answers_through_the_bridge(bundle: Path, tmp_path: Path) -> None:
    home = tmp_path / "new-home"
    result = _self_test(bundle, "--home", str(home))
    assert result.returncode == 0, _explain(result)
    assert "SELF-TEST OK: Gen Image Factory" in result.stdout, _explain(result)
    assert _versions(home / "gif_app.db") == [m[0] for m in migrations.MIGRATIONS]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG_DATA_HOME is the Linux app-data root")
def test_frozen_app_creates_its_data_folder_on_first_run(bundle: Path, tmp_path: Path) -> None:
    data_root = tmp_path / "xdg-data"
    result = _self_test(bundle, env=_frozen_env(XDG_DATA_HOME=str(data_root)))
    assert result.returncode == 0, _explain(result)
    home = data_root / "GenImageFactory"
    assert (home / "gif_app.db").is_file()
    assert {p.name for p in home.iterdir()} >= {"gif_app.db", "logs", "output", "temp", "models"}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG_DATA_HOME is the Linux app-data root")
def test_frozen_app_upgrades_an_older_database_and_keeps_its_jobs(bundle: Path, tmp_path: Path) -> None:
    data_root = tmp_path / "xdg-data"
    old_path = data_root / "GenImageFactory" / "gif_app.db"
    open_database(old_path, migrate_to=1).close()
    with sqlite3.connect(old_path) as db:
        db.execute("INSERT INTO job_execution (id, label, status, created_at, settings_snapshot)"
                   " VALUES (3, 'Spring batch', 'completed', '2025-04-01 09:00:00', '{}')")
    assert _versions(old_path) == [1]

    result = _self_test(bundle, env=_frozen_env(XDG_DATA_HOME=str(data_root)))
    assert result.returncode == 0, _explain(result)
    assert _versions(old_path) == [m[0] for m in migrations.MIGRATIONS]
    with sqlite3.connect(old_path) as db:
        assert db.execute("SELECT label, status FROM job_execution WHERE id = 3").fetchone() == (
            "Spring batch", "completed")


def test_bundle_cuts_out_locally_on_the_standins(bundle: Path, tmp_path: Path) -> None:
    # The real rembg path (session, model, cut-out) from the frozen app, with a tiny model in place of u2netp:
    # rembg uses a model file it finds in the model folder as it is.
    home = tmp_path / "home"
    build_mask_model(home / "models" / "u2netp.onnx")
    source = tmp_path / "in" / "disc.png"
    source.parent.mkdir()
    image = Image.new("RGB", (480, 360), (238, 238, 234))
    ImageDraw.Draw(image).ellipse((140, 80, 340, 280), fill=(40, 90, 200))
    image.save(source)
    out = tmp_path / "out"
    started = time.monotonic()
    result = subprocess.run(
        [str(bundle), "--home", str(home), "process", str(source), "--out", str(out), "--workers", "1",
         "--set", "processing.remove_bg=true", "--set", "processing.remover=rembg",
         "--set", "processing.rembg_model=u2netp", "--set", "processing.convert_format=png"],
        cwd=bundle.parent, env=_frozen_env(), capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False)
    assert result.returncode == 0 and "failed" not in result.stdout + result.stderr, _explain(result)
    print(f"local removal from the bundle: {time.monotonic() - started:.1f} s")
    with Image.open(out / "disc.png") as cut:
        assert cut.mode == "RGBA"
        assert cut.getpixel((2, 2))[3] < 10  # type: ignore[index]
        middle = cut.getpixel((cut.width // 2, cut.height // 2))
        assert isinstance(middle, tuple) and middle[3] > 245 and middle[2] > 150 > middle[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the size target and the pruning are Linux's")
def test_bundle_is_within_its_size_and_leaves_out_what_it_never_loads(bundle: Path) -> None:
    folder = bundle.parent
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    size = sum(p.stat().st_size for p in files)
    print(f"bundle: {size / 2**20:.0f} MiB in {len(files)} files")
    assert size <= MAX_BUNDLE_MIB * 2**20, f"{size / 2**20:.0f} MiB is over {MAX_BUNDLE_MIB} MiB"
    qt = folder / "_internal" / "PySide6" / "Qt"
    translations = sorted(p.relative_to(qt).as_posix() for p in (qt / "translations").rglob("*") if p.is_file())
    assert translations == ["translations/qtwebengine_locales/en-US.pak"]
    assert (qt / "resources" / "qtwebengine_resources.pak").is_file()
    assert not (qt / "resources" / "qtwebengine_devtools_resources.pak").exists()
    assert not list(qt.glob("plugins/printsupport/*")) and not list(qt.glob("plugins/platformthemes/libqgtk3*"))
    assert {p.name for p in qt.glob("plugins/platforms/*")} >= {"libqxcb.so", "libqwayland.so", "libqoffscreen.so"}
    assert not [p for p in files if "tests" in p.relative_to(folder).parts], "a test folder is bundled"
    assert not list((folder / "_internal").glob("libgtk-3*")), "the GTK theme's libraries are bundled"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldd and the stripped ELF files are Linux's")
def test_every_bundled_library_still_loads_after_stripping(bundle: Path) -> None:
    # `strip` breaks libraries that auditwheel rewrote with patchelf; the spec strips only the others.
    internal = bundle.parent / "_internal"
    env = {**os.environ, "LD_LIBRARY_PATH": str(internal)}
    broken = []
    for library in sorted(p for p in internal.rglob("*.so*") if p.is_file()):
        result = subprocess.run(["ldd", str(library)], env=env, capture_output=True, text=True, check=False)
        if "not page-aligned" in result.stdout + result.stderr or "error while loading" in result.stderr:
            broken.append(f"{library.relative_to(internal)}: {result.stderr.strip()[:200]}")
    assert not broken, "\n".join(broken)
