"""Widget values that survive a page switch.

Streamlit 1.67 drops a keyed widget's value on the first run of another page, persist_state="session"
included (checked with AppTest and in Chromium: the text box comes back empty, a slider at its minimum).
So every shared widget's last value is kept under a plain session key, and put back into the widget's
key on the first run after a page switch, before any widget is drawn.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

_KEPT = "_kept_widget_values"
_PAGE = "_kept_page"


def restore_after_page_switch() -> None:
    """On the first run of a page, give every kept widget key its last value back."""
    ctx = get_script_run_ctx()
    page = ctx.page_script_hash if ctx is not None else ""
    if st.session_state.get(_PAGE) != page:
        st.session_state[_PAGE] = page
        for key, value in st.session_state.get(_KEPT, {}).items():
            st.session_state[key] = value


def keep(key: str, value: Any) -> Any:
    """Remember a widget's current value for the next page switch; returns the value."""
    st.session_state.setdefault(_KEPT, {})[key] = value
    return value
