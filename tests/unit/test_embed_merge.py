"""Embedding merges into a contributor's metadata, read back by ExifTool (`exiftool -j -G1 -a`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from gif_app import imaging
from gif_app.domain import Ownership, StockMetadata
from gif_app.export.containers import write_blocks
from gif_app.export.embed import embed_metadata
from gif_app.export.iptc import cut_utf8
from tests.helpers.exiftool import as_list, read_tags, write_tags

FORMATS = ["jpg", "png", "webp"]
META = StockMetadata(
    title="Crème brûlée on a marble table",
    description="A ceramic ramekin of crème brûlée on a marble table, soft daylight, copy space.",
    keywords=("crème brûlée", "dessert", "東京"),
)
# Set by the contributor's own tool before our app ever touches the file.
CONTRIBUTOR_XMP = ("-XMP-dc:Creator=Zoë Ångström", "-XMP-dc:Rights=© 2025 Zoë Ångström", "-XMP-xmp:Rating=4",
                   "-XMP-photoshop:City=Malmö", "-XMP-iptcCore:Location=Möllevången",
                   "-XMP-dc:Title=Old title", "-XMP-dc:Subject=old keyword")
# ExifTool writes IPTC without the UTF-8 marker, as Latin-1: our merge must keep these readable.
CONTRIBUTOR_IPTC = ("-IPTC:By-line=Zoë Ångström", "-IPTC:CopyrightNotice=© 2025 Zoë Ångström",
                    "-IPTC:City=Malmö", "-IPTC:SpecialInstructions=No crops", "-IPTC:ObjectName=Old title",
                    "-IPTC:Caption-Abstract=Old caption", "-IPTC:Keywords=old keyword")


def _file(tmp_path: Path, fmt: str, *assignments: str) -> Path:
    img = Image.new("RGB", (96, 64), (230, 230, 225))
    ImageDraw.Draw(img).ellipse((20, 10, 70, 55), fill=(200, 60, 40))
    path = tmp_path / f"photo.{fmt}"
    path.write_bytes(imaging.encode(img, fmt, quality=90))
    if assignments:
        write_tags(path, *assignments)
    return path


@pytest.mark.parametrize("fmt", FORMATS)
def test_embedding_updates_our_fields_and_keeps_the_contributors(fmt: str, tmp_path: Path) -> None:
    # PNG has no standard IPTC; ExifTool writes a raw IPTC profile chunk, which is kept in step too.
    path = _file(tmp_path, fmt, *CONTRIBUTOR_XMP, *(CONTRIBUTOR_IPTC if fmt != "webp" else ()))
    embed_metadata(path, META)
    tags = read_tags(path)
    assert tags["XMP-dc:Title"] == META.title
    assert tags["XMP-dc:Description"] == META.description
    assert as_list(tags["XMP-dc:Subject"]) == list(META.keywords)
    assert as_list(tags["XMP-dc:Creator"]) == ["Zoë Ångström"]
    assert tags["XMP-dc:Rights"] == "© 2025 Zoë Ångström"
    assert tags["XMP-xmp:Rating"] == 4
    assert tags["XMP-photoshop:City"] == "Malmö"
    assert tags["XMP-iptcCore:Location"] == "Möllevången"
    if fmt != "webp":
        assert tags["IPTC:CodedCharacterSet"] == "UTF8"
        assert tags["IPTC:By-line"] == "Zoë Ångström"  # re-encoded from Latin-1, not mojibake
        assert tags["IPTC:CopyrightNotice"] == "© 2025 Zoë Ångström"
        assert tags["IPTC:City"] == "Malmö"
        assert tags["IPTC:SpecialInstructions"] == "No crops"
        assert tags["IPTC:ObjectName"] == META.title
        assert tags["IPTC:Caption-Abstract"] == META.description
        assert as_list(tags["IPTC:Keywords"]) == list(META.keywords)
    assert "Old" not in str(tags) and "old keyword" not in str(tags)


@pytest.mark.parametrize("fmt", FORMATS)
def test_creator_and_copyright_settings_replace_the_files_values(fmt: str, tmp_path: Path) -> None:
    path = _file(tmp_path, fmt, *CONTRIBUTOR_XMP, *(CONTRIBUTOR_IPTC if fmt == "jpg" else ()))
    embed_metadata(path, META, Ownership(creator="Åsa Studio", copyright="© 2026 Åsa Studio AB"))
    tags = read_tags(path)
    assert as_list(tags["XMP-dc:Creator"]) == ["Åsa Studio"]
    assert tags["XMP-dc:Rights"] == "© 2026 Åsa Studio AB"
    assert tags["XMP-xmp:Rating"] == 4
    if fmt == "jpg":
        assert tags["IPTC:By-line"] == "Åsa Studio"
        assert tags["IPTC:CopyrightNotice"] == "© 2026 Åsa Studio AB"
        assert tags["IPTC:City"] == "Malmö"


@pytest.mark.parametrize("fmt", FORMATS)
def test_creator_and_copyright_go_into_a_file_that_had_no_metadata(fmt: str, tmp_path: Path) -> None:
    path = _file(tmp_path, fmt)
    embed_metadata(path, META, Ownership(creator="Åsa Studio", copyright="© 2026 Åsa Studio AB"))
    tags = read_tags(path)
    assert (as_list(tags["XMP-dc:Creator"]), tags["XMP-dc:Rights"]) == (["Åsa Studio"], "© 2026 Åsa Studio AB")
    if fmt == "jpg":
        assert (tags["IPTC:By-line"], tags["IPTC:CopyrightNotice"]) == ("Åsa Studio", "© 2026 Åsa Studio AB")


def _is_word_cut(full: str, cut: str, limit: int) -> bool:
    """True when `cut` is within `limit` bytes and ends where a word of `full` ends."""
    return len(cut.encode()) <= limit and full.startswith(cut) and full[len(cut):][:1] in ("", " ")


def test_iptc_is_cut_at_word_boundaries_and_xmp_keeps_the_full_text(tmp_path: Path) -> None:
    title = "Crème brûlée au café on a white marble table in soft morning light, top view"
    keyword = "hand made ceramic ramekin with caramelised sugar crust and vanilla bean"
    caption = ("Déjà vu café scene with crème brûlée. " * 80).strip()
    path = _file(tmp_path, "jpg")
    embed_metadata(path, StockMetadata(title=title, description=caption, keywords=(keyword, "dessert")))
    tags = read_tags(path)
    assert len(title.encode()) > 64 and len(keyword.encode()) > 64 and len(caption.encode()) > 2000
    assert _is_word_cut(title, tags["IPTC:ObjectName"], 64)
    assert tags["IPTC:ObjectName"] == "Crème brûlée au café on a white marble table in soft morning"
    assert tags["IPTC:Headline"] == title  # 256 bytes hold the whole title
    keywords = as_list(tags["IPTC:Keywords"])
    assert _is_word_cut(keyword, keywords[0], 64) and keywords[1] == "dessert"
    assert _is_word_cut(caption, tags["IPTC:Caption-Abstract"], 2000)
    # XMP, which stock sites read first, carries the text in full.
    assert tags["XMP-dc:Title"] == title
    assert as_list(tags["XMP-dc:Subject"]) == [keyword, "dessert"]
    assert tags["XMP-dc:Description"] == caption


def test_cut_utf8_never_splits_a_character_or_a_word() -> None:
    assert cut_utf8("short", 64) == "short"
    assert cut_utf8("alpha beta gamma", 12) == "alpha beta"
    assert cut_utf8("alpha beta, gamma", 12) == "alpha beta"  # no dangling comma
    assert cut_utf8("alpha betagamma", 10) == "alpha"
    assert cut_utf8("東京東京東京", 10) == "東京東"  # one long "word": cut between characters
    assert cut_utf8("ab ééééé", 6) == "ab"


@pytest.mark.parametrize("fmt", FORMATS)
def test_exif_image_description_follows_the_caption(fmt: str, tmp_path: Path) -> None:
    path = _file(tmp_path, fmt, "-EXIF:ImageDescription=An old caption that says something else entirely",
                 "-EXIF:Artist=Zoë Ångström", "-EXIF:Make=Camera Maker", "-EXIF:DateTimeOriginal=2025:06:01 10:00:00",
                 "-GPS:GPSLatitude=55.6", "-GPS:GPSLatitudeRef=N")
    embed_metadata(path, META)
    tags = read_tags(path)
    assert tags["IFD0:ImageDescription"] == META.description
    assert tags["IFD0:Artist"] == "Zoë Ångström"
    assert tags["IFD0:Make"] == "Camera Maker"
    assert tags["ExifIFD:DateTimeOriginal"] == "2025:06:01 10:00:00"
    assert tags["GPS:GPSLatitudeRef"] == "North"
    short = StockMetadata(title="Short", description="Brief.", keywords=("a",))
    embed_metadata(path, short)  # a shorter caption is written where the longer one was
    assert read_tags(path)["IFD0:ImageDescription"] == "Brief."


def test_exif_without_a_description_gets_none_added(tmp_path: Path) -> None:
    path = _file(tmp_path, "jpg", "-EXIF:Artist=Zoë Ångström")
    embed_metadata(path, META)
    tags = read_tags(path)
    assert "IFD0:ImageDescription" not in tags
    assert tags["IFD0:Artist"] == "Zoë Ångström"


@pytest.mark.parametrize("fmt", FORMATS)
def test_embedding_twice_leaves_one_packet_and_one_record(fmt: str, tmp_path: Path) -> None:
    path = _file(tmp_path, fmt, *CONTRIBUTOR_XMP)
    embed_metadata(path, META)
    embed_metadata(path, StockMetadata(title="Second", description="Second caption", keywords=("two",)))
    tags = read_tags(path)
    assert (tags["XMP-dc:Title"], as_list(tags["XMP-dc:Subject"])) == ("Second", ["two"])
    assert tags["XMP-xmp:Rating"] == 4
    data = path.read_bytes()
    assert data.count(b"<x:xmpmeta") == 1
    if fmt == "jpg":
        assert data.count(b"Photoshop 3.0\x00") == 1
        assert tags["IPTC:ObjectName"] == "Second"


PACKET = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Contributor Tool 1.0">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:acme="http://example.com/acme/1.0/"
    xmp:Rating="3" acme:Batch="7 &amp; 8">
   <dc:title xmlns:dc="http://purl.org/dc/elements/1.1/"><rdf:Alt><rdf:li xml:lang="x-default">Old</rdf:li>
    <rdf:li xml:lang="de">Alt</rdf:li></rdf:Alt></dc:title>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/">
   <Iptc4xmpCore:CreatorContactInfo rdf:parseType="Resource">
    <Iptc4xmpCore:CiEmailWork>zoe@example.com</Iptc4xmpCore:CiEmailWork>
   </Iptc4xmpCore:CreatorContactInfo>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


def test_a_packet_with_attributes_structures_and_own_namespaces_keeps_them(tmp_path: Path) -> None:
    path = _file(tmp_path, "png")
    path.write_bytes(write_blocks(path.read_bytes(), "png", PACKET.encode()))
    embed_metadata(path, META)
    tags = read_tags(path)
    assert tags["XMP-dc:Title"] == META.title  # the old title's languages are gone with it
    assert "XMP-dc:Title-de" not in tags
    assert tags["XMP-xmp:Rating"] == 3
    assert tags["XMP-acme:Batch"] == "7 & 8"
    assert tags["XMP-iptcCore:CreatorContactInfo"] == {"CiEmailWork": "zoe@example.com"}
    assert tags["XMP-x:XMPToolkit"] == "Contributor Tool 1.0"


def test_an_unreadable_packet_is_replaced(tmp_path: Path) -> None:
    path = _file(tmp_path, "webp")
    path.write_bytes(write_blocks(path.read_bytes(), "webp", b"<x:xmpmeta><broken"))
    embed_metadata(path, META)
    assert read_tags(path)["XMP-dc:Title"] == META.title
