"""Turn a settings snapshot into a run plan and the providers it needs, checking keys before any spend."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from gif_app import settings as settings_mod
from gif_app.domain import JobExecution
from gif_app.errors import ConfigurationError
from gif_app.paths import HomeLayout
from gif_app.pipeline.context import Generation, JobPlan, ProviderSet
from gif_app.pipeline.imports import snapshot_metadata_choice, snapshot_sources
from gif_app.pipeline.keywords import KeywordPick, load_keywords, plan_keywords
from gif_app.pipeline.metadata import limits_from_validated, ownership_from_validated, qc_prompt
from gif_app.pipeline.process import ProcessingSettings
from gif_app.providers.base import BackgroundRemover, RenderRequest
from gif_app.providers.factory import build_image_generator, build_remover, build_text_model
from gif_app.settings_schema import SEED_MAX
from gif_app.stock_target import filename_limit
from gif_app.vendors import VENDORS, get_vendor, vendor_label

# A view of the registry, kept because jobs/retry_plan.py imports it; new code calls vendor_label().
KEY_LABELS = {v.id: v.label for v in VENDORS}
MJ_IMAGES_PER_TASK = settings_mod.MJ_IMAGES_PER_TASK


@dataclass(frozen=True)
class ProviderAccess:
    """Keys per vendor, and base URLs that a run's own settings replace unless they are pinned (the sandbox)."""

    keys: dict[str, str]
    base_urls: dict[str, str]
    models_home: Path
    poll_interval_s: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    pins_base_urls: bool = False

    def for_run(self, settings: settings_mod.Settings) -> ProviderAccess:
        """Return the access of one run: the base URLs of its settings snapshot, unless pinned."""
        if self.pins_base_urls:
            return self
        # A job, resume, rerun or retry runs against the addresses it was started with, not the saved ones.
        urls = settings["providers"]
        return replace(self, base_urls={v.id: str(urls.get(v.base_url_setting) or "") for v in VENDORS})


def timeout_seconds(settings: settings_mod.Settings) -> float:
    """Return the per-call timeout: the Generation Timeout in minutes when on, else 30 s."""
    params = settings["parameters"]
    return float(params["timeout_minutes"]) * 60.0 if params["enable_timeout"] else 30.0


def required_keys(settings: settings_mod.Settings, *, renders: bool = True) -> list[str]:
    """Return the vendors whose keys the enabled steps need (an import job renders and writes no prompt)."""
    params, ai = settings["parameters"], settings["ai"]
    needed = [get_vendor(params["provider"]).id] if renders else []  # a provider is named by its vendor's id
    if (params["use_llm_prompts"] and renders) or ai["run_quality_check"] or ai["run_metadata_gen"]:
        needed.append("openai")
    return sorted(set(needed))


def check_keys(settings: settings_mod.Settings, access: ProviderAccess, *, renders: bool = True) -> None:
    """Refuse to start when a key the enabled steps need is missing (before anything is spent)."""
    missing = [vendor_label(v) for v in required_keys(settings, renders=renders) if not access.keys.get(v)]
    if missing:
        raise ConfigurationError(
            f"Missing API key{'s' if len(missing) > 1 else ''}: {', '.join(missing)}. "
            "Add it in Settings → API keys, or run with --sandbox to try the app without keys.",
            code="missing_key")


def read_template(path_text: str, what: str) -> str | None:
    """Return a template file's text (None when no file is set); a missing or unreadable one is refused."""
    if not path_text:
        return None
    path = Path(path_text).expanduser()
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        message = f"The {what} {path} does not exist. Choose another in Settings → File paths."
        raise ConfigurationError(message) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"The {what} {path} cannot be read: {exc}.") from exc


def _dimensions(text: str) -> list[tuple[int, int]]:
    sizes = []
    for part in text.split(","):
        width, _, height = part.strip().lower().partition("x")
        if width.isdigit() and height.isdigit():
            sizes.append((int(width), int(height)))
    return sizes


def images_per_generation(settings: settings_mod.Settings) -> int:
    """Return the images one generation yields: PiAPI bills whole 4-image tasks, so all four are kept."""
    return settings_mod.images_per_generation(settings["parameters"])


def seed_for(settings: settings_mod.Settings, index: int) -> int | None:
    """Return the seed of generation `index`: None (random), the fixed seed, or seed + index (wrapping)."""
    params = settings["parameters"]
    mode = params["seed_mode"]
    if mode == "fixed":
        return int(params["seed"])
    if mode == "increment":
        # Wraps within Midjourney's range so a long job never sends a seed the provider refuses.
        return (int(params["seed"]) + index) % (SEED_MAX + 1)
    return None


def _request(settings: settings_mod.Settings, index: int) -> RenderRequest:
    params = settings["parameters"]
    sizes = _dimensions(params["runware_dimensions_csv"]) if params["provider"] == "runware" else []
    width, height = sizes[index % len(sizes)] if sizes else (None, None)
    ratios = [r.strip() for r in str(params["aspect_ratios"]).split(",") if r.strip()]
    options: dict[str, Any] = {"process_mode": params["process_mode"], "mj_version": params["mj_version"]}
    if params["lora_enabled"]:
        options["lora"] = params["lora"]
    if params["runware_advanced_enabled"]:
        # The Check NSFW setting travels as Runware's safety.checkContent (checkNSFW is deprecated).
        options.update({"CFGScale": params["cfg_scale"], "steps": params["steps"],
                        "checkContent": params["check_nsfw"]})
        if params["scheduler"]:
            options["scheduler"] = params["scheduler"]
    model = params["runware_model"] if params["provider"] == "runware" else params["openai_image_model"]
    return RenderRequest(
        prompt="", count=images_per_generation(settings), negative_prompt=params["negative_prompt"],
        width=width, height=height, output_format=params["runware_format"], model=model,
        aspect_ratio=ratios[index % len(ratios)] if ratios and params["provider"] == "piapi" else "",
        seed=seed_for(settings, index) if params["provider"] != "openai" else None,  # OpenAI has no seed
        options=options)


def _generations(execution: JobExecution, settings: settings_mod.Settings,
                 completed: set[int]) -> tuple[Generation, ...]:
    """Return the planned generations: one per source file for an import job, else per keyword pick."""
    params, paths = settings["parameters"], settings["file_paths"]
    files = snapshot_sources(execution.settings_snapshot)
    if files:
        return tuple(Generation(i, KeywordPick((Path(f).stem,), {"keyword": Path(f).stem}), _request(settings, i),
                                source=f) for i, f in enumerate(files) if i not in completed)
    source = load_keywords(Path(paths["keywords_file"]).expanduser() if paths["keywords_file"] else None)
    picks = plan_keywords(source, params["count"], is_random=params["keyword_random"], mix=params["keyword_mix"],
                          seed=execution.id)
    return tuple(Generation(i, picks[i], _request(settings, i)) for i in range(params["count"]) if i not in completed)


def build_plan(execution: JobExecution, settings: settings_mod.Settings, home: HomeLayout,
               completed: set[int], imported: dict[str, str] | None = None) -> JobPlan:
    """Build the plan of an execution; generations in `completed` are skipped (resume).

    `imported` maps the content hash of each earlier imported image to that image, for the duplicate check.
    """
    params, paths, ai = settings["parameters"], settings["file_paths"], settings["ai"]
    is_import = bool(snapshot_sources(execution.settings_snapshot))
    output = settings["output"]
    return JobPlan(
        execution_id=execution.id, label=execution.label, started_at=execution.started_at or datetime.now(),
        generations=_generations(execution, settings, completed),
        variations=1 if is_import else images_per_generation(settings), concurrency=params["concurrency"],
        temp_dir=Path(paths["temp_directory"]).expanduser() if paths["temp_directory"] else home.default_temp,
        output_dir=Path(paths["output_directory"]).expanduser() if paths["output_directory"]
        else home.default_output,
        use_llm_prompts=params["use_llm_prompts"],
        prompt_template=read_template(paths["system_prompt_file"], "prompt template file"),
        run_qc=ai["run_quality_check"],
        qc_prompt=qc_prompt(read_template(paths["quality_check_prompt_file"], "QC prompt file")),
        run_metadata=ai["run_metadata_gen"],
        metadata_template=read_template(paths["metadata_prompt_file"], "metadata prompt file"),
        limits=limits_from_validated(settings),
        processing=ProcessingSettings.from_validated(settings),
        filename_template=output["filename_template"], filename_max_length=filename_limit(settings),
        embed_metadata=output["embed_metadata"], prompt_retries=params["generation_retries"],
        provider=params["provider"], ownership=ownership_from_validated(settings), imported=dict(imported or {}),
        import_metadata=snapshot_metadata_choice(execution.settings_snapshot),
    )


def build_providers(settings: settings_mod.Settings, access: ProviderAccess, *,
                    renders: bool = True) -> ProviderSet:
    """Build the adapters the settings ask for; a missing remove.bg key is left to the failure policy.

    An import job (`renders` False) gets no image generator and no prompt writer.
    """
    check_keys(settings, access, renders=renders)
    access = access.for_run(settings)
    params, ai, proc = settings["parameters"], settings["ai"], settings["processing"]
    timeout = timeout_seconds(settings)
    retries, backoff = params["generation_retries"], params["generation_retry_backoff_ms"] / 1000.0
    vendor = get_vendor(params["provider"]).id
    poll = access.poll_interval_s if access.poll_interval_s is not None else params["polling_interval_s"]
    # A Midjourney task waits in queues for minutes; its limit is its own, not the per-request timeout.
    poll_timeout = float(params["piapi_poll_timeout_minutes"]) * 60.0 if vendor == "piapi" else timeout
    generator = build_image_generator(
        params["provider"], api_key=access.keys[vendor], base_url=access.base_urls.get(vendor, ""),
        timeout_s=timeout, retries=retries, backoff_s=backoff, poll_interval_s=poll,
        poll_timeout_s=poll_timeout) if renders else None
    providers = ProviderSet(generator=generator)
    writes_prompts = params["use_llm_prompts"] and renders
    if writes_prompts or ai["run_quality_check"] or ai["run_metadata_gen"]:
        text = build_text_model(access.keys["openai"], access.base_urls.get("openai", ""), params["openai_model"],
                                timeout, retries, backoff)
        providers.prompt_writer = text if writes_prompts else None
        providers.judge = text if ai["run_quality_check"] else None
        providers.metadata_writer = text if ai["run_metadata_gen"] else None
    if proc["remove_bg"]:
        providers.remover, providers.remover_problem = build_background_remover(settings, access)
    return providers


def build_background_remover(settings: settings_mod.Settings,
                             access: ProviderAccess) -> tuple[BackgroundRemover | None, str]:
    """Return the remover the processing settings choose, or None and why (no remove.bg key: the policy decides)."""
    proc, params = settings["processing"], settings["parameters"]
    access = access.for_run(settings)
    if proc["remover"] == "removebg" and not access.keys.get("removebg"):
        return None, f"No {vendor_label('removebg')} API key is set."
    remover = build_remover(proc["remover"], api_key=access.keys.get("removebg", ""),
                            base_url=access.base_urls.get("removebg", ""), timeout_s=timeout_seconds(settings),
                            retries=params["generation_retries"], size=proc["remove_bg_size"],
                            model_name=proc["rembg_model"], model_home=access.models_home,
                            backoff_s=params["generation_retry_backoff_ms"] / 1000.0)
    return remover, ""
