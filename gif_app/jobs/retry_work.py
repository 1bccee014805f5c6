"""One processing-only retry: processing -> optional metadata -> move to the job's output folder.

Never generation, never QC. Each image uses its own job's snapshot ("original"), or the modal's
processing settings ("modified"); the chosen hard-fail steps fail the retry, the others soft-fail.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from gif_app import imaging
from gif_app import settings as settings_mod
from gif_app.domain import CancelToken, GeneratedImage, JobExecution, StockMetadata
from gif_app.errors import AppError, ProcessingError
from gif_app.export.embed import embed_metadata_bytes
from gif_app.jobs.planning import ProviderAccess, images_per_generation, timeout_seconds
from gif_app.paths import HomeLayout
from gif_app.pipeline.finalize import atomic_move, image_number, render_filename, write_atomic
from gif_app.pipeline.metadata import build_metadata_prompt, enforce_limits, limits_from_settings
from gif_app.pipeline.process import ProcessingSettings, process_image
from gif_app.providers.factory import build_remover, build_text_model

RETRY_STAGES = ("remove_bg", "trim", "enhancement", "convert", "metadata")


@dataclass(frozen=True)
class RetryRequest:
    """What a retry task asks for."""

    mode: str  # original | modified | approve
    processing: dict[str, Any]
    include_metadata: bool
    hard_fail: frozenset[str]

    @classmethod
    def from_task(cls, mode: str, data: dict[str, Any]) -> RetryRequest:
        """Rebuild from the stored task settings."""
        return cls(mode=mode, processing=dict(data.get("processing") or {}),
                   include_metadata=bool(data.get("include_metadata")),
                   hard_fail=frozenset(s for s in data.get("hard_fail") or () if s in RETRY_STAGES))


@dataclass(frozen=True)
class RetryResult:
    """What a successful retry produced."""

    final_path: Path
    metadata: StockMetadata
    record: Any


def job_settings(execution: JobExecution) -> settings_mod.Settings:
    """Return the validated as-run settings of an image's job."""
    return settings_mod.validate(execution.settings_snapshot)[0]


def effective_request(request: RetryRequest, settings: settings_mod.Settings) -> tuple[ProcessingSettings,
                                                                                        bool, frozenset[str]]:
    """Return the recipe, whether metadata runs, and which stages hard-fail, for this image."""
    if request.mode == "modified":
        recipe = ProcessingSettings.from_settings({**settings["processing"], **request.processing})
        return recipe, request.include_metadata, request.hard_fail
    recipe = ProcessingSettings.from_settings(settings["processing"])
    hard = set(request.hard_fail)
    if recipe.remove_bg and recipe.remove_bg_failure_mode == "mark_failed":
        hard.add("remove_bg")
    if request.mode == "original":
        hard.add("remove_bg")  # with the job's own settings a failed cut-out is never silently approved
    include = request.include_metadata or bool(settings["ai"]["run_metadata_gen"])
    return recipe, include, frozenset(hard)


def run_retry(image: GeneratedImage, execution: JobExecution, request: RetryRequest, access: ProviderAccess,
              home: HomeLayout, cancel: CancelToken) -> RetryResult:
    """Process one image again and move it to its job's output folder; raise ProcessingError on a hard failure."""
    settings = job_settings(execution)
    recipe, include_metadata, hard = effective_request(request, settings)
    source = Path(image.current_path or "")
    if not source.is_file():
        raise ProcessingError("save_final", "The image file is no longer on disk.")
    remover = None
    if recipe.remove_bg and (recipe.remover == "rembg" or access.keys.get("removebg")):
        remover = build_remover(recipe.remover, api_key=access.keys.get("removebg", ""),
                                base_url=access.base_urls.get("removebg", ""), timeout_s=timeout_seconds(settings),
                                retries=settings["parameters"]["generation_retries"], size=recipe.remove_bg_size,
                                model_name=recipe.rembg_model, model_home=access.models_home)
    outcome = process_image(source.read_bytes(), source.name, recipe, remover, cancel, hard_fail_stages=hard)
    record = replace(outcome.record, settings=recipe.to_json())
    metadata = image.metadata
    if include_metadata:
        metadata, record = _metadata(image, outcome.data, settings, access, "metadata" in hard, record, cancel)
    data = outcome.data
    if settings["output"]["embed_metadata"] and not metadata.is_empty:
        data = embed_metadata_bytes(data, imaging.sniff_format(data), metadata)
    output_dir = Path(settings["file_paths"]["output_directory"] or home.default_output).expanduser()
    staged = source.with_name(f".retry-{image.mapping_id}.{outcome.extension}")
    write_atomic(staged, data)
    name = render_filename(settings["output"]["filename_template"], keyword=image.keyword, title=metadata.title,
                           job=execution.label, date=execution.started_at or datetime.now(),
                           n=image_number(image.generation_index, image.variation_index,
                                          images_per_generation(settings)), image_id=image.mapping_id,
                           max_length=settings["output"]["filename_max_length"], extension=outcome.extension)
    final = atomic_move(staged, output_dir, name)
    if image.temp_path and Path(image.temp_path) != final:
        Path(image.temp_path).unlink(missing_ok=True)
    return RetryResult(final, metadata, record)


def _metadata(image: GeneratedImage, data: bytes, settings: settings_mod.Settings, access: ProviderAccess,
              is_hard: bool, record: Any, cancel: CancelToken) -> tuple[StockMetadata, Any]:
    limits = limits_from_settings(settings["metadata"])
    try:
        if not access.keys.get("openai"):
            raise AppError("No OpenAI API key is set.", code="missing_key")
        model = build_text_model(access.keys["openai"], access.base_urls.get("openai", ""),
                                 settings["parameters"]["openai_model"], timeout_seconds(settings),
                                 settings["parameters"]["generation_retries"])
        small, mime = imaging.downscale_for_vision(data)
        template = _read(settings["file_paths"]["metadata_prompt_file"])
        prompt = build_metadata_prompt(template, prompt=image.prompt, keyword=image.keyword, limits=limits)
        return enforce_limits(model.describe(small, mime, prompt, cancel), limits), record
    except AppError as exc:
        if is_hard:
            raise ProcessingError("metadata", exc.message) from exc
        soft = (*record.soft_failures, {"stage": "metadata", "message": exc.message})
        return image.metadata, replace(record, soft_failures=soft)


def _read(path: str) -> str | None:
    if not path:
        return None
    try:
        return Path(path).expanduser().read_text(encoding="utf-8-sig")
    except OSError:
        return None
