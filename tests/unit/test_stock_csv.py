"""Stock CSV presets: exact headers and delimiters, categories per site, limits flagged per row."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest

from gif_app.domain import GeneratedImage, ImageStatus, ProcessingRecord, StockMetadata
from gif_app.errors import ValidationError
from gif_app.export import stock_csv
from gif_app.export.stock_csv import CSV_PRESETS, problems_for, render_files, render_rows

KEYWORDS = ("cat", "kitten", "pet", "animal", "cute", "fur", "whiskers", "domestic")


def make_image(image_id: int = 1, *, title: str = "Ginger kitten on a sofa", description: str = "",
               keywords: tuple[str, ...] = KEYWORDS, category: str = "", prompt: str = "a cat") -> GeneratedImage:
    stamp = datetime(2025, 1, 2, 3, 4, 5)
    meta = StockMetadata(title=title, description=description, keywords=keywords, category=category)
    return GeneratedImage(id=image_id, mapping_id=f"m{image_id}", execution_id=1, generation_index=0,
                          variation_index=image_id, prompt=prompt, keyword="cat", seed=42, provider="runware",
                          provider_ids={}, status=ImageStatus.APPROVED, reason=None, temp_path=None,
                          final_path=f"/out/img-{image_id}.png", metadata=meta, processing=ProcessingRecord(),
                          cost=0.01, created_at=stamp, updated_at=stamp)


def read(preset: str, data: bytes) -> list[list[str]]:
    assert not data.startswith(b"\xef\xbb\xbf"), "no BOM: Adobe matches the header byte for byte"
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter=CSV_PRESETS[preset].delimiter))


def test_adobe_csv_has_the_official_header_and_numeric_category() -> None:
    image = make_image(title="Cat, sleeping; in the sun", category="Animals")
    rows = read("adobe", render_rows(CSV_PRESETS["adobe"], [("img-1.png", image)]))
    assert rows[0] == ["Filename", "Title", "Keywords", "Category", "Releases"]
    assert rows[1] == ["img-1.png", "Cat, sleeping; in the sun", ",".join(KEYWORDS), "1", ""]


def test_shutterstock_csv_is_positional_with_yes_no_flags_and_site_categories() -> None:
    image = make_image(title="Title only", description="", category="1")
    rows = read("shutterstock", render_rows(CSV_PRESETS["shutterstock"], [("a.png", image)]))
    assert rows[0] == ["Filename", "Description", "Keywords", "Categories", "Illustration", "Mature Content",
                       "Editorial"]
    # No description: the title stands in, Adobe's "Animals" becomes Shutterstock's "Animals/Wildlife".
    assert rows[1] == ["a.png", "Title only", ",".join(KEYWORDS), "Animals/Wildlife", "No", "No", "No"]


def test_freepik_csv_is_semicolon_separated_with_prompt_and_model() -> None:
    image = make_image(title="Kitten; ginger", prompt="a ginger\nkitten")
    data = render_rows(CSV_PRESETS["freepik"], [("k.png", image)])
    assert data.splitlines()[0] == b"File name;Title;Keywords;Prompt;Model"
    rows = read("freepik", data)
    assert rows[1] == ["k.png", "Kitten; ginger", ",".join(KEYWORDS), "a ginger kitten", "runware"]


def test_problems_list_what_each_site_refuses() -> None:
    short = StockMetadata(title="x" * 80, keywords=("cat", "dog", "pet"))
    adobe = problems_for(CSV_PRESETS["adobe"], "a" * 31 + ".png", short)
    assert any("Title is 80 characters" in p and "Adobe Stock allows 70" in p for p in adobe)
    assert any("Only 3 keywords" in p for p in adobe)
    assert any("File name is 35 characters" in p for p in adobe)
    shutter = problems_for(CSV_PRESETS["shutterstock"], "a.png", short)
    assert any("Missing category" in p for p in shutter)
    assert any("Shutterstock needs at least 7" in p for p in shutter)
    fine = StockMetadata(title="Ginger kitten", description="A kitten.", keywords=KEYWORDS, category="Animals")
    assert problems_for(CSV_PRESETS["adobe"], "a.png", fine) == []
    assert problems_for(CSV_PRESETS["shutterstock"], "a.png", fine) == []
    assert problems_for(CSV_PRESETS["freepik"], "a.png", fine) == []


def test_unknown_category_is_flagged_not_written() -> None:
    meta = StockMetadata(title="t", keywords=KEYWORDS, category="Spaceships")
    assert any("not an Adobe Stock category" in p for p in problems_for(CSV_PRESETS["adobe"], "a.png", meta))
    assert any("not a Shutterstock" in p for p in problems_for(CSV_PRESETS["shutterstock"], "a.png", meta))
    assert stock_csv.adobe_category_id("Spaceships") is None
    assert stock_csv.adobe_category_id("Technology") == 19
    assert stock_csv.adobe_category_id("landscape") == 11
    assert stock_csv.shutterstock_categories("nature, Objects, Arts") == ["Nature", "Objects"]


def test_preset_names_accept_aliases_and_refuse_unknown_sites() -> None:
    assert stock_csv.preset_names(["Adobe_Stock", "shutterstock", "adobe", " "]) == ["adobe", "shutterstock"]
    with pytest.raises(ValidationError, match="pond5"):
        stock_csv.preset_names(["pond5"])


def test_adobe_csv_splits_past_five_thousand_rows() -> None:
    image = make_image()
    rows = [(f"f{i}.png", image) for i in range(stock_csv.ADOBE_MAX_ROWS + 2)]
    files = render_files(CSV_PRESETS["adobe"], rows)
    assert [name for name, _ in files] == ["adobe_stock.csv", "adobe_stock_2.csv"]
    assert [len(read("adobe", data)) - 1 for _, data in files] == [stock_csv.ADOBE_MAX_ROWS, 2]
    assert all(read("adobe", data)[0][0] == "Filename" for _, data in files)
