"""The MIME map the server uses: fixed in code, and covering every kind of file the page is made of."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from pathlib import Path

import pytest

from gif_app.mime import MIME_TYPES, mime_type_for, register_mime_types

WEB = Path(__file__).resolve().parents[2] / "web"


@pytest.fixture
def poisoned_js() -> Iterator[None]:
    """Make this process's `mimetypes` answer text/plain for .js, as a Windows registry often does."""
    mimetypes.init()
    mimetypes.add_type("text/plain", ".js")
    yield
    register_mime_types()


def test_script_and_style_types_are_the_standard_ones() -> None:
    assert mime_type_for("js/main.js") == "text/javascript"
    assert mime_type_for("x/LIB.MJS") == "text/javascript"  # the extension's case does not matter
    assert mime_type_for("css/app.css") == "text/css"
    assert mime_type_for("font.woff2") == "font/woff2"
    assert mime_type_for("a.JPG") == "image/jpeg"
    assert mime_type_for("README") is None  # not ours: left to the caller


def test_every_file_kind_under_web_is_in_the_map() -> None:
    kinds = {p.suffix.lower() for p in WEB.rglob("*") if p.is_file()}
    assert kinds, "web/ holds the page"
    assert kinds - set(MIME_TYPES) == set()


def test_registration_wins_over_a_poisoned_registry(poisoned_js: None) -> None:
    assert mimetypes.guess_type("main.js")[0] == "text/plain"
    register_mime_types()
    assert mimetypes.guess_type("main.js")[0] == "text/javascript"
    assert mimetypes.guess_type("x.webp")[0] == "image/webp"
