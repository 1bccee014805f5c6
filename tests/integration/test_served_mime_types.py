"""The page's scripts are served as text/javascript even when this process's `mimetypes` says text/plain.

On Windows `mimetypes` reads the registry, where `.js` is often text/plain; under `nosniff` the web view then
refuses the module scripts and the window stays blank. Here the registry is simulated by poisoning `mimetypes`
in this process, before the server is built and again after it (a later `mimetypes.init()` re-reads it).
"""

from __future__ import annotations

import mimetypes
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gif_app.app import App, AppOptions, build_app
from gif_app.mime import register_mime_types

_SCRIPT = re.compile(r'<script[^>]*\bsrc="([^"]+)"')
_STYLE = re.compile(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"')
_IMPORT = re.compile(r"""(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\s*\(?\s*['"](\.[^'"]+)['"]""")


def _poison() -> None:
    mimetypes.init()
    mimetypes.add_type("text/plain", ".js")
    mimetypes.add_type("application/octet-stream", ".css")


@pytest.fixture
def app(home: Path) -> Iterator[App]:
    _poison()
    built = build_app(home, AppOptions(prefer_keychain=False, start_workers=False))
    _poison()  # after the server registered its types too: the routes must not depend on `mimetypes`
    yield built
    built.close()
    register_mime_types()


def _module_graph(client: httpx.Client, entry: str) -> dict[str, httpx.Response]:
    """Fetch the entry script and every module it imports, transitively; return each response by path."""
    seen: dict[str, httpx.Response] = {}
    todo = [entry]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        assert len(seen) < 500, "the import graph is finite"
        response = client.get(path)
        seen[path] = response
        base = path.rsplit("/", 1)[0]
        for match in _IMPORT.finditer(response.text):
            target = match.group(1) or match.group(2)
            todo.append(posixpath.normpath(posixpath.join(base, target)))
    return seen


def test_page_scripts_come_back_as_javascript_over_loopback(app: App) -> None:
    assert mimetypes.guess_type("main.js")[0] == "text/plain"  # the poisoned "registry" is in force
    with httpx.Client(base_url=app.start_server(), timeout=10) as client:
        page = client.get("/")
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["x-content-type-options"] == "nosniff"
        scripts = _SCRIPT.findall(page.text)
        styles = _STYLE.findall(page.text)
        assert scripts and styles
        modules = {}
        for script in scripts:
            modules.update(_module_graph(client, "/" + script.lstrip("/")))
        for style in styles:
            css = client.get("/" + style)
            assert css.status_code == 200 and css.headers["content-type"].startswith("text/css"), style
    assert len(modules) > 10, "the whole module graph was followed"
    for path, response in modules.items():
        assert response.status_code == 200, path
        assert response.headers["content-type"].split(";")[0] == "text/javascript", path


def test_flask_test_client_sees_the_same_types(app: App) -> None:
    client = app.server._server.app.test_client()  # type: ignore[attr-defined]  # werkzeug keeps the WSGI app
    response = client.get("/js/main.js", headers={"Host": "127.0.0.1"})
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
