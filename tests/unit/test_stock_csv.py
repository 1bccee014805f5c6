"""Stock CSVs: exact headers and delimiters from the targets table, categories per site, formula-safe cells,
files split by the site's row and byte limits (read back with Python's csv module)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from gif_app.domain import GeneratedImage, ImageStatus, ProcessingRecord, StockMetadata
from gif_app.errors import ValidationError
from gif_app.export import stock_csv
from gif_app.export.archive import plan_entries
from gif_app.export.stock_csv import CsvPreset, csv_presets, neutralise, render_files, render_rows

KEYWORDS = ("cat", "kitten", "pet", "animal", "cute", "fur", "whiskers", "domestic")
PLANTED = '=HYPERLINK("http://x","y")'


def make_image(image_id: int = 1, *, title: str = "Ginger kitten on a sofa", description: str = "",
               keywords: tuple[str, ...] = KEYWORDS, category: str = "", prompt: str = "a cat",
               categories: dict[str, tuple[str, ...]] | None = None) -> GeneratedImage:
    stamp = datetime(2025, 1, 2, 3, 4, 5)
    meta = StockMetadata(title=title, description=description, keywords=keywords, category=category)
    for site, values in (categories or {}).items():
        meta = meta.with_categories(site, values)
    return GeneratedImage(id=image_id, mapping_id=f"m{image_id}", execution_id=1, generation_index=0,
                          variation_index=image_id, prompt=prompt, keyword="cat", seed=42, provider="runware",
                          provider_ids={}, status=ImageStatus.APPROVED, reason=None, temp_path=None,
                          final_path=f"/out/img-{image_id}.jpg", metadata=meta, processing=ProcessingRecord(),
                          cost=0.01, created_at=stamp, updated_at=stamp)


def read(preset: str, data: bytes) -> list[list[str]]:
    assert not data.startswith(b"\xef\xbb\xbf"), "no BOM: Adobe matches the header byte for byte"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter=csv_presets()[preset].delimiter,
                           strict=True))
    assert all(len(row) == len(rows[0]) for row in rows), "every row has the header's column count"
    return rows


def test_adobe_csv_has_the_official_header_and_the_chosen_category_number() -> None:
    image = make_image(title="Cat sleeping in the sun", categories={"adobe": ("1",)})
    rows = read("adobe", render_rows(csv_presets()["adobe"], [("img-1.jpg", image)]))
    assert rows[0] == ["Filename", "Title", "Keywords", "Category", "Releases"]
    assert rows[1] == ["img-1.jpg", "Cat sleeping in the sun", ",".join(KEYWORDS), "1", ""]


def test_adobe_falls_back_to_a_valid_legacy_category_and_drops_an_unknown_one() -> None:
    adobe = csv_presets()["adobe"]
    assert adobe.row("a.jpg", make_image(category="Graphic Resources"))[3] == "8"
    assert adobe.row("a.jpg", make_image(category="8"))[3] == "8"
    assert adobe.row("a.jpg", make_image(category="Spaceships"))[3] == ""


def test_shutterstock_csv_is_positional_with_two_categories_and_the_ai_illustration_flag() -> None:
    image = make_image(title="Title only", categories={"shutterstock": ("Animals/Wildlife", "Nature")})
    rows = read("shutterstock", render_rows(csv_presets()["shutterstock"], [("a.jpg", image)]))
    assert rows[0] == ["Filename", "Description", "Keywords", "Categories", "Illustration", "Mature Content",
                       "Editorial"]
    # No description: the title stands in. Every image here is AI-made, so it is not flagged as a photo.
    assert rows[1] == ["a.jpg", "Title only", ",".join(KEYWORDS), "Animals/Wildlife,Nature", "Yes", "No", "No"]


def test_freepik_csv_is_semicolon_separated_with_prompt_and_model() -> None:
    image = make_image(title="Kitten; ginger", prompt="a ginger\nkitten")
    data = render_rows(csv_presets()["freepik"], [("k.jpg", image)])
    assert data.splitlines()[0] == b"File name;Title;Keywords;Prompt;Model"
    assert read("freepik", data)[1] == ["k.jpg", "Kitten; ginger", ",".join(KEYWORDS), "a ginger kitten", "runware"]


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", PLANTED])
def test_formula_like_cells_get_a_leading_quote(cell: str) -> None:
    assert neutralise(cell) == "'" + cell
    assert neutralise("cat " + cell) == "cat " + cell  # only the first character makes a formula


def test_a_planted_hyperlink_keyword_is_written_as_text_in_every_csv() -> None:
    image = make_image(keywords=(PLANTED, *KEYWORDS), title="-5 degrees", prompt="@cmd kitten")
    for name, preset in csv_presets().items():
        rows = read(name, render_rows(preset, [("a.jpg", image)]))
        cells = dict(zip(rows[0], rows[1], strict=True))
        keywords = cells["Keywords"]
        assert keywords.startswith("'=HYPERLINK(") and keywords.endswith(",".join(KEYWORDS))
        assert not any(cell.startswith(stock_csv.FORMULA_PREFIXES) for cell in rows[1])
    freepik = read("freepik", render_rows(csv_presets()["freepik"], [("a.jpg", image)]))[1]
    assert freepik[1] == "'-5 degrees" and freepik[3] == "'@cmd kitten"


def test_preset_names_accept_aliases_and_refuse_unknown_sites() -> None:
    assert stock_csv.preset_names(["Adobe_Stock", "shutterstock", "adobe", " "]) == ["adobe", "shutterstock"]
    with pytest.raises(ValidationError, match="pond5"):
        stock_csv.preset_names(["pond5"])
    assert "dreamstime" not in csv_presets(), "no CSV for a site whose layout is not documented"


def test_adobe_csv_splits_past_five_thousand_rows_into_parts() -> None:
    adobe = csv_presets()["adobe"]
    assert adobe.target.max_rows == 5000
    rows = [(f"f{i}.jpg", make_image(keywords=("cat",))) for i in range(5002)]
    files = render_files(adobe, rows)
    assert [name for name, _ in files] == ["adobe_stock_part-1.csv", "adobe_stock_part-2.csv"]
    assert [len(read("adobe", data)) - 1 for _, data in files] == [5000, 2]
    assert all(read("adobe", data)[0][0] == "Filename" for _, data in files)


def test_csv_splits_by_bytes_and_every_part_stays_under_the_limit() -> None:
    base = csv_presets()["adobe"]
    small = CsvPreset(replace(base.target, max_rows=None, max_bytes=2_000), base.build)
    rows = [(f"kitten-{i:03d}.jpg", make_image(i, title=f"Ginger kitten number {i}")) for i in range(60)]
    files = render_files(small, rows)
    assert len(files) > 2 and [n for n, _ in files][:2] == ["adobe_stock_part-1.csv", "adobe_stock_part-2.csv"]
    assert all(len(data) <= 2_000 for _, data in files)
    written = [row[0] for _, data in files for row in read("adobe", data)[1:]]
    assert written == [name for name, _ in rows], "every row once, in order"


def test_a_small_export_is_one_file_under_the_site_name() -> None:
    files = render_files(csv_presets()["shutterstock"], [("a.jpg", make_image())])
    assert [name for name, _ in files] == ["shutterstock.csv"]


def test_five_thousand_long_rows_split_by_bytes_at_adobes_one_megabyte() -> None:
    """5,000 rows with 49 keywords each pass 1 MB: the parts keep both limits and every row."""
    adobe = csv_presets()["adobe"]
    keywords = tuple(f"keyword number {n}" for n in range(49))
    image = make_image(title="Ginger kitten asleep on a soft blue sofa in warm light", keywords=keywords)
    rows = [(f"kitten-{i:05d}.jpg", image) for i in range(5000)]
    assert len(render_rows(adobe, rows)) > 1_000_000, "one file would break the byte limit"
    files = render_files(adobe, rows)
    assert len(files) >= 2 and all(name.startswith("adobe_stock_part-") for name, _ in files)
    assert all(len(data) <= 1_000_000 for _, data in files)
    assert sum(len(read("adobe", data)) - 1 for _, data in files) == 5000


def test_a_file_name_that_would_start_a_formula_is_renamed_in_the_zip(tmp_path: Path) -> None:
    """The name is both the ZIP entry and a CSV cell: it gets a "_" instead of a quote, so both still match."""
    (tmp_path / "-minus.jpg").write_bytes(b"x")
    (tmp_path / "plain.jpg").write_bytes(b"x")
    images = [replace(make_image(1), final_path=str(tmp_path / "-minus.jpg")),
              replace(make_image(2), final_path=str(tmp_path / "plain.jpg"))]
    entries, _ = plan_entries(images)
    assert [entry.name for entry in entries] == ["_-minus.jpg", "plain.jpg"]
    rows = read("adobe", render_rows(csv_presets()["adobe"], [(e.name, e.image) for e in entries]))
    assert [row[0] for row in rows[1:]] == ["_-minus.jpg", "plain.jpg"]
