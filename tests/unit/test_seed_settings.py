"""The seed settings: accepted values and ranges, the seed per generation, and Midjourney's --seed flag."""

from __future__ import annotations

import pytest

from gif_app import settings as settings_mod
from gif_app.jobs.planning import seed_for
from gif_app.jobs.seed_rerun import seed_rerun_label
from gif_app.providers.piapi import with_seed


def _with(**values: object) -> dict[str, object]:
    return {**settings_mod.flatten(settings_mod.defaults()), **values}


@pytest.mark.parametrize("seed", [-1, 4294967296, "abc", 1.5])
def test_a_seed_outside_midjourneys_range_or_not_whole_is_refused(seed: object) -> None:
    errors = settings_mod.validate(_with(**{"parameters.seed_mode": "fixed", "parameters.seed": seed}))[1]
    assert "parameters.seed" in errors


def test_an_unknown_seed_mode_is_refused() -> None:
    assert "parameters.seed_mode" in settings_mod.validate(_with(**{"parameters.seed_mode": "sometimes"}))[1]


@pytest.mark.parametrize(("mode", "expected"), [
    ("random", [None, None, None]), ("fixed", [7, 7, 7]), ("increment", [7, 8, 9])])
def test_seed_per_generation(mode: str, expected: list[int | None]) -> None:
    settings = settings_mod.validated(_with(**{"parameters.seed_mode": mode, "parameters.seed": 7}))
    assert [seed_for(settings, index) for index in range(3)] == expected


def test_increment_wraps_within_the_range_instead_of_passing_it() -> None:
    settings = settings_mod.validated(_with(**{"parameters.seed_mode": "increment", "parameters.seed": 4294967295}))
    assert [seed_for(settings, index) for index in range(2)] == [4294967295, 0]


def test_the_set_seed_replaces_any_seed_flag_in_a_midjourney_prompt() -> None:
    assert with_seed("a fox --seed 12 --v 6.1", 99) == "a fox --v 6.1 --seed 99"
    assert with_seed("a fox --SEED", 0) == "a fox --seed 0"
    assert with_seed("a fox --seed 12", None) == "a fox --seed 12"  # random: the prompt is left as written


def test_a_seed_rerun_of_a_seed_rerun_keeps_one_seed_in_its_label() -> None:
    assert seed_rerun_label("Cats", 7) == "Cats (seed 7)"
    assert seed_rerun_label("Cats (seed 7)", 9) == "Cats (seed 9)"
