"""Build the per-run overrides that render one image again: its job's settings, its prompt and its seed."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gif_app import settings as settings_mod
from gif_app.domain import GeneratedImage
from gif_app.errors import ConflictError

_SEED_SUFFIX = re.compile(r" \(seed \d+\)$")


def seed_rerun_label(base: str, seed: int) -> str:
    """Return "<base> (seed N)", replacing a seed suffix the base already has (a seed rerun of a seed rerun)."""
    return f"{_SEED_SUFFIX.sub('', base)} (seed {seed})"


def require_seed(image: GeneratedImage) -> int:
    """Return the image's recorded seed; refuse an image without one (nothing to render it again with)."""
    if image.seed is None:
        raise ConflictError("This image has no recorded seed (OpenAI Images has none; Midjourney has one only "
                            "when a seed was set), so it cannot be rendered again with it.")
    return image.seed


def seed_keyword_file(folder: Path, image: GeneratedImage) -> Path:
    """Write the image's prompt as a one-line keyword file in `folder` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"image_{image.id}_seed_{image.seed}.txt"
    # One line: a keyword file holds one keyword per line, and the prompt must come back whole.
    path.write_text(" ".join(image.prompt.split()) + "\n", encoding="utf-8")
    return path


def _rotation_entry(text: str, index: int, is_valid: Callable[[str], bool]) -> str:
    """Return the entry of a comma-separated rotation that generation `index` used ('' when there is none)."""
    entries = [part.strip() for part in text.split(",") if is_valid(part.strip())]
    return entries[index % len(entries)] if entries else ""


def _is_size(part: str) -> bool:
    width, _, height = part.lower().partition("x")
    return width.isdigit() and height.isdigit()


def seed_rerun_overrides(image: GeneratedImage, snapshot: settings_mod.Settings, keyword_file: Path,
                         label: str) -> dict[str, Any]:
    """Return flat overrides for a one-generation job that renders the image's prompt with its seed fixed."""
    params = snapshot["parameters"]
    index = image.generation_index
    return {
        **settings_mod.flatten(snapshot),
        "parameters.label": label,
        "parameters.count": 1,
        "parameters.variations": 1,
        "parameters.seed_mode": "fixed",
        "parameters.seed": image.seed,
        # The recorded prompt is used as written: an LLM would write a different one and the seed would not help.
        "parameters.use_llm_prompts": False,
        "parameters.keyword_random": False,
        "parameters.keyword_mix": 1,
        "file_paths.system_prompt_file": "",
        "file_paths.keywords_file": str(keyword_file),
        # The size or ratio the image's own generation took from the rotation, not generation 0's.
        "parameters.runware_dimensions_csv": _rotation_entry(str(params["runware_dimensions_csv"]), index, _is_size),
        "parameters.aspect_ratios": _rotation_entry(str(params["aspect_ratios"]), index, bool)
        or params["aspect_ratios"],
    }
