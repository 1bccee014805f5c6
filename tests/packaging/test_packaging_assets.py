"""Packaging assets: icons rendered from the one SVG, the .desktop file, version numbers, the workpath guard."""

from __future__ import annotations

import configparser
import importlib.util
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from PIL import Image

from gif_app import __version__

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "build"
ICONS = ASSETS / "icons"


def _project_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def test_every_icon_size_is_a_square_rgba_png_with_a_transparent_corner() -> None:
    for size in (16, 24, 32, 48, 64, 128, 256, 512, 1024):
        with Image.open(ICONS / f"gif-app-{size}.png") as image:
            assert image.format == "PNG" and image.size == (size, size) and image.mode == "RGBA"
            corner = image.getpixel((0, 0))
            assert isinstance(corner, tuple) and corner[3] == 0, "the rounded corner should be transparent"


def test_windows_and_macos_icons_hold_the_sizes_their_shells_ask_for() -> None:
    with Image.open(ICONS / "gif-app.ico") as ico:
        assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= set(ico.info["sizes"])
    with Image.open(ICONS / "gif-app.icns") as icns:
        assert icns.format == "ICNS" and (512, 512, 2) in icns.info["sizes"]


def test_committed_icons_match_a_fresh_render_of_the_svg(tmp_path: Path) -> None:
    # The renderer (cairosvg + libcairo2) is only needed to change the icon, so builds never require it.
    pytest.importorskip("cairosvg")
    sys.path.insert(0, str(ASSETS))
    try:
        import make_icons
    finally:
        sys.path.remove(str(ASSETS))
    make_icons.write_icons(ASSETS / "icon.svg", tmp_path)
    for name in ("gif-app-16.png", "gif-app-256.png", "gif-app-1024.png"):
        assert (tmp_path / name).read_bytes() == (ICONS / name).read_bytes(), f"{name} is stale: run make_icons.py"


def test_desktop_file_launches_the_console_script_with_the_app_icon() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    entry.read(ASSETS / "linux" / "gif-app.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application" and desktop["Name"] == "Gen Image Factory"
    assert desktop["Exec"].split()[0] == "gif-app" and desktop["Icon"] == "gif-app"
    assert desktop["Terminal"] == "false" and desktop["Categories"].endswith(";")


def test_version_numbers_agree_across_package_spec_and_windows_resource() -> None:
    version = _project_version()
    assert __version__ == version
    spec = (ROOT / "pyinstaller.spec").read_text(encoding="utf-8")
    assert re.findall(r'^VERSION = "([^"]+)"', spec, re.M) == [version]
    resource = (ASSETS / "windows" / "version_info.txt").read_text(encoding="utf-8")
    assert set(re.findall(r"StringStruct\('(?:File|Product)Version', '([^']+)'\)", resource)) == {version}
    numbers = tuple(int(n) for n in version.split("."))
    assert f"filevers=({', '.join(map(str, numbers))}, 0)" in resource


def test_spec_refuses_build_folder_as_pyinstaller_workpath(tmp_path: Path) -> None:
    # A copy of the spec in a scratch tree: the check resolves build/ next to the spec it runs from.
    spec = tmp_path / "pyinstaller.spec"
    spec.write_text((ROOT / "pyinstaller.spec").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "build").mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--workpath", str(tmp_path / "build" / "work"),
         "--distpath", str(tmp_path / "dist"), str(spec)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0
    assert "inside build/" in result.stderr + result.stdout
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").iterdir())


def _spec_text() -> str:
    return (ROOT / "pyinstaller.spec").read_text(encoding="utf-8")


def _load_build_module(name: str) -> object:
    spec = importlib.util.spec_from_file_location(f"gif_build_{name}", ASSETS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_windows_bundle_has_a_console_companion_beside_the_gui_exe() -> None:
    spec = _spec_text()
    # One COLLECT holds every launcher, so both share the one _internal folder.
    assert re.search(r"coll = COLLECT\(\s*#[^\n]*\n\s*\*exes,", spec)
    windows_block = spec[spec.index('if sys.platform == "win32":\n    # gif-app-cli.exe'):]
    assert 'exes.append(_exe(f"{NAME}-cli", console=True))' in windows_block.split("\n\n")[0]
    # The main launcher stays a GUI exe on Windows and macOS.
    assert 'exes = [_exe(NAME, console=not (sys.platform == "win32" or sys.platform == "darwin"))]' in spec


def test_macos_minimum_is_the_highest_wheel_minimum() -> None:
    minimum = _load_build_module("macos_minimum")
    onnxruntime = "Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp311-cp311-macosx_14_0_arm64\n"
    numpy = "Wheel-Version: 1.0\nTag: cp311-cp311-macosx_11_0_arm64\n"
    fat = "Tag: cp311-cp311-macosx_10_9_universal2\n"
    linux = "Tag: cp311-cp311-manylinux_2_28_x86_64\n"
    assert minimum.minimum_from_wheel_files([numpy, onnxruntime, fat]) == "14.0"  # type: ignore[attr-defined]
    assert minimum.minimum_from_wheel_files([numpy, fat]) == "11.0"  # type: ignore[attr-defined]
    assert minimum.minimum_from_wheel_files([fat, linux]) == "11.0"  # type: ignore[attr-defined]  # the floor
    assert minimum.minimum_from_wheel_files(  # type: ignore[attr-defined]
        ["Tag: cp311-cp311-macosx_13_0_x86_64\n"]) == "13.0"
    assert '"LSMinimumSystemVersion": installed_minimum(),' in _spec_text()


def test_spec_refuses_an_unknown_target_arch(tmp_path: Path) -> None:
    spec = tmp_path / "pyinstaller.spec"
    spec.write_text(_spec_text(), encoding="utf-8")
    (tmp_path / "build").mkdir()
    env = {**os.environ, "GIF_TARGET_ARCH": "ppc64"}
    result = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--workpath", str(tmp_path / "work"),
         "--distpath", str(tmp_path / "dist"), str(spec)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False, env=env)
    assert result.returncode != 0
    assert "GIF_TARGET_ARCH='ppc64'; use one of arm64, x86_64, universal2" in result.stderr + result.stdout
    assert "target_arch=TARGET_ARCH if sys.platform == \"darwin\" else None" in _spec_text()


def test_spec_leaves_out_what_the_app_never_loads() -> None:
    spec = _spec_text()
    for extra in ("pymatting", "numba", "llvmlite", "scipy", "skimage"):
        assert f'"{extra}"' in spec.split("REMBG_EXTRAS = [", 1)[1].split("]", 1)[0]
    assert not re.search(r'hiddenimports \+= \[[^\]]*"pymatting"', spec), "pymatting is no hidden import any more"
    assert 'runtime_hooks=[str(ASSETS / "pyi_rth_rembg_extras.py")]' in spec
    # keyring's macOS backend runs ldconfig/gcc/ld at import on Linux: out of every non-macOS bundle.
    assert 'if sys.platform != "darwin":\n' in spec and 'excludes += ["keyring.backends.macOS.api"]' in spec
    assert '"PySide6/Qt/translations/qtwebengine_locales/en-US.pak"' in spec
