"""Paths as people paste them: quotes, shell escapes and file:// URLs taken off before the path is used.

Explorer's "Copy as path" wraps the path in double quotes; a file dragged into macOS Terminal arrives with
its spaces backslash-escaped (or the whole path in single quotes) and a trailing space; a browser or a file
manager may give a file:// URL. Each is the same path to the user, so each becomes the bare path.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlparse

_QUOTES = ("\"", "'", "\u201c\u201d", "\u2018\u2019")  # straight, and the curly pairs a word processor makes
# A backslash before one of these in a POSIX path is a shell escape (what Terminal writes), not part of a name.
_SHELL_ESCAPE = re.compile(r"\\([ '\"()&;!$`\[\]{}#*?<>|\\~,=^%@+])")
_DRIVE_URL_PATH = re.compile(r"^/[A-Za-z]:[/\\]")


def clean_path_text(text: str) -> str:
    """Return the path the user meant: trimmed, surrounding matching quotes removed, shell escapes of a POSIX
    path undone, a file:// URL turned into its path. Anything else is returned trimmed and unchanged."""
    value = text.strip()
    while len(value) >= 2 and _is_quoted(value):
        value = value[1:-1].strip()
    if value.lower().startswith("file://"):
        return _from_file_url(value)
    if value.startswith(("/", "~")):
        value = _SHELL_ESCAPE.sub(r"\1", value)
    return value


def _is_quoted(value: str) -> bool:
    """Return True when the first and last characters are a matching quote pair."""
    return any(value[0] == pair[0] and value[-1] == pair[-1] for pair in _QUOTES)


def _from_file_url(url: str) -> str:
    """Return the local path of a file:// URL (file:///C:/x -> C:/x, file://server/share -> //server/share)."""
    parsed = urlparse(url)
    path = unquote(parsed.path)
    if parsed.netloc and parsed.netloc.lower() != "localhost":
        return f"//{parsed.netloc}{path}"  # a Windows share (UNC path)
    if _DRIVE_URL_PATH.match(path):
        return path[1:]
    return path
