"""Upload-ready output: a default sandbox job gets a category per site and names within Adobe's 30
characters; the metadata model is asked with the site lists as enums; choosing a target changes processing."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from PIL import Image

from gif_app.app import App
from gif_app.domain import ImageStatus, JobStatus, NewImage, ProcessingRecord
from gif_app.export.targets import get_target
from gif_app.pipeline.categories import category_fields
from gif_app.providers.openai_llm import OpenAIText
from tests.helpers.processing import NOTHING_ON
from tests.integration.conftest import images_of, run_job
from tests.integration.loopback_http import LoopbackServer, Reply


def test_default_sandbox_job_is_upload_ready(sandbox_app: App) -> None:
    settings = sandbox_app.ctx.settings_file.load().settings
    assert settings["output"]["stock_target"] == "adobe"
    assert settings["output"]["filename_template"] == "{keyword}_{n}"
    execution = run_job(sandbox_app, {})  # the sandbox's own keywords, counts and defaults
    assert execution.status is JobStatus.COMPLETED, execution.error
    approved = [i for i in images_of(sandbox_app, execution) if i.status is ImageStatus.APPROVED]
    assert len(approved) >= 2
    adobe, shutterstock = get_target("adobe"), get_target("shutterstock")
    for image in approved:
        name = Path(image.final_path or "").name
        assert len(name) <= 30, name
        assert name.isascii() and image.keyword.split()[0].lower() in name  # the words, not only a number
        chosen = image.metadata.categories_for("adobe")
        assert len(chosen) == 1 and adobe.category(chosen[0]) is not None and chosen[0].isdigit()
        picked = image.metadata.categories_for("shutterstock")
        assert 1 <= len(picked) <= 2 and all(c in shutterstock.category_ids for c in picked)


def test_a_second_job_numbers_on_in_the_shared_output_folder(sandbox_app: App, tmp_path: Path) -> None:
    keywords = tmp_path / "keywords.txt"
    keywords.write_text("straße im Schnee\n", encoding="utf-8")
    run = {"file_paths.keywords_file": str(keywords), "parameters.count": 1, "parameters.variations": 2,
           "ai.run_quality_check": False, "ai.run_metadata_gen": False}
    first = run_job(sandbox_app, run)
    second = run_job(sandbox_app, run)
    names = sorted(Path(i.final_path or "").name for e in (first, second) for i in images_of(sandbox_app, e))
    assert names == [f"strasse-im-schnee_{n:03d}.jpg" for n in range(1, 5)]  # JPEG by default, for Adobe


def _completion(content: dict[str, object]) -> bytes:
    return json.dumps({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": json.dumps(content), "refusal": None}}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }).encode()


def test_the_metadata_request_carries_each_sites_list_as_an_enum() -> None:
    answer = {"title": "Red apple", "description": "A red apple.", "keywords": ["apple", "fruit"],
              "categories": {"adobe": "Food", "shutterstock": ["Food and drink", "Objects"]}}
    server = LoopbackServer(lambda path, headers: Reply(200, _completion(answer),
                                                        {"Content-Type": "application/json"}))
    try:
        model = OpenAIText("sk-test-0123456789", f"{server.url}/v1", model="gpt-4o-mini", timeout_s=5,
                           retries=0, backoff_s=0)
        buffer = io.BytesIO()
        Image.new("RGB", (64, 64), (200, 40, 40)).save(buffer, format="PNG")
        meta = model.describe(buffer.getvalue(), "image/png", "Describe.", categories=category_fields())
        model.close()
    finally:
        server.close()
    sent = json.loads(server.bodies[-1])
    spec = sent["response_format"]["json_schema"]
    assert spec["strict"] is True
    sites = spec["schema"]["properties"]["categories"]["properties"]
    assert sites["adobe"]["enum"] == [c.name for c in get_target("adobe").categories]
    assert sites["shutterstock"]["items"]["enum"] == [c.name for c in get_target("shutterstock").categories]
    assert meta.categories_for("adobe") == ("Food",)  # names from the model; the stage stores ids
    assert meta.categories_for("shutterstock") == ("Food and drink", "Objects")


def test_choosing_a_target_changes_the_processing_of_the_next_job(sandbox_app: App) -> None:
    api = sandbox_app.api
    saved = api.get_settings()["data"]["settings"]
    # From "nothing on" (the defaults are already upload-ready for Adobe Stock), PNG files at their own size.
    saved["processing"].update({**NOTHING_ON, "convert_format": "png"})
    saved["output"]["stock_target"] = "none"
    chosen = api.choose_stock_target(saved, "adobe")
    assert chosen["ok"], chosen
    changed = {c["key"] for c in chosen["data"]["changes"]}
    assert {"processing.image_convert", "processing.convert_format", "processing.min_megapixels",
            "output.filename_max_length"} <= changed
    assert api.save_settings(chosen["data"]["values"])["ok"]
    execution = run_job(sandbox_app, {"parameters.count": 1, "parameters.variations": 1,
                                      "ai.run_quality_check": False, "ai.run_metadata_gen": False})
    assert execution.status is JobStatus.COMPLETED, execution.error
    (image,) = images_of(sandbox_app, execution)
    path = Path(image.final_path or "")
    assert path.suffix == ".jpg" and len(path.name) <= 30
    with Image.open(path) as picture:
        assert picture.format == "JPEG" and picture.width * picture.height >= 4_000_000


def test_cli_run_with_a_stock_target_writes_upload_ready_files(tmp_path: Path) -> None:
    home = tmp_path / "cli-home"
    # The target is applied to the run's settings file: nothing on, PNG files at their own size.
    keywords = tmp_path / "keywords.txt"
    keywords.write_text("red apple on a wooden table\n", encoding="utf-8")
    nothing_on = tmp_path / "nothing-on.json"
    nothing_on.write_text(json.dumps({"processing": {**NOTHING_ON, "convert_format": "png"},
                                      "file_paths": {"keywords_file": str(keywords)}}), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "gif_app", "--home", str(home), "run", "--sandbox", "--settings", str(nothing_on),
         "--stock-target", "shutterstock", "--set", "parameters.count=1", "--set", "parameters.variations=1",
         "--set", "ai.run_quality_check=false", "--json"],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[2], check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    for change in ("Convert format: Off -> On", "Format: PNG -> JPG", "Upscale to at least (MP): 0 -> 4",
                   "Stock target: Adobe Stock -> Shutterstock"):
        assert f"stock target: {change}" in done.stderr  # each change is listed
    report = json.loads(done.stdout.strip().splitlines()[-1])
    (produced,) = list(Path(report["output_folder"]).iterdir())
    with Image.open(produced) as picture:
        assert picture.format == "JPEG" and picture.width * picture.height >= 4_000_000


def test_background_kept_filter_finds_only_images_that_kept_their_background(sandbox_app: App) -> None:
    repo = sandbox_app.repo
    execution = repo.create_execution(label="Soft", configuration_id=None, settings_snapshot={}, planned=3,
                                      status=JobStatus.COMPLETED)
    failed = {"stage": "remove_bg", "message": "remove.bg: Could not identify foreground in image."}
    smaller = {"stage": "remove_bg", "message": "remove.bg returned a preview (0.25 MP) instead of full size."}
    records = {
        "kept": ProcessingRecord(applied=("convert:jpg",), soft_failures=(failed,)),
        "smaller cut-out": ProcessingRecord(applied=("remove_bg", "convert:jpg"), soft_failures=(smaller,)),
        "clean": ProcessingRecord(applied=("remove_bg",)),
    }
    ids = {}
    for n, (name, record) in enumerate(records.items()):
        image = repo.record_image(NewImage(
            mapping_id=f"soft-{n}", execution_id=execution.id, generation_index=n, variation_index=0, prompt=name,
            keyword=name, seed=n, provider="runware", provider_ids={}, temp_path=f"/tmp/soft-{n}.png", cost=0.0))
        ids[name] = repo.update_image(image.id, status=ImageStatus.APPROVED, processing=record).id
    api = sandbox_app.api
    shown = api.list_images({"status": ["approved"], "background_kept": True})["data"]["items"]
    assert [item["id"] for item in shown] == [ids["kept"]]
    assert shown[0]["is_background_kept"] is True
    every = api.list_images({"status": ["approved"]})["data"]["items"]
    assert {item["id"]: item["is_background_kept"] for item in every} == {
        ids["kept"]: True, ids["smaller cut-out"]: False, ids["clean"]: False}
    searched = api.list_images({"background_kept": True, "search": "kept"})["data"]["items"]
    assert [item["id"] for item in searched] == [ids["kept"]]  # the text search path filters too
