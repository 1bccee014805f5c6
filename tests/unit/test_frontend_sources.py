"""The page keeps single sources: one icon module, one format module, one polling loop, no copied status rules."""

from __future__ import annotations

import re
from pathlib import Path

from gif_app.domain import ImageStatus, JobStatus

JS = Path(__file__).resolve().parents[2] / "web" / "js"
FORMAT_MODULE = "format.js"
ICON_MODULE = "icons.js"
POLL_MODULE = "ui/poll.js"

STATUS_NAMES = sorted({s.value for s in JobStatus} | {s.value for s in ImageStatus}, key=len, reverse=True)
_NAME = "|".join(STATUS_NAMES)
_LITERAL = rf"""['"`](?:{_NAME})['"`]"""
_OP = r"(?:===|!==|==|!=)"

# A rule is a decision made from a status name: comparing a status to a name, testing membership in a
# literal list or set of names, or switching on a status. Lists of names used as filter values sent to
# the server, and lookups of CSS classes by status, are not rules and do not match.
STATUS_RULES = [
    re.compile(rf"\bstatus\s*{_OP}\s*{_LITERAL}"),
    re.compile(rf"{_LITERAL}\s*{_OP}\s*[\w.]*\bstatus\b"),
    re.compile(rf"\[[^\]]*{_LITERAL}[^\]]*\]\s*\.\s*(?:includes|indexOf|some)\s*\(\s*[\w.]*\bstatus\b"),
    re.compile(rf"new\s+Set\s*\(\s*\[[^\]]*{_LITERAL}"),
    re.compile(r"switch\s*\(\s*[\w.]*\bstatus\s*\)"),
]

# Names of formatting helpers: format*, or a date/time/duration/money/cost/clock word at a word boundary
# (camelCase aware, so `update` or `validate` do not count).
_HELPER_NAME = r"(?:format\w*|(?:date|time|duration|money|cost|clock)\w*|\w*(?:Date|Time|Duration|Money|Cost|Clock)\w*)"
FORMAT_HELPERS = [
    re.compile(rf"\bfunction\s+{_HELPER_NAME}\s*\("),
    re.compile(rf"\b(?:const|let)\s+{_HELPER_NAME}\s*=\s*(?:async\s*)?(?:\([^)]*\)|\w+)\s*=>"),
]
FORMAT_CALLS = re.compile(r"\.toLocale(?:Date|Time)?String\s*\(|\bIntl\.|\$\$\{")

# setTimeout stays legitimate where it is not a polling loop: the poll helper itself, debounce, a toast's
# auto-dismiss, the bridge's call timeout and the gallery's one-shot reconcile after a burst of changes.
TIMEOUT_USERS = {POLL_MODULE, "dom.js", "ui/toast.js", "bridge.js", "dashboard/gallery_panel.js"}


def _sources() -> dict[str, str]:
    files = {p.relative_to(JS).as_posix(): p.read_text(encoding="utf-8") for p in sorted(JS.rglob("*.js"))}
    assert FORMAT_MODULE in files and ICON_MODULE in files and POLL_MODULE in files
    return files


def _code(text: str) -> str:
    """Return the source without comments (a comment may quote a status name or a helper's name)."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"(?m)(?<![:'\"`\\])//.*$", "", text)


def _hits(patterns: list[re.Pattern[str]], files: dict[str, str], skip: set[str]) -> list[str]:
    found = []
    for name, text in files.items():
        if name in skip:
            continue
        for number, line in enumerate(_code(text).splitlines(), 1):
            if any(p.search(line) for p in patterns):
                found.append(f"{name}:{number}: {line.strip()}")
    return found


def test_the_rule_patterns_catch_what_they_are_for() -> None:
    """The patterns flag the rules this repo once copied, and not filter values or CSS hooks."""
    rules = ["if (job.status === 'running') x();", "const done = status !== 'queued';",
             "['completed', 'failed'].includes(execution.status)", "const TERMINAL = new Set(['completed', 'failed']);",
             "return 'approved' === image.status;", "switch (job.status) {"]
    allowed = ["const STATUSES = ['queued', 'running', 'completed'];",
               "status: this.status.value ? [this.status.value] : [],",
               "class: `badge ${JOB_TONES[job.status] ?? ''}`",
               "(!q.status.length || q.status.includes(image.status))",
               "this.status.value = 'approved';", "if (state.state === 'running') poll();"]
    assert all(any(p.search(line) for p in STATUS_RULES) for line in rules)
    assert not any(p.search(line) for p in STATUS_RULES for line in allowed)


def test_no_js_file_decides_from_status_names() -> None:
    hits = _hits(STATUS_RULES, _sources(), skip=set())
    assert not hits, "decide from the API's flags (is_active, is_resumable, can_retry, ...):\n" + "\n".join(hits)


def test_only_the_format_module_formats_dates_durations_and_money() -> None:
    files = _sources()
    hits = _hits([*FORMAT_HELPERS, FORMAT_CALLS], files, skip={FORMAT_MODULE})
    assert not hits, f"formatting belongs to web/js/{FORMAT_MODULE}:\n" + "\n".join(hits)
    assert _hits(FORMAT_HELPERS, {FORMAT_MODULE: files[FORMAT_MODULE]}, skip=set()), "the format module was found"


def test_there_is_one_icon_module() -> None:
    files = _sources()
    makers = sorted(name for name, text in files.items() if "createElementNS" in _code(text) and "svg" in text)
    assert makers == [ICON_MODULE]
    assert not [name for name in files if re.search(r"(?:^|/)(?:glyphs|icons)\.js$", name) and name != ICON_MODULE]


def test_there_is_one_polling_loop() -> None:
    files = _sources()
    intervals = sorted(name for name, text in files.items() if "setInterval" in _code(text))
    assert intervals == [], "poll with web/js/ui/poll.js instead of setInterval"
    timeouts = {name for name, text in files.items() if "setTimeout" in _code(text)}
    extra = sorted(timeouts - TIMEOUT_USERS)
    assert not extra, f"poll with web/js/{POLL_MODULE} instead of setTimeout: {extra}"
    assert not [name for name in files if re.search(r"poller?\.js$", name) and name != POLL_MODULE]
