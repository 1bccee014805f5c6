"""Final file names from a template, and moves/writes that never overwrite and never leave half files.

A name is claimed with O_CREAT|O_EXCL before the file is moved onto it, so concurrent images that
render to the same name get "-2", "-3", ... instead of overwriting each other (anchor defect 10.2 #12).
"""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
import unicodedata
import uuid
from datetime import datetime
from pathlib import Path

from gif_app.errors import ProcessingError

logger = logging.getLogger(__name__)

STAGE = "save_final"
_VARIABLE = re.compile(r"\{(\w+)\}")
_MAX_CLAIMS = 10_000
# Names Windows refuses whatever the extension.
_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                       *(f"lpt{i}" for i in range(1, 10))})
_EXTENSION_ALIASES = {"jpeg": "jpg", "tiff": "tif"}


def slug(value: str) -> str:
    """Return value as lowercase ASCII with runs of anything else turned into a single "-"."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _literal(text: str) -> str:
    """Return the template's own text with only file-name-safe characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_text)


def normalise_extension(extension: str) -> str:
    """Return the extension lower-cased, without a dot, with "jpeg" spelled "jpg"."""
    ext = extension.strip().lstrip(".").lower()
    return _EXTENSION_ALIASES.get(ext, ext)


def image_number(generation_index: int, variation_index: int, per_generation: int) -> int:
    """Return an image's 1-based number within its job, the {n} of the file name template."""
    return generation_index * max(per_generation, 1) + variation_index + 1


def render_filename(
    template: str,
    *,
    keyword: str,
    title: str,
    job: str,
    date: datetime,
    n: int,
    image_id: str,
    max_length: int,
    extension: str,
) -> str:
    """Return a safe file name from the template: {keyword} {title} {job} {date} {n} {id}, plus extension."""
    number = f"{n:03d}"
    values = {
        "keyword": slug(keyword),
        "title": slug(title),
        "job": slug(job),
        "date": date.strftime("%Y%m%d"),
        "n": number,
        "id": slug(image_id),
    }
    parts: list[str] = []
    position = 0
    for match in _VARIABLE.finditer(template):
        parts.append(_literal(template[position : match.start()]))
        parts.append(values.get(match.group(1), ""))  # unknown variables are left out
        position = match.end()
    parts.append(_literal(template[position:]))
    name = _tidy("".join(parts))
    if not name:
        name = f"image_{number}"
    name = _tidy(name[: max(1, max_length)]) or f"image_{number}"[: max(1, max_length)]
    if name.lower() in _RESERVED:
        name = f"{name}_"
    ext = normalise_extension(extension)
    return f"{name}.{ext}" if ext else name


def _tidy(name: str) -> str:
    """Collapse runs of separators and trim them from both ends (no hidden files, no "name-.png")."""
    name = re.sub(r"([-_.])[-_.]+", r"\1", name)
    return name.strip("-_.")


def _numbered(filename: str, number: int) -> str:
    """Return filename with "-<number>" before its extension (number 1 is the name itself)."""
    if number == 1:
        return filename
    stem, dot, ext = filename.rpartition(".")
    if not dot or not stem:
        return f"{filename}-{number}"
    return f"{stem}-{number}.{ext}"


def unique_path(folder: Path, filename: str) -> Path:
    """Return folder/filename, or the first free "-2", "-3", ... variant (a check, not a claim)."""
    for number in range(1, _MAX_CLAIMS + 1):
        candidate = folder / _numbered(filename, number)
        if not candidate.exists():
            return candidate
    raise ProcessingError(STAGE, f"No free file name like {filename} in {folder}.")


def _claim(folder: Path, filename: str) -> Path:
    """Create an empty placeholder under the first free name, atomically, and return its path."""
    for number in range(1, _MAX_CLAIMS + 1):
        candidate = folder / _numbered(filename, number)
        try:
            fd = os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            continue
        os.close(fd)
        return candidate
    raise ProcessingError(STAGE, f"No free file name like {filename} in {folder}.")


def _reason(exc: OSError) -> str:
    """Return the OS reason in words, with a hint for the common causes."""
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
    temp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
    try:
        with source.open("rb") as reader, temp.open("xb") as writer:
            shutil.copyfileobj(reader, writer, 1024 * 1024)
            writer.flush()
            os.fsync(writer.fileno())
        shutil.copymode(source, temp)
        os.replace(temp, target)
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
    try:
        try:
            os.replace(source, target)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            # Another device (e.g. temp on a different disk): copy, then drop the source.
            _copy_into(source, target)
            try:
                source.unlink()
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
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise ProcessingError(STAGE, f"Could not write {path.name} to {path.parent}: {_reason(exc)}.") from exc
    _fsync_folder(path.parent)
