"""Processing (convert, enhance) carries the source's metadata into the new file, read back by ExifTool."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from gif_app import imaging
from gif_app.export.carry import carry_metadata
from gif_app.pipeline.process import ProcessingSettings, process_image
from tests.helpers.exiftool import as_list, read_tags, write_tags

PNG_XMP = ("-XMP-dc:Title=Red balloon over a field", "-XMP-dc:Description=A red balloon drifts over a wheat field.",
           "-XMP-dc:Subject=balloon", "-XMP-dc:Subject=field", "-XMP-dc:Subject=summer", "-XMP-xmp:Rating=5")
JPEG_OWNER = ("-XMP-dc:Creator=Zoë Ångström", "-XMP-dc:Rights=© 2025 Zoë Ångström", "-IPTC:By-line=Zoë Ångström",
              "-IPTC:CopyrightNotice=© 2025 Zoë Ångström", "-IPTC:City=Malmö")


def _source(tmp_path: Path, fmt: str, *assignments: str) -> Path:
    img = Image.new("RGB", (120, 80), (240, 240, 235))
    ImageDraw.Draw(img).ellipse((30, 10, 90, 70), fill=(210, 40, 40))
    path = tmp_path / f"source.{fmt}"
    path.write_bytes(imaging.encode(img, fmt, quality=90))
    write_tags(path, *assignments)
    return path


def _convert(source: Path, fmt: str, tmp_path: Path) -> dict[str, object]:
    recipe = ProcessingSettings(convert=True, format=fmt)  # type: ignore[arg-type]
    outcome = process_image(source.read_bytes(), source.name, recipe, remover=None)
    assert outcome.extension == fmt and imaging.sniff_format(outcome.data) == fmt
    out = tmp_path / f"out.{fmt}"
    out.write_bytes(outcome.data)
    return read_tags(out)


def test_png_to_jpg_keeps_xmp_title_description_keywords_and_writes_them_to_iptc(tmp_path: Path) -> None:
    tags = _convert(_source(tmp_path, "png", *PNG_XMP), "jpg", tmp_path)
    assert tags["XMP-dc:Title"] == "Red balloon over a field"
    assert tags["XMP-dc:Description"] == "A red balloon drifts over a wheat field."
    assert as_list(tags["XMP-dc:Subject"]) == ["balloon", "field", "summer"]
    assert tags["XMP-xmp:Rating"] == 5
    assert tags["IPTC:ObjectName"] == "Red balloon over a field"
    assert tags["IPTC:Caption-Abstract"] == "A red balloon drifts over a wheat field."
    assert as_list(tags["IPTC:Keywords"]) == ["balloon", "field", "summer"]


@pytest.mark.parametrize("fmt", ["png", "webp", "jpg"])
def test_jpeg_creator_and_rights_survive_conversion(fmt: str, tmp_path: Path) -> None:
    source = _source(tmp_path, "jpg", *JPEG_OWNER)
    # jpg -> jpg is a re-encode (sharpening), the other two are conversions
    recipe = ProcessingSettings(convert=fmt != "jpg", format=fmt, enhance=True, sharpening=1.0)  # type: ignore[arg-type]
    outcome = process_image(source.read_bytes(), source.name, recipe, remover=None)
    assert outcome.data != source.read_bytes() and outcome.extension == fmt
    out = tmp_path / f"out.{fmt}"
    out.write_bytes(outcome.data)
    tags = read_tags(out)
    assert as_list(tags["XMP-dc:Creator"]) == ["Zoë Ångström"]
    assert tags["XMP-dc:Rights"] == "© 2025 Zoë Ångström"
    assert tags["XMP-photoshop:City"] == "Malmö"  # IPTC-only field lands in XMP where IPTC has no home
    if fmt == "jpg":
        assert (tags["IPTC:By-line"], tags["IPTC:City"]) == ("Zoë Ångström", "Malmö")


def test_iptc_only_jpeg_gets_its_fields_into_the_xmp_of_a_png(tmp_path: Path) -> None:
    source = _source(tmp_path, "jpg", "-IPTC:ObjectName=Harbour at dawn", "-IPTC:Keywords=harbour",
                     "-IPTC:Keywords=dawn", "-IPTC:By-line=Zoë Ångström", "-EXIF:Copyright=© Zoë")
    tags = _convert(source, "png", tmp_path)
    assert tags["XMP-dc:Title"] == "Harbour at dawn"
    assert as_list(tags["XMP-dc:Subject"]) == ["harbour", "dawn"]
    assert as_list(tags["XMP-dc:Creator"]) == ["Zoë Ångström"]
    assert tags["XMP-dc:Rights"] == "© Zoë"  # from EXIF Copyright


def test_a_file_without_metadata_is_left_as_encoded(tmp_path: Path) -> None:
    img = Image.new("RGB", (20, 20), (1, 2, 3))
    source, output = imaging.encode(img, "png"), imaging.encode(img, "jpg", quality=80)
    assert carry_metadata(source, output, "jpg") == output
    assert carry_metadata(b"not an image", output, "jpg") == output
