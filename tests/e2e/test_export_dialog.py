"""The export dialog shows each chosen stock site's AI-content policy, from the targets table."""

from __future__ import annotations

import zipfile
from pathlib import Path

from e2e_support import UI, PickedPaths
from playwright.sync_api import expect
from seed_images import seed_job

from gif_app.app import App

SHUTTERSTOCK_POLICY = "https://submit.shutterstock.com/help/en/articles/10594622-content-policy-updates-ai-generated-content"


def test_the_export_dialog_shows_the_ai_policy_of_each_chosen_site(ui: UI, gif: App, picked_paths: PickedPaths,
                                                                     tmp_path: Path) -> None:
    """Adobe's flag is named; choosing Shutterstock warns that it takes no AI content, before and after the check."""
    seed_job(gif, "Cats", ["Ginger kitten on a sofa", "Grey kitten"])
    target = tmp_path / "exports" / "cats.zip"
    picked_paths.save_answers.append(str(target))
    ui.open("dashboard")
    ui.by("gallery-select-all").click()
    ui.by("gallery-export").click()
    expect(ui.by("export-preset-adobe")).to_be_checked()
    expect(ui.by("export-ai-adobe")).to_contain_text("Created using generative AI tools")
    expect(ui.by("export-ai-shutterstock")).to_have_count(0)
    ui.by("export-preset-shutterstock").check()
    warning = ui.by("export-ai-shutterstock")
    expect(warning).to_contain_text("Shutterstock does not accept AI-generated content")
    expect(warning).to_contain_text(SHUTTERSTOCK_POLICY)
    expect(warning).to_have_class("banner banner-warning")
    ui.by("export-submit").click()
    # The check repeats the warning above the per-image problems; the user decides.
    expect(ui.by("export-problems")).to_be_visible()
    expect(ui.by("export-ai-shutterstock")).to_contain_text("does not accept AI-generated content")
    ui.by("export-anyway").click()
    expect(ui.toast("Exported 2 images")).to_be_visible(timeout=30_000)
    with zipfile.ZipFile(target) as archive:
        assert {"adobe_stock.csv", "shutterstock.csv"} <= set(archive.namelist())
