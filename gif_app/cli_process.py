"""`gif-app process`: the job's processing recipe applied to local files, in parallel on all cores."""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from gif_app import settings as settings_mod
from gif_app.errors import AppError, ConfigurationError
from gif_app.pipeline.finalize import unique_path, write_atomic
from gif_app.pipeline.process import ProcessingSettings, process_image

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


def _process_one(source: str, out_dir: str, recipe: ProcessingSettings) -> str:
    """Process one file in a worker process; return the output path (remover: none, local recipe only)."""
    path = Path(source)
    outcome = process_image(path.read_bytes(), path.name, recipe, None)
    target = unique_path(Path(out_dir), f"{path.stem}.{outcome.extension}")
    write_atomic(target, outcome.data)
    return str(target)


def process_files(args: argparse.Namespace) -> int:
    """Run the recipe over the inputs with a progress bar; return 0 when every file succeeded."""
    settings = settings_mod.apply_overrides(settings_mod.defaults(), list(args.set))
    recipe = ProcessingSettings.from_settings(settings["processing"])
    if recipe.remove_bg:
        raise ConfigurationError("Background removal needs a job (keys, failure policy); "
                                 "`process` applies trim, enhance, resize and convert only.")
    files = collect_inputs(list(args.inputs))
    out_dir = Path(args.out).expanduser()
    out_dir.mkdir(parents=True, exist_ok=True)
    workers = args.workers or os.cpu_count() or 1
    failures = 0
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(_process_one, str(f), str(out_dir), recipe): f for f in files}
        for done, future in enumerate(as_completed(futures), start=1):
            try:
                future.result()
            except (AppError, OSError) as exc:
                failures += 1
                print(f"\n{futures[future].name}: {getattr(exc, 'message', exc)}", file=sys.stderr)
            bar = int(done / len(files) * 30)
            print(f"\r[{'#' * bar}{'.' * (30 - bar)}] {done}/{len(files)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    print(f"Processed {len(files) - failures} of {len(files)} file(s) into {out_dir}")
    return 0 if failures == 0 else 1
