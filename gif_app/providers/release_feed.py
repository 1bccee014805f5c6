"""The project's release feed (the GitHub Releases API `releases/latest` shape): one GET, read or silence."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import httpx

from gif_app import __version__
from gif_app.providers.http import build_client

log = logging.getLogger(__name__)

# Short: the check runs in the background and a slow or blocked network must not hold a thread for long.
FEED_TIMEOUT_S = 5.0
# GitHub's releases/latest answer is a few kB (more with long notes and many assets).
MAX_FEED_BYTES = 2 << 20
_HEADERS = {"Accept": "application/vnd.github+json", "User-Agent": f"gif-app/{__version__}"}


@dataclass(frozen=True)
class Release:
    """A published release as the feed describes it."""

    tag: str
    url: str  # its release-notes page
    name: str

    def to_dict(self) -> dict[str, str]:
        """Return the JSON-ready form (stored in the update state file)."""
        return {"tag": self.tag, "url": self.url, "name": self.name}


def fetch_latest(feed_url: str, timeout_s: float = FEED_TIMEOUT_S) -> Release | None:
    """Return the feed's latest published release; None (and a debug line) on any failure or a prerelease.

    Offline, DNS, TLS, timeout, an HTTP error, a body that is not JSON or lacks a field: all end here as
    None, because an update check that cannot be made must say nothing to the user.
    """
    try:
        with build_client(feed_url, timeout_s, dict(_HEADERS)) as client, client.stream("GET", feed_url) as answer:
            answer.raise_for_status()
            body = json.loads(_read_capped(answer))
    # InvalidURL: a malformed GIF_UPDATE_FEED; ValueError: a body that is not JSON (or not UTF-8), or too long.
    except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
        log.debug("update check: the release feed %s could not be read: %s", feed_url, exc)
        return None
    return read_release(body, feed_url)


def _read_capped(answer: httpx.Response) -> bytes:
    """Return the body, refusing one longer than MAX_FEED_BYTES (a feed must not make the app read without end)."""
    data = bytearray()
    for chunk in answer.iter_bytes():
        data += chunk
        if len(data) > MAX_FEED_BYTES:
            raise ValueError(f"the answer is longer than {MAX_FEED_BYTES} bytes")
    return bytes(data)


def read_release(body: Any, feed_url: str = "") -> Release | None:
    """Return the release a `releases/latest` body describes; None when malformed, a draft or a prerelease."""
    if not isinstance(body, dict):
        log.debug("update check: the release feed %s answered %s, not an object", feed_url, type(body).__name__)
        return None
    tag, url, name = body.get("tag_name"), body.get("html_url"), body.get("name")
    if body.get("draft") is not False or body.get("prerelease") is not False:
        # Missing flags count as malformed: a feed that does not say it is a final release is not trusted.
        log.debug("update check: %s is a draft, a prerelease or says neither; ignored", tag)
        return None
    if not isinstance(tag, str) or not tag.strip() or not isinstance(url, str) or not is_web_url(url):
        log.debug("update check: the release feed %s lacks a usable tag_name or html_url", feed_url)
        return None
    return Release(tag=tag.strip(), url=url, name=name.strip() if isinstance(name, str) else "")


def is_web_url(url: str) -> bool:
    """Return True for an absolute http(s) address: the only kind the system browser is asked to open."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return False
    return parsed.scheme in {"http", "https"} and bool(parsed.host)
