"""The MIME types of the files the app serves, fixed in code: Windows' registry must not decide them."""

from __future__ import annotations

import mimetypes
import threading
from pathlib import PurePath

# Python's `mimetypes` reads the Windows registry, where `.js` is often `text/plain` (left by editors and
# installers); under `X-Content-Type-Options: nosniff` the web view then refuses every module script and the
# window stays blank. These are the types the page, its assets and the media route need.
MIME_TYPES: dict[str, str] = {
    ".html": "text/html",
    ".htm": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".txt": "text/plain",
    ".csv": "text/csv",
}

_registered = threading.Lock()


def mime_type_for(path: str | PurePath) -> str | None:
    """Return the fixed MIME type for a file name by its extension (case-insensitive), or None if not ours."""
    return MIME_TYPES.get(PurePath(path).suffix.lower())


def register_mime_types() -> None:
    """Load `mimetypes` (registry included), then put our types over whatever it read."""
    with _registered:
        if not mimetypes.inited:
            mimetypes.init()
        for extension, mime in MIME_TYPES.items():
            mimetypes.add_type(mime, extension)
