"""Claiming final file names, and moves/writes that never overwrite and never leave half files.

A name is claimed with O_CREAT|O_EXCL before the file is moved onto it, so concurrent images that
render to the same name never overwrite each other (anchor defect 10.2 #12): a template with {n} takes
the next number after the highest one already in the folder, one without gets "-2", "-3", ...
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

from gif_app.errors import FileInUseError, ProcessingError
from gif_app.file_ops import remove_file, replace_file
from gif_app.pipeline.naming import NamePattern

logger = logging.getLogger(__name__)

STAGE = "save_final"
_MAX_CLAIMS = 10_000


def _numbered(filename: str, number: int, max_length: int = 0) -> str:
    """Return filename with "-<number>" before its extension (number 1 is the name itself), within max_length."""
    if number == 1:
        return filename
    stem, dot, ext = filename.rpartition(".")
    if not dot or not stem:
        stem, ext = filename, ""
    tail = f"-{number}" + (f".{ext}" if ext else "")
    if max_length and len(stem) + len(tail) > max_length:
        stem = stem[: max(1, max_length - len(tail))]
    return stem + tail


def unique_path(folder: Path, filename: str) -> Path:
    """Return folder/filename, or the first free "-2", "-3", ... variant (a check, not a claim)."""
    for number in range(1, _MAX_CLAIMS + 1):
        candidate = folder / _numbered(filename, number)
        if not candidate.exists():
            return candidate
    raise ProcessingError(STAGE, f"No free file name like {filename} in {folder}.")


def _create(path: Path) -> bool:
    """Create an empty placeholder at path unless something is there; return True when it was created."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def _claim(folder: Path, filename: str, max_length: int = 0) -> Path:
    """Create an empty placeholder under the first free name, atomically, and return its path."""
    for number in range(1, _MAX_CLAIMS + 1):
        candidate = folder / _numbered(filename, number, max_length)
        if _create(candidate):
            return candidate
    raise ProcessingError(STAGE, f"No free file name like {filename} in {folder}.")


def highest_number(folder: Path, pattern: NamePattern) -> int:
    """Return the highest number of the files in folder named by this pattern (0 when there are none)."""
    try:
        names = [entry.name for entry in os.scandir(folder)]
    except FileNotFoundError:
        return 0
    return max((n for n in map(pattern.number_in, names) if n is not None), default=0)


def _next_free(folder: Path, pattern: NamePattern) -> Path:
    """Return the pattern's next free name in folder (a check, not a claim)."""
    if not pattern.has_number:
        for number in range(1, _MAX_CLAIMS + 1):
            candidate = folder / _numbered(pattern.name(0), number, pattern.max_length)
            if not candidate.exists():
                return candidate
    else:
        start = highest_number(folder, pattern) + 1
        for n in range(start, start + _MAX_CLAIMS):
            candidate = folder / pattern.name(n)
            if not candidate.exists():
                return candidate
    raise ProcessingError(STAGE, f"No free file name like {pattern.name(1)} in {folder}.")


def claim_name(folder: Path, pattern: NamePattern, before_claim: Callable[[Path], None] | None = None) -> Path:
    """Claim the next free name of the pattern in folder (an empty placeholder) and return its path.

    With {n} the number goes on from the highest in the folder, so jobs sharing an output folder add
    to one sequence; without it a taken name gets "-2", "-3", ... `before_claim(path)` runs before each
    attempt: the caller records its intent there, so a crash never leaves a claim nobody knows about.
    The claim is O_EXCL: when another thread took the name first, the next free one is tried.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for _ in range(_MAX_CLAIMS):
            candidate = _next_free(folder, pattern)
            if before_claim is not None:
                before_claim(candidate)
            if _create(candidate):
                return candidate
    except OSError as exc:
        raise ProcessingError(STAGE, f"Could not create {pattern.name(1)} in {folder}: {_reason(exc)}.") from exc
    raise ProcessingError(STAGE, f"No free file name like {pattern.name(1)} in {folder}.")


def _reason(exc: OSError) -> str:
    """Return the OS reason in words, with a hint for the common causes."""
    if isinstance(exc, FileInUseError):
        return exc.reason  # it names the program holding the file and what to do
    text = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        return f"{text} (the disk is full; free some space and retry)"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{text} (check that the folder is writable)"
    return text


def _fsync_folder(folder: Path) -> None:
    """Flush the folder entry so a completed rename survives a power cut (POSIX only, best effort)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _copy_into(source: Path, target: Path) -> None:
    """Copy source onto target through a temp file in the target's folder, durable before the rename."""
    # Not named after the target: a name at the whole-path limit has no room for a longer temp name beside it.
    temp = target.with_name(f".{uuid.uuid4().hex[:16]}.part")
    try:
        with source.open("rb") as reader, temp.open("xb") as writer:
            shutil.copyfileobj(reader, writer, 1024 * 1024)
            writer.flush()
            os.fsync(writer.fileno())
        shutil.copymode(source, temp)
        replace_file(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def atomic_move(source: Path, folder: Path, filename: str) -> Path:
    """Move source into folder under filename (or a free "-N" variant) and return the final path."""
    if not source.is_file():
        raise ProcessingError(STAGE, f"The file to save is missing: {source}.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = _claim(folder, filename)
    except OSError as exc:
        raise ProcessingError(STAGE, f"Could not create {filename} in {folder}: {_reason(exc)}.") from exc
    return move_onto(source, target)


def move_onto(source: Path, target: Path) -> Path:
    """Move source onto target, a name claimed before (its placeholder goes if the move fails)."""
    folder = target.parent
    if not source.is_file():
        target.unlink(missing_ok=True)
        raise ProcessingError(STAGE, f"The file to save is missing: {source}.")
    try:
        try:
            replace_file(source, target)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            # Another device (e.g. temp on a different disk): copy, then drop the source.
            _copy_into(source, target)
            try:
                remove_file(source)
            except OSError as unlink_error:
                logger.warning("Saved %s but could not remove the temp file %s: %s", target, source, unlink_error)
    except OSError as exc:
        target.unlink(missing_ok=True)
        raise ProcessingError(STAGE, f"Could not save {target.name} to {folder}: {_reason(exc)}.") from exc
    _fsync_folder(folder)
    return target


def write_atomic(path: Path, data: bytes) -> None:
    """Write data to path through a temp file in the same folder: readers see the old or the new file."""
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with temp.open("xb") as writer:
            writer.write(data)
            writer.flush()
            os.fsync(writer.fileno())
        if path.exists():
            shutil.copymode(path, temp)
        replace_file(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise ProcessingError(STAGE, f"Could not write {path.name} to {path.parent}: {_reason(exc)}.") from exc
    _fsync_folder(path.parent)
