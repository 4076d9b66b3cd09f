"""User-supplied text (file names, column names, cells) inside Streamlit's Markdown, shown as plain text.

st.error, st.caption and st.markdown render Markdown: a file named `[click me](http://…).csv` became a live link
and `![t](http://…/pixel.png).csv` an image the browser fetched. CommonMark lets a backslash escape any ASCII
punctuation, which then stands for itself: no link, image, emphasis, math ($), directive (:red[…]) or HTML.
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")     # every ASCII punctuation character
_CODE_SPAN = re.compile(r"(`[^`\n]+`)")              # `x,y`: a code span of gradcore's own messages
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def plain(text: str) -> str:
    """`text` as Markdown that shows exactly these characters on one line (every punctuation mark escaped)."""
    return _PUNCTUATION.sub(r"\\\1", _CONTROL.sub(" ", str(text)))


def plain_with_code(message: str) -> str:
    """plain(), except `…` code spans stay code spans: their content is shown literally, never as a link or image."""
    parts = _CODE_SPAN.split(_CONTROL.sub(" ", str(message)))
    return "".join(part if i % 2 else plain(part) for i, part in enumerate(parts))
