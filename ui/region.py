"""A region of a page that reruns alone when one of its own controls moves (st.fragment), with the URL kept current.

A control inside a region reruns only the region's function: the rest of the page (the formula, the headers, the
other charts) is neither recomputed nor re-sent. Rule for a page: a region holds every control it reads and every
output those controls change; whatever a region's control changes outside it belongs in the region too (or the
control stays outside, in the full page run). The URL is written by the full run; a region's rerun writes it again,
so a link copied after a region's control moved reopens that view.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import streamlit as st

from ui.url import rewrite


def region(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn` as a page region: st.fragment, then the page's URL parameters written again."""
    @st.fragment
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        rewrite()
        return result
    return run
