"""The adapter factory: each provider name gives its adapter; unknown names are refused clearly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gif_app.errors import ConfigurationError
from gif_app.providers.factory import build_image_generator, build_remover, build_text_model
from gif_app.providers.openai_llm import OpenAIText

COMMON = {"api_key": "k", "base_url": "", "timeout_s": 5.0, "retries": 1, "backoff_s": 0.1,
          "poll_interval_s": 1.0, "poll_timeout_s": 10.0}


@pytest.mark.parametrize("provider", ["runware", "piapi", "openai"])
def test_each_image_provider_builds_its_adapter(provider: str) -> None:
    assert build_image_generator(provider, **COMMON).name == provider  # type: ignore[arg-type]


def test_unknown_provider_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="runware, piapi, openai"):
        build_image_generator("midjourney-direct", **COMMON)  # type: ignore[arg-type]


def test_text_model_and_removebg_build() -> None:
    assert isinstance(build_text_model("k", "", "gpt-4o-mini", 5.0, 1), OpenAIText)
    remover = build_remover(
        "removebg", api_key="k", base_url="", timeout_s=5.0, retries=1, size="full",
        model_name="u2net", model_home=Path("."),
    )
    assert remover.name == "removebg"
    with pytest.raises(ConfigurationError):
        build_remover("photoshop", api_key="k", base_url="", timeout_s=5.0, retries=1, size="auto",
                      model_name="u2net", model_home=Path("."))


def test_importing_the_factory_does_not_import_rembg() -> None:
    code = "import sys, gif_app.providers.factory; print('rembg' in sys.modules, 'onnxruntime' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
