"""Stock-site metadata limits: presets, enforcement, validation messages and the metadata/QC prompts."""

from __future__ import annotations

import pytest

from gif_app import settings as settings_mod
from gif_app.domain import StockMetadata
from gif_app.errors import ValidationError
from gif_app.pipeline.metadata import (
    BUILT_IN_METADATA_PROMPT,
    BUILT_IN_QC_PROMPT,
    PRESETS,
    build_metadata_prompt,
    enforce_limits,
    limits_from_settings,
    problems,
    qc_prompt,
)

LONG_TITLE = (
    "Close-up of a happy golden retriever puppy playing with a red ball on fresh green grass "
    "in a sunny summer garden"
)
MANY_KEYWORDS = tuple(f"word{i}" for i in range(60))


def test_presets_match_the_sites() -> None:
    adobe, shutter, freepik = PRESETS["adobe_stock"], PRESETS["shutterstock"], PRESETS["freepik"]
    assert (adobe.title_max, adobe.keywords_max) == (70, 49)
    assert (shutter.description_max, shutter.keywords_min, shutter.keywords_max) == (200, 7, 50)
    assert (freepik.title_max, freepik.keywords_min, freepik.keywords_max) == (100, 5, 50)


@pytest.mark.parametrize("preset", ["adobe_stock", "shutterstock", "freepik"])
def test_limits_from_settings_uses_the_preset_not_the_custom_numbers(preset: str) -> None:
    limits = limits_from_settings({"site_preset": preset, "title_max_chars": 12, "keywords_min": 2,
                                   "keywords_max": 3})
    assert limits == PRESETS[preset]


def test_limits_from_settings_custom() -> None:
    section = {"site_preset": "custom", "title_max_chars": 60, "description_max_chars": 150,
               "keywords_min": 10, "keywords_max": 30}
    limits = limits_from_settings(section)
    assert (limits.title_max, limits.description_max, limits.keywords_min, limits.keywords_max) == (60, 150, 10, 30)
    assert limits.preset == "custom"


def test_limits_follow_the_settings_schema_bounds() -> None:
    # The schema is the one source of bounds: out-of-range or junk numbers are refused with its messages.
    with pytest.raises(ValidationError) as refused:
        limits_from_settings({"site_preset": "custom", "title_max_chars": "x", "keywords_min": 99,
                              "keywords_max": 20})
    assert set(refused.value.fields) >= {"metadata.title_max_chars", "metadata.keywords_min"}
    assert limits_from_settings({}) == PRESETS[settings_mod.defaults()["metadata"]["site_preset"]]
    with pytest.raises(ValidationError):
        limits_from_settings({"site_preset": "nope"})


def test_adobe_title_cut_at_a_word_boundary() -> None:
    meta = enforce_limits(StockMetadata(title=LONG_TITLE, keywords=MANY_KEYWORDS), PRESETS["adobe_stock"])
    assert len(meta.title) <= 70
    assert LONG_TITLE.startswith(meta.title)
    assert LONG_TITLE[len(meta.title)] == " "  # never mid-word
    assert meta.title == "Close-up of a happy golden retriever puppy playing with a red ball"
    assert len(meta.keywords) == 49
    assert problems(meta, PRESETS["adobe_stock"]) == []


def test_trim_drops_trailing_punctuation_and_dangling_words() -> None:
    limits = PRESETS["adobe_stock"]
    title = "A quiet lake at dawn, with mist over the water and mountains, and a small boat near shore"
    meta = enforce_limits(StockMetadata(title=title, keywords=("lake",) * 5), limits)
    assert meta.title == "A quiet lake at dawn, with mist over the water and mountains"
    assert not meta.title.endswith((",", " ", "and"))


def test_single_overlong_word_is_cut() -> None:
    meta = enforce_limits(StockMetadata(title="x" * 90), PRESETS["adobe_stock"])
    assert meta.title == "x" * 70


def test_quotes_and_whitespace_are_cleaned() -> None:
    meta = enforce_limits(
        StockMetadata(title='  "Sunset   over\nthe sea"  ', description="'A “calm” evening.'"),
        PRESETS["custom"],
    )
    assert meta.title == "Sunset over the sea"
    assert meta.description == "A calm evening."


def test_keywords_split_deduplicated_and_capped() -> None:
    raw = ("Dog, puppy; pet", "dog", " PUPPY ", "", "#cute", "x" * 51, "golden retriever", "Pet")
    meta = enforce_limits(StockMetadata(title="Dog", keywords=raw), PRESETS["shutterstock"])
    assert meta.keywords == ("Dog", "puppy", "pet", "cute", "golden retriever")


def test_shutterstock_description_doubles_as_title() -> None:
    limits = PRESETS["shutterstock"]
    meta = enforce_limits(StockMetadata(title="Red fox in snow", keywords=tuple("abcdefg")), limits)
    assert meta.description == "Red fox in snow"
    long = enforce_limits(StockMetadata(description=LONG_TITLE * 3, keywords=tuple("abcdefg")), limits)
    assert len(long.description) <= 200
    assert long.title and len(long.title) <= 200
    assert problems(long, limits) == []


def test_freepik_enforcement() -> None:
    limits = PRESETS["freepik"]
    meta = enforce_limits(StockMetadata(title=LONG_TITLE, keywords=MANY_KEYWORDS), limits)
    assert len(meta.title) <= 100
    assert LONG_TITLE.startswith(meta.title)
    assert len(meta.keywords) == 50
    assert meta.description == ""  # Freepik has no description column: nothing invented
    assert problems(meta, limits) == []


def test_custom_enforcement() -> None:
    limits = limits_from_settings({"site_preset": "custom", "title_max_chars": 20, "description_max_chars": 30,
                                   "keywords_min": 2, "keywords_max": 3})
    meta = enforce_limits(StockMetadata(title=LONG_TITLE, description=LONG_TITLE, keywords=MANY_KEYWORDS), limits)
    assert meta.title == "Close-up of a happy"
    assert meta.description == "Close-up of a happy golden"
    assert meta.keywords == ("word0", "word1", "word2")
    raw = StockMetadata(title="t" * 25, description="Fine", keywords=("cat",))
    assert problems(raw, limits) == ["Title is 25 characters; the limit is 20.", "Only 1 keyword; the minimum is 2."]


def test_enforcement_keeps_category() -> None:
    meta = enforce_limits(StockMetadata(title="Cat", category="1"), PRESETS["adobe_stock"])
    assert meta.category == "1"


def test_problem_messages_name_the_site_and_numbers() -> None:
    adobe = problems(StockMetadata(title="t" * 84, keywords=tuple("abcdef")), PRESETS["adobe_stock"])
    assert adobe == ["Title is 84 characters; Adobe Stock allows 70."]
    shutter = problems(StockMetadata(description="A cat", keywords=tuple("abcd")), PRESETS["shutterstock"])
    assert shutter == ["Only 4 keywords; Shutterstock needs at least 7."]


def test_missing_fields_where_the_site_uses_them() -> None:
    assert problems(StockMetadata(keywords=tuple("abcdefg")), PRESETS["adobe_stock"]) == ["Missing title"]
    assert problems(StockMetadata(keywords=tuple("abcdefg")), PRESETS["shutterstock"]) == ["Missing description"]
    assert problems(StockMetadata(), PRESETS["custom"]) == [
        "Missing title",
        "Missing description",
        "No keywords; the minimum is 7.",
    ]


def test_too_many_and_too_long_keywords_are_problems() -> None:
    meta = StockMetadata(title="Cat", keywords=MANY_KEYWORDS[:51] + ("y" * 60,))
    found = problems(meta, PRESETS["adobe_stock"])
    assert "52 keywords; Adobe Stock allows 49." in found
    assert any("longer than 50 characters" in p for p in found)


def test_custom_metadata_template_gets_prompt_context() -> None:
    template = "Context: ${promptContext}\nPrompt: {prompt}\nKeyword: {keyword} ${keyword}"
    text = build_metadata_prompt(template, prompt="a fox in snow", keyword="fox", limits=PRESETS["adobe_stock"])
    assert text == "Context: a fox in snow\nPrompt: a fox in snow\nKeyword: fox fox"


def test_built_in_metadata_prompt_states_the_limits() -> None:
    text = build_metadata_prompt(None, prompt="A red $1 {fox}", keyword="fox", limits=PRESETS["shutterstock"])
    assert "Shutterstock" in text
    assert "at most 200 characters" in text
    assert "7 to 50" in text
    assert "most important first" in text
    assert "brand" in text and "English" in text
    assert '"A red $1 {fox}"' in text
    assert '{"title": "...", "description": "...", "keywords": ["...", "..."]}' in text
    assert "{title_max}" in BUILT_IN_METADATA_PROMPT and "{title_max}" not in text


def test_qc_prompt() -> None:
    assert qc_prompt(None) == BUILT_IN_QC_PROMPT
    assert qc_prompt("   ") == BUILT_IN_QC_PROMPT
    assert qc_prompt("  Fail anything blue.\n") == "Fail anything blue."
    text = BUILT_IN_QC_PROMPT.lower()
    for topic in ("misspelled", "celebrit", "logo", "trademark", "copyrighted", "landmark", "product",
                  "watermark", "signature", "fingers", "blur", "artefacts", '"passed"', '"reason"'):
        assert topic in text
