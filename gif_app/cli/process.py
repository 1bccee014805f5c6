"""`gif-app process`: the job's processing recipe applied to local files, in parallel on all cores."""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from gif_app import settings as settings_mod
from gif_app.cli.output import ProgressLine, bar
from gif_app.errors import AppError, ConfigurationError
from gif_app.keystore import KeyStore, choose_backend
from gif_app.paths import resolve_home
from gif_app.pipeline.finalize import unique_path, write_atomic
from gif_app.pipeline.process import ProcessingSettings, process_image
from gif_app.pool_size import cap_workers
from gif_app.providers.base import BackgroundRemover
from gif_app.providers.factory import build_remover

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp"}


def collect_inputs(inputs: list[str]) -> list[Path]:
    """Return every image file named or inside a named folder, sorted."""
    files: list[Path] = []
    for item in inputs:
        path = Path(item).expanduser()
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*")) if p.suffix.lower() in IMAGE_SUFFIXES)
        elif path.is_file():
            files.append(path)
        else:
            raise ConfigurationError(f"{path} does not exist.")
    if not files:
        raise ConfigurationError("No PNG, JPG or WebP files found in the inputs.")
    return files


_REMOVER: dict[str, BackgroundRemover | None] = {"remover": None}


def _init_worker(remover_args: dict[str, Any] | None) -> None:
    """Build one background remover per worker process (a rembg session is not shared across processes)."""
    _REMOVER["remover"] = build_remover(**remover_args) if remover_args else None


def _process_one(source: str, out_dir: str, recipe: ProcessingSettings) -> tuple[bool, str, list[str]]:
    """Process one file in a worker process; return (ok, output path or why it failed, soft failures)."""
    path = Path(source)
    try:
        outcome = process_image(path.read_bytes(), path.name, recipe, _REMOVER["remover"])
        target = unique_path(Path(out_dir), f"{path.stem}.{outcome.extension}")
        write_atomic(target, outcome.data)
    except AppError as exc:  # our exceptions do not cross process boundaries well: send the message
        return False, exc.message, []
    except OSError as exc:
        return False, f"cannot read or write the image ({exc})", []
    except Exception as exc:  # noqa: BLE001 - one bad file never stops the batch: it is reported, the rest go on
        return False, f"unexpected error: {type(exc).__name__}: {exc}", []
    return True, str(target), [f"{soft['stage']}: {soft['message']}" for soft in outcome.record.soft_failures]


def _result(future: Future[tuple[bool, str, list[str]]]) -> tuple[bool, str, list[str]]:
    """Return a file's (ok, detail, soft failures), also when its worker process died (killed, out of memory)."""
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - e.g. BrokenProcessPool: this file failed, the report goes on
        return False, f"the worker processing it stopped ({type(exc).__name__}: {exc})", []


def _remover_args(recipe: ProcessingSettings, settings: settings_mod.Settings, home: Path) -> dict[str, Any] | None:
    """Return how each worker builds the remover; without a remove.bg key the failure policy decides."""
    key = KeyStore(choose_backend(home / "keys.json")).get("removebg") if recipe.remover == "removebg" else ""
    if recipe.remover == "removebg" and not key:
        return None
    return {"kind": recipe.remover, "api_key": key, "base_url": settings["providers"]["removebg_base_url"],
            "timeout_s": 60.0, "retries": 2, "size": recipe.remove_bg_size, "model_name": recipe.rembg_model,
            "model_home": home / "models"}


def process_files(args: argparse.Namespace) -> int:
    """Run the recipe over the inputs with a progress bar; return 0 when every file succeeded."""
    home = resolve_home(args.home, is_sandbox=args.sandbox)
    saved = settings_mod.SettingsFile(home / "settings.json").load().settings
    settings = settings_mod.apply_overrides(saved, list(args.set))
    recipe = ProcessingSettings.from_validated(settings)
    remover_args = _remover_args(recipe, settings, home) if recipe.remove_bg else None
    files = collect_inputs(list(args.inputs))
    out_dir = Path(args.out).expanduser()
    out_dir.mkdir(parents=True, exist_ok=True)
    workers = cap_workers(args.workers, os.cpu_count(), sys.platform)
    failures = 0
    line = ProgressLine()
    if args.workers and workers < args.workers:
        line.say(f"note: {args.workers} workers asked, {workers} used (the most a process pool may have here)")
    workers = min(workers, max(1, len(files)))  # no process without a file to work on
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(remover_args,)) as pool:
        futures = {pool.submit(_process_one, str(f), str(out_dir), recipe): f for f in files}
        for done, future in enumerate(as_completed(futures), start=1):
            is_ok, detail, soft = _result(future)
            if not is_ok:
                failures += 1
                line.say(f"error: {futures[future].name}: {detail}")
            for message in soft:  # kept the pixels, went on: said once, here, where it is handled
                line.say(f"warning: {futures[future].name}: {message}")
            line.draw(f"{bar(done / len(files))} {done}/{len(files)}")
    line.end()
    print(f"Processed {len(files) - failures} of {len(files)} file(s) into {out_dir}")
    return 0 if failures == 0 else 1
