"""Embedded IPTC/XMP metadata, read back with independent readers (Pillow and a plain XML parse)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image, ImageCms, ImageDraw, IptcImagePlugin

from gif_app import imaging
from gif_app.domain import StockMetadata
from gif_app.errors import ProcessingError
from gif_app.export.embed import embed_metadata, embed_metadata_bytes, read_embedded_metadata

RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
DC = "{http://purl.org/dc/elements/1.1/}"

META = StockMetadata(
    title="Crème brûlée au café — 東京の夜 & <friends>",
    description="A ceramic ramekin of crème brûlée on a marble table, soft daylight, copy space.",
    keywords=("crème brûlée", "dessert", "東京", "café"),
)


def _image(fmt: str, alpha: bool = False) -> bytes:
    img = Image.new("RGBA" if alpha else "RGB", (120, 90), (230, 230, 225, 0) if alpha else (230, 230, 225))
    ImageDraw.Draw(img).ellipse((30, 15, 90, 75), fill=(200, 60, 40, 255))
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return imaging.encode(img, fmt, quality=88, icc_profile=profile)


def _xmp_of(data: bytes) -> dict[str, object]:
    """Parse the XMP packet Pillow finds in the file, with xml.etree (defusedxml is not installed)."""
    img = Image.open(io.BytesIO(data))
    packet = img.info.get("xmp") or img.info.get("XML:com.adobe.xmp")
    assert packet, f"no XMP found by Pillow in {img.format}"
    raw = packet.encode() if isinstance(packet, str) else packet
    root = ET.fromstring(raw)
    return {
        "title": [li.text for li in root.findall(f".//{DC}title/{RDF}Alt/{RDF}li")],
        "description": root.findtext(f".//{DC}description/{RDF}Alt/{RDF}li"),
        "keywords": [li.text for li in root.findall(f".//{DC}subject/{RDF}Bag/{RDF}li")],
    }


@pytest.mark.parametrize(("fmt", "alpha"), [("jpg", False), ("png", True), ("png", False), ("webp", True),
                                            ("webp", False)])
def test_xmp_is_readable_by_pillow_and_keeps_pixels(fmt: str, alpha: bool) -> None:
    source = _image(fmt, alpha)
    out = embed_metadata_bytes(source, fmt, META)
    xmp = _xmp_of(out)
    assert xmp["title"] == [META.title]
    assert xmp["description"] == META.description
    assert xmp["keywords"] == list(META.keywords)
    before, after = Image.open(io.BytesIO(source)), Image.open(io.BytesIO(out))
    assert after.size == before.size and after.mode == before.mode
    assert after.tobytes() == before.tobytes()
    assert after.info.get("icc_profile") == before.info.get("icc_profile")


def test_jpeg_gets_utf8_iptc_readable_by_pillow() -> None:
    out = embed_metadata_bytes(_image("jpg"), "jpg", META)
    iptc = IptcImagePlugin.getiptcinfo(Image.open(io.BytesIO(out)))  # type: ignore[arg-type]
    assert iptc is not None
    assert iptc[(1, 90)] == b"\x1b%G"
    title = iptc[(2, 5)]
    assert isinstance(title, bytes) and META.title.encode().startswith(title)
    assert len(title) <= 64 and title.decode("utf-8")  # cut on a character boundary
    assert iptc[(2, 105)] == META.title.encode()
    assert iptc[(2, 120)] == META.description.encode()
    assert [k.decode() for k in iptc[(2, 25)]] == list(META.keywords)  # type: ignore[union-attr]


def test_jpeg_scan_data_is_byte_identical() -> None:
    source = _image("jpg")
    out = embed_metadata_bytes(source, "jpg", META)
    scan = source.index(b"\xff\xda")
    assert out.endswith(source[scan:])


@pytest.mark.parametrize("fmt", ["jpg", "png", "webp"])
def test_embedding_again_replaces_instead_of_duplicating(fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"image.{fmt}"
    path.write_bytes(_image(fmt))
    embed_metadata(path, META)
    size_once = path.stat().st_size
    second = StockMetadata(title="Second title", description="Second", keywords=("one", "two"))
    embed_metadata(path, second)
    data = path.read_bytes()
    assert data.count(b"x:xmpmeta") == 2  # one opening and one closing tag: a single packet
    assert "Crème".encode() not in data
    assert _xmp_of(data)["keywords"] == ["one", "two"]
    assert read_embedded_metadata(path) == second
    embed_metadata(path, META)
    assert path.stat().st_size == size_once
    if fmt == "jpg":
        iptc = IptcImagePlugin.getiptcinfo(Image.open(path))  # type: ignore[arg-type]
        assert iptc is not None and [k.decode() for k in iptc[(2, 25)]] == list(META.keywords)  # type: ignore[union-attr]
    assert list(tmp_path.iterdir()) == [path]  # no temp file left behind


def test_read_embedded_metadata_round_trips_every_format(tmp_path: Path) -> None:
    for fmt in ("jpg", "png", "webp"):
        path = tmp_path / f"a.{fmt}"
        path.write_bytes(_image(fmt))
        assert read_embedded_metadata(path).is_empty
        embed_metadata(path, META)
        got = read_embedded_metadata(path)
        assert (got.title, got.description, got.keywords) == (META.title, META.description, META.keywords)


def test_embedding_into_a_broken_file_is_a_save_final_failure(tmp_path: Path) -> None:
    path = tmp_path / "broken.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    with pytest.raises(ProcessingError) as caught:
        embed_metadata(path, META)
    assert caught.value.code == "processing_failed:save_final"
    assert path.read_bytes() == b"\xff\xd8\xff\xe0\x00\x10JFIF"
