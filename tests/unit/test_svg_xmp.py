"""XMP in an SVG's <metadata>: written, merged with a packet already there, read back; the artwork untouched."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from gif_app import vector
from gif_app.domain import Ownership, StockMetadata
from gif_app.export.svg_xmp import embed_svg_metadata, read_svg_metadata
from gif_app.export.xmp import tag

META = StockMetadata(title="Red fox & <friends>", description="A fox in snow.", keywords=("fox", "snow", "winter"))
ART = b'<circle cx="5" cy="5" r="4" fill="#c33"/>'


def _titles(data: bytes) -> list[str | None]:
    root = ET.fromstring(data)
    return [li.text for li in root.findall(f".//{tag('dc:title')}//{tag('rdf:li')}")]


def test_embeds_a_metadata_element_first_in_the_root_and_keeps_the_artwork() -> None:
    svg = b'<?xml version="1.0"?>\n<!-- <svg> in a comment -->\n<svg xmlns="http://www.w3.org/2000/svg" ' \
          b'data-note="a>b" viewBox="0 0 10 10">' + ART + b"</svg>\n"
    out = embed_svg_metadata(svg, META, Ownership(creator="Ann Example", copyright="(c) Ann"))
    root = vector.parse_svg(out)
    assert root[0].tag == f"{{{vector.SVG_NS}}}metadata" and root[0].find(tag("x:xmpmeta")) is not None
    assert _titles(out) == [META.title]
    assert ART in out and out.startswith(svg[:svg.index(b">", svg.index(b"<svg")) + 1])
    assert read_svg_metadata(out) == META
    creators = ET.fromstring(out).findall(f".//{tag('dc:creator')}//{tag('rdf:li')}")
    assert [c.text for c in creators] == ["Ann Example"]


def test_opens_a_self_closing_root_and_keeps_a_prefixed_one() -> None:
    out = embed_svg_metadata(b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>', META)
    assert out.endswith(b"</svg>") and read_svg_metadata(out) == META
    prefixed = b'<s:svg xmlns:s="http://www.w3.org/2000/svg"><s:rect width="1" height="1"/></s:svg>'
    out = embed_svg_metadata(prefixed, META)
    assert out.startswith(b'<s:svg xmlns:s="http://www.w3.org/2000/svg"><metadata>')
    assert read_svg_metadata(out) == META


def test_a_second_embed_merges_into_the_packet_already_there() -> None:
    first = embed_svg_metadata(b'<svg xmlns="http://www.w3.org/2000/svg">' + ART + b"</svg>", META)
    # A rating written by another tool survives; empty fields never erase what the file has.
    first = first.replace(b'<rdf:Description rdf:about="">',
                          b'<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
                          b'xmp:Rating="4">')
    second = embed_svg_metadata(first, StockMetadata(title="New title", keywords=("arctic",)))
    assert second.count(b"<?xpacket begin") == 1 and second.count(b"<metadata>") == 1
    assert read_svg_metadata(second) == StockMetadata(title="New title", description=META.description,
                                                      keywords=("arctic",))
    assert b'Rating="4"' in second


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n....",
    b"<html><body/></html>",
    b'<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>',
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
])
def test_refuses_what_is_not_a_plain_svg_document(data: bytes) -> None:
    with pytest.raises(vector.SvgError):
        embed_svg_metadata(data, META)


def test_an_svg_without_xmp_reads_as_empty() -> None:
    assert read_svg_metadata(b'<svg xmlns="http://www.w3.org/2000/svg">' + ART + b"</svg>").is_empty


def test_preview_is_a_png_with_the_long_edge_asked_for() -> None:
    png = vector.render_preview(b'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="150">'
                                b'<rect width="300" height="150" fill="#3a6"/></svg>', max_edge=600)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == (600, 300)
        assert image.getpixel((300, 150))[:3] == (0x33, 0xAA, 0x66)


@pytest.mark.parametrize(("root", "size"), [
    ('viewBox="0 0 30 60"', (200, 400)),  # portrait: the long edge is the height
    ('width="100000px" height="20000px"', (400, 80)),  # a huge canvas is drawn at the preview size directly
    ("", (400, 400)),  # no size at all: resvg's default square
])
def test_preview_long_edge_follows_the_documents_shape(root: str, size: tuple[int, int]) -> None:
    png = vector.render_preview(f'<svg xmlns="http://www.w3.org/2000/svg" {root}/>'.encode(), max_edge=400)
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == size
