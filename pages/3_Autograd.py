"""Page 3, Autograd: the graph torch records for f at P, the backward pass step by step, and the lecture's demos.

Widget keys (stable, short):
  ag_step   the backward step the graph shows (0 = after the forward pass)
  ag_calls  how many times backward() is called in the accumulation demo
  ag_zero   call optimizer.zero_grad() before each backward() in that demo
  ag_lecture  the button that loads the lecture's example 2 x·x at x = (0, 1, 2, 3)
The formula box (f, preset, xr, yr) and the point sliders (px, py, …) are shared with the other pages.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gradcore.autograd_graph import (
    BACKWARD_COLUMNS,
    accumulate,
    backward_rows,
    check_hessian,
    compile_program,
    describe_step,
    dot_product_example,
    fmt,
    fmt_vector,
    graph_dot,
    pytorch_snippet,
    record_graph,
    run_gradcheck,
    vector_gradient,
    vector_name,
)
from gradcore.check import check_gradient
from gradcore.presets import PRESETS
from ui.i18n import LANGUAGES, N_, _, tr, translated, translator
from ui.outline import show_section_label
from ui.point import point_key, point_params, point_sliders
from ui.region import region
from ui.sidebar import KEY_FORMULA, KEY_XRANGE, KEY_YRANGE, formula_sidebar, url_view
from ui.url import Param, choice, flag, flag_text, from_link, integer
from ui.views import show_check, show_formula_latex

st.set_page_config(page_title=_("Autograd · Gradient Lab"), page_icon="∇", layout="wide")

KEY_STEP, KEY_CALLS, KEY_ZERO = "ag_step", "ag_calls", "ag_zero"
FEW_BOXES = 12      # a graph of at most this many boxes is drawn beside its explanation
LECTURE_PRESET = PRESETS["Dot product (4 variables)"]
HESSIAN_TITLES = (N_("Hessian by autograd (grad of grad)"), N_("Hessian from sympy's exact second derivatives"))
TABS = (N_("Computation graph"), N_("Three ways"), N_("Vector input"), N_("Accumulation"), N_("Grad of grad"))
COLUMNS = dict(zip(BACKWARD_COLUMNS, (N_("step"), N_("node"), N_("output"), N_("value"), N_("∂f/∂output"),
                                      N_("sends back")), strict=True))     # the backward table's headers
# A tab's key holds its label, in the language it was shown in; the URL names the tab in English.
TAB_OF_LABEL = {translator(lang)(t): t for lang in LANGUAGES for t in TABS}


def url_params() -> list[Param]:
    """This page's view in the URL: the step, the accumulation demo and the tab (named in English)."""
    def tab(text: str) -> str:
        return translated(choice(TABS)(text))
    def step_text(step: int | None) -> str:         # the end of the backward pass is the default: no ?ag_step=
        return "" if step is None or step == st.session_state.get("_ag_steps") else str(step)
    return [Param(KEY_STEP, KEY_STEP, integer(0, 10_000), None, step_text), Param(KEY_CALLS, KEY_CALLS, integer(1, 5), 2),
            Param(KEY_ZERO, KEY_ZERO, flag, False, flag_text),
            Param("ag_tab", "ag_tab", tab, translated(TABS[0]), lambda label: TAB_OF_LABEL.get(label, label))]


def tab_labels() -> list[str]:
    """The tabs in the session's language; a tab chosen in the other language stays chosen."""
    chosen = st.session_state.get("ag_tab")
    if chosen in TAB_OF_LABEL:
        st.session_state["ag_tab"] = translated(TAB_OF_LABEL[chosen])
    return [translated(t) for t in TABS]


@st.cache_resource(max_entries=128, show_spinner=False)
def cached_program(text: str):
    """The torch program of a formula, compiled once per formula text."""
    from ui.sidebar import load_formula
    return compile_program(load_formula(text))


def load_lecture_example() -> None:
    """The lecture's x = arange(4.0), y = 2 x·x: its formula, range and point."""
    st.session_state[KEY_FORMULA] = LECTURE_PRESET.formula
    st.session_state[KEY_XRANGE], st.session_state[KEY_YRANGE] = LECTURE_PRESET.domain[:2], LECTURE_PRESET.domain[2:]
    for i in range(4):
        st.session_state[point_key(f"x{i + 1}")] = float(i)


def step_slider(text: str, steps: int) -> int:
    """The backward step to show; a new formula starts at the end of its backward pass."""
    if (st.session_state.get("_ag_steps_of") != text and not from_link(KEY_STEP)) or st.session_state.get(KEY_STEP) is None:
        st.session_state[KEY_STEP] = steps          # only then: writing every run would undo a slider being moved
    st.session_state["_ag_steps_of"], st.session_state["_ag_steps"] = text, steps
    if st.session_state[KEY_STEP] > steps:          # a link's step beyond this formula's backward pass
        st.session_state[KEY_STEP] = steps
    return st.slider(_("Backward step (0 = just after the forward pass)"), 0, steps, key=KEY_STEP,
                     help=_("Walk the backward pass one node at a time, in the order torch's engine ran them."))


def matrix_table(matrix, variables) -> pd.DataFrame:
    """A Hessian as strings, row i labelled ∇(∂f/∂x_i)."""
    return pd.DataFrame([[fmt(h, 10) for h in row] for row in matrix], index=[f"∇(∂f/∂{v})" for v in variables],
                        columns=list(variables))


def explain_step(graph, step: int, note: str) -> None:
    """What backward() does at this step, the folding note, and how to read the drawing."""
    st.markdown(tr(describe_step(graph, step)))
    if note:
        st.info(tr(note))
    st.caption(_("Read the graph bottom up for the forward pass: each box is torch's `grad_fn` node, the part of f it "
                 "computes and its value. backward() walks it top down: the red numbers are the gradients sent along "
                 "each edge; grad in a box is ∂f/∂(its output), the sum of what reached it."))


@region
def show_backward_pass(f, graph) -> None:
    """The computation graph tab: the step slider, f(P) and the leaves' .grad, the graph and the table of steps.

    A region: the step slider changes only this tab, so moving it reruns only this part."""
    shown = f.variables if f.n <= 3 else ()
    cols = st.columns([3, *[1.3] * (1 + len(shown))], gap="medium", vertical_alignment="bottom")
    with cols[0]:
        step = step_slider(f.text, len(graph.order))
    finished = step == len(graph.order)
    cols[1].metric("f(P)", fmt(graph.value, 5))
    for col, name, g in zip(cols[2:], shown, graph.gradient, strict=False):
        col.metric(f"{name}.grad", fmt(g, 5) if finished else "?")
    drawing = graph_dot(graph, step, tr=tr)
    if drawing.boxes <= FEW_BOXES:          # a small graph stands beside its explanation
        left, right = st.columns(2, gap="medium")
        left.graphviz_chart(drawing.dot, width="content")
        with right:
            explain_step(graph, step, drawing.note)
    else:                                   # a larger one takes the whole width, under its explanation
        explain_step(graph, step, drawing.note)
        st.graphviz_chart(drawing.dot, width="content")
    rows = backward_rows(graph, step, tr=tr)
    st.dataframe(pd.DataFrame(rows, columns=list(BACKWARD_COLUMNS)).rename(columns=lambda c: translated(COLUMNS[c])),
                 hide_index=True, width="stretch", height=36 * min(len(rows) + 1, 16) + 4)   # 15 rows without scrolling


show_section_label(__file__)
st.title(_("Autograd"))
st.caption(_("The lecture's autograd in three lines: make x with `requires_grad=True`, call `y.backward()`, read "
             "`x.grad`. This page opens that box for the formula in the sidebar, at the point P."))

sel = formula_sidebar()
f = sel.formula
url_view(point_params(f), url_params())
program = cached_program(f.text)
P = point_sliders(f, sel.domain, columns=min(f.n, 4))
graph = record_graph(program, P)
v = vector_name(f.variables)

tab_graph, tab_ways, tab_vector, tab_accumulate, tab_hessian = st.tabs(tab_labels(), key="ag_tab", on_change="rerun")

with tab_graph:
    show_backward_pass(f, graph)

with tab_ways:
    check = check_gradient(f, P)
    verdict = run_gradcheck(program, P)
    st.markdown(_("**sympy's exact derivatives**"))
    show_formula_latex(f)
    st.markdown(_("**At P: sympy, torch autograd and finite differences**"))
    show_check(check)
    gradcheck = (_("**`torch.autograd.gradcheck(f, {v})` in float64 passes:** {message}.", v=v, message=tr(verdict.message))
                 if verdict.ok else
                 _("**`torch.autograd.gradcheck(f, {v})` in float64 fails:** {message}.", v=v, message=tr(verdict.message)))
    if not verdict.ok and check.ok and all(r.verdict == "agree" for r in check.rows):   # only gradcheck's fixed step fails
        st.warning(gradcheck + " " + _("gradcheck uses central differences with a fixed step eps = 1e-6, which at this P "
                                       "leaves the domain, is lost to rounding in a large f, or reaches across a nearby "
                                       "pole or kink. The finite differences above, with a step fitted to P, agree with "
                                       "autograd: a limit of the fixed step, not a wrong gradient."))
    else:
        (st.success if verdict.ok else st.error)(gradcheck)

with tab_vector:
    x0, x0_grad = dot_product_example()
    st.markdown(_("**The lecture's example:** x = arange(4), y = 2 x·x, and x.grad = 4x."))
    left, right = st.columns(2, gap="large")
    left.code("x = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\ny.backward()\nx.grad",
              language="python")
    with right:
        st.markdown(_("x = {x}  \nx.grad = {grad}: each component is 4 times x's.", x=fmt_vector(x0),
                      grad=fmt_vector(x0_grad)))
        st.button(_("Load it: 2(x1²+x2²+x3²+x4²) at (0, 1, 2, 3)"), key="ag_lecture", on_click=load_lecture_example,
                  help=_("Puts the lecture's y = 2 x·x into the formula box and x = (0, 1, 2, 3) into the point sliders."))
    st.markdown(_("**Your formula, with {v} as one tensor of {n} components** (the same code for any n)", v=v, n=f.n))
    left, right = st.columns(2, gap="large")
    left.code(f"{v} = torch.tensor(\n    {fmt_vector(P)},\n    dtype=torch.float64, requires_grad=True)\n"
              f"out = f(*{v}.unbind())\nout.backward()\n{v}.grad", language="python")
    right.dataframe(pd.DataFrame({
        _("component"): list(f.variables),
        f"{v}": [fmt(c, 10) for c in P],
        f"{v}.grad": [fmt(g, 10) for g in vector_gradient(program, P)],
        _("sympy ∂f/∂·"): [fmt(g, 10) for g in f.gradient(P)],
    }), hide_index=True, width="stretch")

with tab_accumulate:
    left, right = st.columns([1, 1.6], gap="large")
    with left:
        calls = st.slider(_("backward() calls"), 1, 5, 2, key=KEY_CALLS, persist_state="session")
        zero = st.checkbox(_("optimizer.zero_grad() first"), key=KEY_ZERO, persist_state="session",
                           help=_("Call optimizer.zero_grad() before each backward(), as a training loop does."))
        st.code(f"for call in range({calls}):\n" + ("    optimizer.zero_grad()\n" if zero else "")
                + f"    out = f(*{v}.unbind())\n    out.backward()\n    print({v}.grad)", language="python")
    with right:
        acc = accumulate(program, P, calls, zero)
        st.dataframe(pd.DataFrame({
            _("after call"): list(range(1, calls + 1)),
            f"{v}.grad": [fmt_vector(g) for g in acc.grads],
            _("multiple of ∇f"): [fmt(m, 10) for m in acc.multiples],
        }), hide_index=True, width="stretch")
        if zero:
            st.success(_("With zero_grad() every call starts from an empty .grad: each row is ∇f itself."))
        else:
            st.warning(_("Without zero_grad(), backward() adds to {v}.grad: after k calls it holds k·∇f. That is why "
                         "every training loop calls optimizer.zero_grad() before loss.backward().", v=v))

with tab_hessian:
    hessian = check_hessian(f, program, P)
    st.code(f"(g,) = torch.autograd.grad(f(*{v}.unbind()), {v}, create_graph=True)   # ∇f, itself differentiable\n"
            f"H[i] = torch.autograd.grad(g[i], {v}, retain_graph=True)[0]          # row i: ∇(∂f/∂{v}_i)",
            language="python")
    for column, title, matrix in zip(st.columns(2, gap="large"), HESSIAN_TITLES, (hessian.autograd, hessian.sympy),
                                     strict=True):
        column.markdown(f"**{translated(title)}**")
        column.dataframe(matrix_table(matrix, f.variables), width="stretch")
    if hessian.ok:
        st.success(_("They agree to float64 rounding (largest difference {error:.1e}).", error=hessian.max_abs_error))
    else:
        st.warning(_("They differ (largest difference {error:.1e}): at a kink or where f is not twice differentiable, "
                     "torch's and sympy's conventions for the second derivative part ways.", error=hessian.max_abs_error))

with st.expander(_("Show the code: the PyTorch script that prints these numbers")):
    st.code(pytorch_snippet(program, P, calls, zero, tr=tr), language="python")
