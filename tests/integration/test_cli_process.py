"""`gif-app process`: the processing recipe applied to local files from the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageStat

from gif_app import pixels
from tests.helpers.bomb import bomb_png
from tests.helpers.exiftool import as_list, read_tags, write_tags
from tests.helpers.icc import rgb_profile
from tests.helpers.processing import NOTHING_ON_ARGS


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
    result = _run(tmp_path / "home", "process", str(tmp_path / "in"), "--out", str(out), *NOTHING_ON_ARGS,
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


def _save(img: Image.Image, path: Path, fmt: str, **options: object) -> None:
    img.save(path, fmt, **options)


def _awkward_batch(folder: Path) -> None:
    """Write the files stock sites choke on, real ones made with Pillow, beside one ordinary PNG."""
    folder.mkdir(parents=True)
    Image.new("RGB", (64, 48), (30, 140, 220)).save(folder / "good.png")
    cmyk = Image.new("CMYK", (64, 48), (0, 0, 0, 0))
    cmyk.paste((0, 255, 255, 0), (32, 0, 64, 48))  # right half: magenta + yellow ink = red
    _save(cmyk, folder / "cmyk.jpg", "JPEG", quality=95)  # no profile
    wide = Image.new("RGB", (64, 48), (40, 180, 60))
    _save(wide, folder / "adobe.jpg", "JPEG", quality=95, subsampling=0, icc_profile=rgb_profile("Adobe RGB-like"))
    sideways = Image.new("RGB", (80, 40), (0, 0, 200))
    sideways.paste((250, 0, 0), (0, 0, 16, 40))  # the stored left edge is the top once turned
    exif = Image.Exif()
    exif[0x0112] = 6
    _save(sideways, folder / "rotated.jpg", "JPEG", quality=95, exif=exif)
    ramp = Image.linear_gradient("L").transpose(Image.Transpose.TRANSPOSE)
    ramp.convert("I").point(lambda v: v * 257).convert("I;16").save(folder / "grey16.png")
    frames = [Image.new("RGB", (20, 20), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    _save(frames[0], folder / "animated.png", "GIF", save_all=True, append_images=frames[1:], duration=80)
    (folder / "bomb.png").write_bytes(bomb_png(14_000))
    (folder / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200)


@pytest.mark.parametrize("recipe", [[], ["--set", "processing.image_enhancement=true",
                                         "--set", "processing.saturation=1.0", "--set", "processing.sharpening=1"]])
def test_awkward_files_come_out_upload_ready_and_bad_ones_are_per_file_errors(
    tmp_path: Path, recipe: list[str]
) -> None:
    _awkward_batch(tmp_path / "in")
    out = tmp_path / "out"
    result = _run(tmp_path / "home", "process", str(tmp_path / "in"), "--out", str(out), "--workers", "2",
                  *NOTHING_ON_ARGS, *recipe)
    assert result.returncode == 1
    assert "Processed 5 of 8" in result.stdout
    # Each bad file is one "error: NAME: why" line (cli/process.py).
    errors = {line.split(": ", 2)[1]: line for line in result.stderr.splitlines() if line.startswith("error: ")}
    assert "animated image (3 frames)" in errors["animated.png"]
    assert "100,000,000 pixels" in errors["bomb.png"] and "(196,000,000 pixels)" in errors["bomb.png"]
    assert "Unusable image" in errors["corrupt.png"]
    assert sorted(p.name for p in out.iterdir()) == ["adobe.jpg", "cmyk.jpg", "good.png", "grey16.png",
                                                     "rotated.jpg"]
    if not recipe:  # nothing on and nothing to fix: the ordinary file is passed through byte for byte
        assert (out / "good.png").read_bytes() == (tmp_path / "in" / "good.png").read_bytes()
    with Image.open(out / "cmyk.jpg") as img:
        assert img.mode == "RGB"
        assert min(img.getpixel((8, 24))) > 240  # type: ignore[type-var]  # no ink: white
        red, green, blue = img.getpixel((56, 24))  # type: ignore[misc]
        assert red > 230 and green < 30 and blue < 30
    with Image.open(out / "adobe.jpg") as img:
        profile = img.info.get("icc_profile")
        assert img.mode == "RGB" and (profile is None or pixels.is_srgb(profile))
        red, green, blue = img.getpixel((32, 24))  # type: ignore[misc]
        assert red < 20 and 165 <= green <= 195 and blue < 55  # more saturated in sRGB numbers than (40, 180, 60)
    with Image.open(out / "rotated.jpg") as img:
        assert img.size == (40, 80) and 0x0112 not in img.getexif()
        assert img.getpixel((20, 4))[0] > 200 and img.getpixel((20, 70))[2] > 150  # type: ignore[index]
    with Image.open(out / "grey16.png") as img, Image.open(tmp_path / "in" / "grey16.png") as source:
        samples = list(source.get_flattened_data())  # 16-bit values, 0-65535
        source_mean = sum(samples) / len(samples) / 257  # type: ignore[arg-type]
        assert img.mode == "L" and abs(ImageStat.Stat(img).mean[0] - source_mean) < 0.05 * 255
