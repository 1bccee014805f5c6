"""The macOS version the bundle needs: the highest minimum among the bundled wheels' platform tags (Info.plist)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib import metadata

# The wheels with native code whose macOS minimum is above the rest (onnxruntime 1.32: macosx_14_0_arm64).
NATIVE_DISTRIBUTIONS = ("onnxruntime", "numpy", "pillow", "resvg_py", "cryptography", "pydantic_core", "pywebview",
                        "pyobjc-core")
FLOOR = "11.0"  # the oldest macOS the app itself supports (WKWebView features the page uses)
_TAG = re.compile(r"^Tag:\s*\S+-\S+-(\S+)$", re.M)
_MACOS = re.compile(r"macosx_(\d+)_(\d+)_")


def minimum_from_wheel_files(wheel_files: Iterable[str], floor: str = FLOOR) -> str:
    """Return the highest macOS minimum named by the `Tag:` lines of these WHEEL files (never below `floor`)."""
    best = tuple(int(part) for part in floor.split("."))
    for text in wheel_files:
        for platforms in _TAG.findall(text):
            for match in _MACOS.finditer(platforms):
                best = max(best, (int(match.group(1)), int(match.group(2))))
    return f"{best[0]}.{best[1]}"


def installed_minimum(distributions: Iterable[str] = NATIVE_DISTRIBUTIONS, floor: str = FLOOR) -> str:
    """Return the macOS minimum of the installed wheels (run on the build machine, where they were installed)."""
    texts = []
    for name in distributions:
        try:
            texts.append(metadata.distribution(name).read_text("WHEEL") or "")
        except metadata.PackageNotFoundError:
            continue
    return minimum_from_wheel_files(texts, floor)
