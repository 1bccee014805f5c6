"""Export checks per row: the file (format, pixels), the name, the text limits, categories, formula cells,
soft-failed processing, and each site's AI-content policy, against real image files."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PIL import Image, ImageCms

from gif_app.domain import ProcessingRecord
from gif_app.export.checks import processing_problems, read_facts, row_problems, site_notices
from gif_app.export.stock_csv import csv_presets
from tests.unit.test_stock_csv import KEYWORDS, PLANTED, make_image


def write(path: Path, size: tuple[int, int], fmt: str, mode: str = "RGB") -> Path:
    Image.new(mode, size, (200, 120, 40, 0)[: len(mode)]).save(path, fmt)
    return path


def test_read_facts_reads_format_size_and_transparency(tmp_path: Path) -> None:
    facts = read_facts(write(tmp_path / "a.png", (500, 500), "PNG", "RGBA"))
    assert facts is not None and (facts.format, facts.width, facts.height, facts.has_alpha) == ("PNG", 500, 500, True)
    assert facts.megapixels == 0.25
    (tmp_path / "broken.jpg").write_bytes(b"not an image")
    assert read_facts(tmp_path / "broken.jpg") is None


def test_a_small_png_is_refused_by_adobe_and_shutterstock_with_what_to_fix(tmp_path: Path) -> None:
    facts = read_facts(write(tmp_path / "k.png", (500, 500), "PNG"))
    image = make_image(categories={"adobe": ("1",), "shutterstock": ("Nature",)})
    for site, label in (("adobe", "Adobe Stock"), ("shutterstock", "Shutterstock")):
        found = row_problems(csv_presets()[site], "k.png", image, facts)
        assert f"File is PNG; {label} wants JPEG" in found[0] and "output format" in found[0]
        assert any(f"500x500 px (0.25 MP); {label} needs at least 4 MP" in p for p in found)


def test_adobe_takes_a_transparent_png_and_a_big_jpeg_passes_everywhere(tmp_path: Path) -> None:
    png = read_facts(write(tmp_path / "t.png", (2000, 2000), "PNG", "RGBA"))
    jpeg = read_facts(write(tmp_path / "k.jpg", (2000, 2000), "JPEG"))
    image = make_image(description="A ginger kitten.", categories={"adobe": ("1",), "shutterstock": ("Nature",)})
    assert row_problems(csv_presets()["adobe"], "t.png", image, png) == []
    for preset in csv_presets().values():
        assert row_problems(preset, "k.jpg", image, jpeg) == [], preset.name


def test_text_limits_name_length_and_categories_are_flagged_per_site() -> None:
    image = make_image(title="x" * 80 + ", generative AI", keywords=("cat", "dog", "pet"), category="Spaceships")
    adobe = row_problems(csv_presets()["adobe"], "a" * 31 + ".jpg", image, None)
    assert "File name is 35 characters; Adobe Stock allows 30 (extension included)" in adobe[0]
    assert any("Title is 95 characters; Adobe Stock allows 70." == p for p in adobe)
    assert any("Title contains ','; Adobe Stock titles must not." == p for p in adobe)
    assert any('Title contains "generative AI"' in p for p in adobe)
    assert any("Only 3 keywords; Adobe Stock needs at least 5." == p for p in adobe)
    assert any('Category "Spaceships" is not one of Adobe Stock\'s categories.' == p for p in adobe)
    shutter = row_problems(csv_presets()["shutterstock"], "a.jpg", image, None)
    assert any(p.startswith("Missing category; Shutterstock needs 1 to 2") for p in shutter)
    assert any("Only 3 keywords; Shutterstock needs at least 7." == p for p in shutter)
    assert not any(p.startswith("Description") for p in shutter), "the 95-character title stands in, within 200"


def test_invalid_and_too_many_chosen_categories_are_flagged() -> None:
    preset = csv_presets()["shutterstock"]
    wrong = make_image(categories={"shutterstock": ("Spaceships",)})
    found = row_problems(preset, "a.jpg", wrong, None)
    assert 'Category "Spaceships" is not one of Shutterstock\'s categories.' in found
    many = make_image(categories={"shutterstock": ("Nature", "Objects", "Arts")})
    assert "3 categories; Shutterstock takes at most 2." in row_problems(preset, "a.jpg", many, None)
    assert preset.row("a.jpg", many)[3] == "Nature,Objects", "only as many as the site takes are written"


def test_a_planted_formula_keyword_is_flagged_for_every_site() -> None:
    image = make_image(keywords=(PLANTED, *KEYWORDS), categories={"adobe": ("1",), "shutterstock": ("Nature",)})
    for preset in csv_presets().values():
        found = row_problems(preset, "a.jpg", image, None)
        assert [p for p in found if "formula" in p] == [
            "Keywords starts with '=', which a spreadsheet runs as a formula; it is written with a leading ' to "
            "keep it text: remove the character."], preset.name


def test_soft_failed_background_removal_is_reported() -> None:
    image = make_image()
    soft = ({"stage": "remove_bg", "message": "remove.bg answered 402"},)
    flagged = replace(image, processing=ProcessingRecord(soft_failures=soft))
    assert processing_problems(image) == []
    assert processing_problems(flagged) == [
        "Background removal failed during processing (remove.bg answered 402): the file went out unchanged by "
        "that step; retry it from Failed Images or check it by eye."]


def test_site_notices_warn_that_shutterstock_takes_no_ai_content_and_name_adobes_flag() -> None:
    notices = {n["site"]: n for n in site_notices(list(csv_presets().values()))}
    shutter = notices["shutterstock"]
    assert shutter["accepts_ai"] is False and "does not accept AI-generated content" in shutter["message"]
    assert shutter["source"].startswith("https://submit.shutterstock.com/help/")
    assert notices["adobe"]["accepts_ai"] and "Created using generative AI tools" in notices["adobe"]["message"]


def test_cmyk_and_non_srgb_profiles_are_flagged_and_srgb_passes(tmp_path: Path) -> None:
    adobe = csv_presets()["adobe"]
    image = make_image(categories={"adobe": ("1",)})
    cmyk = read_facts(write(tmp_path / "c.jpg", (2000, 2000), "JPEG", "CMYK"))
    assert cmyk is not None and cmyk.mode == "CMYK"
    assert row_problems(adobe, "c.jpg", image, cmyk) == ["File is CMYK; Adobe Stock wants sRGB: convert it to sRGB."]
    lab = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for name, icc in (("lab.jpg", lab), ("srgb.jpg", srgb)):
        Image.new("RGB", (2000, 2000), (10, 20, 30)).save(tmp_path / name, "JPEG", icc_profile=icc)
    other = read_facts(tmp_path / "lab.jpg")
    assert other is not None and row_problems(adobe, "lab.jpg", image, other) == [
        'File carries the colour profile "Lab identity built-in"; Adobe Stock wants sRGB: convert it.']
    fine = read_facts(tmp_path / "srgb.jpg")
    assert fine is not None and fine.profile == "sRGB built-in" and row_problems(adobe, "srgb.jpg", image, fine) == []
