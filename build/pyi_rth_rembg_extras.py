"""Bundle runtime hook: stand-ins for the rembg extras the bundle leaves out (pymatting, scipy, scikit-image).

rembg imports them at module level, but the app's only calls (new_session(...) and remove(image, session=...,
force_return_bytes=True), in gif_app/providers/rembg_local.py) never reach them: they serve alpha matting, mask
post-processing and the SAM session. Leaving them out saves about 250 MB (pymatting brings numba and LLVM) and the
minute of numba compiling that the first local removal used to cost. A stand-in only answers when the real module is
missing (the finder is the last on sys.meta_path), and each stand-in function says what is missing if it is ever called.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types
from typing import Any

# module -> the names rembg imports from it (rembg/bg.py, rembg/matting.py, rembg/sessions/sam.py)
STANDINS: dict[str, tuple[str, ...]] = {
    "pymatting": (),
    "pymatting.alpha": (),
    "pymatting.alpha.estimate_alpha_cf": ("estimate_alpha_cf",),
    "pymatting.foreground": (),
    "pymatting.foreground.estimate_foreground_ml": ("estimate_foreground_ml",),
    "pymatting.util": (),
    "pymatting.util.util": ("stack_images",),
    "scipy": (),
    "scipy.ndimage": ("binary_erosion", "gaussian_filter", "map_coordinates"),
    "skimage": (),
    "skimage.morphology": ("disk", "opening"),
}


def _missing(module: str, name: str) -> Any:
    def call(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError(f"{module}.{name} is not part of this build of Gen Image Factory: rembg's alpha matting "
                           "and mask post-processing are left out of the bundle.")

    call.__name__ = name
    return call


def _disk(radius: int, dtype: Any = None, **_kwargs: Any) -> Any:
    """skimage.morphology.disk: rembg/bg.py builds its post-processing kernel with it at import time."""
    import numpy as np

    grid = np.arange(-radius, radius + 1)
    return (grid[:, None] ** 2 + grid[None, :] ** 2 <= radius**2).astype(dtype or np.uint8)


class _StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves the stand-in modules, and nothing else."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in STANDINS:
            return None
        is_package = any(other.startswith(fullname + ".") for other in STANDINS)
        return importlib.machinery.ModuleSpec(fullname, self, is_package=is_package)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None  # the default module object

    def exec_module(self, module: types.ModuleType) -> None:
        module.__dict__["__gif_app_standin__"] = True
        for name in STANDINS[module.__name__]:
            setattr(module, name, _disk if name == "disk" else _missing(module.__name__, name))


sys.meta_path.append(_StandInFinder())
