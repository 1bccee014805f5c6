"""The settings schema: every key with its type, default, bounds, label, help and visibility rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gif_app.vendors import get_vendor, vendor_label

Condition = tuple[str, tuple[Any, ...]]


@dataclass(frozen=True)
class Setting:
    """One setting: `key` is "section.name"; `kind` drives validation and the form control."""

    key: str
    kind: str  # bool | int | float | str | text | choice | file | dir | url
    default: Any
    label: str
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    choices: tuple[tuple[str, str], ...] = ()
    visible_if: tuple[Condition, ...] = ()
    advanced: bool = False
    file_types: tuple[str, ...] = ()
    placeholder: str = ""

    @property
    def section(self) -> str:
        """Return the section part of the key."""
        return self.key.split(".", 1)[0]

    @property
    def name(self) -> str:
        """Return the name part of the key."""
        return self.key.split(".", 1)[1]


@dataclass(frozen=True)
class Section:
    """A group of settings shown as one tab."""

    name: str
    label: str
    help: str = ""
    settings: tuple[Setting, ...] = field(default_factory=tuple)
    # False for the app's own preferences (the theme): no job runs by them, so a job's views leave them out.
    is_per_job: bool = True


def _when(key: str, *values: Any) -> Condition:
    return (key, values)


_PROVIDERS = (("runware", vendor_label("runware")), ("piapi", f"{vendor_label('piapi')} (Midjourney)"),
              ("openai", f"{vendor_label('openai')} Images"))
_REMOVERS = (("removebg", f"{vendor_label('removebg')} (online, paid)"), ("rembg", "rembg (local, free, offline)"))
_SIZES = (("full", "Full (up to 25 MP, 1 credit)"), ("50MP", "50 MP (1 credit)"),
          ("auto", "Auto (remove.bg picks by your credits)"), ("preview", "Preview (~0.25 MP, 1/4 credit)"))
_FORMATS = (("png", "PNG"), ("jpg", "JPG"), ("webp", "WebP"))
_RUNWARE_FORMATS = (*_FORMATS, ("svg", "SVG (vector models)"))
_PRESETS = (
    ("adobe_stock", "Adobe Stock"),
    ("shutterstock", "Shutterstock"),
    ("freepik", "Freepik"),
    ("custom", "Custom limits"),
)
_SEED_MODES = (("random", "Random"), ("fixed", "Fixed"), ("increment", "Increment per generation"))
SEED_MAX = 4294967295  # Midjourney's --seed range is 0-4294967295; Runware's is wider
_REMOVE_BG_ON = _when("processing.remove_bg", True)
_RUNWARE = _when("parameters.provider", "runware")
_PIAPI = _when("parameters.provider", "piapi")
_JPG = _when("processing.convert_format", "jpg")

FILE_PATHS = Section("file_paths", "File paths", "Where inputs come from and where finished files go.", (
    Setting("file_paths.keywords_file", "file", "", "Keywords file",
            "TXT (one keyword per line, # for comments) or CSV with a header row.",
            file_types=("txt", "csv")),
    Setting("file_paths.system_prompt_file", "file", "", "Prompt template file",
            "Optional. Variables: {keyword}, ${keyword}, ${{Subject}} and every CSV column as ${{Column}}.",
            file_types=("txt",)),
    Setting("file_paths.quality_check_prompt_file", "file", "", "QC prompt file",
            "Optional. Replaces the built-in stock-reviewer prompt.", file_types=("txt",)),
    Setting("file_paths.metadata_prompt_file", "file", "", "Metadata prompt file",
            "Optional. Variables: {prompt}, {keyword} and ${promptContext}.", file_types=("txt",)),
    Setting("file_paths.output_directory", "dir", "", "Output folder",
            "Approved, finished files land here. Empty: the app home's output folder."),
    Setting("file_paths.temp_directory", "dir", "", "Temporary folder",
            "Downloads and QC-failed files wait here for review. Empty: the app home's temp folder."),
))

PARAMETERS = Section("parameters", "Parameters", "What to generate and how.", (
    Setting("parameters.label", "str", "", "Job label",
            "Name shown in the job list. Empty: job_YYYYMMDD_HHMMSS.", placeholder="e.g. Autumn leaves"),
    Setting("parameters.provider", "choice", "runware", "Image provider",
            "PiAPI (Midjourney): PiAPI says its Midjourney API is no longer provided (piapi.ai, checked "
            "2026-12-03), so real PiAPI keys are expected to fail; it stays for existing setups and the sandbox.",
            choices=_PROVIDERS),
    Setting("parameters.count", "int", 1, "Generations", "Prompts to write; each gives Variations images.",
            minimum=1, maximum=2500),
    Setting("parameters.variations", "int", 1, "Variations",
            "Images per prompt. PiAPI bills whole tasks of 4 and all of them are kept (rounded up to 4, 8, ...).",
            minimum=1, maximum=20),
    Setting("parameters.concurrency", "int", 4, "Concurrency",
            "Images in flight at once. Higher is faster until the provider rate-limits.",
            minimum=1, maximum=16),
    Setting("parameters.openai_model", "str", "gpt-4o", "Text and vision model",
            "OpenAI model that writes prompts, checks quality and writes metadata. It must support Structured "
            "Outputs (JSON schema) and images: a model known not to is refused; a name not known here is accepted.",
            placeholder="gpt-4o, gpt-4o-mini, gpt-4.1"),
    Setting("parameters.use_llm_prompts", "bool", True, "Write prompts with the LLM",
            "Off: the prompt template (or the keyword itself) is used as the prompt, no LLM call."),
    Setting("parameters.keyword_random", "bool", False, "Random keywords",
            "Pick keywords at random without repeats until every keyword was used."),
    Setting("parameters.keyword_mix", "int", 1, "Keywords per prompt",
            "Combine this many keywords into one prompt.", minimum=1, maximum=5),
    Setting("parameters.seed_mode", "choice", "random", "Seed",
            "Random: the provider picks (Runware's is recorded). Fixed: every generation uses the seed below. "
            "Increment: generation n uses seed + n. Sent as Runware's seed and Midjourney's --seed; "
            "OpenAI Images has no seed, so it is ignored there.", choices=_SEED_MODES),
    Setting("parameters.seed", "int", 0, "Seed number", "0 to 4294967295 (Midjourney's range).",
            minimum=0, maximum=SEED_MAX, visible_if=(_when("parameters.seed_mode", "fixed", "increment"),)),
    Setting("parameters.negative_prompt", "text", "", "Negative prompt",
            "What the image must not contain (Runware only)."),
    Setting("parameters.runware_model", "str", "runware:101@1", "Runware model",
            "Runware AIR model id. Vector models (recraft:v4@vector, recraft:v4-pro@vector) render SVG files.",
            visible_if=(_RUNWARE,)),
    Setting("parameters.runware_dimensions_csv", "str", "", "Dimensions",
            "Comma-separated WxH, used in rotation per generation, each snapped to the model's size rule "
            "(FLUX.1 [dev]: multiples of 64, 128-2048). Empty: the model's native size (1024x1024).",
            visible_if=(_RUNWARE,), placeholder="1024x1024,1280x720"),
    Setting("parameters.runware_format", "choice", "png", "Provider output format", choices=_RUNWARE_FORMATS,
            help="SVG needs a vector model (recraft:v4@vector or recraft:v4-pro@vector), which always renders SVG. "
                 "Vectors skip processing (background removal, trim, enhancement, upscaling and conversion work "
                 "on pixels); QC, metadata and thumbnails use a PNG preview saved beside each SVG.",
            visible_if=(_RUNWARE,)),
    Setting("parameters.lora_enabled", "bool", False, "Use LoRA models", visible_if=(_RUNWARE,)),
    Setting("parameters.lora", "text", "", "LoRA list", "One model[:weight] per line; weight −4 to 4, default 1.",
            visible_if=(_RUNWARE, _when("parameters.lora_enabled", True)),
            placeholder="civitai:144142@160130:0.8"),
    Setting("parameters.runware_advanced_enabled", "bool", False, "Advanced Runware options",
            visible_if=(_RUNWARE,)),
    Setting("parameters.cfg_scale", "float", 7.0, "CFG scale", minimum=0, maximum=50, step=0.5,
            visible_if=(_RUNWARE, _when("parameters.runware_advanced_enabled", True))),
    Setting("parameters.steps", "int", 30, "Steps", minimum=1, maximum=100,
            visible_if=(_RUNWARE, _when("parameters.runware_advanced_enabled", True))),
    Setting("parameters.scheduler", "str", "", "Scheduler", "Empty: the model's default.",
            visible_if=(_RUNWARE, _when("parameters.runware_advanced_enabled", True))),
    Setting("parameters.check_nsfw", "bool", False, "Check NSFW", "Sent as Runware's safety.checkContent.",
            visible_if=(_RUNWARE, _when("parameters.runware_advanced_enabled", True))),
    Setting("parameters.aspect_ratios", "str", "1:1,16:9,9:16", "Aspect ratios",
            "Comma-separated, used in rotation per generation. Sent once, as PiAPI's aspect_ratio; a --ar "
            "written in the prompt wins.", visible_if=(_PIAPI,)),
    Setting("parameters.process_mode", "choice", "fast", "Process mode",
            choices=(("relax", "Relax"), ("fast", "Fast"), ("turbo", "Turbo")), visible_if=(_PIAPI,)),
    Setting("parameters.mj_version", "str", "6.1", "Midjourney version", visible_if=(_PIAPI,)),
    Setting("parameters.polling_interval_s", "float", 5.0, "Polling interval (s)",
            minimum=0.05, maximum=300, visible_if=(_PIAPI,)),
    Setting("parameters.piapi_poll_timeout_minutes", "float", 10, "Midjourney wait limit (minutes)",
            "How long one Midjourney task may take, queue included, before it is given up. Separate from "
            "the generation timeout, which bounds each single request.", minimum=0.05, maximum=180,
            visible_if=(_PIAPI,)),
    Setting("parameters.openai_image_model", "str", "gpt-image-1", "OpenAI image model",
            visible_if=(_when("parameters.provider", "openai"),)),
    Setting("parameters.enable_timeout", "bool", True, "Generation timeout",
            "Off: every call times out after 30 s."),
    Setting("parameters.timeout_minutes", "float", 15, "Timeout (minutes)", minimum=0.01, maximum=60,
            visible_if=(_when("parameters.enable_timeout", True),)),
    Setting("parameters.generation_retries", "int", 2, "Retries",
            "Retries after a failed provider call (0 = try once).", minimum=0, maximum=5),
    Setting("parameters.generation_retry_backoff_ms", "int", 1000, "Retry backoff (ms)",
            "First wait before a retry; doubles each time; a Retry-After from the provider wins.",
            minimum=0, maximum=60000, step=100),
    Setting("parameters.budget_usd", "float", 0.0, "Budget per job (USD)",
            "0 = no cap. When the next paid call would pass it, nothing new is paid for, the calls in flight "
            "finish, and the job stops with \"Budget reached\"; resume it with a higher cap.",
            minimum=0, maximum=100000, step=0.01),
    Setting("parameters.daily_budget_usd", "float", 0.0, "Daily budget, all jobs (USD)",
            "0 = no cap. Counts every job's charges since midnight; a job that would pass it stops with "
            "\"Daily budget reached\". Read when a job runs, so a new value applies to the next job or resume.",
            minimum=0, maximum=100000, step=0.01),
))

PROCESSING = Section("processing", "Processing", "What happens to images that passed QC.", (
    Setting("processing.remove_bg", "bool", False, "Remove background"),
    Setting("processing.remover", "choice", "removebg", "Background remover", choices=_REMOVERS,
            visible_if=(_REMOVE_BG_ON,)),
    Setting("processing.rembg_model", "choice", "u2net", "Local model",
            choices=(("u2net", "u2net (general)"), ("u2netp", "u2netp (small, fast)"),
                     ("isnet-general-use", "isnet-general-use"), ("silueta", "silueta")),
            visible_if=(_REMOVE_BG_ON, _when("processing.remover", "rembg"))),
    Setting("processing.remove_bg_size", "choice", "full", "remove.bg size",
            "Full and 50 MP are asked for by name after a check of your remove.bg credits. A result smaller "
            "than asked (Auto gives a preview without credits) is recorded on the image, under the failure "
            "policy below.", choices=_SIZES,
            visible_if=(_REMOVE_BG_ON, _when("processing.remover", "removebg"))),
    Setting("processing.remove_bg_failure_mode", "choice", "approve", "On background-removal failure",
            "Approve keeps the pixels and records the failure; Mark failed sends the image to review.",
            choices=(("approve", "Approve (soft fail)"), ("mark_failed", "Mark failed")),
            visible_if=(_REMOVE_BG_ON,)),
    Setting("processing.trim_transparent_background", "bool", False, "Trim transparent edges",
            visible_if=(_REMOVE_BG_ON,)),
    Setting("processing.trim_threshold", "int", 50, "Trim alpha threshold", minimum=0, maximum=254,
            visible_if=(_REMOVE_BG_ON, _when("processing.trim_transparent_background", True))),
    Setting("processing.image_enhancement", "bool", False, "Enhance (sharpen, saturation)"),
    Setting("processing.sharpening", "float", 5, "Sharpening", "0 = off, 10 = strong.", minimum=0,
            maximum=10, step=0.5, visible_if=(_when("processing.image_enhancement", True),)),
    Setting("processing.saturation", "float", 1.4, "Saturation", "1 = unchanged.", minimum=0, maximum=2,
            step=0.1, visible_if=(_when("processing.image_enhancement", True),)),
    Setting("processing.image_convert", "bool", True, "Convert format"),
    Setting("processing.convert_format", "choice", "jpg", "Format", choices=_FORMATS,
            visible_if=(_when("processing.image_convert", True),)),
    Setting("processing.jpg_quality", "int", 95, "JPG quality", minimum=1, maximum=100,
            visible_if=(_when("processing.image_convert", True), _JPG)),
    Setting("processing.jpg_background", "choice", "white", "JPG background",
            "Colour behind transparent areas.", choices=(("white", "White"), ("black", "Black")),
            visible_if=(_when("processing.image_convert", True), _JPG)),
    Setting("processing.webp_quality", "int", 90, "WebP quality", minimum=1, maximum=100,
            visible_if=(_when("processing.image_convert", True), _when("processing.convert_format", "webp"))),
    Setting("processing.min_megapixels", "float", 4.0, "Upscale to at least (MP)",
            "Stock sites ask for about 4 MP. 0 = never resize.", minimum=0, maximum=50, step=0.5),
))

AI = Section("ai", "AI features", "Checks and metadata by the vision model.", (
    Setting("ai.run_quality_check", "bool", True, "Quality check",
            "The vision model rejects what a stock site would refuse, before anything else is spent."),
    Setting("ai.run_metadata_gen", "bool", True, "Write metadata", "Title, description and keywords."),
))

METADATA = Section("metadata", "Metadata", "Limits of the stock site you upload to, and who owns the images.", (
    Setting("metadata.site_preset", "choice", "adobe_stock", "Stock site", choices=_PRESETS),
    Setting("metadata.title_max_chars", "int", 70, "Title length (max)", minimum=10, maximum=500,
            visible_if=(_when("metadata.site_preset", "custom"),)),
    Setting("metadata.description_max_chars", "int", 200, "Description length (max)", minimum=10,
            maximum=2000, visible_if=(_when("metadata.site_preset", "custom"),)),
    Setting("metadata.keywords_min", "int", 7, "Keywords (min)", minimum=0, maximum=50,
            visible_if=(_when("metadata.site_preset", "custom"),)),
    Setting("metadata.keywords_max", "int", 49, "Keywords (max)", minimum=1, maximum=50,
            visible_if=(_when("metadata.site_preset", "custom"),)),
    Setting("metadata.creator", "str", "", "Creator",
            "Optional. Written into each file as IPTC By-line and XMP dc:creator. Empty keeps what the file has.",
            placeholder="Your name"),
    Setting("metadata.copyright", "str", "", "Copyright",
            "Optional. Written as IPTC CopyrightNotice and XMP dc:rights. Empty keeps what the file has.",
            placeholder="© 2026 Your name"),
))

# Ids of export/targets.py's table (tests/unit/test_stock_target.py keeps them in step with it).
_TARGETS = (("adobe", "Adobe Stock"), ("shutterstock", "Shutterstock"), ("freepik", "Freepik"),
            ("dreamstime", "Dreamstime"), ("123rf", "123RF"), ("none", "None (my own settings)"))

OUTPUT = Section("output", "Output files", "How finished files are named and tagged.", (
    Setting("output.stock_target", "choice", "adobe", "Stock target",
            "Choosing a site sets what its upload needs: JPEG, quality, minimum size, metadata limits and the "
            "file-name length (Adobe Stock: 30 characters). Each change is listed when you choose.",
            choices=_TARGETS),
    Setting("output.filename_template", "str", "{keyword}_{n}", "File name template",
            "Variables: {keyword} {title} {job} {date} {n} {id}. Letters are transliterated to ASCII "
            "(straße -> strasse); {n} goes on from the highest number already in the output folder.",
            placeholder="{keyword}_{n}"),
    Setting("output.filename_max_length", "int", 80, "File name length (max)",
            "Counts the extension. The stock target's limit applies when it is lower; words are shortened, "
            "never the number.", minimum=16, maximum=200),
    Setting("output.embed_metadata", "bool", True, "Embed metadata in files",
            "Write title, description and keywords as IPTC and XMP."),
))

# The form lists the addresses in the image-provider order above, then the remover (the registry's own
# order is the keys panel's); tests/unit/test_vendors.py checks that every vendor has its address here.
_URL_ORDER = ("runware", "piapi", "openai", "removebg")
PROVIDER_URLS = Section("providers", "Provider addresses", "Advanced: where each vendor's API lives.", tuple(
    Setting(f"providers.{v.base_url_setting}", "url", v.default_base_url, f"{v.label} URL", advanced=True)
    for v in map(get_vendor, _URL_ORDER)
))

_THEMES = (("system", "System (follow the OS)"), ("light", "Light"), ("dark", "Dark"))
# "ask" until the user answers the page's question; nothing is fetched unless "daily" (gif_app/updates.py).
_UPDATE_CHECKS = (("ask", "Off (not asked yet)"), ("daily", "On: once a day"), ("off", "Off"))
UI = Section("ui", "Appearance", "How the app looks.", (
    Setting("ui.theme", "choice", "system", "Theme",
            "System follows the light or dark mode of your OS. Applied at once.", choices=_THEMES),
    Setting("ui.update_check", "choice", "ask", "Check for new versions",
            "Once a day the app asks the project's release feed for a newer version and shows a quiet banner "
            "with its release notes. Nothing is downloaded or installed.", choices=_UPDATE_CHECKS),
), is_per_job=False)

ADVANCED = Section("advanced", "Advanced", "", (
    Setting("advanced.debug_mode", "bool", False, "Debug logs", "Show debug-level lines in the log viewer."),
    Setting("advanced.price_overrides", "text", "", "Price overrides (USD)",
            "JSON object of vendor/model to your own price, replacing the price table below: a number (per "
            "image; per credit for removebg, per 4-image task for piapi) or {unit: price} with units image, "
            "task, input_1m, output_1m, credit. Empty: the table's prices.",
            placeholder='{"openai/gpt-image-1": 0.042, "openai/gpt-4o": {"input_1m": 2.5, "output_1m": 10}, '
                        '"removebg/*": 0.2}'),
))

SECTIONS: tuple[Section, ...] = (FILE_PATHS, PARAMETERS, PROCESSING, AI, METADATA, OUTPUT, PROVIDER_URLS,
                                 UI, ADVANCED)
SETTINGS: dict[str, Setting] = {s.key: s for section in SECTIONS for s in section.settings}
