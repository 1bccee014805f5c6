"""A "nothing on" processing baseline for tests about one processing step or about untouched files.

The defaults are upload-ready for the default stock target (JPEG at quality 95, at least 4 MP), so a test
that means one step, or a file passed through as delivered, turns every step off here and then turns on
only what it is about.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gif_app.pipeline.process import ProcessingSettings

# Every step of the recipe off: the `processing` section's keys, as in settings.json.
NOTHING_ON: dict[str, Any] = {
    "remove_bg": False, "trim_transparent_background": False, "image_enhancement": False,
    "image_convert": False, "min_megapixels": 0,
}
# The same as flat settings keys: a job's overrides, or values for the settings panel.
NOTHING_ON_OVERRIDES: dict[str, Any] = {f"processing.{key}": value for key, value in NOTHING_ON.items()}
# The same as `gif-app run/process` arguments.
NOTHING_ON_ARGS: list[str] = [
    part for key, value in NOTHING_ON_OVERRIDES.items()
    for part in ("--set", f"{key}={str(value).lower()}")
]


def recipe(section: Mapping[str, Any] | None = None) -> ProcessingSettings:
    """Return the recipe with every step off except those `section` (a `processing` section) turns on."""
    return ProcessingSettings.from_settings({**NOTHING_ON, **(section or {})})
