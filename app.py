"""Gradient Lab, home page: a formula, its exact gradient, and the gradient checked three ways."""

from __future__ import annotations

import numpy as np
import streamlit as st

from gradcore.check import check_gradient
from gradcore.figures import contour_figure, sample_grid, surface_figure, tangent_figure
from ui.chart import chart
from ui.i18n import _, tr
from ui.outline import show_outline
from ui.point import point_params, point_sliders
from ui.sidebar import formula_sidebar, url_view
from ui.views import show_check, show_formula_latex, show_gradient_at

st.set_page_config(page_title=_("Gradient Lab"), page_icon="∇", layout="wide")


@st.cache_data(max_entries=64, show_spinner=False)
def cached_grid(text: str, domain: tuple, point: tuple | None, axes: tuple[int, int]):
    from ui.sidebar import load_formula
    return sample_grid(load_formula(text), domain, point=point, axes=axes)


st.header(_("∇ Gradient Lab"))
st.caption(_("Directional derivatives, gradients, autograd and gradient descent in PyTorch, following the lecture. "
             "Each section below opens its page in a prepared view; the sidebar's formula box feeds every page."))

sel = formula_sidebar()
f = sel.formula
url_view(point_params(f))
show_outline()

st.subheader(_("Your formula: f, ∇f and the gradient checked three ways"))
show_formula_latex(f)

left, right = st.columns([2, 3], gap="large")
with left:
    st.markdown(_("**The point P**"))
    P = point_sliders(f, sel.domain, columns=1)
    check = check_gradient(f, P)
    st.metric("f(P)", f"{check.value:.10g}")
    show_gradient_at(P, [r.symbolic for r in check.rows])

with right:
    if f.n == 1:
        xs = np.linspace(sel.domain[0], sel.domain[1], 400)
        slope = check.rows[0].symbolic
        chart(tangent_figure(xs, f.value(xs[:, None]), P[0], check.value, slope, "x",
                                       _("f and its tangent at P: the derivative is the slope"), tr), key="fig_main")
    elif f.n == 2:
        grid = cached_grid(f.text, sel.domain, None, (0, 1))
        chart(surface_figure(grid, P, check.value, _("z = f({variables}) with P", variables=", ".join(f.variables)), tr),
                        key="fig_main")
    else:
        c1, c2 = st.columns(2)
        h = c1.selectbox(_("Horizontal axis"), f.variables, index=0, key="ax_h")
        v = c2.selectbox(_("Vertical axis"), [n for n in f.variables if n != h], index=0, key="ax_v")
        axes = (f.variables.index(h), f.variables.index(v))
        grid = cached_grid(f.text, sel.domain, tuple(P), axes)
        others = ", ".join(f"{n} = {P[i]:.3g}" for i, n in enumerate(f.variables) if i not in axes)
        chart(contour_figure(grid, P[list(axes)], _("Slice through P in ({h}, {v}); {others}", h=h, v=v, others=others), tr),
                        key="fig_main")

st.markdown(_("**The gradient at P, checked three ways**"))
show_check(check)
