"""File names: ASCII by transliteration, a length limit that keeps the number, numbering on from the folder."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from gif_app.pipeline.finalize import claim_name, highest_number, move_onto
from gif_app.pipeline.naming import name_pattern, render_filename, slug

DATE = datetime(2025, 3, 7, 14, 30)


def _pattern(template: str = "{keyword}_{n}", **overrides: Any) -> Any:
    values: dict[str, Any] = {"keyword": "red apple", "title": "", "job": "Job", "date": DATE, "image_id": "img_1",
                              "max_length": 80, "extension": "jpg"}
    values.update(overrides)
    return name_pattern(template, **values)


def test_sharp_s_is_transliterated_not_dropped() -> None:
    assert slug("straße") == "strasse"
    assert _pattern(keyword="Straße im Schnee").name(1) == "strasse-im-schnee_001.jpg"


def test_cjk_keyword_gives_readable_ascii_not_just_the_number() -> None:
    name = _pattern(keyword="猫 コーヒー").name(5)
    assert name == "mao-kohi_005.jpg"
    assert any(c.isalpha() for c in name.removesuffix(".jpg"))
    assert slug("кошка") == "koshka"


def test_limit_counts_the_extension_and_keeps_the_number() -> None:
    pattern = _pattern(keyword="red apple on a wooden table", max_length=30)
    name = pattern.name(1)
    assert len(name) <= 30
    assert name == "red-apple-on-a-wooden_001.jpg"  # cut at a word boundary, number and extension kept
    assert len(pattern.name(12345)) <= 30 and pattern.name(12345).endswith("_12345.jpg")


def test_every_variable_shrinks_to_fit_a_tiny_limit() -> None:
    name = render_filename("{job}-{title}-{keyword}-{n}", keyword="golden retriever puppy",
                           title="A golden retriever puppy on the grass", job="Autumn batch", date=DATE, n=3,
                           image_id="x", max_length=20, extension="png")
    assert len(name) <= 20 and name.endswith("003.png")


def test_fixed_text_longer_than_the_limit_is_cut_but_the_number_stays() -> None:
    name = _pattern("stock-photo-collection-{date}-{n}", max_length=18).name(7)
    assert len(name) <= 18 and name.endswith("007.jpg")


def test_number_goes_on_from_the_highest_in_the_folder(tmp_path: Path) -> None:
    pattern = _pattern()
    for existing in ("red-apple_001.jpg", "red-apple_007.jpg", "red-apple_003-2.jpg", "red-apple_x.jpg",
                     "green-apple_042.jpg", "red-apple_099.png"):
        (tmp_path / existing).write_bytes(b"x")
    assert highest_number(tmp_path, pattern) == 7  # other keywords and extensions are other sequences
    claimed = claim_name(tmp_path, pattern)
    assert claimed.name == "red-apple_008.jpg" and claimed.stat().st_size == 0  # an empty claim until moved
    source = tmp_path / "render.tmp"
    source.write_bytes(b"pixels")
    assert move_onto(source, claimed).read_bytes() == b"pixels"
    assert claim_name(tmp_path, pattern).name == "red-apple_009.jpg"


def test_a_second_job_in_the_same_folder_adds_to_the_sequence_without_copies(tmp_path: Path) -> None:
    pattern = _pattern()
    names = [claim_name(tmp_path, pattern).name for _ in range(3)]  # first job
    names += [claim_name(tmp_path, pattern).name for _ in range(2)]  # second job, same keyword
    assert names == [f"red-apple_{n:03d}.jpg" for n in range(1, 6)]
    assert not any("-" in name.split("_")[-1] for name in names)  # no "-2" style copies


def test_threads_claiming_at_once_get_distinct_numbers(tmp_path: Path) -> None:
    pattern = _pattern()
    barrier = threading.Barrier(8, timeout=10)
    claimed: list[str] = []
    lock = threading.Lock()

    def claim() -> None:
        barrier.wait()
        name = claim_name(tmp_path, pattern).name
        with lock:
            claimed.append(name)

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(claimed) == [f"red-apple_{n:03d}.jpg" for n in range(1, 9)]


def test_template_without_a_number_gets_suffixes_within_the_limit(tmp_path: Path) -> None:
    pattern = _pattern("{keyword}", keyword="a very long keyword for a file", max_length=24)
    first, second = claim_name(tmp_path, pattern), claim_name(tmp_path, pattern)
    assert first.name == "a-very-long-keyword.jpg"
    assert second.name.endswith("-2.jpg") and len(second.name) <= 24
