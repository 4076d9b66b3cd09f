"""The point P: one slider per variable, kept across pages, clamped to the plot range."""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from gradcore import Formula
from ui.i18n import _
from ui.sidebar import RANGE_LIMIT
from ui.state import keep
from ui.url import Param, choice, number, number_text

_INPUTS_PAGE = "_point_inputs_page"

SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
DEFAULT_POINT = 1.0


def point_key(variable: str) -> str:
    """Widget key of the coordinate slider: px, py, pz, px1, … ."""
    return f"p{variable}"


def axis_range(domain, index: int) -> tuple[float, float]:
    """The slider range of variable `index`: x uses the x range, every other variable the y range."""
    return (domain[0], domain[1]) if index == 0 else (domain[2], domain[3])


def point_sliders(formula: Formula, domain, columns: int = 2) -> np.ndarray:
    """P = (x₀, y₀, …) from one slider per variable."""
    cols = st.columns(min(columns, formula.n))
    coords = []
    for i, name in enumerate(formula.variables):
        lo, hi = axis_range(domain, i)
        key = point_key(name)
        current = st.session_state.get(key)
        clamped = float(min(max(DEFAULT_POINT if current is None else current, lo), hi))
        range_key = f"_range_{key}"
        # Write only when needed: a write on every run fights a slider being dragged. A new range makes
        # Streamlit start the slider afresh at its minimum unless its value is written again.
        if current != clamped or st.session_state.get(range_key) != (lo, hi):
            st.session_state[key] = clamped
            st.session_state[range_key] = (lo, hi)
        with cols[i % len(cols)]:
            label = f"{name}₀" if not name[-1].isdigit() else f"{name[0]}{name[1:].translate(SUBSCRIPT)},₀"
            coords.append(keep(key, st.slider(label, float(lo), float(hi), key=key, step=0.01)))
    return np.array(coords, dtype=np.float64)


def number_key(variable: str, generation: int) -> str:
    """Widget key of the coordinate's number input: px_n1, px_n2, … (see point_inputs)."""
    return f"{point_key(variable)}_n{generation}"


def _generation_key(variable: str) -> str:
    return f"_{point_key(variable)}_n_generation"


def _shown_key(variable: str) -> str:
    return f"_{point_key(variable)}_n_shown"


def _clamped(domain, index: int, value: float) -> float:
    lo, hi = axis_range(domain, index)
    return float(min(max(value, lo), hi))


def set_point(formula: Formula, domain, point) -> np.ndarray:
    """Move P (for a callback such as 'step downhill'), clamped to the plot range; the number inputs follow.

    Returns the point set (different from `point` where it was clamped).
    """
    clamped = np.array([_clamped(domain, i, float(point[i])) for i in range(formula.n)])
    for name, value in zip(formula.variables, clamped, strict=True):
        st.session_state[point_key(name)] = float(value)
    return clamped


def _from_number(domain, index: int, variable: str, key: str) -> None:
    if key != number_key(variable, st.session_state.get(_generation_key(variable), 0)):
        return      # an input of an older generation, echoed by a browser that has not seen the new one yet
    typed = st.session_state.get(key)
    if typed is not None:
        value = _clamped(domain, index, typed)
        st.session_state[point_key(variable)] = value
        st.session_state[_shown_key(variable)] = value if value == typed else None   # clamped: show the new value


def _page_changed() -> bool:
    """True on the first point_inputs of a page after another page ran (Streamlit then resets number inputs)."""
    ctx = get_script_run_ctx()
    page = ctx.page_script_hash if ctx is not None else ""
    changed = st.session_state.get(_INPUTS_PAGE) != page
    st.session_state[_INPUTS_PAGE] = page
    return changed


def point_inputs(formula: Formula, domain) -> np.ndarray:
    """P = (x₀, y₀, …) from a slider and a number input per variable, kept in sync (same keys as point_sliders).

    The slider's key (px) holds P. When P moves by anything but the number input (the slider, a button), the
    number input gets a fresh key (px_n1, px_n2, …) showing the new value, and only the newest key may move P:
    a browser that still holds an older input cannot send its number back and undo the move (a stale echo while
    several reruns are in flight, e.g. arrow keys held down on the slider).
    """
    coords, fresh = [], _page_changed()
    for i, name in enumerate(formula.variables):
        lo, hi = axis_range(domain, i)
        key = point_key(name)
        current = st.session_state.get(key, DEFAULT_POINT)
        value = _clamped(domain, i, current)
        range_key = f"_range_{key}"         # a new range starts the slider afresh at its minimum: write it again then
        if key not in st.session_state or value != current or st.session_state.get(range_key) != (lo, hi):
            st.session_state[key] = value                       # (writing every run would push stale values back
            st.session_state[range_key] = (lo, hi)              # into a slider that is still being moved)
        generation = st.session_state.get(_generation_key(name), 0)
        if fresh or st.session_state.get(_shown_key(name)) != value or number_key(name, generation) not in st.session_state:
            generation += 1                      # P moved by another widget, or another page ran: a fresh input
            st.session_state[_generation_key(name)], st.session_state[_shown_key(name)] = generation, value
            st.session_state[number_key(name, generation)] = value
        n_key = number_key(name, generation)
        label = f"{name}₀" if not name[-1].isdigit() else f"{name[0]}{name[1:].translate(SUBSCRIPT)},₀"
        slider_col, number_col = st.columns([3, 2], vertical_alignment="bottom")
        with slider_col:
            coords.append(keep(key, st.slider(label, float(lo), float(hi), key=key, step=0.01)))
        with number_col:
            st.number_input(_("{label} exactly", label=label), float(lo), float(hi), step=0.01, format="%.4f", key=n_key,
                            on_change=_from_number, args=(domain, i, name, n_key), label_visibility="collapsed")
    return np.array(coords, dtype=np.float64)


def point_params(formula: Formula) -> list[Param]:
    """P in the URL: px, py, … (the sliders clamp them to the plot range)."""
    return [Param(point_key(v), point_key(v), number(-RANGE_LIMIT, RANGE_LIMIT), DEFAULT_POINT, number_text)
            for v in formula.variables]


def plane_params(formula: Formula) -> list[Param]:
    """The plotted plane in the URL (ax_h, ax_v), for three or more variables."""
    names = formula.variables
    return [] if formula.n < 3 else [Param("ax_h", "ax_h", choice(names), names[0]),
                                     Param("ax_v", "ax_v", choice(names), names[1])]


def current_point(formula: Formula, domain) -> np.ndarray:
    """P as the other pages left it (or the link set it), clamped to the plot range, without drawing a slider."""
    coords = [_clamped(domain, i, float(st.session_state.get(point_key(name), DEFAULT_POINT)))
              for i, name in enumerate(formula.variables)]
    for name, value in zip(formula.variables, coords, strict=True):
        keep(point_key(name), value)          # still P on the next page, as if a slider had held it
    return np.array(coords, dtype=np.float64)
