"""Safari below 16.2 drops `color-mix()` and knows only `-webkit-user-select`: every use has its fallback."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STYLESHEETS = sorted((ROOT / "web" / "css").glob("*.css"))


@dataclass(frozen=True)
class Declaration:
    """One `property: value` with the rule it sits in."""

    blocks: tuple[str, ...]  # the preludes around it, outermost first (@media ..., @supports ..., selector)
    rule: int  # which rule (block) it belongs to
    prop: str
    value: str


def declarations(css: str) -> list[Declaration]:
    """Return every declaration of a stylesheet in order (comments removed; strings hold no braces here)."""
    text = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    found: list[Declaration] = []
    stack: list[tuple[str, int]] = []
    buffer, rules = "", 0
    for char in text:
        if char == "{":
            rules += 1
            stack.append((" ".join(buffer.split()), rules))
            buffer = ""
        elif char in ";}":
            if ":" in buffer and stack:
                prop, value = buffer.split(":", 1)
                found.append(Declaration(tuple(p for p, _ in stack), stack[-1][1], prop.strip().lower(),
                                         " ".join(value.split())))
            buffer = ""
            if char == "}" and stack:
                stack.pop()
        else:
            buffer += char
    return found


def problems(css: str) -> list[str]:
    """Return one line per `color-mix()` or `user-select` that an old Safari would be left without."""
    found = declarations(css)
    bad: list[str] = []
    for i, decl in enumerate(found):
        where = f"{' > '.join(decl.blocks)} {{ {decl.prop}: {decl.value} }}"
        if "color-mix(" in decl.value:
            if decl.prop.startswith("--"):
                bad.append(f"{where}: a custom property holding color-mix() has no fallback where it is used")
            elif any(b.startswith("@supports") and "color-mix(" in b for b in decl.blocks):
                selector = decl.blocks[-1]
                if not any(d.blocks[-1] == selector and d.prop == decl.prop and "color-mix(" not in d.value
                           and not any(b.startswith("@supports") for b in d.blocks) for d in found):
                    bad.append(f"{where}: no {decl.prop} for {selector} outside the @supports")
            elif "var(" in decl.value:
                # var() makes the declaration valid when parsed: it replaces the fallback, then fails to compute.
                bad.append(f"{where}: color-mix() with var() needs @supports (color-mix(...)), not a fallback line")
            elif not any(d.rule == decl.rule and d.prop == decl.prop and "color-mix(" not in d.value
                         for d in found[:i]):
                bad.append(f"{where}: no plain {decl.prop} before it")
        if decl.prop == "user-select":
            if not any(d.rule == decl.rule and d.prop == "-webkit-user-select" and d.value == decl.value
                       for d in found):
                bad.append(f"{where}: no -webkit-user-select: {decl.value} beside it")
    return bad


def test_the_stylesheets_are_found() -> None:
    assert STYLESHEETS and any("color-mix(" in p.read_text(encoding="utf-8") for p in STYLESHEETS)


def test_every_color_mix_and_user_select_has_an_old_safari_fallback() -> None:
    bad = [f"{p.name}: {line}" for p in STYLESHEETS for line in problems(p.read_text(encoding="utf-8"))]
    assert bad == []


def test_the_checker_catches_what_old_safari_would_drop() -> None:
    css = """
    .a { background: color-mix(in srgb, red 50%, blue); }
    .b { color: #333; color: color-mix(in srgb, var(--x) 50%, blue); }
    .c { user-select: none; }
    .d { -webkit-user-select: text; user-select: none; }
    :root { --veil: color-mix(in srgb, white 70%, transparent); }
    @supports (color: color-mix(in srgb, red 50%, blue)) { .e { color: color-mix(in srgb, red 50%, blue); } }
    """
    found = problems(css)
    assert len(found) == 6, found
    for selector in (".a", ".b", ".c", ".d", ":root", ".e"):
        assert any(selector in line for line in found), selector


def test_the_checker_accepts_the_fallbacks() -> None:
    css = """
    /* a comment { with: braces } */
    .a { background: #fff; background: color-mix(in srgb, red 50%, blue); }
    .b { -webkit-user-select: none; user-select: none; }
    .e { color: var(--veil); }
    @supports (color: color-mix(in srgb, red 50%, blue)) { .e { color: color-mix(in srgb, var(--x) 50%, blue); } }
    @media (max-width: 600px) { .f { background: red; background: color-mix(in srgb, red 50%, blue); } }
    """
    assert problems(css) == []
