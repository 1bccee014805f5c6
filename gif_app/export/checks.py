"""Export checks against a stock site's rules: per row, what the site would refuse and what to fix.

The rules come from the targets table (export/targets.py); the file facts come from the image header, so a
check reads a few bytes per image, not the pixels.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageCms, UnidentifiedImageError

from gif_app.domain import FailureStage, GeneratedImage, StockMetadata
from gif_app.export.stock_csv import CsvPreset, chosen_categories, needs_neutralising
from gif_app.export.targets import StockTarget

logger = logging.getLogger(__name__)

KEYWORD_MAX_CHARS = 64  # IPTC Keywords dataset limit (reference/protocols.md, embedded metadata)


@dataclass(frozen=True)
class FileFacts:
    """What a stock site checks about the file itself."""

    format: str
    width: int
    height: int
    has_alpha: bool
    size_bytes: int
    mode: str = "RGB"
    # The embedded ICC profile's description ("" when there is none: stock sites then assume sRGB).
    profile: str = ""

    @property
    def megapixels(self) -> float:
        """Return width x height in millions of pixels."""
        return self.width * self.height / 1_000_000


def read_facts(path: Path) -> FileFacts | None:
    """Return the format, size and transparency of an image file, or None when it cannot be read."""
    try:
        with Image.open(path) as img:  # lazy: reads the header, not the pixels
            has_alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
            return FileFacts(str(img.format or "").upper(), img.width, img.height, has_alpha, path.stat().st_size,
                             img.mode, _profile_name(img.info.get("icc_profile")))
    except (OSError, UnidentifiedImageError) as exc:
        logger.info("Could not read %s for the export check: %s", path, exc)
        return None


def _profile_name(icc: object) -> str:
    """Return an ICC profile's description, or "" when there is none or it cannot be read."""
    if not isinstance(icc, bytes) or not icc:
        return ""
    try:
        return str(ImageCms.ImageCmsProfile(io.BytesIO(icc)).profile.profile_description or "").strip()
    except (OSError, ImageCms.PyCMSError):
        return "an unreadable profile"


def _colour_problems(target: StockTarget, facts: FileFacts) -> list[str]:
    if facts.mode == "CMYK":
        return [f"File is CMYK; {target.label} wants {target.colour_space}: convert it to sRGB."]
    if target.colour_space == "sRGB" and facts.profile and "srgb" not in facts.profile.casefold():
        return [f'File carries the colour profile "{facts.profile}"; {target.label} wants sRGB: convert it.']
    return []


def _file_problems(target: StockTarget, facts: FileFacts) -> list[str]:
    found = _colour_problems(target, facts)
    wanted = "/".join(target.formats)
    if not target.accepts_format(facts.format, has_alpha=facts.has_alpha):
        found.append(f"File is {facts.format or 'unknown'}; {target.label} wants {wanted}: set the output "
                     f"format to {wanted} (Settings > Processing) or pick the {target.label} target.")
    size = f"{facts.width}x{facts.height} px ({facts.megapixels:.2f} MP)"
    if target.min_megapixels and facts.megapixels < target.min_megapixels:
        found.append(f"Image is {size}; {target.label} needs at least {target.min_megapixels:g} MP: "
                     "generate larger or enable upscaling.")
    if target.max_megapixels and facts.megapixels > target.max_megapixels:
        found.append(f"Image is {size}; {target.label} takes at most {target.max_megapixels:g} MP.")
    short, long = min(facts.width, facts.height), max(facts.width, facts.height)
    if target.min_side_px and short < target.min_side_px:
        found.append(f"Image is {size}; {target.label} needs at least {target.min_side_px} px on every side.")
    if target.max_side_px and long > target.max_side_px:
        found.append(f"Image is {size}; {target.label} takes at most {target.max_side_px} px on a side.")
    if target.max_file_mb and facts.size_bytes > target.max_file_mb * 1_000_000:
        found.append(f"File is {facts.size_bytes / 1_000_000:.1f} MB; {target.label} takes at most "
                     f"{target.max_file_mb:g} MB.")
    return found


def _text_problems(target: StockTarget, file_name: str, meta: StockMetadata) -> list[str]:
    found: list[str] = []
    label = target.label
    if target.filename_max and len(file_name) > target.filename_max:
        found.append(f"File name is {len(file_name)} characters; {label} allows {target.filename_max} "
                     "(extension included): shorten the file-name template.")
    columns = target.csv_columns
    if "Title" in columns:
        if not meta.title.strip():
            found.append("Missing title.")
        if target.title_max and len(meta.title) > target.title_max:
            found.append(f"Title is {len(meta.title)} characters; {label} allows {target.title_max}.")
        bad = sorted({c for c in meta.title if c in target.title_forbidden_chars})
        if bad:
            found.append(f"Title contains {' '.join(repr(c) for c in bad)}; {label} titles must not.")
        for term in target.ai_policy.title_forbidden_terms:
            if term.casefold() in meta.title.casefold():
                found.append(f'Title contains "{term}"; {label} asks AI content not to say so in the title.')
    if "Description" in columns:
        text = meta.description.strip() or meta.title.strip()  # the title stands in (see stock_csv)
        if not text:
            found.append("Missing description.")
        if target.description_max and len(text) > target.description_max:
            found.append(f"Description is {len(text)} characters; {label} allows {target.description_max}.")
    count = len([k for k in meta.keywords if k.strip()])
    if count < target.keywords_min:
        amount = "No keywords" if count == 0 else f"Only {count} keyword{'s' if count > 1 else ''}"
        found.append(f"{amount}; {label} needs at least {target.keywords_min}.")
    if target.keywords_max and count > target.keywords_max:
        found.append(f"{count} keywords; {label} allows {target.keywords_max}.")
    long_words = [k for k in meta.keywords if len(k) > KEYWORD_MAX_CHARS]
    if long_words:
        found.append(f'Keyword "{long_words[0][:30]}…" is longer than {KEYWORD_MAX_CHARS} characters.')
    return found


def _category_problems(target: StockTarget, meta: StockMetadata) -> list[str]:
    if not target.categories:
        return []
    chosen = chosen_categories(target, meta)
    found: list[str] = []
    wrong = [value for value in chosen if target.category(value) is None]
    legacy = meta.category.strip()
    if wrong:
        found.append(f'Category "{wrong[0]}" is not one of {target.label}\'s categories.')
    elif not chosen and legacy and not meta.categories_for(target.id):
        found.append(f'Category "{legacy}" is not one of {target.label}\'s categories.')
    if len(chosen) - len(wrong) < target.min_categories:
        found.append(f"Missing category; {target.label} needs {target.min_categories} to "
                     f"{target.max_categories}: choose them in the image's metadata.")
    if len(chosen) > target.max_categories:
        found.append(f"{len(chosen)} categories; {target.label} takes at most {target.max_categories}.")
    return found


def row_problems(preset: CsvPreset, file_name: str, image: GeneratedImage, facts: FileFacts | None) -> list[str]:
    """Return what this site would refuse in one row, each sentence saying what to fix."""
    target = preset.target
    found = _file_problems(target, facts) if facts is not None else []
    found += _text_problems(target, file_name, image.metadata)
    found += _category_problems(target, image.metadata)
    for column, cell in zip(preset.header, preset.raw_row(file_name, image), strict=True):
        if needs_neutralising(cell):
            found.append(f"{column} starts with {cell[:1]!r}, which a spreadsheet runs as a formula; it is "
                         "written with a leading ' to keep it text: remove the character.")
    return found


def processing_problems(image: GeneratedImage) -> list[str]:
    """Return the soft failures processing recorded (e.g. background removal that failed but was approved)."""
    found = []
    for soft in image.processing.soft_failures:
        stage = str(soft.get("stage", ""))
        known = {member.value: member.label for member in FailureStage}
        label = known.get(stage, f"{stage or 'A processing step'} failed")
        found.append(f"{label} during processing ({soft.get('message', '')}): the file went out unchanged by "
                     "that step; retry it from Failed Images or check it by eye.")
    return found


def site_notices(presets: list[CsvPreset]) -> list[dict[str, Any]]:
    """Return each chosen site's AI-content policy: {site, label, accepts_ai, flag, message, source}."""
    notices = []
    for preset in presets:
        policy = preset.target.ai_policy
        if policy.accepts_ai:
            message = f"{preset.label} accepts AI-generated content. {policy.note}"
        else:
            message = f"{preset.label} does not accept AI-generated content. {policy.note}"
        notices.append({"site": preset.name, "label": preset.label, "accepts_ai": policy.accepts_ai,
                        "flag": policy.flag_text, "message": message, "source": policy.source.url})
    return notices
