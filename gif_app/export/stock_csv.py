"""Stock-site CSV presets (Adobe Stock, Shutterstock, Freepik): headers, limits, categories, rows, checks.

Formats follow reference/protocols.md section B. Every CSV is UTF-8 without a BOM (a BOM would break the
exact header match Adobe asks for). The metadata is written as stored: `problems_for` lists what a site
would refuse, and the user decides whether to export anyway.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from gif_app.domain import GeneratedImage, StockMetadata
from gif_app.errors import ValidationError
from gif_app.pipeline.metadata import PRESETS, MetadataLimits, problems

logger = logging.getLogger(__name__)

ADOBE_CATEGORIES: dict[int, str] = {
    1: "Animals", 2: "Buildings and Architecture", 3: "Business", 4: "Drinks", 5: "The Environment",
    6: "States of Mind", 7: "Food", 8: "Graphic Resources", 9: "Hobbies and Leisure", 10: "Industry",
    11: "Landscapes", 12: "Lifestyle", 13: "People", 14: "Plants and Flowers", 15: "Culture and Religion",
    16: "Science", 17: "Social Issues", 18: "Sports", 19: "Technology", 20: "Transport", 21: "Travel",
}

SHUTTERSTOCK_CATEGORIES: tuple[str, ...] = (
    "Abstract", "Animals/Wildlife", "Arts", "Backgrounds/Textures", "Beauty/Fashion", "Buildings/Landmarks",
    "Business/Finance", "Celebrities", "Education", "Food and drink", "Healthcare/Medical", "Holidays",
    "Industrial", "Interiors", "Miscellaneous", "Nature", "Objects", "Parks/Outdoor", "People", "Religion",
    "Science", "Signs/Symbols", "Sports/Recreation", "Technology", "Transportation", "Vintage",
)

# The closest Shutterstock category for each Adobe id, so one stored category serves both sites.
_ADOBE_TO_SHUTTERSTOCK: dict[int, str] = {
    1: "Animals/Wildlife", 2: "Buildings/Landmarks", 3: "Business/Finance", 4: "Food and drink",
    5: "Nature", 6: "Abstract", 7: "Food and drink", 8: "Backgrounds/Textures", 9: "Sports/Recreation",
    10: "Industrial", 11: "Nature", 12: "People", 13: "People", 14: "Nature", 15: "Religion",
    16: "Science", 17: "Miscellaneous", 18: "Sports/Recreation", 19: "Technology", 20: "Transportation",
    21: "Parks/Outdoor",
}
_SHUTTERSTOCK_TO_ADOBE: dict[str, int] = {
    "Animals/Wildlife": 1, "Buildings/Landmarks": 2, "Business/Finance": 3, "Food and drink": 7,
    "Backgrounds/Textures": 8, "Abstract": 8, "Industrial": 10, "Nature": 11, "Parks/Outdoor": 21,
    "People": 13, "Religion": 15, "Science": 16, "Sports/Recreation": 18, "Technology": 19,
    "Transportation": 20, "Interiors": 2, "Objects": 8, "Signs/Symbols": 8, "Arts": 8, "Holidays": 12,
    "Beauty/Fashion": 12, "Healthcare/Medical": 16, "Education": 3, "Vintage": 8, "Miscellaneous": 8,
}

ADOBE_FILENAME_MAX = 30
ADOBE_MAX_ROWS = 5000


def adobe_category_id(category: str) -> int | None:
    """Return the Adobe category id for a stored category (an id, an Adobe name or a Shutterstock name)."""
    text = category.strip()
    if not text:
        return None
    if text.isdigit():
        number = int(text)
        return number if number in ADOBE_CATEGORIES else None
    folded = text.casefold()
    for number, name in ADOBE_CATEGORIES.items():
        if name.casefold() == folded or (number == 11 and folded == "landscape"):
            return number
    first = shutterstock_categories(text)
    return _SHUTTERSTOCK_TO_ADOBE.get(first[0]) if first else None


def shutterstock_categories(category: str) -> list[str]:
    """Return up to two Shutterstock category names for a stored category (names, or an Adobe id/name)."""
    lookup = {name.casefold(): name for name in SHUTTERSTOCK_CATEGORIES}
    names = [lookup[p.strip().casefold()] for p in category.split(",") if p.strip().casefold() in lookup]
    if names:
        return names[:2]
    text = category.strip()
    adobe = None
    if text.isdigit() and int(text) in ADOBE_CATEGORIES:
        adobe = int(text)
    else:
        adobe = next((n for n, name in ADOBE_CATEGORIES.items() if name.casefold() == text.casefold()), None)
    return [_ADOBE_TO_SHUTTERSTOCK[adobe]] if adobe else []


@dataclass(frozen=True)
class CsvPreset:
    """One stock site's CSV: file name, header, delimiter, limits and how a row is built."""

    name: str
    label: str
    file_name: str
    header: tuple[str, ...]
    delimiter: str
    limits: MetadataLimits
    row: Callable[[str, GeneratedImage], list[str]]
    extra_checks: Callable[[str, StockMetadata], list[str]]
    max_rows: int = 0


def _keywords(meta: StockMetadata, separator: str = ",") -> str:
    return separator.join(k.strip() for k in meta.keywords if k.strip())


def _adobe_row(file_name: str, image: GeneratedImage) -> list[str]:
    meta = image.metadata
    category = adobe_category_id(meta.category)
    return [file_name, meta.title, _keywords(meta), str(category) if category else "", ""]


def _adobe_checks(file_name: str, meta: StockMetadata) -> list[str]:
    found = []
    if len(file_name) > ADOBE_FILENAME_MAX:
        found.append(f"File name is {len(file_name)} characters; Adobe Stock allows {ADOBE_FILENAME_MAX}.")
    if meta.category.strip() and adobe_category_id(meta.category) is None:
        found.append(f'Category "{meta.category}" is not an Adobe Stock category.')
    return found


def _shutterstock_row(file_name: str, image: GeneratedImage) -> list[str]:
    meta = image.metadata
    # Shutterstock's one text field is the description; the title stands in when it is empty.
    description = meta.description.strip() or meta.title.strip()
    categories = ",".join(shutterstock_categories(meta.category))
    return [file_name, description, _keywords(meta), categories, "No", "No", "No"]


def _shutterstock_checks(file_name: str, meta: StockMetadata) -> list[str]:
    if not meta.category.strip():
        return ["Missing category; Shutterstock needs 1 or 2."]
    if not shutterstock_categories(meta.category):
        return [f'Category "{meta.category}" is not a Shutterstock category.']
    return []


def _freepik_row(file_name: str, image: GeneratedImage) -> list[str]:
    meta = image.metadata
    return [file_name, meta.title, _keywords(meta), " ".join(image.prompt.split()), image.provider]


def _no_checks(file_name: str, meta: StockMetadata) -> list[str]:
    return []


CSV_PRESETS: dict[str, CsvPreset] = {
    "adobe": CsvPreset("adobe", "Adobe Stock", "adobe_stock.csv",
                       ("Filename", "Title", "Keywords", "Category", "Releases"), ",",
                       PRESETS["adobe_stock"], _adobe_row, _adobe_checks, ADOBE_MAX_ROWS),
    "shutterstock": CsvPreset("shutterstock", "Shutterstock", "shutterstock.csv",
                              ("Filename", "Description", "Keywords", "Categories", "Illustration",
                               "Mature Content", "Editorial"), ",",
                              PRESETS["shutterstock"], _shutterstock_row, _shutterstock_checks),
    "freepik": CsvPreset("freepik", "Freepik", "freepik.csv", ("File name", "Title", "Keywords", "Prompt", "Model"),
                         ";", PRESETS["freepik"], _freepik_row, _no_checks),
}
_ALIASES = {"adobe_stock": "adobe", "adobestock": "adobe", "ss": "shutterstock"}


def preset_names(names: Sequence[str]) -> list[str]:
    """Return the canonical preset names for user input (aliases, case, duplicates); refuse unknown ones."""
    result: list[str] = []
    for raw in names:
        key = str(raw).strip().lower()
        if not key:
            continue
        key = _ALIASES.get(key, key)
        if key not in CSV_PRESETS:
            raise ValidationError(f'Unknown stock CSV preset "{raw}". Choose from: {", ".join(CSV_PRESETS)}.')
        if key not in result:
            result.append(key)
    return result


def problems_for(preset: CsvPreset, file_name: str, meta: StockMetadata) -> list[str]:
    """Return what this site would object to in one row: the metadata limits plus the site's own rules."""
    return problems(meta, preset.limits) + preset.extra_checks(file_name, meta)


def render_rows(preset: CsvPreset, rows: Sequence[tuple[str, GeneratedImage]]) -> bytes:
    """Return one CSV file (header + rows) as UTF-8 bytes with the preset's delimiter."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=preset.delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(preset.header)
    for file_name, image in rows:
        writer.writerow(preset.row(file_name, image))
    return buffer.getvalue().encode("utf-8")


def render_files(preset: CsvPreset, rows: Sequence[tuple[str, GeneratedImage]]) -> list[tuple[str, bytes]]:
    """Return (file name, bytes) for the preset, split into several files past the site's row limit."""
    size = preset.max_rows or max(1, len(rows))
    chunks = [rows[i : i + size] for i in range(0, len(rows), size)] or [rows]
    stem, _, ext = preset.file_name.rpartition(".")
    return [(preset.file_name if i == 0 else f"{stem}_{i + 1}.{ext}", render_rows(preset, chunk))
            for i, chunk in enumerate(chunks)]
