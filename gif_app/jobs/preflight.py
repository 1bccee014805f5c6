"""Pre-flight: everything that would make a job fail at once, found before a job record is created.

The CLI (`gif-app run`), the API's `start_job` and the Start dialog's inline check all ask this one function,
so a job that could not start never leaves a failed record behind. Each problem names the setting it
concerns (`keys.<vendor>` for an API key) so the page can open Settings on it.
"""

from __future__ import annotations

from pathlib import Path

from gif_app import settings as settings_mod
from gif_app.errors import ConfigurationError, Problem
from gif_app.jobs.planning import ProviderAccess, read_template, required_keys
from gif_app.paths import HomeLayout
from gif_app.pipeline.keywords import load_keywords, plan_keywords
from gif_app.settings_schema import SETTINGS
from gif_app.vendors import get_vendor

KEY_SETTING_PREFIX = "keys."
_TEMPLATES = (("file_paths.system_prompt_file", "prompt template file"),
              ("file_paths.quality_check_prompt_file", "QC prompt file"),
              ("file_paths.metadata_prompt_file", "metadata prompt file"))


def preflight(settings: settings_mod.Settings, access: ProviderAccess, home: HomeLayout, *,
              renders: bool = True) -> list[Problem]:
    """Return every problem that would stop a job with these settings at once (empty: it can start).

    An import job (`renders` False) needs no keyword file and no image provider key.
    """
    keywords = keyword_problems(settings) if renders else []
    return [*key_problems(settings, access, renders=renders), *keywords, *template_problems(settings),
            *folder_problems(settings, home)]


def key_problems(settings: settings_mod.Settings, access: ProviderAccess, *, renders: bool = True) -> list[Problem]:
    """Return a problem per key the enabled steps need that is missing or malformed."""
    problems = []
    for vendor_id in required_keys(settings, renders=renders):
        vendor = get_vendor(vendor_id)
        key = (access.keys.get(vendor_id) or "").strip()
        where = (f"Add it in Settings → API keys (or set {vendor.key_env_var}); to try the app without keys, "
                 "use the sandbox (gif-app --sandbox).")
        if not key:
            message = f"No {vendor.label} API key is set; {_why_needed(settings, vendor_id)}. {where}"
        elif not vendor.is_well_formed_key(key):
            message = (f"The {vendor.label} API key does not look like a key ({vendor.key_rule}). "
                       f"Paste it again in Settings → API keys.")
        else:
            continue
        problems.append(Problem(f"{KEY_SETTING_PREFIX}{vendor_id}", message))
    return problems


def _why_needed(settings: settings_mod.Settings, vendor_id: str) -> str:
    params, ai = settings["parameters"], settings["ai"]
    if vendor_id == get_vendor(params["provider"]).id:
        return f"the image provider is {get_vendor(vendor_id).label}"
    steps = [name for name, is_on in (("prompt writing", params["use_llm_prompts"]),
                                      ("quality check", ai["run_quality_check"]),
                                      ("metadata", ai["run_metadata_gen"])) if is_on]
    return f"{', '.join(steps)} use{'s' if len(steps) == 1 else ''} it"


def keyword_problems(settings: settings_mod.Settings) -> list[Problem]:
    """Return a problem when the keyword file is unset, missing, unreadable or holds no keyword."""
    path = settings["file_paths"]["keywords_file"]
    try:
        source = load_keywords(Path(path).expanduser() if path else None)
        plan_keywords(source, 1, is_random=False)
    except ConfigurationError as exc:
        return [Problem("file_paths.keywords_file", exc.message)]
    return []


def template_problems(settings: settings_mod.Settings) -> list[Problem]:
    """Return a problem per chosen template file that is missing or unreadable."""
    problems = []
    for key, what in _TEMPLATES:
        try:
            read_template(settings_mod.get(settings, key), what)
        except ConfigurationError as exc:
            problems.append(Problem(key, exc.message))
    return problems


def folder_problems(settings: settings_mod.Settings, home: HomeLayout) -> list[Problem]:
    """Return a problem per output or temp folder that is relative, or cannot be created or written."""
    problems = []
    for key, default in (("file_paths.output_directory", home.default_output),
                         ("file_paths.temp_directory", home.default_temp)):
        text = str(settings_mod.get(settings, key) or "").strip()
        folder = Path(text).expanduser() if text else default
        label = SETTINGS[key].label
        if not folder.is_absolute():
            problems.append(Problem(key, f"{label}: use a full folder path, not {text!r}. Choose it in "
                                         "Settings → File paths."))
            continue
        problem = settings_mod.folder_problem(folder)
        if problem:
            problems.append(Problem(key, f"{label}: {problem} Choose another folder in Settings → File paths."))
    return problems
