"""File naming template, never-overwrite moves (also across devices and threads) and atomic writes.

Transliteration, length limits and numbering on from the folder: tests/unit/test_naming.py."""

from __future__ import annotations

import errno
import os
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from gif_app.errors import ProcessingError
from gif_app.pipeline import finalize
from gif_app.pipeline.finalize import atomic_move, unique_path, write_atomic
from gif_app.pipeline.naming import render_filename, slug

DATE = datetime(2025, 3, 7, 14, 30)


def _name(template: str, **overrides: Any) -> str:
    values: dict[str, Any] = {
        "keyword": "Red Apple", "title": "A shiny red apple on a wooden table", "job": "Autumn Batch #2",
        "date": DATE, "n": 7, "image_id": "img_42_a1b", "max_length": 80, "extension": "png",
    }
    values.update(overrides)
    return render_filename(template, **values)


def test_default_template() -> None:
    assert _name("{keyword}_{n}") == "red-apple_007.png"


def test_all_variables() -> None:
    name = _name("{job}-{date}-{title}-{id}-{n}", extension="JPEG")
    assert name == "autumn-batch-2-20250307-a-shiny-red-apple-on-a-wooden-table-img-42-a1b-007.jpg"


def test_unicode_is_folded_to_ascii() -> None:
    assert slug("Crème Brûlée — Café  ") == "creme-brulee-cafe"
    assert _name("{keyword}", keyword="Äpfel & Birnen/Über") == "apfel-birnen-uber.png"


def test_unknown_variables_are_left_out_and_separators_tidied() -> None:
    assert _name("{keyword}_{colour}_{n}") == "red-apple_007.png"


def test_empty_result_falls_back_to_image_n() -> None:
    assert _name("{keyword}", keyword="!!!") == "image_007.png"
    assert _name("{nothing}") == "image_007.png"


def test_path_separators_in_template_cannot_escape_the_folder() -> None:
    name = _name("../{keyword}/x")
    assert "/" not in name and "\\" not in name
    assert not name.startswith(".")
    assert name == "red-apple-x.png"


def test_truncated_before_the_extension_without_trailing_dash() -> None:
    name = _name("{title}", max_length=24)
    assert len(name) <= 24  # the limit counts the extension, as Adobe Stock's does
    assert name == "a-shiny-red-apple-on.png"


def test_windows_reserved_names_are_avoided() -> None:
    assert _name("{keyword}", keyword="CON") == "con_.png"


def test_extension_normalised() -> None:
    assert _name("{n}", extension=".JPG") == "007.jpg"
    assert _name("{n}", extension="webp") == "007.webp"


def test_unique_path_appends_numbers(tmp_path: Path) -> None:
    assert unique_path(tmp_path, "a.png") == tmp_path / "a.png"
    (tmp_path / "a.png").write_bytes(b"1")
    (tmp_path / "a-2.png").write_bytes(b"2")
    assert unique_path(tmp_path, "a.png") == tmp_path / "a-3.png"


def test_atomic_move_creates_folder_and_never_overwrites(tmp_path: Path) -> None:
    out = tmp_path / "out" / "deep"
    first, second = tmp_path / "t1.png", tmp_path / "t2.png"
    first.write_bytes(b"first")
    second.write_bytes(b"second")
    a = atomic_move(first, out, "apple.png")
    b = atomic_move(second, out, "apple.png")
    assert (a.name, b.name) == ("apple.png", "apple-2.png")
    assert a.read_bytes() == b"first" and b.read_bytes() == b"second"
    assert not first.exists() and not second.exists()


def test_atomic_move_across_devices_copies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_replace = os.replace
    calls: list[tuple[str, str]] = []

    def cross_device_once(src: Any, dst: Any) -> None:
        calls.append((str(src), str(dst)))
        if len(calls) == 1:  # the OS refuses a rename across file systems
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real_replace(src, dst)

    monkeypatch.setattr(finalize.os, "replace", cross_device_once)
    source = tmp_path / "temp" / "img.png"
    source.parent.mkdir()
    source.write_bytes(b"pixels" * 1000)
    final = atomic_move(source, tmp_path / "out", "apple.png")
    assert final == tmp_path / "out" / "apple.png"
    assert final.read_bytes() == b"pixels" * 1000
    assert not source.exists()
    assert sorted(p.name for p in final.parent.iterdir()) == ["apple.png"]  # no .part left behind
    assert len(calls) == 2


def test_atomic_move_failure_keeps_source_and_removes_partial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(src: Any, dst: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(finalize.os, "replace", disk_full)
    source = tmp_path / "img.png"
    source.write_bytes(b"pixels")
    out = tmp_path / "out"
    with pytest.raises(ProcessingError) as info:
        atomic_move(source, out, "apple.png")
    assert info.value.stage == "save_final"
    assert info.value.code == "processing_failed:save_final"
    assert "No space left on device" in info.value.message
    assert "disk is full" in info.value.message
    assert source.read_bytes() == b"pixels"
    assert list(out.iterdir()) == []


def test_atomic_move_cross_device_failure_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def always_cross_device(src: Any, dst: Any) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(finalize.os, "replace", always_cross_device)
    source = tmp_path / "img.png"
    source.write_bytes(b"pixels")
    out = tmp_path / "out"
    with pytest.raises(ProcessingError):
        atomic_move(source, out, "apple.png")
    assert source.exists()
    assert list(out.iterdir()) == []  # neither the claimed name nor the .part file stays


def test_atomic_move_missing_source(tmp_path: Path) -> None:
    with pytest.raises(ProcessingError, match="missing"):
        atomic_move(tmp_path / "nope.png", tmp_path / "out", "a.png")


def test_eight_threads_same_name_all_unique(tmp_path: Path) -> None:
    out = tmp_path / "out"
    barrier = threading.Barrier(8, timeout=10)
    results: dict[int, Path] = {}
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        source = tmp_path / f"temp-{index}.png"
        source.write_bytes(f"image {index}".encode())
        try:
            barrier.wait()
            results[index] = atomic_move(source, out, "red-apple_001.png")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert errors == []
    assert len(set(results.values())) == 8
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["red-apple_001.png"] + [f"red-apple_001-{i}.png" for i in range(2, 9)]
    )
    for index, path in results.items():
        assert path.read_bytes() == f"image {index}".encode()


def test_write_atomic_replaces_content(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "meta.json"
    write_atomic(path, b"one")
    write_atomic(path, b"two")
    assert path.read_bytes() == b"two"
    assert [p.name for p in path.parent.iterdir()] == ["meta.json"]


def test_write_atomic_failure_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "meta.json"
    path.write_bytes(b"old")

    def refuse(src: Any, dst: Any) -> None:
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(finalize.os, "replace", refuse)
    with pytest.raises(ProcessingError, match="Permission denied"):
        write_atomic(path, b"new")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["meta.json"]
