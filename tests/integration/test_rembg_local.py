"""Local background removal through the real rembg code path, with a tiny model the test builds."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from gif_app.errors import ConfigurationError
from gif_app.pipeline.process import process_image
from gif_app.providers.rembg_local import RembgRemover, is_model_present, model_path
from tests.helpers.onnx_model import build_mask_model
from tests.helpers.processing import recipe


def _render() -> bytes:
    """A rendered image like the providers deliver: a coloured disc on a plain light background."""
    img = Image.new("RGB", (480, 360), (238, 238, 234))
    ImageDraw.Draw(img).ellipse((140, 80, 340, 280), fill=(40, 90, 200))
    buffer = io.BytesIO()
    img.save(buffer, "PNG")
    return buffer.getvalue()


def test_importing_the_remover_does_not_import_rembg() -> None:
    # rembg's first import costs ~50 s of numba JIT: the app must start without it.
    code = (
        "import sys, gif_app.providers.rembg_local, gif_app.pipeline.process; "
        "print(sorted(m for m in ('rembg', 'onnxruntime', 'numba') if m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_missing_model_is_a_configuration_error_with_a_way_out(tmp_path: Path) -> None:
    remover = RembgRemover("u2net", tmp_path)
    assert not is_model_present(tmp_path, "u2net")
    with pytest.raises(ConfigurationError) as caught:
        remover.remove(_render(), "a.png")
    assert "u2net model (~170 MB)" in caught.value.message
    assert "Settings → Processing" in caught.value.message


@pytest.mark.timeout(600)
def test_rembg_cuts_the_subject_out_with_a_real_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The first rembg import compiles numba code: about 45-90 s on a cold cache.
    monkeypatch.setenv("U2NET_HOME", str(tmp_path))
    build_mask_model(model_path(tmp_path, "tiny-mask.onnx"))
    remover = RembgRemover("tiny-mask.onnx", tmp_path)
    started = time.monotonic()
    result = remover.remove(_render(), "a.png")
    print(f"rembg first call: {time.monotonic() - started:.1f} s")
    cut = Image.open(io.BytesIO(result.data))
    assert cut.format == "PNG" and cut.mode == "RGBA" and cut.size == (480, 360)
    for corner in ((2, 2), (477, 2), (2, 357), (477, 357)):
        assert cut.getpixel(corner)[3] < 10
    r, g, b, a = cut.getpixel((240, 180))
    assert a > 245 and b > 150 > r

    # The session is reused, and the recipe uses the remover like remove.bg's.
    settings = recipe({"remove_bg": True, "remover": "rembg", "trim_transparent_background": True})
    outcome = process_image(_render(), "a.png", settings, remover)
    trimmed = Image.open(io.BytesIO(outcome.data))
    assert outcome.record.applied == ("remove_bg", "trim") and outcome.record.credits == 0
    assert 190 <= trimmed.width <= 215 and 190 <= trimmed.height <= 215
