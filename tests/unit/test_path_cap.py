"""The whole-path cap for file names: Windows' MAX_PATH, 1023 bytes elsewhere, 255 per name."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from gif_app.pipeline.finalize import claim_name
from gif_app.pipeline.naming import (
    COMPONENT_MAX,
    PathTooLongError,
    capped_length,
    name_pattern,
    name_room,
    path_units,
)

WHEN = datetime(2026, 12, 3)


def _pattern(template: str, max_length: int, extension: str = "png"):  # type: ignore[no-untyped-def]
    return name_pattern(template, keyword="a very long keyword about golden retrievers on a summer beach",
                        title="", job="job", date=WHEN, image_id="img-1", max_length=max_length,
                        extension=extension)


def test_windows_counts_the_folder_the_separator_and_the_name_within_259() -> None:
    folder = "C:\\Users\\someone\\" + "x" * 181
    assert len(folder) == 198
    room = name_room(folder, "win32")
    assert room == 259 - 198 - 1
    pattern = _pattern("{keyword}_{n}", capped_length(200, folder, "win32"))
    name = pattern.name(7)
    assert len(folder) + 1 + len(name) <= 259 < len(folder) + 1 + len(_pattern("{keyword}_{n}", 200).name(7))
    assert len(name) > 50  # words were cut at a "-", not the whole stem
    assert name.endswith("_007.png") and name.startswith("a-very-long")  # the number and extension stay
    # the same folder is no problem elsewhere: the user's limit holds
    assert capped_length(200, folder, "linux") == 200
    assert capped_length(200, folder, "darwin") == 200


def test_a_trailing_separator_is_not_counted_twice() -> None:
    assert name_room("C:\\out\\", "win32") == name_room("C:\\out", "win32") == 259 - 7
    assert name_room("/home/u/out/", "linux") == name_room("/home/u/out", "linux")


def test_posix_counts_bytes_and_caps_each_name_at_255() -> None:
    assert path_units("/data/图片", "linux") == 6 + 6  # two 3-byte characters
    assert path_units("C:\\图片", "win32") == 5  # UTF-16 units
    assert path_units("C:\\🎨", "win32") == 5  # a character outside the BMP is two units
    assert name_room("/tmp", "linux") == COMPONENT_MAX
    deep = "/" + "d" * 900
    assert name_room(deep, "linux") == 1023 - 902
    assert name_room(deep, "linux", reserve=8) == 1023 - 902 - 8  # room kept for a vector's longer preview


def test_a_folder_too_deep_for_any_name_is_refused_with_a_message() -> None:
    with pytest.raises(PathTooLongError, match="too deep: 5 characters are left"):
        name_room("C:\\" + "x" * 250, "win32")


def test_the_uniqueness_suffix_stays_within_the_cap(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    limit = 30
    pattern = _pattern("{keyword}", limit)
    first = claim_name(folder, pattern)
    second = claim_name(folder, pattern)
    assert len(first.name) <= limit and len(second.name) <= limit
    assert second.name.endswith("-2.png") and second.name != first.name
