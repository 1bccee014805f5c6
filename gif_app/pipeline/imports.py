"""Bring your own images: copy each source file into temp untouched and record it pending like a render."""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from gif_app import pixels
from gif_app.domain import DUPLICATE_REASON, FailureStage, GeneratedImage, ImageStatus, NewImage, StockMetadata
from gif_app.export.embed import read_embedded_metadata
from gif_app.pipeline.context import Generation, RunContext
from gif_app.pipeline.generate import new_mapping_id, temp_name

# The snapshot key holding an import job's source files (outside the settings schema: it is the job's input).
SNAPSHOT_KEY = "source_images"
IMPORT_PROVIDER = "import"
IMAGE_TYPES = frozenset({"png", "jpg", "jpeg", "webp", "tif", "tiff", "bmp", "gif"})
IMAGE_SUFFIXES = frozenset(f".{t}" for t in IMAGE_TYPES)
# What happens to the title, description and keywords a source file already carries (snapshot key and choices).
METADATA_KEY = "import_metadata"
METADATA_CHOICES = ("replace", "keep", "merge")
_hash_lock = threading.Lock()  # two workers importing the same content at once: one of them is the duplicate


def snapshot_sources(snapshot: Mapping[str, Any]) -> list[str]:
    """Return the source files an execution's snapshot lists (empty for a generation job)."""
    sources = snapshot.get(SNAPSHOT_KEY) or []
    return [str(s) for s in sources] if isinstance(sources, list) else []


def snapshot_metadata_choice(snapshot: Mapping[str, Any]) -> str:
    """Return the job's choice for metadata the files already carry (replace when unset or unknown)."""
    choice = str(snapshot.get(METADATA_KEY) or "replace")
    return choice if choice in METADATA_CHOICES else "replace"


def combine_metadata(embedded: StockMetadata, written: StockMetadata, choice: str) -> StockMetadata:
    """Return the metadata an imported image ends with.

    replace: the model's alone. keep: the file's own title, description and keywords where it has them (the model
    fills the rest and chooses the categories). merge: the model's text, keywords the file's first then the model's.
    """
    if choice == "keep":
        return replace(written, title=embedded.title or written.title,
                       description=embedded.description or written.description,
                       keywords=embedded.keywords or written.keywords)
    if choice == "merge":
        seen = {k.casefold() for k in embedded.keywords}
        extra = tuple(k for k in written.keywords if k.casefold() not in seen)
        return replace(written, keywords=embedded.keywords + extra)
    return written


def embedded_of(image: GeneratedImage) -> StockMetadata:
    """Return the metadata the imported file carried when it came in (recorded with its row)."""
    found = image.provider_ids.get("embedded") or {}
    return StockMetadata(title=str(found.get("title", "")), description=str(found.get("description", "")),
                         keywords=tuple(str(k) for k in found.get("keywords", ())))


def expand_sources(paths: Iterable[str]) -> list[str]:
    """Return the image files named: files as given, folders walked for image files in name order."""
    files: list[str] = []
    for text in paths:
        path = Path(text).expanduser().absolute()
        if path.is_dir():
            files.extend(str(p) for p in sorted(path.rglob("*")) if p.suffix.lower() in IMAGE_SUFFIXES
                         and p.is_file())
        else:
            files.append(str(path))  # a missing or unreadable file is that file's failure, not the job's
    return files


def file_sha256(path: Path) -> str:
    """Return a file's SHA-256, read in chunks (large files never sit in memory whole)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def import_source(ctx: RunContext, generation: Generation) -> list[GeneratedImage]:
    """Copy one source file into temp and record it: pending, or flagged (duplicate, unreadable)."""
    plan, source = ctx.plan, Path(generation.source)
    mapping_id = new_mapping_id()
    extension = source.suffix.lstrip(".").lower() or "png"
    image = NewImage(mapping_id=mapping_id, execution_id=plan.execution_id, generation_index=generation.index,
                     variation_index=0, prompt="", keyword=source.stem, seed=None, provider=IMPORT_PROVIDER,
                     provider_ids={"source_path": str(source)}, temp_path="")
    try:
        sha = file_sha256(source)
        plan.temp_dir.mkdir(parents=True, exist_ok=True)
        target = plan.temp_dir / temp_name(plan.execution_id, generation.index, 0, mapping_id, extension)
        shutil.copyfile(source, target)  # the original is only ever read
    except OSError as exc:
        return [_flag(ctx, generation, image, FailureStage.INPUT.reason, f"Cannot read {source}: {exc}")]
    try:
        pixels.decode(target.read_bytes())  # decoded whole: a truncated file fails here, not in a later stage
    except (pixels.UnusableImageError, OSError, ValueError) as exc:
        # No hash on record: a repaired file with the same name is not taken for a duplicate of this one.
        return [_flag(ctx, generation, replace(image, temp_path=str(target)), FailureStage.INPUT.reason,
                      f"{source.name} is not a usable image: {exc}")]
    carried = read_embedded_metadata(target)
    ids: dict[str, Any] = {**image.provider_ids, "sha256": sha}
    if not carried.is_empty:
        ids["embedded"] = {"title": carried.title, "description": carried.description,
                           "keywords": list(carried.keywords)}
    recorded = replace(image, temp_path=str(target), provider_ids=ids)
    with _hash_lock:
        earlier = plan.imported.get(sha)
        if earlier is None:
            plan.imported[sha] = f"{mapping_id} (job {plan.execution_id})"
    if earlier is not None:
        return [_flag(ctx, generation, recorded, DUPLICATE_REASON,
                      f"{source.name} was already imported as {earlier}; retry it to import it again")]
    row = ctx.events.record_image(recorded)
    ctx.events.generation_recorded(generation.index)
    ctx.log.info(f"Imported {source}", step="import", sub_step=f"file {generation.index + 1}")
    return [row]


def _flag(ctx: RunContext, generation: Generation, image: NewImage, reason: str, message: str) -> GeneratedImage:
    """Record a file that goes no further (it stays visible in Failed Images Review) and log why."""
    row = ctx.events.record_image(replace(image, status=ImageStatus.QC_FAILED, reason=reason))
    ctx.events.generation_recorded(generation.index)
    ctx.log.warning(message, step="import", sub_step=f"file {generation.index + 1}", error_code=reason)
    return row
