"""A Failed Images retry's paid calls land on its job's bill under the step "retry"."""

from __future__ import annotations

import pytest

from gif_app.app import App
from gif_app.domain import ChargeStep, ImageStatus
from tests.integration.retry_support import Done, failed_job, retries_of


def test_a_retry_with_remove_bg_adds_its_credits_to_the_job_as_a_retry(sandbox_app: App) -> None:
    ids = failed_job(sandbox_app, "figs", {}, images=2)
    execution_id = sandbox_app.repo.get_image(ids[0]).execution_id
    before = sandbox_app.repo.get_execution(execution_id).cost
    done = Done(sandbox_app)
    retries_of(sandbox_app).start_worker()
    modified = {"remove_bg": True, "remover": "removebg", "remove_bg_size": "preview"}
    assert sandbox_app.api.retry_images(ids, "modified", modified, False, [])["ok"]
    done.wait(2)
    assert all(sandbox_app.repo.get_image(i).status is ImageStatus.APPROVED for i in ids)
    charges = [c for c in sandbox_app.repo.charges_of_execution(execution_id) if c.step is ChargeStep.RETRY]
    assert len(charges) == 2 and {c.image_id for c in charges} == set(ids)
    assert all(c.vendor == "removebg" and c.amount > 0 and not c.is_estimated for c in charges)
    sandbox_app.repo.refresh_counts(execution_id)
    after = sandbox_app.repo.get_execution(execution_id).cost
    assert after == pytest.approx(before + sum(c.amount for c in charges), abs=1e-6)
    rows = {row["step"]: row for row in sandbox_app.api.get_job(execution_id)["data"]["cost_breakdown"]}
    assert rows["retry"]["step_label"] == "Retries" and rows["retry"]["calls"] == 2
