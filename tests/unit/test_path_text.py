"""Pasted paths: Explorer's quotes, Terminal's escapes and file:// URLs become the bare path."""

from __future__ import annotations

from pathlib import Path

import pytest

from gif_app import settings as settings_mod
from gif_app.cli.entry import build_parser
from gif_app.dialogs import validate_path
from gif_app.path_text import clean_path_text


@pytest.mark.parametrize(("pasted", "meant"), [
    ('"C:\\Users\\Ann\\My Keywords\\list.txt"', "C:\\Users\\Ann\\My Keywords\\list.txt"),  # Copy as path
    ('  "C:\\out"\r\n', "C:\\out"),
    ("'/Users/ann/My Folder/list.txt' ", "/Users/ann/My Folder/list.txt"),  # Terminal, quoted
    ("/Users/ann/My\\ Folder/list\\ \\(1\\).txt ", "/Users/ann/My Folder/list (1).txt"),  # Terminal, escaped
    ("~/Stock\\ Images", "~/Stock Images"),
    ("\u201c/Users/ann/out\u201d", "/Users/ann/out"),  # curly quotes from a note or a chat
    ("file:///Users/ann/My%20Folder/list.txt", "/Users/ann/My Folder/list.txt"),
    ("file:///C:/Users/Ann/list.txt", "C:/Users/Ann/list.txt"),
    ("file://localhost/home/ann/list.txt", "/home/ann/list.txt"),
    ("file://server/share/list.txt", "//server/share/list.txt"),
    ('"file:///tmp/a%20b"', "/tmp/a b"),
])
def test_pasted_forms_become_the_path(pasted: str, meant: str) -> None:
    assert clean_path_text(pasted) == meant


@pytest.mark.parametrize("kept", [
    "C:\\Program Files\\Gen\\list.txt",  # Windows separators are never read as escapes
    "C:\\ out",
    "/home/ann/it's here.txt",  # an apostrophe inside a name, not a quote pair
    '"C:\\out',  # one quote only: not a pair, left for the folder check to refuse
    "",
])
def test_other_text_is_left_as_typed(kept: str) -> None:
    assert clean_path_text(kept) == kept.strip()


def test_settings_save_the_bare_path_of_a_quoted_paste(tmp_path: Path) -> None:
    keywords = tmp_path / "My Keywords.txt"
    keywords.write_text("cat\n", encoding="utf-8")
    clean, errors = settings_mod.validate({"file_paths.keywords_file": f'"{keywords}"',
                                           "file_paths.output_directory": f"'{tmp_path / 'out'}' "})
    assert errors == {}
    assert clean["file_paths"]["keywords_file"] == str(keywords)
    assert clean["file_paths"]["output_directory"] == str(tmp_path / "out")
    assert validate_path(f'"{keywords}"', "file") == (True, "File found.")


def test_command_line_paths_are_cleaned_where_they_are_parsed(tmp_path: Path) -> None:
    args = build_parser().parse_args(["--home", f'"{tmp_path}"', "process", f"'{tmp_path / 'in'}'",
                                      "--out", "file:///tmp/out%20dir"])
    assert (args.home, args.inputs, args.out) == (str(tmp_path), [str(tmp_path / "in")], "/tmp/out dir")
