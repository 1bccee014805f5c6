"""One-click upload-ready: the settings a stock target needs, and the list of what choosing it changes.

A target raises what is too low and never lowers what already suffices: JPEG at quality >= 95, sRGB
colours, the site's minimum size, its file-name limit (Adobe Stock: 30 characters with the extension) and its
metadata limits. The file-name limit in force is the smaller of the user's and the target's, so a
name fits the target even when the user's own limit was never touched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from gif_app import settings as settings_mod
from gif_app.export.targets import StockTarget, get_target
from gif_app.settings_schema import SETTINGS

NO_TARGET = "none"
TARGET_KEY = "output.stock_target"
STOCK_JPG_QUALITY = 95
# Target id -> the metadata preset with the same site's limits.
_PRESETS = {"adobe": "adobe_stock", "shutterstock": "shutterstock", "freepik": "freepik"}


@dataclass(frozen=True)
class SettingChange:
    """One setting a target changed: its key and label, and the values before and after, as shown."""

    key: str
    label: str
    old: str
    new: str

    def to_json(self) -> dict[str, str]:
        """Return the JSON form the page shows."""
        return {"key": self.key, "label": self.label, "old": self.old, "new": self.new}


def needed_values(target: StockTarget, current: dict[str, Any]) -> dict[str, Any]:
    """Return the flat settings this target needs, given the current flat values."""
    needed: dict[str, Any] = {TARGET_KEY: target.id}
    if "JPEG" in target.formats:
        needed.update({"processing.image_convert": True, "processing.convert_format": "jpg",
                       "processing.jpg_quality": max(int(current.get("processing.jpg_quality") or 0),
                                                     STOCK_JPG_QUALITY)})
    # Colours: every input is converted to sRGB through its profile before any step (gif_app/pixels.py).
    needed["processing.min_megapixels"] = max(float(current.get("processing.min_megapixels") or 0),
                                              minimum_megapixels(target))
    if target.filename_max:
        needed["output.filename_max_length"] = min(int(current.get("output.filename_max_length") or 200),
                                                   target.filename_max)
    if target.id in _PRESETS:
        needed["metadata.site_preset"] = _PRESETS[target.id]
    return needed


def minimum_megapixels(target: StockTarget) -> float:
    """Return the least size in MP the site takes (a square of its minimum side when it sets sides)."""
    side = (target.min_side_px or 0) ** 2 / 1_000_000
    return math.ceil(max(target.min_megapixels or 0.0, side) * 10) / 10


def choose_target(values: dict[str, Any], target_id: str) -> tuple[dict[str, Any], list[SettingChange]]:
    """Return the flat values with the target's needs applied, and each setting that changed."""
    current = settings_mod.flatten_values(values)
    if target_id == NO_TARGET:
        updates: dict[str, Any] = {TARGET_KEY: NO_TARGET}
    else:
        updates = needed_values(get_target(target_id), current)
    changes = [SettingChange(key, SETTINGS[key].label, _shown(key, current.get(key)), _shown(key, value))
               for key, value in updates.items() if current.get(key) != value]
    return {**current, **updates}, changes


def filename_limit(settings: settings_mod.Settings) -> int:
    """Return the file-name length in force: the user's limit, within the stock target's."""
    limit = int(settings["output"]["filename_max_length"])
    target_id = settings["output"].get("stock_target", NO_TARGET)
    if target_id and target_id != NO_TARGET:
        site_limit = get_target(target_id).filename_max
        if site_limit:
            limit = min(limit, site_limit)
    return limit


def _shown(key: str, value: Any) -> str:
    """Return a value as the settings panel names it (a choice's label, On/Off)."""
    setting = SETTINGS[key]
    if setting.kind == "bool":
        return "On" if value else "Off"
    labels = dict(setting.choices)
    if value in labels:
        return labels[value]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)
