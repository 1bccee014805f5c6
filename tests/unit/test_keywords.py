"""Keyword files, the selection order and template substitution (anchor defects 10.2 #16 fixed)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from gif_app.errors import ConfigurationError
from gif_app.pipeline.keywords import (
    BUILT_IN_PROMPT_WRITER,
    TEMPLATE_USER_MESSAGE,
    KeywordPick,
    KeywordSource,
    build_prompt_request,
    load_keywords,
    plan_keywords,
    substitute,
    template_only_prompt,
    unknown_placeholders,
)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _txt_source(words: list[str]) -> KeywordSource:
    return KeywordSource(rows=tuple({"keyword": w} for w in words), headers=(), is_csv=False)


# --- loading -------------------------------------------------------------------------------------


def test_txt_with_bom_crlf_comments_and_blank_lines(tmp_path: Path) -> None:
    text = "\ufeffred apple\r\n\r\n# a comment\r\n  blue sky  \r\n   \r\n#x\r\nsunset"
    path = _write(tmp_path, "k.txt", text.encode())
    source = load_keywords(path)
    assert [row["keyword"] for row in source.rows] == ["red apple", "blue sky", "sunset"]
    assert source.is_csv is False
    assert source.headers == ()


def test_txt_accepts_a_string_path(tmp_path: Path) -> None:
    path = _write(tmp_path, "k.txt", b"cat\n")
    assert load_keywords(str(path)).rows == ({"keyword": "cat"},)


@pytest.mark.parametrize("path", [None, "", "   "])
def test_missing_path_tells_where_to_set_it(path: str | None) -> None:
    with pytest.raises(ConfigurationError, match="No keyword file is set. Choose one in Settings → File paths."):
        load_keywords(path)


def test_file_not_found_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="gone.txt was not found"):
        load_keywords(tmp_path / "gone.txt")


def test_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="is a folder"):
        load_keywords(tmp_path)


def test_not_utf8_names_line_and_byte(tmp_path: Path) -> None:
    path = _write(tmp_path, "latin.txt", b"cat\ndog\ncaf\xe9\n")
    with pytest.raises(ConfigurationError) as info:
        load_keywords(path)
    assert "not UTF-8" in info.value.message
    assert "line 3" in info.value.message
    assert "byte 12" in info.value.message


def test_only_comments_is_empty(tmp_path: Path) -> None:
    path = _write(tmp_path, "k.txt", b"# one\n\n   \n# two\n")
    with pytest.raises(ConfigurationError, match="The keyword file k.txt has no keywords"):
        load_keywords(path)


def test_csv_with_bom_semicolons_and_empty_rows(tmp_path: Path) -> None:
    data = "\ufeffSubject;Setting;Price ($)\r\ncat;garden;5\r\n;;\r\n\r\ndog ; beach ;7\r\n".encode()
    source = load_keywords(_write(tmp_path, "k.CSV", data))
    assert source.is_csv
    assert source.headers == ("Subject", "Setting", "Price ($)")
    assert source.rows == (
        {"Subject": "cat", "Setting": "garden", "Price ($)": "5", "keyword": "cat"},
        {"Subject": "dog", "Setting": "beach", "Price ($)": "7", "keyword": "dog"},
    )


def test_csv_tab_delimited_and_quoted_commas(tmp_path: Path) -> None:
    source = load_keywords(_write(tmp_path, "k.csv", b'name\tmood\n"apple, red"\tcalm\n'))
    assert source.rows[0]["keyword"] == "apple, red"
    assert source.rows[0]["mood"] == "calm"


def test_csv_single_column_keeps_commas_inside_values(tmp_path: Path) -> None:
    source = load_keywords(_write(tmp_path, "k.csv", b"Topic\nred apple, fresh\nblue sky\n"))
    assert [row["keyword"] for row in source.rows] == ["red apple, fresh", "blue sky"]


def test_csv_keyword_column_wins_over_first_column(tmp_path: Path) -> None:
    source = load_keywords(_write(tmp_path, "k.csv", b"id,Keyword\n1,owl\n"))
    assert source.rows[0]["keyword"] == "owl"


def test_csv_header_only_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="header row but no keyword rows"):
        load_keywords(_write(tmp_path, "k.csv", b"Subject,Style\n\n"))


def test_csv_without_header_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="has no header row"):
        load_keywords(_write(tmp_path, "k.csv", b",,\ncat,dog,owl\n"))


def test_empty_csv_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="has no keywords"):
        load_keywords(_write(tmp_path, "k.csv", b"\xef\xbb\xbf\r\n"))


# --- selection -----------------------------------------------------------------------------------


def test_sequential_wraps_around() -> None:
    picks = plan_keywords(_txt_source(["a", "b", "c"]), 7, is_random=False)
    assert [p.keyword for p in picks] == ["a", "b", "c", "a", "b", "c", "a"]


def test_sequential_mix_three() -> None:
    picks = plan_keywords(_txt_source(["a", "b", "c", "d", "e"]), 3, is_random=False, mix=3)
    assert [p.keywords for p in picks] == [("a", "b", "c"), ("d", "e", "a"), ("b", "c", "d")]
    assert picks[1].keyword == "d, e, a"


def test_random_uses_every_keyword_once_per_cycle() -> None:
    words = [f"kw{i}" for i in range(10)]
    picks = plan_keywords(_txt_source(words), 30, is_random=True, seed=42)
    for cycle in range(3):
        chunk = [p.keyword for p in picks[cycle * 10 : cycle * 10 + 10]]
        assert sorted(chunk) == sorted(words)


def test_random_is_deterministic_by_seed() -> None:
    source = _txt_source([f"kw{i}" for i in range(20)])
    first = [p.keyword for p in plan_keywords(source, 25, is_random=True, seed=7)]
    again = [p.keyword for p in plan_keywords(source, 25, is_random=True, seed=7)]
    other = [p.keyword for p in plan_keywords(source, 25, is_random=True, seed=8)]
    assert first == again
    assert first != other
    # Resume plans a longer run with the same seed: the generations already done keep their keywords.
    longer = [p.keyword for p in plan_keywords(source, 40, is_random=True, seed=7)]
    assert longer[:25] == first


def test_random_mix_three_never_repeats_inside_a_pick() -> None:
    words = ["a", "b", "c", "d", "e"]
    picks = plan_keywords(_txt_source(words), 50, is_random=True, mix=3, seed=3)
    for pick in picks:
        assert len(set(pick.keywords)) == 3
    counts = Counter(k for pick in picks for k in pick.keywords)
    assert set(counts) == set(words)
    assert max(counts.values()) - min(counts.values()) <= 1


def test_mix_larger_than_file_drops_duplicates() -> None:
    picks = plan_keywords(_txt_source(["a", "b"]), 2, is_random=True, mix=3, seed=1)
    assert all(sorted(p.keywords) == ["a", "b"] for p in picks)


def test_zero_count_plans_nothing() -> None:
    assert plan_keywords(_txt_source(["a"]), 0, is_random=True) == []


def test_pick_values_come_from_the_first_csv_row(tmp_path: Path) -> None:
    source = load_keywords(_write(tmp_path, "k.csv", b"Topic,Style\ncat,watercolor\ndog,photo\n"))
    pick = plan_keywords(source, 1, is_random=False, mix=2)[0]
    assert pick.keyword == "cat, dog"
    assert pick.values["keyword"] == "cat, dog"
    assert pick.values["Subject"] == "cat, dog"
    assert pick.values["Style"] == "watercolor"
    assert pick.values["promptContext"] == "cat"


# --- substitution --------------------------------------------------------------------------------


def test_substitute_all_keyword_forms() -> None:
    values = {"keyword": "red fox", "Subject": "red fox"}
    text = substitute("A {keyword}; ${keyword}; ${{Subject}}.", values)
    assert text == "A red fox; red fox; red fox."


def test_header_with_regex_metacharacters_is_literal() -> None:
    values = {"Price ($)": "$5.00", "a.b*": "x\\1"}
    text = substitute("Cost ${{Price ($)}} and ${{a.b*}} but ${{ab}}", values)
    assert text == "Cost $5.00 and x\\1 but ${{ab}}"


def test_blanked_placeholders_and_space_collapse() -> None:
    text = substitute("A ${{Subject}} in ${{Setting}}  ${{Style}} with ${{Mood}} light", {"Subject": "cat"})
    assert text == "A cat in with light"


def test_values_are_not_substituted_twice() -> None:
    text = substitute("{keyword} / {prompt}", {"keyword": "{prompt}", "prompt": "p"})
    assert text == "{prompt} / p"


def test_json_examples_in_templates_survive() -> None:
    template = 'Return {"prompt": "..."} for {keyword}.\n  - keep indentation'
    assert substitute(template, {"keyword": "owl"}) == 'Return {"prompt": "..."} for owl.\n  - keep indentation'


def test_spaces_inside_placeholders_are_tolerated() -> None:
    assert substitute("${{ Subject }} / { keyword }", {"Subject": "owl", "keyword": "owl"}) == "owl / owl"


def test_header_substitution_is_case_sensitive() -> None:
    assert substitute("${{style}} ${{Style}}", {"Style": "oil"}) == "${{style}} oil"


def test_unknown_placeholders_are_reported() -> None:
    assert unknown_placeholders("${{Colour}} ${{Mood}} ${{Subject}}", {"Subject": "x"}) == ["Colour"]


def test_prompt_context_placeholder() -> None:
    assert substitute("Context: ${promptContext}", {"promptContext": "a tall tree"}) == "Context: a tall tree"


# --- prompt requests -----------------------------------------------------------------------------


def _pick(word: str, **extra: str) -> KeywordPick:
    return KeywordPick(keywords=(word,), values={"keyword": word, "Subject": word, "promptContext": word, **extra})


def test_build_prompt_request_with_template() -> None:
    system, user = build_prompt_request("Write a prompt about ${{Subject}} in ${{Style}} style.", _pick("owl"))
    assert system == "Write a prompt about owl in style."
    assert user == TEMPLATE_USER_MESSAGE


def test_build_prompt_request_without_template() -> None:
    for template in (None, "", "  \n"):
        system, user = build_prompt_request(template, _pick("snowy owl"))
        assert system == BUILT_IN_PROMPT_WRITER
        assert user == "Write one image prompt for this keyword: snowy owl"


def test_built_in_prompt_writer_is_commercially_safe() -> None:
    text = BUILT_IN_PROMPT_WRITER.lower()
    for word in ("logo", "brand", "celebrit", "trademark", "text", "english", "single line", '"prompt"'):
        assert word in text


def test_template_only_prompt() -> None:
    assert template_only_prompt(None, _pick("owl")) == "owl"
    assert template_only_prompt("A photo of\n{keyword}\n  at dusk", _pick("owl")) == "A photo of owl at dusk"
    assert template_only_prompt("${{Mood}}", _pick("owl")) == "owl"
