"""The estimate before a job brackets what a fault-free sandbox job then costs; the CLI prints both."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gif_app.app import App
from gif_app.domain import JobStatus
from tests.integration.conftest import FAST, run_job

EVERYTHING_ON = {"parameters.count": 3, "parameters.variations": 2, "parameters.use_llm_prompts": True,
                 "ai.run_quality_check": True, "ai.run_metadata_gen": True, "processing.remove_bg": True,
                 "processing.remover": "removebg", "processing.remove_bg_size": "preview"}


@pytest.mark.parametrize("provider", ["runware", "piapi", "openai"])
def test_the_estimate_brackets_the_cost_of_a_fault_free_job(sandbox_app: App, provider: str) -> None:
    overrides: dict[str, Any] = {**FAST, **EVERYTHING_ON, "parameters.provider": provider}
    answer = sandbox_app.api.estimate_job(overrides)
    assert answer["ok"], answer
    estimate = answer["data"]
    per_generation = 4 if provider == "piapi" else 2
    assert estimate["images"] == 3 * per_generation and estimate["unpriced"] == []
    assert {s["step"] for s in estimate["steps"]} == {"prompt", "render", "qc", "remove_bg", "metadata"}
    assert sandbox_app.api.list_jobs({})["data"]["total"] == 0  # the estimate created nothing
    execution = run_job(sandbox_app, overrides)
    assert execution.status is JobStatus.COMPLETED, execution.error
    assert estimate["usd_low"] <= execution.cost <= estimate["usd_high"], (estimate, execution.cost)
    spent = {row["step"]: 0.0 for row in estimate["steps"]}
    for row in sandbox_app.repo.cost_breakdown(execution.id):
        spent[row["step"]] += row["amount"]
    for step in estimate["steps"]:
        assert step["usd_low"] - 1e-6 <= spent[step["step"]] <= step["usd_high"] + 1e-6, (step, spent)


def test_retries_widen_only_the_upper_end(sandbox_app: App) -> None:
    none = sandbox_app.api.estimate_job({"parameters.generation_retries": 0})["data"]
    two = sandbox_app.api.estimate_job({"parameters.generation_retries": 2})["data"]
    assert none["usd_low"] == two["usd_low"] and two["usd_high"] > none["usd_high"]
    assert two["calls_high"] == 3 * none["calls_high"]


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gif_app", "--home", str(home), "run", "--sandbox", *args],
                          capture_output=True, text=True, timeout=180, check=False)


def test_dry_run_prints_the_estimate_and_creates_no_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GIF_SANDBOX_FAULTS", raising=False)
    home = tmp_path / "home"
    done = _cli(home, "--dry-run", "--json", "--set", "parameters.count=500", "--set", "parameters.variations=2")
    assert done.returncode == 0, done.stderr
    assert "Estimate: 500 generation(s), 1000 image(s)" in done.stderr  # with --json, stdout is the JSON alone
    data = json.loads(done.stdout)
    assert data["dry_run"] is True and data["images"] == 1000 and data["usd_high"] > data["usd_low"] > 0
    assert not (home / "gif_app.db").exists() and not any(home.glob("*.db"))


def test_the_json_summary_has_the_breakdown_and_the_budget_stop(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GIF_SANDBOX_FAULTS", raising=False)
    monkeypatch.delenv("GIF_SANDBOX_LATENCY", raising=False)
    done = _cli(tmp_path / "home", "--json", "--set", "parameters.count=6", "--set", "parameters.variations=2",
                "--set", "parameters.use_llm_prompts=false", "--set", "ai.run_metadata_gen=false",
                "--set", "parameters.budget_usd=0.02", "--set", "parameters.generation_retry_backoff_ms=0")
    assert done.returncode == 1, done.stderr  # not completed
    summary = json.loads(done.stdout)
    assert summary["status"] == "stopped" and summary["stop_reason"] == "budget"
    assert "Budget reached" in summary["error"] and "Cost breakdown:" in done.stderr
    steps = {row["step"] for row in summary["cost_breakdown"]}
    assert "render" in steps and 0 < summary["cost"] <= 0.02 + 1e-9
