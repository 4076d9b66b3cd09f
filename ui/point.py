"""The point P: one slider per variable, kept across pages, clamped to the plot range."""

from __future__ import annotations

import numpy as np
import streamlit as st

from gradcore import Formula

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
        current = st.session_state.get(key, DEFAULT_POINT)
        st.session_state[key] = float(min(max(current, lo), hi))
        with cols[i % len(cols)]:
            label = f"{name}₀" if not name[-1].isdigit() else f"{name[0]}{name[1:].translate(SUBSCRIPT)},₀"
            coords.append(st.slider(label, float(lo), float(hi), key=key, step=0.01, persist_state="session"))
    return np.array(coords, dtype=np.float64)
