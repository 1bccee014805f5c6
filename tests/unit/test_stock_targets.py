"""The stock-site targets table: shipped in the package, every rule sourced, category lists usable."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from gif_app.errors import ValidationError
from gif_app.export import targets
from gif_app.export.targets import get_target, load_targets, parse_targets

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "gif_app" / "export" / targets.TABLE_FILE
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def test_the_table_lists_the_major_agencies_with_their_csv_and_ai_rules() -> None:
    table = load_targets()
    assert {"adobe", "shutterstock", "freepik"} <= set(table)
    adobe, shutterstock = table["adobe"], table["shutterstock"]
    assert adobe.csv_columns == ("Filename", "Title", "Keywords", "Category", "Releases")
    assert (adobe.max_rows, adobe.max_bytes, adobe.filename_max, adobe.title_max) == (5000, 1_000_000, 30, 70)
    assert adobe.formats == ("JPEG",) and adobe.min_megapixels == 4.0 and adobe.max_megapixels == 100.0
    assert [c.id for c in adobe.categories] == [str(n) for n in range(1, 22)]
    assert adobe.category("graphic resources") == adobe.category("8") and adobe.category("99") is None
    assert shutterstock.max_categories == 2 and shutterstock.min_categories == 1
    assert not shutterstock.ai_policy.accepts_ai and "shutterstock.com" in shutterstock.ai_policy.source.url
    assert adobe.ai_policy.accepts_ai and adobe.ai_policy.flag_text == "Created using generative AI tools"
    assert table["freepik"].delimiter == ";"


def test_every_site_names_a_dated_source_for_each_rule_it_sets() -> None:
    for target in load_targets().values():
        rules = dict(target.sources)
        assert "formats" in rules and "ai_policy" in rules, target.id
        if target.has_csv:
            assert "csv" in rules, target.id
        if target.categories:
            assert "categories" in rules, target.id
        for source in [*rules.values(), target.ai_policy.source]:
            assert source.url and DATE.match(source.checked), (target.id, source)
        assert target.ai_policy.note, target.id


def test_every_site_with_a_category_column_has_a_non_empty_list_sized_to_its_limit() -> None:
    for target in load_targets().values():
        if target.has_csv and any("categor" in c.lower() for c in target.csv_columns):
            assert target.categories, target.id
            assert 1 <= target.max_categories <= len(target.categories)
            assert len(set(target.category_ids)) == len(target.categories), "ids are unique"
        assert target.min_categories <= max(target.max_categories, target.min_categories)


def test_transparent_only_formats_need_an_alpha_channel() -> None:
    adobe = get_target("Adobe")
    assert adobe.accepts_format("jpeg") and not adobe.accepts_format("PNG")
    assert adobe.accepts_format("PNG", has_alpha=True)
    assert not get_target("shutterstock").accepts_format("PNG", has_alpha=True)


def test_an_unknown_site_is_refused_by_name() -> None:
    with pytest.raises(ValidationError, match="pond5"):
        get_target("pond5")


def test_parse_reads_a_minimal_table_and_the_shipped_file_is_valid_json() -> None:
    data = json.loads(TABLE.read_text(encoding="utf-8"))
    adobe = next(item for item in data["targets"] if item["id"] == "adobe")
    parsed = parse_targets(json.dumps({"targets": [adobe]}))
    assert list(parsed) == ["adobe"] and parsed["adobe"] == load_targets()["adobe"]


def test_the_table_ships_in_the_wheel_and_the_bundle() -> None:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        package_data = tomllib.load(handle)["tool"]["setuptools"]["package-data"]
    assert targets.TABLE_FILE in package_data["gif_app.export"]
    spec = (ROOT / "pyinstaller.spec").read_text(encoding="utf-8")
    assert '"stock_targets.json"), "gif_app/export")' in spec
