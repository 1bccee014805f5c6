"""The window must be ready fast: heavy libraries load when first used, never at start-up."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("rembg", "onnxruntime", "numba", "openai", "openpyxl")


def test_building_the_app_loads_no_heavy_library(tmp_path: object) -> None:
    code = (
        "import sys, pathlib, tempfile\n"
        "from gif_app.app import AppOptions, build_app\n"
        "app = build_app(pathlib.Path(tempfile.mkdtemp()), AppOptions(prefer_keychain=False, start_workers=False))\n"
        "app.api.app_info(); app.api.get_settings(); app.api.list_jobs({}); app.api.list_images({})\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
        "app.close()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "", f"loaded at start-up: {result.stdout.strip()}"
