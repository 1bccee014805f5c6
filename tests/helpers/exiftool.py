"""ExifTool as the independent reader (and, to set up a contributor's file, writer) of embedded metadata."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

EXIFTOOL = shutil.which("exiftool") or "/usr/bin/exiftool"


def read_tags(path: Path) -> dict[str, Any]:
    """Return every tag ExifTool finds, keyed "Group1:Tag" (`exiftool -j -G1 -a`)."""
    result = subprocess.run([EXIFTOOL, "-j", "-G1", "-a", "-struct", str(path)], capture_output=True, text=True,
                            timeout=60, check=True)
    tags: dict[str, Any] = json.loads(result.stdout)[0]
    return tags


def write_tags(path: Path, *assignments: str) -> None:
    """Write tags as a contributor's tool would (`exiftool -TAG=VALUE ...`), in place."""
    subprocess.run([EXIFTOOL, "-q", "-m", "-overwrite_original", *assignments, str(path)], capture_output=True,
                   timeout=60, check=True)


def as_list(value: Any) -> list[str]:
    """Return a tag's value as a list of strings (ExifTool gives a single item as a scalar)."""
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]
