"""ui.text: user-supplied names inside Streamlit's Markdown show as exactly those characters, never as a link or image."""

from __future__ import annotations

import re

import pytest

from ui.text import plain, plain_with_code

HOSTILE = [
    "[click me](http://127.0.0.1:9/x).csv",
    "![t](http://127.0.0.1:9/pixel.png).csv",
    "<img src=http://127.0.0.1:9/p.png>.csv",
    "**bold** _it_ $x^2$ :red[red] `code` # h ~~s~~ | a | \\[x\\](y)",
    "www.example.com http://example.com/a_b.csv",
]


def unescape(markdown: str) -> str:
    """CommonMark's rule: a backslash before ASCII punctuation stands for that character."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def unescaped_punctuation(markdown: str) -> list[str]:
    """ASCII punctuation not preceded by an escaping backslash (what Markdown could act on)."""
    return [m.group(2) for m in re.finditer(r"(\\.)|([!-/:-@\[-`{-~])", markdown) if m.group(2)]


@pytest.mark.parametrize("name", HOSTILE)
def test_plain_escapes_every_punctuation_mark_and_keeps_the_text(name):
    shown = plain(name)
    assert unescaped_punctuation(shown) == []
    assert unescape(shown) == name


def test_plain_keeps_a_message_on_one_line():
    assert plain("a\nb\r\tc") == "a b c"


def test_plain_with_code_keeps_our_code_spans_and_escapes_the_rest():
    message = "Found 3 columns (“[a](http://e.x)”, “b”, “c”): name the input column `x` in the first line"
    shown = plain_with_code(message)
    assert "`x`" in shown
    outside = re.sub(r"`[^`]+`", "", shown)
    assert unescaped_punctuation(outside) == []
    assert unescape(outside) == unescape(re.sub(r"`[^`]+`", "", message))


@pytest.mark.parametrize("name", HOSTILE)
def test_outside_code_spans_a_message_has_no_markdown(name):
    """Whatever backticks the user's text brings, every character outside a code span is escaped (and a code span's
    content is shown literally)."""
    shown = plain_with_code(f"Found 3 columns (“{name}”, “b”): name the input column `x`, e.g. `x,y`.")
    assert unescaped_punctuation(re.sub(r"`[^`]+`", "", shown)) == []
