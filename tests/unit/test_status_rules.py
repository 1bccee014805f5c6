"""Status rules live once, on JobStatus / ImageStatus; the API sends them as flags; every reason code has words."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from gif_app.api.serialize import execution_json, image_json
from gif_app.app import App, AppOptions, build_app
from gif_app.domain import (
    REASON_LABELS,
    FailureStage,
    GeneratedImage,
    ImageStatus,
    JobExecution,
    JobStatus,
    NewImage,
    ProcessingRecord,
    StockMetadata,
    image_badge_label,
    reason_label,
)
from gif_app.errors import ConflictError

PACKAGE = Path(__file__).resolve().parents[2] / "gif_app"
REASON_CODE = re.compile(r"^processing_failed:[a-z_]+$")

# status -> (is_active, is_running, is_terminal, is_complete, is_resumable, can_rerun, can_delete, can_cancel)
JOB_RULES = {
    JobStatus.QUEUED: (True, False, False, False, False, True, True, True),
    JobStatus.RUNNING: (True, True, False, False, False, True, False, False),
    JobStatus.COMPLETED: (False, False, True, True, False, True, True, False),
    JobStatus.FAILED: (False, False, True, False, True, True, True, False),
    JobStatus.STOPPED: (False, False, True, False, True, True, True, False),
    JobStatus.INTERRUPTED: (False, False, False, False, True, True, True, False),
    JobStatus.CANCELLED: (False, False, True, False, False, True, True, False),
}

# status -> (is_approved, is_failed, is_retryable, is_in_retry, is_processing, can_delete)
IMAGE_RULES = {
    ImageStatus.PENDING: (False, False, False, False, False, True),
    ImageStatus.APPROVED: (True, False, False, False, False, True),
    ImageStatus.QC_FAILED: (False, True, True, False, False, True),
    ImageStatus.RETRY_PENDING: (False, False, False, True, False, True),
    ImageStatus.PROCESSING: (False, False, False, True, True, False),
    ImageStatus.RETRY_FAILED: (False, True, True, False, False, True),
    ImageStatus.DOWNLOAD_FAILED: (False, False, False, False, False, True),
}


def _execution(status: JobStatus) -> JobExecution:
    now = datetime(2026, 3, 1, 9, 0)
    return JobExecution(id=1, label="Cats", status=status, configuration_id=None, parent_id=None, created_at=now,
                        started_at=now, finished_at=None, planned=4, generated=0, approved=0, qc_failed=0, failed=0,
                        cost=0.0, error=None, settings_snapshot={}, queue_position=None)


def _image(status: ImageStatus, reason: str | None = None) -> GeneratedImage:
    now = datetime(2026, 3, 1, 9, 0)
    return GeneratedImage(id=7, mapping_id="m-7", execution_id=1, generation_index=0, variation_index=0, prompt="p",
                          keyword="cat", seed=1, provider="runware", provider_ids={}, status=status, reason=reason,
                          temp_path="/tmp/x.png", final_path=None, metadata=StockMetadata(),
                          processing=ProcessingRecord(), cost=0.0, created_at=now, updated_at=now)


def test_every_job_status_has_its_rules_and_words() -> None:
    assert set(JOB_RULES) == set(JobStatus)
    for status, rules in JOB_RULES.items():
        got = (status.is_active, status.is_running, status.is_terminal, status.is_complete, status.is_resumable,
               status.can_rerun, status.can_delete, status.can_cancel)
        assert got == rules, status
        assert status.label == status.value.capitalize()


def test_every_image_status_has_its_rules_and_words() -> None:
    assert set(IMAGE_RULES) == set(ImageStatus)
    for status, rules in IMAGE_RULES.items():
        got = (status.is_approved, status.is_failed, status.is_retryable, status.is_in_retry, status.is_processing,
               status.can_delete)
        assert got == rules, status
        assert status.label and status.label[0].isupper()
    assert ImageStatus.QC_FAILED.label == "QC failed"


@pytest.mark.parametrize("status", list(JobStatus))
def test_execution_json_sends_the_rules_as_flags(status: JobStatus) -> None:
    data = execution_json(_execution(status))
    assert data["status"] == status.value
    assert data["status_label"] == status.label
    for flag in ("is_active", "is_running", "is_terminal", "is_complete", "is_resumable", "can_rerun", "can_delete",
                 "can_cancel"):
        assert data[flag] is getattr(status, flag), flag
    # A queued run has not started, so it shows no duration (even a resumed one with an earlier start).
    assert (data["duration_s"] is None) is (status is JobStatus.QUEUED)


@pytest.mark.parametrize("status", list(ImageStatus))
def test_image_json_sends_the_rules_as_flags(status: ImageStatus) -> None:
    data = image_json(_image(status, FailureStage.TRIM.reason))
    assert data["status"] == status.value
    # A failed image's badge names the stage that failed; any other status keeps its own words.
    assert data["status_label"] == ("Trim failed" if status.is_failed else status.label)
    expected = {"is_approved": status.is_approved, "is_failed": status.is_failed, "is_in_retry": status.is_in_retry,
                "is_processing": status.is_processing, "can_retry": status.is_retryable,
                "can_approve": status.is_retryable, "can_delete": status.can_delete,
                "needs_download": status.needs_download}
    assert {k: data[k] for k in expected} == expected
    assert data["reason_label"] == "Trim failed"


def test_every_failure_stage_reason_has_a_label() -> None:
    for stage in FailureStage:
        assert REASON_LABELS[stage.reason] == stage.label
        assert reason_label(stage.reason) == stage.label
        assert not stage.label.startswith("processing_failed")
    assert reason_label(None) == ""
    assert reason_label("Blurry subject") == "Blurry subject"  # the QC model's own words pass through


def _module_strings(tree: ast.Module) -> dict[str, str]:
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def _written_codes() -> Iterator[tuple[str, str]]:
    """Yield (where, reason code) for every reason code the package can write."""
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = _module_strings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and REASON_CODE.match(node.value):
                yield f"{path.name}:{node.lineno}", node.value
            # A processing failure names its stage; the stage becomes processing_failed:<stage>.
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
                name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
                if name not in {"ProcessingError", "_fail"}:
                    continue
                for arg in node.args:
                    value = arg.value if isinstance(arg, ast.Constant) else (
                        names.get(arg.id) if isinstance(arg, ast.Name) else None)
                    if isinstance(value, str) and re.fullmatch(r"[a-z_]+", value):
                        yield f"{path.name}:{node.lineno}", f"processing_failed:{value}"


def test_every_reason_code_the_code_writes_has_a_label() -> None:
    codes = list(_written_codes())
    # The retry service writes FailureStage.PROCESSING.reason: every FailureStage has its label (checked above).
    assert FailureStage.PROCESSING.reason in REASON_LABELS
    assert ("processing_failed:remove_bg" in {code for _, code in codes}), "the scan found the stage names"
    missing = sorted({f"{where} {code}" for where, code in codes if code not in REASON_LABELS})
    assert not missing, f"reason codes without a label: {missing}"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    """Return the real app on a fresh home with the keys a job needs, its job worker not started (resumed jobs stay
    queued); resume checks the keys first."""
    keys = {"OPENAI_API_KEY": "sk-test-1234", "RUNWARE_API_KEY": "rw-test-1234"}
    built = build_app(tmp_path / "home", AppOptions(prefer_keychain=False, environ=keys, start_workers=False))
    yield built
    built.close()


def test_resume_accepts_exactly_the_resumable_statuses(app: App) -> None:
    settings = app.ctx.settings_file.load().settings
    for status in JobStatus:
        execution = app.repo.create_execution(label=f"Job {status.value}", configuration_id=None,
                                              settings_snapshot=settings, planned=2, status=status)
        answer = app.api.resume_job(execution.id)
        if status.is_resumable:
            assert answer["ok"], answer.get("error")
            assert answer["data"]["status"] == JobStatus.QUEUED.value
        else:
            assert not answer["ok"]
            assert answer["error"]["code"] == ConflictError.code, status


@pytest.mark.parametrize("status", list(JobStatus))
def test_a_finished_job_with_images_awaiting_download_is_resumable(status: JobStatus) -> None:
    waiting = replace(_execution(status), awaiting_download=1)
    # The status's own rule, or: over (even completed) with a billed image still to fetch.
    assert waiting.is_resumable is (status.is_resumable or status.is_terminal)
    assert execution_json(waiting)["is_resumable"] is waiting.is_resumable
    assert execution_json(waiting)["awaiting_download"] == 1
    assert _execution(status).is_resumable is status.is_resumable


def test_resume_takes_a_completed_job_only_while_an_image_awaits_its_download(app: App) -> None:
    settings = app.ctx.settings_file.load().settings
    execution = app.repo.create_execution(label="Done", configuration_id=None, settings_snapshot=settings,
                                          planned=2, status=JobStatus.COMPLETED)
    refused = app.api.resume_job(execution.id)
    assert not refused["ok"] and refused["error"]["code"] == ConflictError.code
    assert "images still to download" in refused["error"]["message"]
    app.repo.record_image(NewImage(mapping_id="m-1", execution_id=execution.id, generation_index=0, variation_index=0,
                                prompt="p", keyword="cat", seed=1, provider="runware",
                                provider_ids={"source_url": "http://127.0.0.1:9/x.png"}, temp_path="", cost=0.01,
                                status=ImageStatus.DOWNLOAD_FAILED, reason=FailureStage.DOWNLOAD.reason))
    app.repo.refresh_counts(execution.id)  # as the job's events do after each recorded image
    listed = app.api.get_job(execution.id)
    assert listed["ok"] and listed["data"]["execution"]["is_resumable"] is True
    answer = app.api.resume_job(execution.id)
    assert answer["ok"], answer.get("error")
    assert answer["data"]["status"] == JobStatus.QUEUED.value


@pytest.mark.parametrize(("reason", "badge"), [
    ("Blurry subject", "QC failed"),  # the QC model's own words: the quality check failed it
    (FailureStage.QC.reason, "QC failed"), (FailureStage.REMOVE_BG.reason, "BG removal failed"),
    (FailureStage.METADATA.reason, "Metadata failed"), (FailureStage.DOWNLOAD.reason, "Download failed"),
    (FailureStage.CONVERT.reason, "Convert failed"), (FailureStage.PROCESSING.reason, "Processing failed"),
])
def test_a_failed_image_badge_names_the_stage_that_failed(reason: str, badge: str) -> None:
    assert image_json(_image(ImageStatus.QC_FAILED, reason))["status_label"] == badge
    assert image_badge_label(ImageStatus.RETRY_FAILED, reason) == (
        badge if reason in REASON_LABELS else ImageStatus.RETRY_FAILED.label)


def test_every_failure_stage_has_a_badge() -> None:
    for stage in FailureStage:
        assert image_badge_label(ImageStatus.QC_FAILED, stage.reason).endswith(" failed")
    assert image_badge_label(ImageStatus.APPROVED, FailureStage.TRIM.reason) == "Approved"
