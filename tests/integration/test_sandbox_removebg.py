"""The remove.bg sandbox cuts out the plain background for real and speaks A4's headers and errors."""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image

from gif_app.sandbox import SandboxConfig, SandboxServers, images

KEY = {"X-Api-Key": "sandbox-key"}


@pytest.fixture()
def sandbox() -> Iterator[SandboxServers]:
    with SandboxServers.start(SandboxConfig(removebg_credits=3.0)) as servers:
        yield servers


def picture(width: int = 800, height: int = 600, fmt: str = "JPG") -> bytes:
    return images.render_bytes("red apple", 5, width, height, fmt)


def remove(sandbox: SandboxServers, data: dict[str, str] | None = None, files: dict[str, bytes] | None = None,
           headers: dict[str, str] | None = None) -> httpx.Response:
    upload = {name: ("input.jpg", content) for name, content in (files or {}).items()}
    return httpx.post(sandbox.base_urls["removebg"] + "/v1.0/removebg", data=data or {}, files=upload or None,
                      headers=KEY if headers is None else headers)


def test_cut_out_has_a_transparent_background_and_an_opaque_subject(sandbox: SandboxServers) -> None:
    answer = remove(sandbox, {"size": "full", "format": "png"}, {"image_file": picture()})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/png"
    assert answer.headers["X-Credits-Charged"] == "1"
    assert answer.headers["X-Type"] == "product"
    assert (answer.headers["X-Width"], answer.headers["X-Height"]) == ("800", "600")
    assert int(answer.headers["X-RateLimit-Limit"]) == 500
    result = Image.open(io.BytesIO(answer.content))
    assert result.mode == "RGBA"
    alpha = result.getchannel("A")
    assert alpha.getpixel((0, 0)) == 0
    assert alpha.getpixel((799, 599)) == 0
    assert alpha.getpixel((400, 300)) == 255
    left, top = int(answer.headers["X-Foreground-Left"]), int(answer.headers["X-Foreground-Top"])
    assert 0 < left < 400 and 0 < top < 300


def test_preview_is_the_default_and_downsizes_to_a_quarter_megapixel(sandbox: SandboxServers) -> None:
    answer = remove(sandbox, files={"image_file": picture(1600, 1200)})
    assert answer.status_code == 200
    assert answer.headers["X-Credits-Charged"] == "0.25"
    width, height = Image.open(io.BytesIO(answer.content)).size
    assert width * height <= 250_000
    assert abs(width / height - 4 / 3) < 0.02


def test_base64_source_with_bg_color_gives_a_flat_jpg(sandbox: SandboxServers) -> None:
    data = {"image_file_b64": base64.b64encode(picture()).decode("ascii"), "bg_color": "ff0000", "size": "full"}
    answer = remove(sandbox, data)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/jpeg"
    corner = Image.open(io.BytesIO(answer.content)).convert("RGB").getpixel((2, 2))
    assert isinstance(corner, tuple) and corner[0] > 230 and corner[1] < 30


def test_image_url_from_another_sandbox_server(sandbox: SandboxServers) -> None:
    url = sandbox.base_urls["openai"].rsplit("/v1", 1)[0] + "/nowhere.png"
    missing = remove(sandbox, {"image_url": url})
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["title"] == "Failed to download image from given image_url: HTTP Status 404"
    foreign = remove(sandbox, {"image_url": "https://example.com/a.png"})
    assert foreign.status_code == 400


def test_zip_format_and_json_answer(sandbox: SandboxServers) -> None:
    zipped = remove(sandbox, {"format": "zip", "size": "preview"}, {"image_file": picture()})
    assert zipped.headers["content-type"] == "application/zip"
    assert sorted(zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()) == ["alpha.png", "color.jpg"]
    as_json = remove(sandbox, {"size": "preview"}, {"image_file": picture()},
                     headers={**KEY, "Accept": "application/json"})
    body = as_json.json()["data"]
    assert Image.open(io.BytesIO(base64.b64decode(body["result_b64"]))).mode == "RGBA"
    assert body["foreground_width"] > 0


@pytest.mark.parametrize("headers", [{}, {"X-Api-Key": "invalid"}])
def test_bad_key_is_403_auth_failed(sandbox: SandboxServers, headers: dict[str, str]) -> None:
    answer = remove(sandbox, files={"image_file": picture()}, headers=headers)
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["errors"][0]["code"] == "auth_failed"


def test_bad_input_is_400_and_costs_nothing(sandbox: SandboxServers) -> None:
    assert remove(sandbox, {"size": "huge"}, {"image_file": picture()}).json()["errors"][0]["code"] == (
        "invalid_parameter")
    assert remove(sandbox, {}).json()["errors"][0]["code"] == "missing_source"
    blank = images.encode(Image.new("RGB", (64, 64), (250, 250, 250)), "PNG")
    assert remove(sandbox, files={"image_file": blank}).json()["errors"][0]["code"] == "unknown_foreground"
    assert remove(sandbox, files={"image_file": b"not an image"}).status_code == 400
    assert sandbox.credits_left() == 3.0


def test_credits_run_out_with_402_and_account_shows_balance(sandbox: SandboxServers) -> None:
    for _ in range(3):
        assert remove(sandbox, {"size": "full"}, {"image_file": picture()}).status_code == 200
    answer = remove(sandbox, {"size": "full"}, {"image_file": picture()})
    assert answer.status_code == 402
    assert answer.json()["errors"][0]["code"] == "insufficient_credits"
    account = httpx.get(sandbox.base_urls["removebg"] + "/v1.0/account", headers=KEY)
    assert account.json()["data"]["attributes"]["credits"]["total"] == 0
    assert account.json()["data"]["attributes"]["api"]["sizes"] == "all"


def test_account_without_credits_answers_auto_with_previews_and_full_with_402() -> None:
    with SandboxServers.start(SandboxConfig(removebg_credits=0.0, removebg_free_calls=2)) as sandbox:
        full = remove(sandbox, {"size": "full"}, {"image_file": picture(1600, 1200)})
        assert full.status_code == 402 and full.json()["errors"][0]["code"] == "insufficient_credits"
        auto = remove(sandbox, {"size": "auto"}, {"image_file": picture(1600, 1200)})
        assert auto.status_code == 200 and auto.headers["X-Credits-Charged"] == "0"
        width, height = int(auto.headers["X-Width"]), int(auto.headers["X-Height"])
        assert width * height <= 250_000 and Image.open(io.BytesIO(auto.content)).size == (width, height)
        account = httpx.get(sandbox.base_urls["removebg"] + "/v1.0/account", headers=KEY).json()
        assert account["data"]["attributes"]["credits"]["total"] == 0
        assert account["data"]["attributes"]["api"]["free_calls"] == 1
        assert remove(sandbox, {"size": "preview"}, {"image_file": picture()}).status_code == 200
        assert remove(sandbox, {"size": "auto"}, {"image_file": picture()}).status_code == 402  # free calls gone


def test_auto_is_full_size_while_a_credit_is_left(sandbox: SandboxServers) -> None:
    answer = remove(sandbox, {"size": "auto"}, {"image_file": picture(1600, 1200)})
    assert (answer.headers["X-Width"], answer.headers["X-Height"], answer.headers["X-Credits-Charged"]) == (
        "1600", "1200", "1")
