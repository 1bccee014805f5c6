"""Geometry checks of the browser tests: every visible control inside the window and clear of the others."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

# The window's minimum size (gif_app/window.py min_size) and the small laptop size the issue measured.
MIN_WINDOW = {"width": 960, "height": 640}
SMALL_LAPTOP = {"width": 1024, "height": 640}

_CHECK_JS = (Path(__file__).with_name("layout_check.js")).read_text(encoding="utf-8")


def layout_problems(page: Page) -> tuple[list[str], int]:
    """Return the layout problems of the page's visible controls (or the open dialog's) and how many were seen."""
    result: dict[str, Any] = page.evaluate(_CHECK_JS)
    return list(result["problems"]), int(result["count"])
