"""Flask app factory: the page's assets and /media/<image_id>/<variant>, local-only, with a strict CSP."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, abort, request, send_file, send_from_directory
from werkzeug.serving import BaseWSGIServer, make_server

from gif_app import imaging, vector
from gif_app.domain import GeneratedImage
from gif_app.errors import AppError
from gif_app.mime import mime_type_for, register_mime_types

log = logging.getLogger(__name__)

# 'unsafe-eval': pywebview's injected bridge builds window.pywebview.api with `new Function` and runs
# evaluate_js through eval(); without it the desktop window has no API. Remote scripts stay refused.
CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
       "script-src 'self' 'unsafe-eval'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]"}
THUMB_EDGE = 384


@dataclass(frozen=True)
class MediaSource:
    """How the server finds image files: by id through the repository, inside managed folders only."""

    get_image: Callable[[int], GeneratedImage]
    allowed_roots: Callable[[], list[Path]]
    thumbnails: Path


THEMES = {"light", "dark"}  # "system" (or anything else) leaves the choice to the OS


def create_server_app(web_root: Path, media: MediaSource, page_theme: Callable[[], str] | None = None) -> Flask:
    """Build the Flask app that serves the UI and the images; `page_theme` answers the saved ui.theme."""
    register_mime_types()  # werkzeug's guesses then match ours; the routes below also name the type outright
    app = Flask(__name__, static_folder=None)

    @app.before_request
    def _only_local_hosts() -> None:
        host = (request.host or "").rsplit(":", 1)[0] if not (request.host or "").startswith("[") else \
            (request.host or "").split("]")[0] + "]"
        if host not in LOCAL_HOSTS:
            abort(403)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if request.path == "/" or request.path.endswith((".js", ".css", ".html")):
            response.headers["Cache-Control"] = "no-cache"
        return response

    @app.get("/")
    def index() -> Response:
        # The chosen theme is on <html> in the first byte the page gets, so the window never flashes the OS one.
        theme = page_theme() if page_theme else "system"
        page = (web_root / "index.html").read_text(encoding="utf-8")
        if theme in THEMES:
            page = page.replace("<html lang=\"en\">", f"<html lang=\"en\" data-theme=\"{theme}\">", 1)
        return Response(page, mimetype="text/html")

    @app.get("/media/<int:image_id>/<variant>")
    def media_file(image_id: int, variant: str) -> Response:
        if variant not in {"original", "thumb"}:
            abort(404)
        path = _resolve_media(media, image_id)
        if variant == "original":
            return send_file(path, mimetype=mime_type_for(path), max_age=0)
        return send_file(_thumbnail(media.thumbnails, path), mimetype="image/webp", max_age=3600)

    @app.get("/<path:asset>")
    def asset_file(asset: str) -> Response:
        return send_from_directory(web_root, asset, mimetype=mime_type_for(asset))

    return app


def _resolve_media(media: MediaSource, image_id: int) -> Path:
    try:
        image = media.get_image(image_id)
    except AppError:
        abort(404)
    current = image.current_path
    if not current:
        abort(404)
    path = Path(current).resolve()
    if vector.is_svg_path(path):
        # A vector is shown through its PNG preview: Pillow makes no thumbnail of an SVG, and an SVG opened
        # from our origin could carry script; the .svg itself stays in the output folder.
        path = vector.preview_path(path)
    roots = [r.resolve() for r in media.allowed_roots()]
    if not any(path.is_relative_to(root) for root in roots) or not path.is_file():
        abort(404)
    return path


_thumb_lock = threading.Lock()


def _thumbnail(folder: Path, source: Path) -> Path:
    stat = source.stat()
    digest = hashlib.sha1(f"{source}:{stat.st_mtime_ns}:{stat.st_size}".encode()).hexdigest()[:20]
    target = folder / f"{digest}.webp"
    if target.exists():
        return target
    with _thumb_lock:
        if not target.exists():
            folder.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".tmp")
            tmp.write_bytes(imaging.thumbnail(source.read_bytes(), THUMB_EDGE))
            tmp.replace(target)
    return target


class LocalServer:
    """The Flask app served by werkzeug on 127.0.0.1 in a daemon thread."""

    def __init__(self, app: Flask, port: int = 0) -> None:
        self._server: BaseWSGIServer = make_server("127.0.0.1", port, app, threaded=True)
        # A short poll interval: stop() (window closed, test teardown) waits at most this long.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="gif-http", daemon=True)

    @property
    def url(self) -> str:
        """Return the base URL, e.g. http://127.0.0.1:54321/."""
        return f"http://127.0.0.1:{self._server.server_port}/"

    def start(self) -> str:
        """Start serving and return the base URL."""
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
