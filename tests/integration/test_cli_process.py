"""`gif-app process`: the processing recipe applied to local files from the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageDraw

from tests.helpers.exiftool import as_list, read_tags, write_tags


def _draw(folder: Path, count: int) -> None:
    folder.mkdir(parents=True)
    for i in range(count):
        img = Image.new("RGBA", (320, 200), (0, 0, 0, 0))
        ImageDraw.Draw(img).ellipse((100, 40, 220, 160), fill=(30 * i, 120, 200, 255))
        img.save(folder / f"pic{i}.png")


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIF_APP_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "gif_app", *args], capture_output=True, text=True, env=env,
                          timeout=180, check=False)


def test_folder_is_trimmed_and_converted_to_jpg(tmp_path: Path) -> None:
    _draw(tmp_path / "in", 3)
    out = tmp_path / "out"
    result = _run(tmp_path / "home", "process", str(tmp_path / "in"), "--out", str(out),
                  "--set", "processing.trim_transparent_background=true", "--set", "processing.image_convert=true",
                  "--set", "processing.convert_format=jpg", "--set", "processing.jpg_background=white")
    assert result.returncode == 0, result.stderr
    assert "Processed 3 of 3" in result.stdout
    files = sorted(out.iterdir())
    assert [f.name for f in files] == ["pic0.jpg", "pic1.jpg", "pic2.jpg"]
    with Image.open(files[0]) as img:
        assert img.format == "JPEG"
        assert img.size == (121, 121)  # trimmed to the circle's box, transparent edges gone
        assert img.getpixel((0, 0)) == (255, 255, 255) or sum(img.getpixel((0, 0))) > 700  # flattened on white


def test_a_broken_file_is_reported_and_the_rest_still_processed(tmp_path: Path) -> None:
    _draw(tmp_path / "in", 2)
    (tmp_path / "in" / "broken.png").write_bytes(b"not an image")
    result = _run(tmp_path / "home", "process", str(tmp_path / "in"), "--out", str(tmp_path / "out"),
                  "--set", "processing.image_convert=true", "--set", "processing.convert_format=webp")
    assert result.returncode == 1
    assert "broken.png" in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["pic0.webp", "pic1.webp"]


def test_unknown_setting_and_missing_input_give_clear_errors(tmp_path: Path) -> None:
    _draw(tmp_path / "in", 1)
    bad_key = _run(tmp_path / "home", "process", str(tmp_path / "in"), "--out", str(tmp_path / "o"),
                   "--set", "processing.sparkle=3")
    assert bad_key.returncode == 2
    assert "processing.sparkle" in bad_key.stderr
    missing = _run(tmp_path / "home", "process", str(tmp_path / "nope"), "--out", str(tmp_path / "o"))
    assert missing.returncode == 1
    assert "does not exist" in missing.stderr


def test_conversion_carries_the_inputs_metadata(tmp_path: Path) -> None:
    _draw(tmp_path / "in", 1)
    write_tags(tmp_path / "in" / "pic0.png", "-XMP-dc:Title=Blue disc on clear ground",
               "-XMP-dc:Description=A blue disc, isolated.", "-XMP-dc:Subject=disc", "-XMP-dc:Subject=blue")
    Image.new("RGB", (64, 48), (90, 160, 60)).save(tmp_path / "in" / "meadow.jpg", quality=90)
    write_tags(tmp_path / "in" / "meadow.jpg", "-XMP-dc:Creator=Zoë Ångström", "-IPTC:By-line=Zoë Ångström",
               "-XMP-dc:Rights=© 2025 Zoë Ångström", "-IPTC:CopyrightNotice=© 2025 Zoë Ångström")
    jpg_out, png_out = tmp_path / "jpg", tmp_path / "png"
    to_jpg = _run(tmp_path / "home", "process", str(tmp_path / "in" / "pic0.png"), "--out", str(jpg_out),
                  "--set", "processing.image_convert=true", "--set", "processing.convert_format=jpg")
    to_png = _run(tmp_path / "home", "process", str(tmp_path / "in" / "meadow.jpg"), "--out", str(png_out),
                  "--set", "processing.image_convert=true", "--set", "processing.convert_format=png")
    assert to_jpg.returncode == 0 and to_png.returncode == 0, to_jpg.stderr + to_png.stderr
    tags = read_tags(jpg_out / "pic0.jpg")
    assert tags["XMP-dc:Title"] == tags["IPTC:ObjectName"] == "Blue disc on clear ground"
    assert tags["XMP-dc:Description"] == tags["IPTC:Caption-Abstract"] == "A blue disc, isolated."
    assert as_list(tags["XMP-dc:Subject"]) == as_list(tags["IPTC:Keywords"]) == ["disc", "blue"]
    tags = read_tags(png_out / "meadow.png")
    assert as_list(tags["XMP-dc:Creator"]) == ["Zoë Ångström"]
    assert tags["XMP-dc:Rights"] == "© 2025 Zoë Ångström"
