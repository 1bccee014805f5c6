"""PiAPI's documented example payloads (tests/fixtures/piapi): the sandbox answers like them, our adapter reads them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gif_app.providers.base import RenderRequest
from gif_app.providers.piapi import PiapiMidjourney, output_urls, task_data
from gif_app.sandbox import SandboxConfig, SandboxServers
from tests.helpers.waiting import wait_until

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "piapi"
KEY = {"X-API-Key": "sandbox-key"}


def documented(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture()
def sandbox() -> Iterator[SandboxServers]:
    with SandboxServers.start(SandboxConfig(piapi_task_duration=0.2)) as servers:
        yield servers


def create_documented(sandbox: SandboxServers) -> dict[str, Any]:
    answer = httpx.post(sandbox.base_urls["piapi"] + "/api/v1/task", json=documented("imagine_request.json"),
                        headers=KEY)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def fetch(sandbox: SandboxServers, task_id: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{sandbox.base_urls['piapi']}/api/v1/task/{task_id}", headers=KEY).json()
    return body


def completed(sandbox: SandboxServers, task_id: str) -> dict[str, Any]:
    """Return the task's fetch answer once it is completed."""
    def answer() -> dict[str, Any] | None:
        body = fetch(sandbox, task_id)
        return body if body["data"]["status"] == "completed" else None

    body: dict[str, Any] = wait_until(answer, timeout=10, what="the sandbox task to complete")
    return body


@pytest.mark.parametrize("example", ["imagine_create_response.json", "describe_create_response.json"])
def test_sandbox_create_answer_has_the_documented_envelope(sandbox: SandboxServers, example: str) -> None:
    ours, theirs = create_documented(sandbox), documented(example)
    assert set(ours) == set(theirs)
    assert (ours["code"], ours["message"]) == (theirs["code"], theirs["message"])
    assert set(theirs["data"]) <= set(ours["data"])
    for key in ("config", "error"):
        assert set(ours["data"][key]) == set(theirs["data"][key])
    assert set(ours["data"]["config"]["webhook_config"]) == set(theirs["data"]["config"]["webhook_config"])
    assert ours["data"]["error"] == theirs["data"]["error"]  # the "no error" value, exactly
    assert ours["data"]["status"] == theirs["data"]["status"] == "pending"
    assert (ours["data"]["detail"], ours["data"]["logs"]) == (None, [])


def test_adapter_reads_the_documented_create_answer_like_the_sandboxs(sandbox: SandboxServers) -> None:
    theirs = task_data(documented("imagine_create_response.json"))
    ours = task_data(create_documented(sandbox))
    assert theirs["task_id"] == "39631ce-xxxx-xxxx-xxxx-6de760cd2053"
    assert isinstance(ours["task_id"], str) and ours["task_id"]
    assert theirs["status"] == ours["status"] == "pending"


def test_adapter_body_uses_only_documented_input_fields() -> None:
    body = PiapiMidjourney("key").task_body(RenderRequest(prompt="flying night city", aspect_ratio="16:9"))
    theirs = documented("imagine_request.json")
    assert (body["model"], body["task_type"]) == (theirs["model"], theirs["task_type"])
    assert set(body["input"]) <= set(theirs["input"])
    assert all(type(value) is type(theirs["input"][key]) for key, value in body["input"].items())


def test_grid_plan_answer_reads_like_the_documented_completed_example(sandbox: SandboxServers) -> None:
    sandbox.config.piapi_output = "grid"
    task_id = create_documented(sandbox)["data"]["task_id"]
    ours = completed(sandbox, task_id)
    theirs = documented("imagine_completed.json")
    for body in (ours, theirs):
        data = task_data(body)
        assert data["status"] == "completed"
        urls, is_grid = output_urls(data["output"])
        assert is_grid and urls == [data["output"]["image_url"]]


def test_sandbox_output_fields_are_the_documented_ones(sandbox: SandboxServers) -> None:
    table = documented("task_result_fields.json")
    task_id = create_documented(sandbox)["data"]["task_id"]
    body = completed(sandbox, task_id)
    assert body["data"]["status"] in table["statuses"]
    # `image_urls` is the one field real answers carry beyond PiAPI's table (consumers read it).
    assert set(body["data"]["output"]) - set(table["output_fields"]) == {"image_urls"}


def test_sandbox_plan_without_temporary_urls_matches_the_documented_gating(sandbox: SandboxServers) -> None:
    table = documented("task_result_fields.json")
    free_payg = table["plans"].index("free_payg")
    assert table["returned_on_plan"]["temporary_image_urls"][free_payg] is False
    sandbox.config.piapi_output = "grid"
    task_id = create_documented(sandbox)["data"]["task_id"]
    body = completed(sandbox, task_id)
    output = body["data"]["output"]
    assert not output["temporary_image_urls"] and not output["discord_image_url"]
