#!/usr/bin/env python3
"""Live smoke test for maintainers: one tiny job per vendor with the real keys in the environment.

Each job makes one image (PiAPI bills a whole four-image task) through the app's own pipeline in a
throw-away app home and prints what the vendor answered: the job's outcome, its cost and its log. It
costs a few cents in all and is never run by CI.

    OPENAI_API_KEY=... RUNWARE_API_KEY=... python tools/live_smoke.py
    python tools/live_smoke.py --vendors runware,removebg      # only these
    python tools/live_smoke.py --sandbox                       # the same jobs against the built-in sandbox

A vendor whose key is not set is skipped (remove.bg also needs a Runware key: it cuts out a Runware image).
Exit code 0 when every job that ran completed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gif_app.app import AppOptions, build_app  # noqa: E402
from gif_app.domain import JobExecution  # noqa: E402
from gif_app.logs import record_to_text  # noqa: E402
from gif_app.vendors import VENDORS, get_vendor  # noqa: E402

JOB_TIMEOUT_S = 600.0

# The smallest job that exercises each vendor: no LLM unless the vendor is OpenAI, one image.
_QUIET = {"parameters.count": 1, "parameters.variations": 1, "parameters.use_llm_prompts": False,
          "ai.run_quality_check": False, "ai.run_metadata_gen": False}
JOBS: dict[str, dict[str, Any]] = {
    "runware": {**_QUIET, "parameters.provider": "runware"},
    "piapi": {**_QUIET, "parameters.provider": "piapi"},
    "openai": {**_QUIET, "parameters.provider": "openai", "parameters.use_llm_prompts": True,
               "ai.run_quality_check": True, "ai.run_metadata_gen": True, "parameters.openai_model": "gpt-4o-mini"},
    "removebg": {**_QUIET, "parameters.provider": "runware", "processing.remove_bg": True,
                 "processing.remove_bg_failure_mode": "mark_failed"},
}
NEEDS = {"removebg": ("removebg", "runware")}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Return the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendors", default=",".join(JOBS), help="comma-separated: " + ", ".join(JOBS))
    parser.add_argument("--sandbox", action="store_true", help="run against the built-in sandbox (no keys)")
    return parser.parse_args(argv)


def missing_keys(vendor: str, environ: Mapping[str, str]) -> list[str]:
    """Return the key variables a vendor's job needs that are not set."""
    return [get_vendor(v).key_env_var for v in NEEDS.get(vendor, (vendor,))
            if not environ.get(get_vendor(v).key_env_var)]


def run_one(vendor: str, home: Path, *, is_sandbox: bool) -> bool:
    """Run the vendor's job in its own app home, print what happened, return True when it completed."""
    keywords = home / "keywords.txt"
    home.mkdir(parents=True, exist_ok=True)
    keywords.write_text("red apple on a white background\n", encoding="utf-8")
    # Real keys go only to their vendors: the sandbox run sees none of them.
    environ = {} if is_sandbox else dict(os.environ)
    app = build_app(home, AppOptions(is_sandbox=is_sandbox, prefer_keychain=False, environ=environ))
    finished = threading.Event()
    ended: dict[str, JobExecution] = {}

    def on_event(event: str, execution: JobExecution) -> None:
        if event == "finished":
            ended["execution"] = execution
            finished.set()

    try:
        app.ctx.services.jobs.add_listener(on_event)
        overrides = {**JOBS[vendor], "file_paths.keywords_file": str(keywords),
                     "parameters.label": f"live smoke {vendor}"}
        answer = app.api.start_job(overrides)
        if not answer["ok"]:
            print(f"  refused: {answer['error']['message']}")
            return False
        if not finished.wait(JOB_TIMEOUT_S):
            print(f"  no answer within {JOB_TIMEOUT_S:.0f} s; stopping")
            app.ctx.services.jobs.force_stop()
            return False
        execution = ended["execution"]
        print(f"  {execution.status.value}: {execution.generated} generated, {execution.approved} approved, "
              f"cost {execution.cost:.4f}" + (f" — {execution.error}" if execution.error else ""))
        for record in app.repo.logs_of_execution(execution.id, limit=200):
            print("    " + record_to_text(record))
        return execution.status.value == "completed"
    finally:
        app.close()


def main(argv: list[str] | None = None) -> int:
    """Run the chosen vendors' jobs and return the exit code."""
    args = parse_args(argv)
    chosen = [v.strip() for v in args.vendors.split(",") if v.strip()]
    unknown = sorted(set(chosen) - set(JOBS))
    if unknown:
        print(f"unknown vendor(s): {', '.join(unknown)}; known: {', '.join(v.id for v in VENDORS)}")
        return 2
    results: dict[str, bool] = {}
    with tempfile.TemporaryDirectory(prefix="gif-live-smoke-") as root:
        for vendor in chosen:
            print(f"{get_vendor(vendor).label}:")
            missing = [] if args.sandbox else missing_keys(vendor, os.environ)
            if missing:
                print(f"  skipped: set {', '.join(missing)}")
                continue
            results[vendor] = run_one(vendor, Path(root) / vendor, is_sandbox=args.sandbox)
    print("summary: " + (", ".join(f"{v} {'ok' if ok else 'FAILED'}" for v, ok in results.items()) or "nothing ran"))
    return 0 if results and all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
