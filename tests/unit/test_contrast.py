"""WCAG AA contrast of the design tokens (web/css/app.css), light and dark, for every text/background pair used."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "web" / "css" / "app.css").read_text(encoding="utf-8")
TEXT = 4.5  # WCAG 1.4.3, normal text
UI_PART = 3.0  # WCAG 1.4.11, controls' parts and large text

# Every text colour on every background the stylesheet puts it on (a literal colour where the CSS has one).
TEXT_PAIRS = [
    *[("text", bg) for bg in ("bg", "surface", "surface-2", "surface-3", "accent-soft", "danger-soft",
                              "warning-soft", "success-soft")],
    *[("text-muted", bg) for bg in ("bg", "surface", "surface-2", "surface-3", "accent-soft")],
    # Ids, dates, log times, placeholders, hints (also on a selected row and a hovered log line).
    *[("text-faint", bg) for bg in ("bg", "surface", "surface-2", "accent-soft")],
    # Links, the active nav item, selected tabs, accent badges, the active step's digit, queue positions.
    *[("accent", bg) for bg in ("bg", "surface", "surface-2", "accent-soft")],
    ("accent-contrast", "accent"), ("accent-contrast", "accent-hover"),  # primary buttons
    ("#ffffff", "danger-fill"), ("#ffffff", "danger-fill-hover"),  # danger buttons
    ("success-contrast", "success"),  # a finished step's digit
    *[("danger", bg) for bg in ("bg", "surface", "surface-2", "danger-soft")],
    *[("warning", bg) for bg in ("bg", "surface", "warning-soft")],
    *[("success", bg) for bg in ("surface", "success-soft")],
]
# Parts of controls that must stand out from the surface: checked switches, progress bars, focus borders.
UI_PAIRS = [("accent", "surface"), ("accent", "surface-3"), ("danger", "surface"), ("danger-fill", "surface"),
            # The edges of text fields, selects and switches (WCAG 1.4.11), on the surfaces they sit on.
            ("border-control", "surface"), ("border-control", "surface-2")]


def _block(start: str) -> str:
    begin = CSS.index(start) + len(start)
    return CSS[begin:CSS.index("}", begin)]


def _tokens(block: str) -> dict[str, str]:
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;", block))


LIGHT = _tokens(_block(":root {"))
DARK = _tokens(_block(':root[data-scheme="dark"] {'))
THEMES = {"light": LIGHT, "dark": {**LIGHT, **DARK}}


def _rule_pairs() -> list[tuple[str, str, str]]:
    """Return (selector, text colour, background) of every rule that sets both, as token names or #rrggbb."""
    plain = re.sub(r"/\*.*?\*/", "", CSS, flags=re.S)
    pairs = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", plain):
        fg = re.search(r"(?<![-\w])color:\s*(?:var\(--([\w-]+)\)|(#[0-9a-fA-F]{3,6}))", body)
        bg = re.search(r"background(?:-color)?:\s*(?:var\(--([\w-]+)\)|(#[0-9a-fA-F]{3,6}))", body)
        if fg and bg:
            pairs.append((selector.strip(), *(_long(m.group(1) or m.group(2)) for m in (fg, bg))))
    return pairs


def _long(colour: str) -> str:
    """Return #rgb as #rrggbb (token names pass through)."""
    if re.fullmatch(r"#[0-9a-fA-F]{3}", colour):
        return "#" + "".join(c * 2 for c in colour[1:])
    return colour


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """Return the WCAG contrast ratio of two #rrggbb colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _colour(theme: dict[str, str], name: str) -> str:
    return name if name.startswith("#") else theme[name]


def test_contrast_formula_matches_known_ratios() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_the_dark_tokens_are_defined_once_and_override_every_light_colour() -> None:
    assert CSS.count(':root[data-scheme="dark"] {\n') == 1
    assert "prefers-color-scheme" not in CSS, "the OS's scheme is read by js/theme_boot.js, not a second token block"
    assert set(DARK) == set(LIGHT), sorted(set(LIGHT) ^ set(DARK))


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_text_pair_meets_aa(theme: str) -> None:
    tokens = THEMES[theme]
    low = {f"{fg} on {bg}": round(contrast(_colour(tokens, fg), _colour(tokens, bg)), 2) for fg, bg in TEXT_PAIRS}
    assert {pair: ratio for pair, ratio in low.items() if ratio < TEXT} == {}


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_control_parts_stand_out_from_the_surface(theme: str) -> None:
    tokens = THEMES[theme]
    low = {f"{fg} on {bg}": round(contrast(tokens[fg], tokens[bg]), 2) for fg, bg in UI_PAIRS}
    assert {pair: ratio for pair, ratio in low.items() if ratio < UI_PART} == {}


def test_every_token_a_pair_names_exists_in_both_themes() -> None:
    names = {n for pair in TEXT_PAIRS + UI_PAIRS for n in pair if not n.startswith("#")}
    assert names <= set(LIGHT) and names <= set(THEMES["dark"])


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_rule_that_sets_text_and_background_meets_aa(theme: str) -> None:
    """Pairs found in the stylesheet itself (a rule with both a colour and a background), so new ones are caught."""
    tokens = THEMES[theme]
    pairs = _rule_pairs()
    assert len(pairs) > 20  # the parser still finds the stylesheet's rules
    low = {selector: round(contrast(_colour(tokens, fg), _colour(tokens, bg)), 2) for selector, fg, bg in pairs}
    assert {selector: ratio for selector, ratio in low.items() if ratio < TEXT} == {}


def test_text_fields_selects_and_switches_are_drawn_with_the_control_border() -> None:
    plain = re.sub(r"/\*.*?\*/", "", CSS, flags=re.S)
    rules = dict((sel.strip(), body) for sel, body in re.findall(r"([^{}]+)\{([^{}]*)\}", plain))
    for selector in (".input, .select, .textarea", ".switch", ".mode-option"):
        assert "var(--border-control)" in rules[selector], selector
