"""Sample inputs for a sandbox run: a keyword TXT, a keyword CSV with headers and a prompt template."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

logger = logging.getLogger(__name__)

KEYWORDS = (
    "red apple on a wooden table",
    "cup of coffee with latte art",
    "golden retriever puppy",
    "potted succulent plant",
    "stack of colourful books",
    "vintage bicycle",
    "ripe avocado cut in half",
    "blue ceramic teapot",
    "sunflower in a glass vase",
    "pair of running shoes",
)
CSV_ROWS = (
    ("red apple", "studio product photo", "fresh"),
    ("cup of coffee", "flat lay", "cozy"),
    ("golden retriever puppy", "natural light portrait", "playful"),
    ("succulent plant", "minimalist", "calm"),
    ("vintage bicycle", "lifestyle photo", "nostalgic"),
)
TEMPLATE = (
    "A ${{Style}} of ${{Subject}}, ${{Mood}} atmosphere, centered on a plain light background, "
    "sharp focus, high detail, no text, no watermark"
)


def write_demo_inputs(folder: Path) -> dict[str, Path]:
    """Write the sample keyword TXT, CSV and template into `folder`; return their paths by kind."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "keywords_txt": folder / "keywords.txt",
        "keywords_csv": folder / "keywords.csv",
        "template": folder / "prompt_template.txt",
    }
    paths["keywords_txt"].write_text("\n".join(KEYWORDS) + "\n", encoding="utf-8")
    with paths["keywords_csv"].open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("Subject", "Style", "Mood"))
        writer.writerows(CSV_ROWS)
    paths["template"].write_text(TEMPLATE + "\n", encoding="utf-8")
    logger.info("wrote sandbox demo inputs to %s", folder)
    return paths
