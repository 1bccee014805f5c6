"""The bundle's stand-ins for rembg's left-out extras: rembg imports, and local removal runs, without them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOOK = ROOT / "build" / "pyi_rth_rembg_extras.py"

# Runs in a child process: the real pymatting/scipy/skimage are made absent, as in the bundle, then the hook runs.
_CHILD = r"""
import io, runpy, sys
from pathlib import Path
LEFT_OUT = ("pymatting", "scipy", "skimage", "numba", "llvmlite")

class Absent:
    '''Answers for the left-out packages before the real finders do: the stand-in finder's spec, or nothing.'''
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] not in LEFT_OUT:
            return None
        standin = next((f for f in sys.meta_path if type(f).__name__ == "_StandInFinder"), None)
        if standin is None:
            raise ModuleNotFoundError(name)
        return standin.find_spec(name, path, target)

sys.meta_path.insert(0, Absent())
runpy.run_path(sys.argv[1])
sys.path.insert(0, sys.argv[2])
from PIL import Image, ImageDraw
from gif_app.providers.rembg_local import RembgRemover, model_path
from tests.helpers.onnx_model import build_mask_model

home = Path(sys.argv[3])
build_mask_model(model_path(home, "tiny-mask.onnx"))
image = Image.new("RGB", (480, 360), (238, 238, 234))
ImageDraw.Draw(image).ellipse((140, 80, 340, 280), fill=(40, 90, 200))
buffer = io.BytesIO()
image.save(buffer, "PNG")
cut = Image.open(io.BytesIO(RembgRemover("tiny-mask.onnx", home).remove(buffer.getvalue(), "a.png").data))
print("corner", cut.mode, cut.getpixel((2, 2))[3], "centre", cut.getpixel((240, 180)))
import rembg.bg
print("kernel", rembg.bg.kernel.tolist())
print("standins", sorted(n for n in sys.modules if n.split(".")[0] in LEFT_OUT
                         and getattr(sys.modules[n], "__gif_app_standin__", False)))
print("real", sorted(n for n in sys.modules if n.split(".")[0] in LEFT_OUT
                     and not getattr(sys.modules[n], "__gif_app_standin__", False)))
try:
    rembg.bg.estimate_alpha_cf(None, None)
except RuntimeError as exc:
    print("called:", exc)
"""


def test_local_removal_runs_on_the_standins_alone(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", _CHILD, str(HOOK), str(ROOT), str(tmp_path)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert lines["corner"].startswith("RGBA 0 ") and lines["corner"].endswith("(40, 90, 200, 255)")
    # skimage.morphology.disk(1), which rembg builds at import time, is the real 3x3 cross.
    assert lines["kernel"] == "[[0, 1, 0], [1, 1, 1], [0, 1, 0]]"
    assert "'pymatting.alpha.estimate_alpha_cf'" in lines["standins"] and "'scipy.ndimage'" in lines["standins"]
    assert "'skimage.morphology'" in lines["standins"]
    assert lines["real"] == "[]", "nothing of the left-out packages may load for real (numba would cost a minute)"
    assert "pymatting.alpha.estimate_alpha_cf.estimate_alpha_cf is not part of this build" in lines["called:"]


def test_standins_never_shadow_an_installed_package() -> None:
    # From source every extra is installed: the finder sits last on sys.meta_path and is never asked.
    code = (f"import runpy, sys; runpy.run_path({str(HOOK)!r}); import skimage.morphology, scipy.ndimage; "
            "print(getattr(skimage.morphology, '__gif_app_standin__', False), "
            "getattr(scipy.ndimage, '__gif_app_standin__', False), type(sys.meta_path[-1]).__name__)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["False", "False", "_StandInFinder"]
