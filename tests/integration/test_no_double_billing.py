"""A paid call that the vendor did process but whose answer never came back is not paid for twice."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest
from PIL import Image

from gif_app.app import App
from gif_app.domain import JobStatus
from gif_app.errors import PossiblyChargedError, ProviderError
from gif_app.providers.base import RenderRequest
from gif_app.providers.fetch import CHARGE_UNKNOWN, SOURCE_URL
from gif_app.providers.openai_images import OpenAIImages
from gif_app.providers.piapi import PiapiMidjourney
from gif_app.providers.removebg import RemoveBgRemover
from gif_app.providers.runware import RunwareGenerator
from gif_app.sandbox.servers import SandboxServers
from tests.integration.conftest import images_of, log_text, run_job, wait_until

REMOVE_BG = "/v1.0/removebg"
NOT_REPEATED = "not repeated to avoid a second charge"
# The client gives up after CLIENT_S; the sandbox answers (and bills) after VENDOR_S: the real-world case.
CLIENT_S, VENDOR_S = 0.25, 0.5


def _photo() -> bytes:
    buffer = io.BytesIO()
    picture = Image.new("RGB", (400, 300), (240, 240, 240))
    picture.paste((30, 90, 200), (120, 80, 280, 220))  # a subject remove.bg can find
    picture.save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def _runware(sandbox: SandboxServers, backoff_s: float) -> RunwareGenerator:
    return RunwareGenerator("k-12345678", sandbox.base_urls["runware"], timeout_s=CLIENT_S, retries=2,
                            backoff_s=backoff_s, poll_interval_s=0.05, poll_timeout_s=10.0)


def _inference_posts(sandbox: SandboxServers) -> int:
    return sandbox.request_count("runware", "/v1")


def test_removebg_call_sent_but_unanswered_is_not_sent_again(sandbox: SandboxServers) -> None:
    sandbox.config.timeout_delay = VENDOR_S
    sandbox.config.set_fault("removebg", "timeout")
    credits = sandbox.credits_left()
    remover = RemoveBgRemover("removebg-test-key-0123456789", sandbox.base_urls["removebg"], timeout_s=CLIENT_S,
                              retries=3, size="full", backoff_s=0.01)
    with pytest.raises(PossiblyChargedError) as caught:
        remover.remove(_photo(), "a.jpg")
    assert "remove.bg may have charged this call" in caught.value.message
    assert NOT_REPEATED in caught.value.message
    assert caught.value.charge == 1.0  # counted in the image's cost as if billed
    assert sandbox.request_count("removebg", REMOVE_BG) == 1
    # The vendor did the work after the client gave up: charged once, never twice.
    wait_until(lambda: sandbox.credits_left() < credits, what="remove.bg to finish the abandoned call")
    assert credits - sandbox.credits_left() == 1.0
    assert sandbox.request_count("removebg", REMOVE_BG) == 1


def test_removebg_refusals_are_still_retried(sandbox: SandboxServers) -> None:
    sandbox.config.set_fault("removebg", "503", rate=0.5)  # every second call is refused, and not charged
    remover = RemoveBgRemover("removebg-test-key-0123456789", sandbox.base_urls["removebg"], timeout_s=5.0,
                              retries=2, size="full", backoff_s=0.01)
    credits = sandbox.credits_left()
    for _ in range(2):
        remover.remove(_photo(), "a.jpg")
    assert sandbox.request_count("removebg", REMOVE_BG) == 3
    assert credits - sandbox.credits_left() == 2.0


def test_connect_failure_is_retried_as_nothing_was_sent() -> None:
    with SandboxServers.start() as gone:
        url = gone.base_urls["removebg"]
    remover = RemoveBgRemover("removebg-test-key-0123456789", url, timeout_s=2.0, retries=1, size="preview",
                              backoff_s=0.01)
    with pytest.raises(ProviderError) as caught:
        remover.remove(_photo(), "a.jpg")
    assert caught.value.code == "network_error" and not isinstance(caught.value, PossiblyChargedError)


def test_runware_repeat_after_the_vendor_rendered_reads_the_first_answer_back(sandbox: SandboxServers) -> None:
    generator = _runware(sandbox, backoff_s=1.0)  # the repeat goes after the sandbox has rendered the first send
    generator.render(RenderRequest(prompt="a warm-up apple"))  # api request 1; faults hit every second one
    sandbox.config.timeout_delay = VENDOR_S
    sandbox.config.set_fault("runware", "timeout", rate=0.5)
    images = generator.render(RenderRequest(prompt="a red apple on a table", count=2))
    assert len(images) == 2 and all(image.data for image in images)
    task_uuid = images[0].provider_ids["taskUUID"]
    billed = [b for b in sandbox.billed("runware") if b.request_id == task_uuid]
    assert len(billed) == 1 and billed[0].images == 2  # the repeat was refused (conflictTaskUUID), not billed
    assert sandbox.billed_images("runware") == 3  # warm-up 1 + this task's 2
    assert {image.cost for image in images} == {billed[0].cost / 2}


def test_runware_repeat_before_the_vendor_rendered_is_the_one_billed(sandbox: SandboxServers) -> None:
    generator = _runware(sandbox, backoff_s=0.01)
    generator.render(RenderRequest(prompt="a warm-up apple"))
    sandbox.config.timeout_delay = 3.0  # the first send is still held when the repeat arrives
    sandbox.config.set_fault("runware", "timeout", rate=0.5)
    images = generator.render(RenderRequest(prompt="a red apple on a table"))
    task_uuid = images[0].provider_ids["taskUUID"]
    assert [b.request_id for b in sandbox.billed("runware")][1:] == [task_uuid]
    assert _inference_posts(sandbox) == 3  # warm-up, the unanswered send, its repeat with the same taskUUID


def test_runware_same_task_uuid_is_refused_and_not_billed(sandbox: SandboxServers) -> None:
    import httpx

    task: dict[str, Any] = {"taskType": "imageInference", "taskUUID": str(uuid.uuid4()), "model": "runware:101@1",
                            "positivePrompt": "a red apple", "width": 512, "height": 512}
    url = sandbox.base_urls["runware"] + "/v1"
    headers = {"Authorization": "Bearer k-12345678"}
    assert httpx.post(url, json=[task], headers=headers).status_code == 200
    again = httpx.post(url, json=[task], headers=headers)
    assert again.status_code == 400 and again.json()["errors"][0]["code"] == "conflictTaskUUID"
    details = httpx.post(url, json=[{"taskType": "getTaskDetails", "taskUUID": task["taskUUID"]}],
                         headers=headers).json()["data"][0]
    assert details["request"][0]["taskUUID"] == task["taskUUID"] and details["response"]["data"]
    assert len(sandbox.billed("runware")) == 1


def test_runware_unanswered_every_time_is_recorded_missing_with_the_reason(sandbox: SandboxServers) -> None:
    sandbox.config.timeout_delay = VENDOR_S
    sandbox.config.set_fault("runware", "timeout")
    [image] = _runware(sandbox, backoff_s=0.01).render(RenderRequest(prompt="a red apple"))
    assert image.is_missing and image.provider_ids[CHARGE_UNKNOWN] and SOURCE_URL not in image.provider_ids
    assert "may have charged task" in image.download_error and "same taskUUID" in image.download_error
    assert image.provider_ids["taskUUID"] in image.download_error
    wait_until(lambda: len(sandbox.billed("runware")) == 1, what="the first send to be rendered")
    assert _inference_posts(sandbox) == 3  # one send and two repeats, all with one taskUUID
    assert len(sandbox.billed("runware")) == 1  # the repeats wake after it and are refused as repeats


def test_openai_image_call_sent_but_unanswered_is_not_sent_again(sandbox: SandboxServers) -> None:
    sandbox.config.timeout_delay = 2.0
    sandbox.config.set_fault("openai", "timeout")
    [image] = OpenAIImages("sk-test-0123456789abcdef", sandbox.base_urls["openai"], timeout_s=CLIENT_S, retries=3,
                           backoff_s=0.01).render(RenderRequest(prompt="a red apple"))
    assert image.is_missing and image.provider_ids[CHARGE_UNKNOWN]  # recorded as what may have been billed
    assert "OpenAI may have charged this call" in image.download_error and NOT_REPEATED in image.download_error
    assert sandbox.request_count("openai", "/v1/images") == 1


def test_piapi_create_sent_but_unanswered_is_not_sent_again(sandbox: SandboxServers) -> None:
    sandbox.config.timeout_delay = 2.0
    sandbox.config.set_fault("piapi", "timeout")
    images = PiapiMidjourney("piapi-key-0123456789", sandbox.base_urls["piapi"], timeout_s=CLIENT_S, retries=3,
                             backoff_s=0.01).render(RenderRequest(prompt="a lighthouse", count=4))
    assert len(images) == 4 and all(i.is_missing and i.provider_ids[CHARGE_UNKNOWN] for i in images)
    assert "PiAPI may have created (and charged)" in images[0].download_error
    assert sandbox.request_count("piapi", "/api/v1/task") == 1


def _job(extra: dict[str, Any]) -> dict[str, Any]:
    return {"parameters.provider": "runware", "parameters.count": 4, "parameters.variations": 1,
            "parameters.concurrency": 1, "parameters.use_llm_prompts": False, "parameters.generation_retries": 2,
            "parameters.timeout_minutes": 0.01, "ai.run_quality_check": False, "ai.run_metadata_gen": False,
            **extra}


def test_job_with_runware_timeouts_bills_each_generation_once(sandbox_app: App) -> None:
    sandbox = sandbox_app.sandbox
    sandbox.config.timeout_delay = 1.0  # the 0.6 s client timeout passes first; the render then happens
    sandbox.config.set_fault("runware", "timeout", rate=0.5)
    execution = run_job(sandbox_app, _job({"parameters.generation_retry_backoff_ms": 1500}))
    assert execution.status is JobStatus.COMPLETED, execution.error
    assert len(images_of(sandbox_app, execution)) == 4
    billed = sandbox.billed("runware")
    assert len(billed) == 4 and len({b.request_id for b in billed}) == 4  # render calls billed == generations
    assert sandbox.request_count("runware", "/v1") > 4  # the repeats went out, and were refused as repeats
    assert "reading its answer back" in log_text(sandbox_app, execution)


def test_job_with_removebg_timeouts_charges_each_image_at_most_once(sandbox_app: App) -> None:
    sandbox = sandbox_app.sandbox
    sandbox.config.timeout_delay = 1.0
    sandbox.config.set_fault("removebg", "timeout", rate=0.5)
    credits = sandbox.credits_left()
    execution = run_job(sandbox_app, _job({"processing.remove_bg": True, "processing.remover": "removebg",
                                           "processing.remove_bg_failure_mode": "approve",
                                           "parameters.generation_retry_backoff_ms": 0}))
    assert execution.status is JobStatus.COMPLETED, execution.error
    images = images_of(sandbox_app, execution)
    assert len(images) == 4
    assert sandbox.request_count("removebg", REMOVE_BG) == 4  # one call per image, none repeated
    failed = [i for i in images if i.processing.soft_failures]
    assert len(failed) == 2
    for image in failed:
        assert NOT_REPEATED in image.processing.soft_failures[0]["message"]
        assert image.processing.credits == 1.0  # the possible charge is on the image's bill
    wait_until(lambda: credits - sandbox.credits_left() == 4.0, what="the abandoned calls to be charged")
    assert sandbox.request_count("removebg", REMOVE_BG) == 4
