"""Record jobs and images straight through the repository (with real files) for gallery and modal tests."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from gif_app import settings as settings_mod
from gif_app.app import App
from gif_app.domain import GeneratedImage, ImageStatus, JobStatus, NewImage, StockMetadata

KEYWORDS = ("cat", "kitten", "pet", "animal", "cute", "fur", "whiskers", "domestic")


def seed_job(app: App, label: str, titles: list[str], status: ImageStatus = ImageStatus.APPROVED,
             size: int = 320) -> list[GeneratedImage]:
    """Record a finished job with one image per title (a real PNG under the output folder)."""
    snapshot = settings_mod.defaults()
    snapshot["parameters"]["label"] = label
    execution = app.repo.create_execution(label=label, configuration_id=None, settings_snapshot=snapshot,
                                          planned=len(titles), status=JobStatus.COMPLETED)
    images = []
    with app.repo.db.atomic():
        for n, title in enumerate(titles):
            images.append(_seed_image(app, execution.id, label, n, title, status, size))
    app.repo.refresh_counts(execution.id)
    return images


def _seed_image(app: App, execution_id: int, label: str, n: int, title: str, status: ImageStatus,
                size: int) -> GeneratedImage:
    slug = f"{label}-{n:02d}".lower().replace(" ", "-")
    path = app.home.default_output / f"{slug}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (size, size), (60 + (n * 37) % 180, 120, 200 - (n * 23) % 150)).save(path, "PNG")
    image = app.repo.record_image(NewImage(
        mapping_id=f"seed-{execution_id}-{n}", execution_id=execution_id, generation_index=n, variation_index=0,
        prompt=f"A photo of {title.lower()} on a plain background", keyword=title.lower(), seed=1000 + n,
        provider="runware", provider_ids={}, temp_path=str(path), cost=0.0038))
    is_approved = status is ImageStatus.APPROVED
    metadata = StockMetadata(title=title, description=f"{title} on a plain light background.",
                             keywords=KEYWORDS, category="Animals")
    return app.repo.update_image(image.id, status=status, final_path=str(path) if is_approved else None,
                                 temp_path=None if is_approved else str(path),
                                 reason=None if is_approved else "Blurry subject", metadata=metadata)


def file_of(image: GeneratedImage) -> Path:
    """Return the image's file on disk."""
    return Path(image.final_path or image.temp_path or "")
