"""The local HTTP server: the page with its CSP, local hosts only, images by id inside managed folders."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from gif_app.app import App, AppOptions, build_app
from gif_app.domain import JobStatus, NewImage


@pytest.fixture
def app(home: Path) -> Iterator[App]:
    built = build_app(home, AppOptions(prefer_keychain=False))
    yield built
    built.close()


@pytest.fixture
def client(app: App) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=app.start_server(), timeout=10) as http:
        yield http


def _png(path: Path, size: tuple[int, int] = (1000, 600)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 60, 40)).save(buffer, "PNG")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def _record(app: App, file: Path | str, n: int = 0) -> int:
    job = app.repo.create_execution(label="served", configuration_id=None, settings_snapshot={}, planned=1,
                                    status=JobStatus.COMPLETED)
    return app.repo.record_image(NewImage(
        mapping_id=f"m-{job.id}-{n}", execution_id=job.id, generation_index=0, variation_index=n,
        prompt="a red square", keyword="square", seed=None, provider="runware", provider_ids={},
        temp_path=str(file))).id


def test_index_page_has_the_content_security_policy(client: httpx.Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "<html" in response.text.lower()
    csp = response.headers["content-security-policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives["default-src"] == ["'self'"]
    # Only the app's own scripts; 'unsafe-eval' is what pywebview's bridge needs, never a remote host.
    assert set(directives["script-src"]) <= {"'self'", "'unsafe-eval'"}
    assert directives["object-src"] == ["'none'"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_foreign_host_header_is_refused(client: httpx.Client) -> None:
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 403
    assert client.get("/", headers={"Host": "127.0.0.1.evil.example:80"}).status_code == 403
    assert client.get("/", headers={"Host": "localhost"}).status_code == 200


def test_original_image_is_served_by_id(app: App, client: httpx.Client) -> None:
    data = _png(app.home.default_output / "fox_1.png")
    image_id = _record(app, app.home.default_output / "fox_1.png")
    response = client.get(f"/media/{image_id}/original")
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == "image/png"


def test_thumbnail_is_small_and_labelled_right(app: App, client: httpx.Client) -> None:
    _png(app.home.default_temp / "big.png", (1600, 900))
    image_id = _record(app, app.home.default_temp / "big.png")
    response = client.get(f"/media/{image_id}/thumb")
    assert response.status_code == 200
    thumb = Image.open(io.BytesIO(response.content))
    assert thumb.format in {"JPEG", "WEBP"}
    assert response.headers["content-type"] == Image.MIME[thumb.format]  # the browser must decode it
    assert max(thumb.size) <= 384
    assert client.get(f"/media/{image_id}/thumb").content == response.content  # cached, same bytes


def test_configured_output_folder_is_served(app: App, client: httpx.Client, tmp_path: Path) -> None:
    elsewhere = tmp_path / "my-stock-uploads"
    values = app.api.get_settings()["data"]["settings"]
    values["file_paths"]["output_directory"] = str(elsewhere)
    assert app.api.save_settings(values)["ok"]
    data = _png(elsewhere / "owl.png")
    image_id = _record(app, elsewhere / "owl.png")
    assert client.get(f"/media/{image_id}/original").content == data


def test_files_outside_the_managed_folders_are_not_served(app: App, client: httpx.Client,
                                                          tmp_path: Path) -> None:
    outside = tmp_path / "private.png"
    _png(outside)
    system_file = Path("/etc/passwd")
    link = app.home.default_output / "sneaky.png"
    link.symlink_to(system_file)
    for n, path in enumerate((outside, system_file, link, app.home.default_output / "missing.png")):
        image_id = _record(app, path, n)
        response = client.get(f"/media/{image_id}/original")
        assert response.status_code == 404, path
        assert client.get(f"/media/{image_id}/thumb").status_code == 404


def test_unknown_image_and_variant_are_not_found(app: App, client: httpx.Client) -> None:
    _png(app.home.default_output / "a.png")
    image_id = _record(app, app.home.default_output / "a.png")
    assert client.get("/media/999999/original").status_code == 404
    assert client.get(f"/media/{image_id}/raw").status_code == 404
    assert client.get("/media/abc/original").status_code == 404


@pytest.mark.parametrize("path", ["/..%2f..%2f..%2fetc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                                  "/js/..%2f..%2f..%2fetc%2fpasswd", "/..%5c..%5cetc%5cpasswd"])
def test_path_traversal_in_asset_urls_is_not_served(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code in {400, 404}
    assert "root:" not in response.text


def test_assets_are_served_from_the_web_folder(client: httpx.Client) -> None:
    index = client.get("/").text
    response = client.get("/js/bridge.js")
    assert response.status_code == 200, index[:200]
    assert "pywebview" in response.text
    assert response.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize(("theme", "html"), [("dark", '<html lang="en" data-theme="dark">'),
                                             ("light", '<html lang="en" data-theme="light">'),
                                             ("system", '<html lang="en">')])
def test_index_page_carries_the_saved_theme(app: App, client: httpx.Client, theme: str, html: str) -> None:
    settings = app.ctx.settings_file.load().settings
    settings["ui"]["theme"] = theme
    app.ctx.settings_file.save(settings)
    page = client.get("/").text
    assert html in page
    assert page.count("data-theme") == (0 if theme == "system" else 1)
