"""Per-image work lives in pipeline/ only: no module of gif_app/jobs/ calls a stage's building blocks."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What a stage is made of: whoever uses these outside pipeline/ is doing a stage's work a second time.
STAGE_PARTS = {"process_image", "embed_metadata_bytes", "embed_metadata", "atomic_move", "render_filename",
               "unique_path", "write_atomic", "build_metadata_prompt", "enforce_limits", "downscale_for_vision",
               "claim_name", "move_onto", "name_pattern", "with_category_ids"}


def stage_parts_used(source: str) -> set[str]:
    """Return the stage building blocks a module imports or names."""
    tree = ast.parse(source)
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            used |= {alias.name for alias in node.names} & STAGE_PARTS
            if node.module in {"gif_app.imaging"}:
                used.add(node.module)
        elif isinstance(node, ast.Import):
            used |= {alias.name for alias in node.names if alias.name == "gif_app.imaging"}
        elif isinstance(node, ast.Attribute) and node.attr in STAGE_PARTS:
            used.add(node.attr)
    return used


def test_no_jobs_module_reimplements_a_stage() -> None:
    found = {path.name: stage_parts_used(path.read_text(encoding="utf-8"))
             for path in sorted((ROOT / "gif_app" / "jobs").glob("*.py"))}
    assert "retry.py" in found and "retry_work.py" not in found
    assert {name: parts for name, parts in found.items() if parts} == {}


def test_the_check_sees_a_second_implementation() -> None:
    copy = "from gif_app.pipeline.process import process_image\nfrom gif_app.pipeline import finalize\n" \
           "finalize.atomic_move(a, b, c)\n"
    assert stage_parts_used(copy) == {"process_image", "atomic_move"}
