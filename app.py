"""Gradient Lab, home page: what the app is, the formula box, and the lecture's outline, each section a prepared view."""

from __future__ import annotations

import numpy as np
import streamlit as st

from ui.i18n import _
from ui.outline import show_outline
from ui.point import current_point, point_params
from ui.sidebar import formula_sidebar, url_view
from ui.views import show_formula_latex, show_undefined

st.set_page_config(page_title=_("Gradient Lab"), page_icon="∇", layout="wide")
GRADIENT_PAGE = "pages/2_Gradient.py"    # where P is moved by hand


def show_preview(f, P) -> None:
    """A compact look at the formula of the sidebar: f and its partials, f(P) and ∇f(P), and where to go on."""
    st.subheader(_("Your formula"))
    value, gradient = float(f.value(P)), f.gradient(P)
    point = ", ".join(f"{c:.6g}" for c in P)
    if not np.isfinite(value):
        show_undefined(f, P)
    formula, numbers = st.columns([3, 2], gap="large")
    with formula:
        show_formula_latex(f)
    with numbers:
        left, right = st.columns(2)
        left.metric("f(P)", f"{value:.10g}")
        right.metric("∇f(P)", "(" + ", ".join(f"{g:.6g}" for g in gradient) + ")")
        st.caption(_("P = ({point}), the point every page shares", point=point))
        st.page_link(GRADIENT_PAGE, label=_("Move P and see the partials as slopes: the Gradient page"),
                     icon=":material/arrow_forward:")


st.header(_("∇ Gradient Lab"))
st.markdown(_("An interactive companion to the lecture on **directional derivatives, gradients, autograd and gradient "
              "descent in PyTorch**. Each page computes exactly what it shows: sympy's exact derivatives, checked with "
              "torch autograd, and torch.optim's own optimizers."))
st.caption(_("Type any formula in the sidebar's box, or choose a preset: it feeds every page. Each section below opens "
             "its page in a prepared view; the sidebar's link keeps whatever you change."))

sel = formula_sidebar()
f = sel.formula
url_view(point_params(f))
show_outline()
show_preview(f, current_point(f, sel.domain))
