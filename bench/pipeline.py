"""Measure a job's wall time at concurrency 1 and 4 against the sandbox with fixed provider latency.

The sandbox runs in its own process (`gif-app sandbox serve`) so that its image rendering does not
share our interpreter's GIL; the app under test is a normal (non-sandbox) app pointed at it, with the
real clients. Prints both wall times, their ratio (budget: >= 3.5x) and our overhead per image
(budget: <= 50 ms), measured two ways: wall time minus the latency on the critical path at
concurrency 1, and the whole job at zero latency divided by its images.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gif_app.app import App, AppOptions, build_app  # noqa: E402
from gif_app.domain import JobExecution  # noqa: E402
from gif_app.jobs.service import JobService  # noqa: E402
from gif_app.sandbox.demo import write_demo_inputs  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class RunResult:
    """One measured job."""

    concurrency: int
    wall_s: float
    execution: JobExecution
    latency_on_path_s: float
    cpu_s: float


class Sandbox:
    """The sandbox servers in a child process, with the given per-vendor latency."""

    def __init__(self, runware_s: float, openai_s: float) -> None:
        env = {**os.environ, "GIF_SANDBOX_LATENCY": f"runware={runware_s},openai={openai_s}",
               "GIF_SANDBOX_FAULTS": ""}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "gif_app", "sandbox", "serve"], cwd=ROOT, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self._process.stdout is not None
        self.urls: dict[str, str] = {}
        while len(self.urls) < 4:
            line = self._process.stdout.readline()
            if not line:
                raise RuntimeError("the sandbox process ended before printing its URLs")
            vendor, _, url = line.strip().partition(" ")
            self.urls[vendor] = url

    def close(self) -> None:
        """Stop the child process."""
        self._process.terminate()
        self._process.wait(timeout=10)


def _app(home: Path, sandbox: Sandbox) -> App:
    app = build_app(home, AppOptions(prefer_keychain=False, start_workers=False))
    settings = app.ctx.settings_file.load().settings
    for vendor, url in sandbox.urls.items():
        settings["providers"][f"{vendor}_base_url"] = url
    settings["file_paths"]["keywords_file"] = str(write_demo_inputs(home / "inputs")["keywords_txt"])
    app.ctx.settings_file.save(settings)
    app.ctx.keystore.set("openai", "sk-bench-0000000000")
    app.ctx.keystore.set("runware", "rw-bench-0000000000")
    return app


def run_once(sandbox: Sandbox, args: argparse.Namespace, concurrency: int, latency: tuple[float, float]) -> RunResult:
    """Run one job in a fresh home and return its wall time."""
    with tempfile.TemporaryDirectory(prefix="gif-bench-") as folder:
        app = _app(Path(folder) / "home", sandbox)
        try:
            jobs = app.ctx.services.jobs
            assert isinstance(jobs, JobService)
            done = threading.Event()
            result: dict[str, JobExecution] = {}

            def on_event(event: str, execution: JobExecution) -> None:
                if event == "finished":
                    result["execution"] = execution
                    done.set()

            jobs.add_listener(on_event)
            overrides: dict[str, Any] = {
                "parameters.provider": "runware", "parameters.count": args.generations,
                "parameters.variations": args.variations, "parameters.concurrency": concurrency,
                "parameters.use_llm_prompts": True, "ai.run_quality_check": True, "ai.run_metadata_gen": True,
                "parameters.runware_dimensions_csv": args.size,
                # Processing off (the defaults convert to JPEG and upscale to 4 MP for Adobe Stock):
                # this measures the pipeline's own work, bench/processing.py the processing.
                "processing.remove_bg": False, "processing.trim_transparent_background": False,
                "processing.image_enhancement": False, "processing.image_convert": False,
                "processing.min_megapixels": 0,
            }
            jobs.start_job(overrides)
            cpu_before = _cpu_seconds()
            started = time.perf_counter()
            jobs.start_worker()
            if not done.wait(600):
                raise RuntimeError("the job did not finish in 10 minutes")
            wall = time.perf_counter() - started
            cpu = _cpu_seconds() - cpu_before
        finally:
            app.close()
    execution = result["execution"]
    runware_s, openai_s = latency
    # At concurrency 1 every call is on the critical path: a prompt and a render per generation,
    # a QC call per image and a metadata call per image that passed QC.
    on_path = args.generations * (openai_s + runware_s) + execution.generated * openai_s \
        + execution.approved * openai_s
    return RunResult(concurrency, wall, execution, on_path, cpu)


def _cpu_seconds() -> float:
    """Return this process's CPU time (all threads; the sandbox runs elsewhere)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generations", type=int, default=20)
    parser.add_argument("--variations", type=int, default=4)
    parser.add_argument("--runware-latency", type=float, default=0.5)
    parser.add_argument("--openai-latency", type=float, default=0.1)
    parser.add_argument("--size", default="1024x1024", help="Runware dimensions (WxH)")
    args = parser.parse_args()
    latency = (args.runware_latency, args.openai_latency)
    images = args.generations * args.variations
    print(f"pipeline bench: {args.generations} generations x {args.variations} variations ({images} images), "
          f"{args.size}, latency runware={latency[0]} s openai={latency[1]} s, QC + metadata on, processing off")
    sandbox = Sandbox(*latency)
    try:
        runs = [run_once(sandbox, args, c, latency) for c in (1, 4)]
    finally:
        sandbox.close()
    for run in runs:
        e = run.execution
        print(f"  concurrency {run.concurrency}: {run.wall_s:6.2f} s  ({e.status.value}, {e.generated} images, "
              f"{e.approved} approved, {e.qc_failed} QC failed; our CPU {run.cpu_s:.2f} s = "
              f"{run.cpu_s / max(e.generated, 1) * 1000:.1f} ms per image)")
    ratio = runs[0].wall_s / runs[1].wall_s
    print(f"  speed-up 4 vs 1: {ratio:.2f}x  (budget >= 3.5x) {'OK' if ratio >= 3.5 else 'BELOW BUDGET'}")
    serial = runs[0]
    overhead = (serial.wall_s - serial.latency_on_path_s) / max(serial.execution.generated, 1) * 1000
    print(f"  overhead per image at concurrency 1: {overhead:.1f} ms  (wall {serial.wall_s:.2f} s - latency on "
          f"the critical path {serial.latency_on_path_s:.2f} s; includes the sandbox's own work)")
    zero = Sandbox(0.0, 0.0)
    try:
        fast = run_once(zero, args, 1, (0.0, 0.0))
    finally:
        zero.close()
    per_image = fast.wall_s / max(fast.execution.generated, 1) * 1000
    cpu_per_image = fast.cpu_s / max(fast.execution.generated, 1) * 1000
    print(f"  zero latency, concurrency 1: {fast.wall_s:.2f} s = {per_image:.1f} ms per image wall (sandbox work "
          f"included); our own CPU {cpu_per_image:.1f} ms per image  (budget <= 50 ms) "
          f"{'OK' if cpu_per_image <= 50 else 'ABOVE BUDGET'}")


if __name__ == "__main__":
    main()
